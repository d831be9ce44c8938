// SPDX-License-Identifier: Apache-2.0
/*
 * The one address parser: a vector table for targets and listen addresses (every form, the
 * port range, names), malformed input, and the byte helpers the prefix matchers share.
 */
#include "test.h"

#include "common/netaddr.h"
#include "http/http_url.h"
#include "stamp/stamp_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#define T 0u /* a target or source: numeric, no ":PORT" */
#define L (NETADDR_LISTEN | NETADDR_NAMES)

static const struct {
	const char *in;
	int default_port;
	unsigned flags;
	int r;
	const char *addr; /* inet_ntop() of the result */
	unsigned port;
} vectors[] = {
    /* targets */
    {"203.0.113.1", 0, T, 0, "203.0.113.1", 0},
    {"203.0.113.1", 862, T, 0, "203.0.113.1", 862},
    {"203.0.113.1:8620", 862, T, 0, "203.0.113.1", 8620},
    {"2001:db8::1", 862, T, 0, "2001:db8::1", 862},
    {"[2001:db8::1]", 862, T, 0, "2001:db8::1", 862},
    {"[2001:db8::1]:9", 862, T, 0, "2001:db8::1", 9},
    {"::ffff:192.0.2.1", 1, T, 0, "::ffff:192.0.2.1", 1},
    {"203.0.113.1:65535", 0, T, 0, "203.0.113.1", 65535},
    {"203.0.113.1:1", 0, T, 0, "203.0.113.1", 1},
    {"203.0.113.1:0", 0, T, -ERANGE, NULL, 0},
    {"203.0.113.1:65536", 0, T, -ERANGE, NULL, 0},
    {"203.0.113.1:99999999999999999999999", 0, T, -ERANGE, NULL, 0},
    {"[::1]:70000", 0, T, -ERANGE, NULL, 0},
    {":862", 0, T, -EINVAL, NULL, 0},          /* "every address" only to listen */
    {"localhost", 0, T, -EOPNOTSUPP, NULL, 0}, /* no names for targets */
    {"host.example:80", 0, T, -EOPNOTSUPP, NULL, 0},
    {"localhost:80", 0, NETADDR_LOCALHOST, 0, "127.0.0.1", 80},
    {"localhost.example:80", 0, NETADDR_LOCALHOST, -EOPNOTSUPP, NULL, 0},
    {"LOCALHOST:80", 0, NETADDR_LOCALHOST, -EOPNOTSUPP, NULL, 0},
    {"203.0.113.1", -1, T, -EDESTADDRREQ, NULL, 0},
    /* listen addresses: the forms `serve` always took */
    {"127.0.0.1:9917", -1, L, 0, "127.0.0.1", 9917},
    {"0.0.0.0:80", -1, L, 0, "0.0.0.0", 80},
    {"[::1]:9917", -1, L, 0, "::1", 9917},
    {"[::]:1", -1, L, 0, "::", 1},
    {":9917", -1, L, 0, "::", 9917},
    {"127.0.0.1:0", -1, L, 0, "127.0.0.1", 0}, /* the kernel picks: tests */
    {"localhost:0", -1, L, 0, "127.0.0.1", 0}, /* IPv4 first, as Go listeners */
    {"localhost:9918", -1, L, 0, "127.0.0.1", 9918},
    /* and heal's and the reflector's, with a default port */
    {"127.0.0.1", 9918, L, 0, "127.0.0.1", 9918},
    {":9918", 9918, L, 0, "::", 9918},
    {"localhost", 862, L, 0, "127.0.0.1", 862},
    {"::", 862, L, 0, "::", 862},
    /* malformed */
    {"", -1, L, -EINVAL, NULL, 0},
    {"", 80, T, -EINVAL, NULL, 0},
    {"127.0.0.1", -1, L, -EDESTADDRREQ, NULL, 0},
    {"127.0.0.1:", -1, L, -EINVAL, NULL, 0},
    {"127.0.0.1:-1", -1, L, -EINVAL, NULL, 0},
    {"127.0.0.1:+80", -1, L, -EINVAL, NULL, 0},
    {"127.0.0.1:80x", -1, L, -EINVAL, NULL, 0},
    {"127.0.0.1: 80", -1, L, -EINVAL, NULL, 0},
    {"127.0.0.1:65536", -1, L, -ERANGE, NULL, 0},
    {"127.1:80", -1, L, -EINVAL, NULL, 0}, /* never handed to getaddrinfo's inet_aton */
    {"0x7f.0.0.1:80", -1, L, -EINVAL, NULL, 0},
    {"1.2.3.4.5:80", -1, L, -EINVAL, NULL, 0},
    {"::1:80", -1, L, -EDESTADDRREQ, NULL, 0}, /* a bare IPv6 address, no port */
    {"[::1]80", -1, L, -EINVAL, NULL, 0},
    {"[::1]:", -1, L, -EINVAL, NULL, 0},
    {"[::1", 80, L, -EINVAL, NULL, 0},
    {"[zz]:1", -1, L, -EINVAL, NULL, 0},
    {"[]:1", -1, L, -EINVAL, NULL, 0},
    {"[127.0.0.1]:80", -1, L, -EINVAL, NULL, 0}, /* brackets are for IPv6 */
    {"[localhost]:80", -1, L, -EINVAL, NULL, 0},
    {":", -1, L, -EINVAL, NULL, 0},
    {"::", -1, L, -EDESTADDRREQ, NULL, 0},
    {":0x10", -1, L, -EINVAL, NULL, 0},
    {"-bad-:80", -1, L, -EINVAL, NULL, 0},
    {"a..b:80", -1, L, -EINVAL, NULL, 0},
    {"a_b:80", -1, L, -EINVAL, NULL, 0},
    {".localhost:80", -1, L, -EINVAL, NULL, 0},
    {"localhost.:80", -1, L, -EINVAL, NULL, 0},
    {"local host:80", -1, L, -EINVAL, NULL, 0},
    {"fe80::1%eth0", 80, L, -EINVAL, NULL, 0},
    {"203.0.113.1:80:80", -1, L, -EINVAL, NULL, 0},
    {"203.0.113.1/24", 80, L, -EINVAL, NULL, 0},
};

