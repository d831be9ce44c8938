// SPDX-License-Identifier: Apache-2.0
/*
 * STAMP targets and the reflector's allow list: addresses are parsed by common/netaddr (the one
 * address parser), prefixes here on top of it.
 */
#include "stamp/stamp_addr.h"

#include "common/netaddr.h"
#include "common/num.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

int stamp_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ret,
                     socklen_t *ret_len)
{
	return netaddr_parse(s, default_port, 0, ret, ret_len);
}

int stamp_prefix_parse(const char *s, struct stamp_prefix *ret)
{
	struct sockaddr_storage ss;
	struct stamp_prefix p = {0};
	const char *slash = strchr(s, '/');
	size_t alen;
	const uint8_t *a;
	uint64_t len;

	if (netaddr_parse_ip(s, slash ? (size_t)(slash - s) : strlen(s), &ss) < 0)
		return -EINVAL;
	a = netaddr_bytes((struct sockaddr *)&ss, &alen);
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
	size_t alen;
	const uint8_t *a = netaddr_bytes(sa, &alen);
	int family = sa->sa_family;

	/* an IPv4 peer of a dual-stack socket (listen ":PORT") arrives as ::ffff:a.b.c.d */
	if (a && family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
		a += 12;
		family = AF_INET;
	}
	return a && family == p->family && netaddr_prefix_equal(a, p->addr, p->len);
}

bool stamp_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	size_t la, lb;
	const uint8_t *pa = netaddr_bytes(a, &la), *pb = netaddr_bytes(b, &lb);

	return pa && pb && a->sa_family == b->sa_family && memcmp(pa, pb, la) == 0;
}

void stamp_addr_format(const struct sockaddr *sa, char *out, size_t len)
{
	size_t alen;
	const uint8_t *a = netaddr_bytes(sa, &alen);

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
