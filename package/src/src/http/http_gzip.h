/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gzip for HTTP responses: does a client's Accept-Encoding allow gzip, and the compression
 * itself. A codec: no I/O, no logging, so unit tests and a fuzzer reach it directly.
 */
#ifndef IKEWATCH_HTTP_GZIP_H
#define IKEWATCH_HTTP_GZIP_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Does the Accept-Encoding value (RFC 9110 section 12.5.3) @v of @len bytes list gzip with a
 * non-zero weight? Any bytes are safe. */
bool http_accepts_gzip(const char *v, size_t len);

/* gzip (RFC 1952) @in into a new buffer @out (capped at HTTP_BODY_MAX; buf_done() it).
 * 0, -ENOMEM, -E2BIG, or -EIO. */
int http_gzip(const struct buf *in, struct buf *out);

#endif
