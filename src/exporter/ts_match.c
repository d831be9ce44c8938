// SPDX-License-Identifier: Apache-2.0
/*
 * Traffic-selector containment (see ts_match.h): subnets and address ranges, IPv4 and IPv6.
 */
#include "exporter/ts_match.h"

#include "common/num.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* The address as 16 bytes (IPv4 mapped into the last 4) and its family. */
static bool addr_bytes(const struct sockaddr *sa, unsigned char out[16], int *ret_family)
{
	if (sa->sa_family == AF_INET) {
		memset(out, 0, 12);
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*ret_family = AF_INET;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*ret_family = AF_INET6;
		return true;
	}
	return false;
}

static bool parse_addr(const char *s, size_t len, unsigned char out[16], int *ret_family)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, tmp, out + 12) == 1) {
		*ret_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, out) == 1) {
		*ret_family = AF_INET6;
		return true;
	}
	return false;
}

static bool prefix_match(const unsigned char *a, const unsigned char *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ net[full]) & (0xff << (8 - rest)) & 0xff) == 0;
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
		return prefix_match(fam == AF_INET ? a + 12 : a, fam == AF_INET ? lo + 12 : lo,
				    (unsigned)bits);
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
