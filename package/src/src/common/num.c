// SPDX-License-Identifier: Apache-2.0
/*
 * Checked number parsing (see num.h). Spans are copied to a small stack buffer so that strto*()
 * never reads past them; anything longer than any valid number is rejected before that.
 */
#include "common/num.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NUM_TEXT_MAX 40

static int num_copy(const char *s, size_t len, char out[NUM_TEXT_MAX])
{
	if (len == 0 || len >= NUM_TEXT_MAX)
		return -EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	/* strto*() skip leading space and accept a sign; we accept neither for unsigned input */
	if (out[0] == ' ' || out[0] == '\t' || out[0] == '\n' || out[0] == '+')
		return -EINVAL;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	char t[NUM_TEXT_MAX], *end;
	unsigned long long v;

	if (num_copy(s, len, t) < 0 || !is_digit(t[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(t, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret)
{
	char t[NUM_TEXT_MAX], *end;
	long long v;

	if (num_copy(s, len, t) < 0)
		return -EINVAL;
	if (!is_digit(t[0]) && !(t[0] == '-' && is_digit(t[1])))
		return -EINVAL;
	errno = 0;
	v = strtoll(t, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int num_parse_hex_u64(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	char t[NUM_TEXT_MAX], *end, *p;
	unsigned long long v;

	if (num_copy(s, len, t) < 0)
		return -EINVAL;
	p = t;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (char *q = p; *q; q++)
		if (!is_digit(*q) && !((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f'))
			return -EINVAL;
	if (!*p)
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 16);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int num_parse_double(const char *s, size_t len, double min, double max, double *ret)
{
	char t[NUM_TEXT_MAX], *end;
	double v;

	if (num_copy(s, len, t) < 0)
		return -EINVAL;
	/* only plain decimal notation: no hex floats, inf or nan from outside */
	for (const char *q = t; *q; q++)
		if (!is_digit(*q) && *q != '.' && *q != '-' && *q != 'e' && *q != 'E')
			return -EINVAL;
	errno = 0;
	v = strtod(t, &end);
	if (*end != '\0' || end == t)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int num_parse_duration_ms(const char *s, size_t len, uint64_t max_ms, uint64_t *ret_ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	double v;
	uint64_t mult = 1000;
	size_t nlen = len;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].suffix);

		if (len > sl && memcmp(s + len - sl, units[i].suffix, sl) == 0 &&
		    is_digit(s[len - sl - 1])) {
			mult = units[i].ms;
			nlen = len - sl;
			break;
		}
	}
	if (num_parse_double(s, nlen, 0, 1e15, &v) < 0)
		return -EINVAL;
	v *= (double)mult;
	if (v > (double)max_ms)
		return -ERANGE;
	*ret_ms = (uint64_t)(v + 0.5);
	return 0;
}

int num_parse_u64_str(const char *s, uint64_t max, uint64_t *ret)
{
	return num_parse_u64(s, strlen(s), max, ret);
}

int num_parse_duration_ms_str(const char *s, uint64_t max_ms, uint64_t *ret_ms)
{
	return num_parse_duration_ms(s, strlen(s), max_ms, ret_ms);
}
