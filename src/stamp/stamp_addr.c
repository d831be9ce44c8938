// SPDX-License-Identifier: Apache-2.0
/*
 * Address parsing and prefix matching for STAMP targets, listen addresses and the reflector's
 * allow list. Text comes from the command line and the config file, so it is bounded and goes
 * through inet_pton and num_parse_u64 only.
 */
#include "stamp/stamp_addr.h"

#include "common/num.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ADDR_TEXT_MAX 64

static int parse_ip(const char *s, size_t len, struct sockaddr_storage *ss)
{
	char tmp[ADDR_TEXT_MAX];

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, tmp, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int stamp_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ret,
                     socklen_t *ret_len)
{
	struct sockaddr_storage ss;
	const char *colon, *host = s, *port = NULL;
	size_t hlen = strlen(s);
	uint64_t p = default_port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -EINVAL;
	} else if ((colon = strchr(s, ':')) && !strchr(colon + 1, ':')) {
		/* exactly one colon: IPv4 with a port (a bare IPv6 address has several) */
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (parse_ip(host, hlen, &ss) < 0)
		return -EINVAL;
	if (port && num_parse_u64_str(port, 65535, &p) < 0)
		return -EINVAL;
	stamp_addr_set_port((struct sockaddr *)&ss, (uint16_t)p);
	*ret = ss;
	*ret_len = stamp_addr_len((struct sockaddr *)&ss);
	return 0;
}

static const uint8_t *addr_bytes(const struct sockaddr *sa, size_t *ret_len)
{
	if (sa->sa_family == AF_INET) {
		*ret_len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		*ret_len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	}
	*ret_len = 0;
	return NULL;
}

int stamp_prefix_parse(const char *s, struct stamp_prefix *ret)
{
	struct sockaddr_storage ss;
	struct stamp_prefix p = {0};
	const char *slash = strchr(s, '/');
	size_t alen;
	const uint8_t *a;
	uint64_t len;

	if (parse_ip(s, slash ? (size_t)(slash - s) : strlen(s), &ss) < 0)
		return -EINVAL;
	a = addr_bytes((struct sockaddr *)&ss, &alen);
	len = alen * 8;
	if (slash && num_parse_u64_str(slash + 1, alen * 8, &len) < 0)
		return -EINVAL;
	p.family = ss.ss_family;
	memcpy(p.addr, a, alen);
	p.len = (uint8_t)len;
	/* host bits set is almost always a typo in an allow list: refuse it */
	for (size_t bit = len; bit < alen * 8; bit++)
		if (p.addr[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	*ret = p;
	return 0;
}

bool stamp_prefix_match(const struct stamp_prefix *p, const struct sockaddr *sa)
{
	size_t alen, full = p->len / 8, rest = p->len % 8;
	const uint8_t *a = addr_bytes(sa, &alen);

	if (!a || sa->sa_family != p->family)
		return false;
	if (memcmp(a, p->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & mask) != (p->addr[full] & mask))
			return false;
	}
	return true;
}

bool stamp_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	size_t la, lb;
	const uint8_t *pa = addr_bytes(a, &la), *pb = addr_bytes(b, &lb);

	return pa && pb && a->sa_family == b->sa_family && memcmp(pa, pb, la) == 0;
}

void stamp_addr_format(const struct sockaddr *sa, char *out, size_t len)
{
	size_t alen;
	const uint8_t *a = addr_bytes(sa, &alen);

	if (len == 0)
		return;
	out[0] = '\0';
	if (!a || !inet_ntop(sa->sa_family, a, out, (socklen_t)len))
		out[0] = '\0';
}

uint16_t stamp_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void stamp_addr_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

socklen_t stamp_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}
