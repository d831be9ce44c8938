// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the address parsers (src/common/netaddr.c, and the prefix, URL and
 * traffic-selector parsers on top of it): whatever the text, parsing must not crash, and an
 * address it accepts must print and parse back to the same address and port. Host names are
 * not resolved here (no NETADDR_NAMES): a fuzzer must not send DNS queries.
 */
#include "common/netaddr.h"
#include "exporter/ts_match.h"
#include "http/http_url.h"
#include "stamp/stamp_addr.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct sockaddr_storage *ss, socklen_t len, unsigned flags)
{
	struct sockaddr_storage back;
	char addr[64], text[80];
	socklen_t blen;
	unsigned port = stamp_addr_port((const struct sockaddr *)ss);

	if ((ss->ss_family != AF_INET && ss->ss_family != AF_INET6) ||
	    len != stamp_addr_len((const struct sockaddr *)ss))
		abort();
	stamp_addr_format((const struct sockaddr *)ss, addr, sizeof(addr));
	snprintf(text, sizeof(text), ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, port);
	if (netaddr_parse(text, -1, flags | NETADDR_LISTEN, &back, &blen) != 0 || blen != len ||
	    !stamp_addr_equal((const struct sockaddr *)ss, (const struct sockaddr *)&back) ||
	    stamp_addr_port((const struct sockaddr *)&back) != port)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int ports[] = {-1, 0, 862};
	struct sockaddr_storage ss;
	struct stamp_prefix p;
	socklen_t len;
	char *s;

	/* every caller hands over a NUL-terminated string: cut at the first NUL like they would */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (unsigned flags = 0; flags <= NETADDR_LISTEN; flags += NETADDR_LISTEN)
		for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
			if (netaddr_parse(s, ports[i], flags, &ss, &len) == 0)
				round_trip(&ss, len, flags);
	if (netaddr_parse_ip((const char *)data, size, &ss) == 0)
		round_trip(&ss, stamp_addr_len((const struct sockaddr *)&ss), NETADDR_LISTEN);
	netaddr_host_name_valid((const char *)data, size);
	if (stamp_prefix_parse(s, &p) == 0 && p.len > (p.family == AF_INET ? 32 : 128))
		abort();
	/* a URL to connect to: the host span and the path lie inside the text */
	{
		struct http_url u;

		if (http_url_parse(s, &u) == 0 &&
		    (u.host < s || u.host + u.host_len > s + size || u.path != u.host + u.host_len))
			abort();
	}
	/* a traffic-selector list as charon sends it, against an address of each family */
	if (netaddr_parse("192.0.2.1", 0, 0, &ss, &len) == 0)
		ts_list_contains(s, (const struct sockaddr *)&ss);
	if (netaddr_parse("2001:db8::1", 0, 0, &ss, &len) == 0)
		ts_list_contains(s, (const struct sockaddr *)&ss);
	free(s);
	return 0;
}
