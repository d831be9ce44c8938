// SPDX-License-Identifier: Apache-2.0
/*
 * Secret redaction for the diag bundle (see diag_redact.h for the rules). The input is split
 * into lines through the bounded reader; each rule then works on one line's span with indices
 * checked against its length. Hex and letter tests are ASCII-only on purpose (no locale).
 */
#include "diag/diag_redact.h"

#include "common/rd.h"

#include <stdbool.h>
#include <string.h>

struct redactor {
	struct buf *out;
	struct buf tmp; /* one piece of a line after the anywhere-rules */
	unsigned count;
};

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Letters, digits, '_' and '-': what a key name of swanctl.conf, VICI or YAML is made of. */
static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '-';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	if (n != wl)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != w[i])
			return false;
	return true;
}

static bool word_ends_with(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && word_is(s + n - wl, wl, w);
}

static void emit_redacted(struct redactor *r)
{
	buf_puts(r->out, DIAG_REDACTED);
	r->count++;
}

static size_t hex_run(const char *s, size_t n, size_t i)
{
	while (i < n && is_hex(s[i]))
		i++;
	return i;
}

/* A hex dump at @i: either charon's chunk dump line ("   0: 5B 7A ..", an offset, a colon and
 * byte pairs) or 8+ space-separated byte pairs. The caller checked that @i starts a word. */
static bool dump_at(const char *s, size_t n, size_t i)
{
	size_t j = i, pairs = 0;

	while (j < n && is_digit(s[j]))
		j++;
	if (j > i && j + 1 < n && s[j] == ':' && s[j + 1] == ' ') {
		j += 2;
		if (j + 1 < n && is_hex(s[j]) && is_hex(s[j + 1]) &&
		    (j + 2 == n || s[j + 2] == ' '))
			return true;
	}
	j = i;
	while (j + 1 < n && is_hex(s[j]) && is_hex(s[j + 1]) && (j + 2 == n || s[j + 2] == ' ')) {
		pairs++;
		j += 3;
		if (pairs >= DIAG_REDACT_DUMP_BYTES_MIN)
			return true;
	}
	return false;
}

/* The rules that apply anywhere in a line: long 0x-hex, long bare hex, hex dumps. A hex dump
 * drops the rest of the span, since charon prints the same bytes as ASCII after it. */
static bool redact_generic(struct redactor *r, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		bool word_start = i == 0 || is_blank(s[i - 1]);
		size_t j;

		if (word_start && (is_hex(s[i]) || is_digit(s[i])) && dump_at(s, n, i)) {
			emit_redacted(r);
			return true;
		}
		if (is_hex(s[i])) {
			j = hex_run(s, n, i);
			if (j - i >= DIAG_REDACT_HEX_BARE_MIN)
				emit_redacted(r);
			else
				buf_append(r->out, s + i, j - i);
			i = j;
			continue;
		}
		if ((s[i] == 'x' || s[i] == 'X') && i > 0 && s[i - 1] == '0') {
			j = hex_run(s, n, i + 1);
			if (j - (i + 1) >= DIAG_REDACT_HEX_0X_MIN) {
				buf_putc(r->out, s[i]);
				emit_redacted(r);
				i = j;
				continue;
			}
		}
		buf_putc(r->out, s[i]);
		i++;
	}
	return false;
}

static size_t skip_blank(const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

static size_t skip_token(const char *s, size_t n, size_t i)
{
	while (i < n && !is_blank(s[i]))
		i++;
	return i;
}

static bool sensitive_name(const char *s, size_t n)
{
	static const char *const names[] = {"secret", "psk",        "data", "password",
	                                    "passwd", "passphrase", "pin"};

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (word_is(s, n, names[k]))
			return true;
	return word_ends_with(s, n, "secret") || word_ends_with(s, n, "password") ||
	       word_ends_with(s, n, "_psk") || word_ends_with(s, n, "-psk");
}

/* The first "<sensitive name> [=:]" in the line (a name may be quoted, as in JSON): returns
 * the index just past the separator, or 0 if there is none. */
static size_t find_sensitive_kv(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j;

		if (!is_word(s[i]) || (i > 0 && is_word(s[i - 1]))) {
			i++;
			continue;
		}
		j = i;
		while (j < n && is_word(s[j]))
			j++;
		if (sensitive_name(s + i, j - i)) {
			size_t k = j;

			if (k < n && (s[k] == '"' || s[k] == '\''))
				k++;
			k = skip_blank(s, n, k);
			if (k < n && (s[k] == '=' || s[k] == ':') &&
			    (k + 1 == n || s[k + 1] != '='))
				return k + 1;
		}
		i = j;
	}
	return 0;
}

