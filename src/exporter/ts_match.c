// SPDX-License-Identifier: Apache-2.0
/*
 * Traffic-selector containment (see ts_match.h): subnets and address ranges, IPv4 and IPv6.
 */
#include "exporter/ts_match.h"

#include "common/netaddr.h"
#include "common/num.h"

#include <netinet/in.h>
#include <string.h>

/* The address as 16 bytes (IPv4 mapped into the last 4) and its family. */
static bool addr_bytes(const struct sockaddr *sa, unsigned char out[16], int *ret_family)
{
	size_t len;
	const uint8_t *b = netaddr_bytes(sa, &len);

	if (!b)
		return false;
	memset(out, 0, 16);
	memcpy(out + 16 - len, b, len);
	*ret_family = sa->sa_family;
	return true;
}

static bool parse_addr(const char *s, size_t len, unsigned char out[16], int *ret_family)
{
	struct sockaddr_storage ss;

	return netaddr_parse_ip(s, len, &ss) == 0 &&
	       addr_bytes((const struct sockaddr *)&ss, out, ret_family);
}

static bool ts_one_contains(const char *ts, size_t len, const unsigned char a[16], int fam)
{
	const char *bracket = memchr(ts, '[', len), *slash, *dots;
	unsigned char lo[16], hi[16];
	int f1, f2;

	if (bracket)
		len = (size_t)(bracket - ts);
	/* a plain loop, not memmem(): GCC's -Wnonnull misfires on memmem() under
	 * -fsanitize=address,undefined and breaks the sanitizer build */
	dots = NULL;
	for (size_t i = 0; i + 1 < len && !dots; i++)
		if (ts[i] == '.' && ts[i + 1] == '.')
			dots = ts + i;
	if (dots) {
		if (!parse_addr(ts, (size_t)(dots - ts), lo, &f1) ||
		    !parse_addr(dots + 2, len - (size_t)(dots - ts) - 2, hi, &f2) || f1 != fam ||
		    f2 != fam)
			return false;
		return memcmp(a, lo, 16) >= 0 && memcmp(a, hi, 16) <= 0;
	}
	slash = memchr(ts, '/', len);
	if (slash) {
		uint64_t bits;
		size_t alen = (size_t)(slash - ts);

		if (!parse_addr(ts, alen, lo, &f1) || f1 != fam ||
		    num_parse_u64(slash + 1, len - alen - 1, fam == AF_INET ? 32 : 128, &bits) < 0)
			return false;
		return netaddr_prefix_equal(fam == AF_INET ? a + 12 : a,
		                            fam == AF_INET ? lo + 12 : lo, (unsigned)bits);
	}
	return parse_addr(ts, len, lo, &f1) && f1 == fam && memcmp(a, lo, 16) == 0;
}

bool ts_list_contains(const char *list, const struct sockaddr *addr)
{
	unsigned char a[16];
	int fam;

	if (!addr_bytes(addr, a, &fam))
		return false;
	while (*list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (ts_one_contains(list, len, a, fam))
			return true;
		if (!comma)
			break;
		list = comma + 1;
	}
	return false;
}
