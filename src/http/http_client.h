/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one HTTP client: a GET with a deadline, a cap on the answer, optional basic auth and TLS
 * (CA, client certificate), for reading a peer's ikewatch or a Prometheus server. It is
 * libcurl's (GnuTLS flavour, as the server side), restricted to http and https, following no
 * redirect (an answer from somewhere else is not the peer's). The body is outside input: the
 * caller parses it with a bounded parser.
 */
#ifndef IKEWATCH_HTTP_CLIENT_H
#define IKEWATCH_HTTP_CLIENT_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct http_client_opts {
	unsigned timeout_ms;             /* the whole exchange, connect included */
	size_t max_body;                 /* after decompression */
	const char *accept;              /* Accept header, NULL for curl's default */
	const char *username, *password; /* basic auth when username is set */
	const char *ca_file;             /* verify the server against this CA (else the system's) */
	const char *cert_file, *key_file; /* client certificate */
	bool insecure_skip_verify;
};

#define HTTP_CLIENT_ERR_MAX 256

/*
 * GET @url; the body of a 200 answer is appended to @out, which is left as it was on any error.
 * Returns 0; -EPROTO for another status (in *ret_status, which may be NULL) or an answer that is
 * not HTTP, -ETIMEDOUT, -E2BIG (over max_body), -ECONNREFUSED, -EHOSTUNREACH, -EACCES (TLS or
 * auth failed), -EINVAL (not an http(s) URL), or -EIO; @err gets one line saying why.
 */
int http_get(const char *url, const struct http_client_opts *o, struct buf *out, long *ret_status,
             char err[HTTP_CLIENT_ERR_MAX]);

/* POST @len bytes of @body as @content_type; any 2xx answer is success (its body is not read
 * further than max_body and not kept). Errors as http_get(). */
int http_post(const char *url, const struct http_client_opts *o, const char *content_type,
              const void *body, size_t len, long *ret_status, char err[HTTP_CLIENT_ERR_MAX]);

#endif
