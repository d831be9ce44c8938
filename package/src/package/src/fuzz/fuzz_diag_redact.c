// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the diag bundle's secret redactor. Besides "never crashes", it checks
 * the promise of diag_redact.h with an independent reading of the output: the same number of
 * lines; on every `ip xfrm state` algorithm line the key position holds "[redacted]"; no "0x"
 * with 16+ hex digits and no bare run of 32+ hex digits is left anywhere; and redacting the
 * output again changes nothing.
 */
#include "diag/diag_redact.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hexc(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t count_nl(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* The n-th (0-based) blank-separated token of the line [s, s+n): start and length. */
static bool token(const char *s, size_t n, unsigned which, size_t *ret_at, size_t *ret_len)
{
	size_t i = 0;

	for (unsigned t = 0;; t++) {
		size_t b;

		while (i < n && blank(s[i]))
			i++;
		if (i == n)
			return false;
		b = i;
		while (i < n && !blank(s[i]))
			i++;
		if (t == which) {
			*ret_at = b;
			*ret_len = i - b;
			return true;
		}
	}
}

static bool tok_is(const char *s, size_t at, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s + at, w, len) == 0;
}

static void check_line(const char *s, size_t n)
{
	size_t a1, l1, a2, l2, a3, l3, run = 0;

	if (token(s, n, 0, &a1, &l1) && token(s, n, 1, &a2, &l2) && token(s, n, 2, &a3, &l3) &&
	    (tok_is(s, a1, l1, "enc") || tok_is(s, a1, l1, "auth") ||
	     tok_is(s, a1, l1, "auth-trunc") || tok_is(s, a1, l1, "aead") ||
	     tok_is(s, a1, l1, "comp")) &&
	    s[a2] != '=' && s[a2] != ':' && s[a3] != '=' && s[a3] != ':' &&
	    !tok_is(s, a3, l3, DIAG_REDACTED))
		abort();
	for (size_t i = 0; i < n; i++) {
		run = hexc(s[i]) ? run + 1 : 0;
		if (run >= DIAG_REDACT_HEX_BARE_MIN)
			abort();
		if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
			size_t j = i + 2;

			while (j < n && hexc(s[j]))
				j++;
			if (j - (i + 2) >= DIAG_REDACT_HEX_0X_MIN)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, again;
	const char *p;
	size_t left;

	if (size > 1u << 20)
		return 0;
	buf_init(&out, 4u << 20);
	buf_init(&again, 4u << 20);
	if (diag_redact((const char *)data, size, &out, NULL) < 0)
		abort(); /* the cap is far above what the input can grow to */
	if (count_nl((const char *)data, size) != count_nl(out.data ? out.data : "", out.len))
		abort();
	p = out.data ? out.data : "";
	left = out.len;
	while (left > 0) {
		const char *nl = memchr(p, '\n', left);
		size_t n = nl ? (size_t)(nl - p) : left;

		check_line(p, n);
		p += n + (nl ? 1 : 0);
		left -= n + (nl ? 1 : 0);
	}
	if (diag_redact(out.data ? out.data : "", out.len, &again, NULL) < 0 ||
	    again.len != out.len || (out.len && memcmp(again.data, out.data, out.len) != 0))
		abort();
	buf_done(&again);
	buf_done(&out);
	return 0;
}