static void vectors_table(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char text[INET6_ADDRSTRLEN] = "";
		int r = netaddr_parse(vectors[i].in, vectors[i].default_port, vectors[i].flags, &ss,
		                      &len);
		bool ok = r == vectors[i].r;

		if (ok && r == 0) {
			stamp_addr_format((struct sockaddr *)&ss, text, sizeof(text));
			ok = strcmp(text, vectors[i].addr) == 0 &&
			     stamp_addr_port((struct sockaddr *)&ss) == vectors[i].port &&
			     len == stamp_addr_len((struct sockaddr *)&ss);
		}
		if (!ok) {
			test_fail(__FILE__, __LINE__,
			          "vector %zu \"%s\": r=%d (want %d) %s port %u", i, vectors[i].in,
			          r, vectors[i].r, text,
			          r == 0 ? stamp_addr_port((struct sockaddr *)&ss) : 0);
			return;
		}
	}
}

/* Out-parameters stay untouched on failure; NULL is refused. */
static void failure_leaves_output(void)
{
	struct sockaddr_storage ss;
	socklen_t len = 77;

	memset(&ss, 0xa5, sizeof(ss));
	T_EQ_INT(netaddr_parse_listen("127.0.0.1:99999", -1, &ss, &len), -ERANGE);
	T_EQ_INT(len, 77);
	T_EQ_INT(((unsigned char *)&ss)[0], 0xa5);
	T_EQ_INT(netaddr_parse(NULL, 0, 0, &ss, &len), -EINVAL);
	T_EQ_INT(netaddr_parse_listen("x", 1, NULL, &len), -EINVAL);
}

/* Every listen address goes through one function: serve's HTTP, heal, the reflector. */
static void listen_is_parse_with_names(void)
{
	struct sockaddr_storage a, b;
	socklen_t la, lb;

	T_EQ_INT(netaddr_parse_listen("localhost:9918", -1, &a, &la), 0);
	T_EQ_INT(netaddr_parse("localhost:9918", -1, L, &b, &lb), 0);
	T_ASSERT(la == lb && memcmp(&a, &b, la) == 0);
	T_EQ_INT(netaddr_parse("localhost:9918", -1, NETADDR_LISTEN, &b, &lb), -EOPNOTSUPP);
	T_EQ_INT(netaddr_parse(":9918", -1, NETADDR_NAMES, &b, &lb), -EINVAL);
}

static void long_and_odd_text(void)
{
	char s[600];
	struct sockaddr_storage ss;
	socklen_t len;

	/* a 253-character name is the longest (checked without resolving it: no DNS in tests) */
	memset(s, 'a', sizeof(s));
	for (size_t i = 63; i < 253; i += 64)
		s[i] = '.';
	T_ASSERT(netaddr_host_name_valid(s, 253));
	T_ASSERT(!netaddr_host_name_valid(s, 254));
	memcpy(s + 254, ":80", 4);
	T_EQ_INT(netaddr_parse_listen(s, -1, &ss, &len), -EINVAL);
	/* a label of 64 characters */
	memset(s, 'b', 64);
	memcpy(s + 64, ".example:80", 12);
	T_ASSERT(!netaddr_host_name_valid(s, 72));
	T_ASSERT(netaddr_host_name_valid(s + 1, 71));
	T_EQ_INT(netaddr_parse_listen(s, -1, &ss, &len), -EINVAL);
	T_ASSERT(!netaddr_host_name_valid("1.2.3.4", 7));
	T_ASSERT(netaddr_host_name_valid("1.2.3.a4", 8));
	T_ASSERT(netaddr_host_name_valid("x-1.example", 11));
	T_ASSERT(!netaddr_host_name_valid("", 0));
	T_EQ_INT(netaddr_parse_ip("1.2.3.4", 0, &ss), -EINVAL);
	T_EQ_INT(netaddr_parse_ip("1.2.3.4xx", 7, &ss), 0);
	T_EQ_INT(netaddr_parse_ip("2001:0db8:0000:0000:0000:0000:0000:0001:", 40, &ss), -EINVAL);
}

