// SPDX-License-Identifier: Apache-2.0
/*
 * Traffic-selector containment (src/exporter/ts_match.c) on lists as VICI prints them:
 * IPv4/IPv6 subnets with boundary addresses, ranges, single addresses, [proto/port] suffixes,
 * comma-separated lists, family mismatches and malformed selectors.
 */
#include "test.h"

#include "exporter/ts_match.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static bool contains(const char *list, const char *addr)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};

	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1)
		return ts_list_contains(list, (struct sockaddr *)&s4);
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1)
		return ts_list_contains(list, (struct sockaddr *)&s6);
	return false;
}

static void vectors(void)
{
	static const struct {
		const char *list, *addr;
		bool in;
	} v[] = {
	    /* IPv4 subnets, both edges and just outside */
	    {"203.0.113.128/25", "203.0.113.128", true},
	    {"203.0.113.128/25", "203.0.113.255", true},
	    {"203.0.113.128/25", "203.0.113.127", false},
	    {"203.0.113.0/25", "203.0.113.129", false},
	    {"10.0.0.0/8", "10.255.255.255", true},
	    {"10.0.0.0/8", "11.0.0.0", false},
	    {"192.0.2.0/31", "192.0.2.1", true},
	    {"192.0.2.0/31", "192.0.2.2", false},
	    {"198.51.100.3/32", "198.51.100.3", true},
	    {"198.51.100.3/32", "198.51.100.4", false},
	    {"0.0.0.0/0", "203.0.113.7", true},
	    {"10.1.2.3/12", "10.15.0.1", true}, /* host bits set in the selector */
	    {"10.1.2.3/12", "10.16.0.1", false},
	    /* IPv6 subnets */
	    {"2001:db8::/32", "2001:db8:ffff::1", true},
	    {"2001:db8::/32", "2001:db9::1", false},
	    {"2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff", true},
	    {"2001:db8:0:1::/64", "2001:db8:0:2::", false},
	    {"2001:db8::/33", "2001:db8:7fff::1", true},
	    {"2001:db8::/33", "2001:db8:8000::1", false},
	    {"::/0", "2001:db8::1", true},
	    {"2001:db8::1/128", "2001:db8::1", true},
	    {"2001:db8::1/128", "2001:db8::2", false},
	    /* ranges (inclusive) */
	    {"10.0.0.1..10.0.0.9", "10.0.0.1", true},
	    {"10.0.0.1..10.0.0.9", "10.0.0.9", true},
	    {"10.0.0.1..10.0.0.9", "10.0.0.5", true},
	    {"10.0.0.1..10.0.0.9", "10.0.0.10", false},
	    {"10.0.0.1..10.0.0.9", "10.0.0.0", false},
	    {"10.0.0.250..10.0.1.5", "10.0.1.0", true},
	    {"2001:db8::10..2001:db8::20", "2001:db8::1f", true},
	    {"2001:db8::10..2001:db8::20", "2001:db8::21", false},
	    /* single addresses */
	    {"192.0.2.1", "192.0.2.1", true},
	    {"192.0.2.1", "192.0.2.10", false},
	    /* [proto/port] suffixes narrow, and are ignored for containment */
	    {"203.0.113.0/25[udp/862]", "203.0.113.5", true},
	    {"203.0.113.0/25[icmp]", "203.0.113.200", false},
	    {"2001:db8::/64[tcp/https]", "2001:db8::5", true},
	    {"10.0.0.1..10.0.0.9[udp/4500]", "10.0.0.3", true},
	    {"192.0.2.1[udp]", "192.0.2.1", true},
	    /* lists */
	    {"203.0.113.0/25,203.0.113.128/25", "203.0.113.200", true},
	    {"192.0.2.0/24,2001:db8::/64[udp/862]", "2001:db8::1", true},
	    {"192.0.2.0/24,2001:db8::/64[udp/862]", "192.0.2.77", true},
	    {"192.0.2.0/24,2001:db8::/64", "198.51.100.1", false},
	    {"bogus,10.0.0.0/8", "10.1.1.1", true}, /* one bad entry does not hide the rest */
	    /* family mismatches never match */
	    {"0.0.0.0/0", "::1", false},
	    {"::/0", "10.0.0.1", false},
	    {"::ffff:10.0.0.0/104", "10.0.0.1", false},
	    {"10.0.0.1..2001:db8::1", "10.0.0.5", false},
	    /* malformed selectors match nothing */
	    {"", "10.0.0.1", false},
	    {",", "10.0.0.1", false},
	    {"10.0.0.0/33", "10.0.0.1", false},
	    {"2001:db8::/129", "2001:db8::1", false},
	    {"10.0.0.0/", "10.0.0.1", false},
	    {"10.0.0.0/8x", "10.0.0.1", false},
	    {"10.0.0.0/-1", "10.0.0.1", false},
	    {"/8", "10.0.0.1", false},
	    {"..", "10.0.0.1", false},
	    {"10.0.0.9..", "10.0.0.9", false},
	    {"dynamic", "10.0.0.1", false},
	    {"10.0.0.1 ", "10.0.0.1", false},
	    {"[udp/862]", "10.0.0.1", false},
	    {"10.0.0.0/8[", "10.0.0.1", true},
	    {"1111:2222:3333:4444:5555:6666:7777:8888:9999/64", "1111:2222::", false},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (contains(v[i].list, v[i].addr) != v[i].in)
			test_fail(__FILE__, __LINE__, "\"%s\" contains %s: want %s", v[i].list,
			          v[i].addr, v[i].in ? "yes" : "no");
}

static void other_families(void)
{
	struct sockaddr sa = {.sa_family = AF_UNIX};

	T_ASSERT(!ts_list_contains("0.0.0.0/0,::/0", &sa));
}

TEST_MAIN("ts_match", TEST(vectors), TEST(other_families))
