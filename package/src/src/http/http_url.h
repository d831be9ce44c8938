/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "http://HOST[:PORT][/PATH]" URLs ikewatch itself connects to (diag's --exporter, heal's
 * notify_url): HOST is what common/netaddr.h takes as a numeric address, [IPV6], or localhost
 * (127.0.0.1, never resolved); PORT is 1-65535, 80 by default. Nothing is resolved, so a URL
 * always means the same peer. Pure: no I/O.
 */
#ifndef IKEWATCH_HTTP_URL_H
#define IKEWATCH_HTTP_URL_H

#include <stddef.h>
#include <sys/socket.h>

struct http_url {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *host; /* HOST[:PORT] as written, for the Host header (into the URL) */
	size_t host_len;
	const char *path; /* "/..." or "" when the URL has none (into the URL) */
};

/* 0, -EINVAL (not such a URL, or a path with spaces or control characters that would split
 * the request line), or a netaddr_parse() error for HOST[:PORT] (-ERANGE, -EOPNOTSUPP for a
 * host name). */
int http_url_parse(const char *url, struct http_url *ret);

#endif