static void strerror_words(void)
{
	T_CONTAINS(netaddr_strerror(-ERANGE), "1-65535");
	T_CONTAINS(netaddr_strerror(-EDESTADDRREQ), "port");
	T_CONTAINS(netaddr_strerror(-EADDRNOTAVAIL), "resolve");
	T_CONTAINS(netaddr_strerror(-EOPNOTSUPP), "numeric");
	T_CONTAINS(netaddr_strerror(-EINVAL), ":PORT");
	T_EQ_STR(netaddr_strerror(-ENOMEM), strerror(ENOMEM));
}

static void prefix_bytes(void)
{
	static const uint8_t a[] = {192, 0, 2, 0x81}, net[] = {192, 0, 2, 0x80};
	struct sockaddr_storage ss;
	size_t len;

	T_ASSERT(netaddr_prefix_equal(a, net, 25));
	T_ASSERT(!netaddr_prefix_equal(a, net, 32));
	T_ASSERT(netaddr_prefix_equal(a, net, 0));
	T_ASSERT(netaddr_prefix_equal(a, net, 24));
	T_EQ_INT(netaddr_parse_ip("2001:db8::2", 11, &ss), 0);
	T_ASSERT(netaddr_bytes((struct sockaddr *)&ss, &len) != NULL && len == 16);
	ss.ss_family = AF_UNIX;
	T_ASSERT(netaddr_bytes((struct sockaddr *)&ss, &len) == NULL && len == 0);
}

/* The URLs ikewatch connects to: the address by the same parser, never resolved. */
static void http_url_vectors(void)
{
	static const struct {
		const char *url;
		int r;
		const char *addr, *host, *path;
		unsigned port;
	} v[] = {
	    {"http://127.0.0.1:9093/api/v2/alerts", 0, "127.0.0.1", "127.0.0.1:9093",
	     "/api/v2/alerts", 9093},
	    {"http://localhost", 0, "127.0.0.1", "localhost", "", 80},
	    {"http://[::1]:8080/", 0, "::1", "[::1]:8080", "/", 8080},
	    {"http://192.0.2.1/x?y=1", 0, "192.0.2.1", "192.0.2.1", "/x?y=1", 80},
	    {"http://alertmanager.example:9093/", -EOPNOTSUPP, NULL, NULL, NULL, 0},
	    {"https://127.0.0.1/", -EINVAL, NULL, NULL, NULL, 0},
	    {"http:/127.0.0.1/", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://", -EINVAL, NULL, NULL, NULL, 0},
	    {"http:///x", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://:80/", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://127.0.0.1:0/", -ERANGE, NULL, NULL, NULL, 0},
	    {"http://127.0.0.1:65536/", -ERANGE, NULL, NULL, NULL, 0},
	    {"http://127.0.0.1:/", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://[::1/", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://127.0.0.1/a b", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://127.0.0.1/a\r\nX: y", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://127.0.0.1/\x7f", -EINVAL, NULL, NULL, NULL, 0},
	    {"http://user@127.0.0.1/", -EINVAL, NULL, NULL, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct http_url u;
		char text[64] = "";
		int r = http_url_parse(v[i].url, &u);
		bool ok = r == v[i].r;

		if (ok && r == 0) {
			stamp_addr_format((struct sockaddr *)&u.addr, text, sizeof(text));
			ok = strcmp(text, v[i].addr) == 0 && strcmp(u.path, v[i].path) == 0 &&
			     u.host_len == strlen(v[i].host) &&
			     memcmp(u.host, v[i].host, u.host_len) == 0 &&
			     stamp_addr_port((struct sockaddr *)&u.addr) == v[i].port;
		}
		if (!ok) {
			test_fail(__FILE__, __LINE__, "url %zu \"%s\": r=%d (want %d) %s", i,
			          v[i].url, r, v[i].r, text);
			return;
		}
	}
	T_EQ_INT(http_url_parse(NULL, &(struct http_url){0}), -EINVAL);
}

TEST_MAIN("netaddr", TEST(vectors_table), TEST(failure_leaves_output),
          TEST(listen_is_parse_with_names), TEST(long_and_odd_text), TEST(strerror_words),
          TEST(prefix_bytes), TEST(http_url_vectors))
