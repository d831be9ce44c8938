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

/* Decimal digits only (the whole span), without strtoull's copy, locale and errno: VICI gives
 * a scrape a dozen numbers per SA. -EINVAL for anything else, -ERANGE past UINT64_MAX. */
static int parse_digits(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	bool over = false;

	if (len == 0 || len >= NUM_TEXT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';

		if (d > 9)
			return -EINVAL;
		/* 19 digits never pass UINT64_MAX (20 digits): only the later ones are checked */
		if (i < 19)
			v = v * 10 + d;
		else if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			over = true;
	}
	*ret = v;
	return over ? -ERANGE : 0;
}

int num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int err = parse_digits(s, len, &v);

	if (err < 0)
		return err;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret)
{
	bool neg = len > 0 && s[0] == '-';
	uint64_t mag;
	int64_t v;
	int err;

	if (len >= NUM_TEXT_MAX)
		return -EINVAL;
	if ((err = parse_digits(s + neg, len - neg, &mag)) < 0)
		return err;
	if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
		return -ERANGE;
	/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
	v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* By hand too: a scrape reads two hex SPIs per CHILD SA. */
int num_parse_hex_u64(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	bool over = false;
	size_t i = 0;

	if (len == 0 || len >= NUM_TEXT_MAX)
		return -EINVAL;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c - '0' <= 9)
			d = c - '0';
		else if ((c | 0x20) - 'a' <= 5)
			d = (c | 0x20) - 'a' + 10;
		else
			return -EINVAL;
		if (v >> 60)
			over = true;
		v = v << 4 | d;
	}
	if (over || v > max)
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