/* The rules other than the algorithm lines: first the anywhere-rules, then the key/value rule
 * on their result, so that a hex run they replaced reads as a word boundary the same way on
 * every pass (the output is a fixed point). True if the rest of the line was dropped. */
static bool redact_text(struct redactor *r, const char *s, size_t n)
{
	struct buf *out = r->out;
	const char *t;
	bool cut;
	size_t p;

	buf_reset(&r->tmp);
	r->out = &r->tmp;
	cut = redact_generic(r, s, n);
	r->out = out;
	if (r->tmp.err) {
		out->err = out->err ? out->err : r->tmp.err;
		return true;
	}
	t = r->tmp.data ? r->tmp.data : "";
	p = find_sensitive_kv(t, r->tmp.len);
	if (!p) {
		buf_append(out, t, r->tmp.len);
		return cut;
	}
	buf_append(out, t, p);
	if (p < r->tmp.len && is_blank(t[p]))
		buf_putc(out, ' ');
	emit_redacted(r);
	return true;
}

/* iproute2 (ip/ipxfrm.c) prints an SA's algorithms as "<type> <name> 0x<key> [<bits>]" on a
 * line of their own: "enc cbc(aes) 0x...", "auth-trunc hmac(sha256) 0x... 128",
 * "aead rfc4106(gcm(aes)) 0x... 128". Whatever stands in the key position goes, hex or not. */
static bool redact_xfrm_algo(struct redactor *r, const char *s, size_t n)
{
	static const char *const types[] = {"enc", "auth", "auth-trunc", "aead", "comp"};
	size_t t1 = skip_blank(s, n, 0), e1 = skip_token(s, n, t1), t2, e2, t3, e3;
	bool known = false;

	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		known |= word_is(s + t1, e1 - t1, types[k]);
	if (!known)
		return false;
	t2 = skip_blank(s, n, e1);
	e2 = skip_token(s, n, t2);
	/* "auth = psk" (a VICI or config key) is not an algorithm line */
	if (t2 == e2 || s[t2] == '=' || s[t2] == ':')
		return false;
	t3 = skip_blank(s, n, e2);
	e3 = skip_token(s, n, t3);
	if (t3 == e3 || s[t3] == '=' || s[t3] == ':')
		return false;
	if (!redact_text(r, s, t3)) {
		emit_redacted(r);
		redact_text(r, s + e3, n - e3);
	}
	return true;
}

static void redact_line(struct redactor *r, const char *s, size_t n)
{
	if (!redact_xfrm_algo(r, s, n))
		redact_text(r, s, n);
}

int diag_redact(const char *in, size_t len, struct buf *out, unsigned *ret_count)
{
	struct redactor r = {.out = out};
	struct rd rd;

	buf_init(&r.tmp, out->max);
	rd_init(&rd, in, len);
	while (rd_left(&rd) > 0 && !out->err) {
		const uint8_t *nl = memchr(rd.p, '\n', rd_left(&rd));
		size_t n = nl ? (size_t)(nl - rd.p) : rd_left(&rd);
		const uint8_t *line;

		if (rd_bytes(&rd, n, &line) < 0)
			break;
		redact_line(&r, (const char *)line, n);
		if (nl) {
			rd_skip(&rd, 1);
			buf_putc(out, '\n');
		}
	}
	buf_done(&r.tmp);
	if (out->err)
		return out->err;
	if (ret_count)
		*ret_count = r.count;
	return 0;
}
