// SPDX-License-Identifier: Apache-2.0
/*
 * Socket addresses from text (see netaddr.h). The text is split into host and port by its
 * shape alone, the host goes through inet_pton() (or, for listen addresses, a host-name syntax
 * check and then getaddrinfo()), the port through the checked number helper. Nothing but a
 * syntactically valid host name ever reaches the resolver, and nothing numeric does: glibc's
 * getaddrinfo() would take "127.1" or "0x7f.1" as addresses that inet_pton() refuses.
 */
#include "common/netaddr.h"

#include "common/num.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

/* RFC 1035 section 2.3.4: 255 octets on the wire, 253 characters written out. */
#define HOST_NAME_TEXT_MAX 253
#define HOST_LABEL_MAX 63

int netaddr_parse_ip(const char *s, size_t len, struct sockaddr_storage *ret)
{
	struct sockaddr_storage ss;
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(&ss, 0, sizeof(ss));
	/* inet_pton, unlike inet_aton, accepts only dotted quads: no "127.1", no hex */
	if (inet_pton(AF_INET, tmp, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return -EINVAL;
	*ret = ss;
	return 0;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 1123 section 2.1 host name: dot-separated labels of letters, digits and inner hyphens,
 * the last one not all digits (so that no dotted number passes for a name). */
bool netaddr_host_name_valid(const char *s, size_t len)
{
	size_t start = 0;
	bool digits_only = true;

	if (len == 0 || len > HOST_NAME_TEXT_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t n = i - start;

			if (n == 0 || n > HOST_LABEL_MAX || s[start] == '-' || s[i - 1] == '-')
				return false;
			if (i < len)
				digits_only = true;
			start = i + 1;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
		if (s[i] < '0' || s[i] > '9')
			digits_only = false;
	}
	return !digits_only;
}

/* The name's first IPv4 address, else its first IPv6 one. */
static int resolve(const char *s, size_t len, struct sockaddr_storage *ret)
{
	const struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res, *pick = NULL;
	char name[HOST_NAME_TEXT_MAX + 1];
	int e;

	memcpy(name, s, len);
	name[len] = '\0';
	e = getaddrinfo(name, NULL, &hints, &res);
	if (e == EAI_MEMORY)
		return -ENOMEM;
	if (e != 0)
		return -EADDRNOTAVAIL;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (pick && pick->ai_addrlen <= sizeof(*ret)) {
		memset(ret, 0, sizeof(*ret));
		memcpy(ret, pick->ai_addr, pick->ai_addrlen);
	} else {
		pick = NULL;
	}
	freeaddrinfo(res);
	return pick ? 0 : -EADDRNOTAVAIL;
}

int netaddr_parse(const char *s, int default_port, unsigned flags, struct sockaddr_storage *ret,
                  socklen_t *ret_len)
{
	struct sockaddr_storage ss;
	const char *host = s, *port = NULL, *colon;
	bool bracket = false, name = false;
	size_t hlen;
	uint64_t p;
	int r;

	if (!s || !ret || !ret_len)
		return -EINVAL;
	hlen = strlen(s);
	/* split by shape */
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return -EINVAL;
		bracket = true;
		host = s + 1;
		hlen = (size_t)(end - host);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -EINVAL;
	} else if ((colon = strchr(s, ':')) && !strchr(colon + 1, ':')) {
		/* exactly one colon: a host with a port (a bare IPv6 address has several) */
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	/* the host: empty (listen on every address), numeric, or a name to resolve */
	memset(&ss, 0, sizeof(ss));
	if (hlen == 0) {
		if (bracket || !port || !(flags & NETADDR_LISTEN))
			return -EINVAL;
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_any;
	} else if (netaddr_parse_ip(host, hlen, &ss) == 0) {
		if (bracket && ss.ss_family != AF_INET6)
			return -EINVAL;
	} else if (!bracket && hlen == 9 && memcmp(host, "localhost", 9) == 0 &&
	           (flags & (NETADDR_NAMES | NETADDR_LOCALHOST))) {
		/* fixed, not resolved: the same on every host, whatever /etc/hosts says */
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (bracket || !netaddr_host_name_valid(host, hlen)) {
		return -EINVAL;
	} else if (flags & NETADDR_NAMES) {
		name = true;
	} else {
		return -EOPNOTSUPP;
	}
	/* the port */
	if (port) {
		r = num_parse_u64(port, strlen(port), 65535, &p);
		if (r < 0)
			return r == -ERANGE ? -ERANGE : -EINVAL;
		if (p == 0 && !(flags & NETADDR_LISTEN))
			return -ERANGE;
	} else if (default_port < 0 || default_port > 65535) {
		return -EDESTADDRREQ;
	} else {
		p = (uint64_t)default_port;
	}
	if (name && (r = resolve(host, hlen, &ss)) < 0)
		return r;
	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p);
		*ret_len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)p);
		*ret_len = sizeof(struct sockaddr_in6);
	}
	*ret = ss;
	return 0;
}

int netaddr_parse_listen(const char *s, int default_port, struct sockaddr_storage *ret,
                         socklen_t *ret_len)
{
	return netaddr_parse(s, default_port, NETADDR_LISTEN | NETADDR_NAMES, ret, ret_len);
}

const char *netaddr_strerror(int r)
{
	switch (r) {
	case 0:
		return "ok";
	case -EINVAL:
		return "not an address: IPV4[:PORT], [IPV6][:PORT], or to listen :PORT, NAME:PORT";
	case -EDESTADDRREQ:
		return "a port is required (ADDR:PORT, [IPV6]:PORT, :PORT)";
	case -ERANGE:
		return "port outside 1-65535";
	case -EOPNOTSUPP:
		return "a host name, where only a numeric address is taken";
	case -EADDRNOTAVAIL:
		return "host name does not resolve";
	default:
		return strerror(-r);
	}
}

const uint8_t *netaddr_bytes(const struct sockaddr *sa, size_t *ret_len)
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

bool netaddr_prefix_equal(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ net[full]) & (0xff00 >> rest) & 0xff) == 0;
}
