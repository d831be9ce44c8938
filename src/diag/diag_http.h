/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fetching the exporter's /metrics for the diag bundle: a GET through the one HTTP client, to
 * a loopback address only, with one deadline for the whole exchange and a cap on the answer.
 */
#ifndef IKEWATCH_DIAG_HTTP_H
#define IKEWATCH_DIAG_HTTP_H

#include "common/buf.h"

#include <stddef.h>
#include <sys/socket.h>

#define DIAG_HTTP_PATH_MAX 256

/*
 * "http://HOST[:PORT][/PATH]" with HOST 127.x.y.z, [::1] or localhost; PORT defaults to 80
 * and an empty PATH to /metrics. 0, -EINVAL (not such a URL) or -EPERM (not loopback).
 */
int diag_http_parse_url(const char *url, struct sockaddr_storage *ret_addr, socklen_t *ret_len,
                        char ret_path[DIAG_HTTP_PATH_MAX]);

/* GET @url; on 0 the body of a 200 answer is appended to @out. -ETIMEDOUT, -EPROTO (not a 200
 * or not HTTP), -E2BIG (over @max), a parse error, or a socket -errno. */
int diag_http_get(const char *url, unsigned timeout_ms, size_t max, struct buf *out);

#endif
