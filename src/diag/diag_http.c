// SPDX-License-Identifier: Apache-2.0
/*
 * A loopback-only HTTP GET for the diag bundle (see diag_http.h): the URL is checked to name a
 * loopback address by number, then fetched with the one HTTP client (http/http_client.h).
 */
#include "diag/diag_http.h"

#include "http/http_client.h"
#include "http/http_url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int diag_http_parse_url(const char *url, struct sockaddr_storage *ret_addr, socklen_t *ret_len,
                        char ret_path[DIAG_HTTP_PATH_MAX])
{
	const char *path;
	struct http_url u;
	int r = http_url_parse(url, &u);

	if (r == -EOPNOTSUPP)
		return -EPERM; /* a name: we resolve nothing, so it cannot be shown to be local */
	if (r < 0 || strlen(u.path) >= DIAG_HTTP_PATH_MAX)
		return -EINVAL;
	if (u.addr.ss_family == AF_INET
	        ? ntohl(((struct sockaddr_in *)&u.addr)->sin_addr.s_addr) >> 24 != 127
	        : !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&u.addr)->sin6_addr))
		return -EPERM;
	*ret_addr = u.addr;
	*ret_len = u.addr_len;
	path = *u.path ? u.path : "/metrics";
	memcpy(ret_path, path, strlen(path) + 1);
	return 0;
}

int diag_http_get(const char *url, unsigned timeout_ms, size_t max, struct buf *out)
{
	const struct http_client_opts o = {
	    .timeout_ms = timeout_ms, .max_body = max, .accept = "text/plain"};
	char path[DIAG_HTTP_PATH_MAX], host[INET6_ADDRSTRLEN], full[DIAG_HTTP_PATH_MAX + 80];
	char err[HTTP_CLIENT_ERR_MAX];
	struct sockaddr_storage ss;
	socklen_t sl;
	int r;

	/* checked here to be loopback and numeric, so that the client resolves nothing */
	r = diag_http_parse_url(url, &ss, &sl, path);
	if (r < 0)
		return r;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(full, sizeof(full), "http://%s:%u%s", host, ntohs(sin->sin_port), path);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(full, sizeof(full), "http://[%s]:%u%s", host, ntohs(sin6->sin6_port),
		         path);
	}
	return http_get(full, &o, out, NULL, err);
}
