// SPDX-License-Identifier: Apache-2.0
/*
 * http:// URLs to connect to (see http_url.h): the scheme and the path here, the address by
 * the one address parser.
 */
#include "http/http_url.h"

#include "common/netaddr.h"

#include <errno.h>
#include <string.h>

/* "[" 39 characters of IPv6 "]:65535", with room for a longer (refused) host name */
#define HTTP_URL_HOST_MAX 300

int http_url_parse(const char *url, struct http_url *ret)
{
	static const char scheme[] = "http://";
	struct http_url u = {0};
	char host[HTTP_URL_HOST_MAX];
	int r;

	if (!url || strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return -EINVAL;
	u.host = url + sizeof(scheme) - 1;
	u.path = strchr(u.host, '/');
	if (!u.path)
		u.path = u.host + strlen(u.host);
	u.host_len = (size_t)(u.path - u.host);
	if (u.host_len == 0 || u.host_len >= sizeof(host))
		return -EINVAL;
	for (const char *c = u.path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -EINVAL; /* nothing that could split the request line */
	memcpy(host, u.host, u.host_len);
	host[u.host_len] = '\0';
	r = netaddr_parse(host, 80, NETADDR_LOCALHOST, &u.addr, &u.addr_len);
	if (r < 0)
		return r;
	*ret = u;
	return 0;
}
