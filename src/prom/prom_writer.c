// SPDX-License-Identifier: Apache-2.0
/*
 * Prometheus text exposition format 0.0.4 writer (see prom_writer.h for the contract, and
 * https://prometheus.io/docs/instrumenting/exposition_formats/ "Text format details").
 *
 * This is on the scrape's hot path (tens of thousands of series), so: integers are written by
 * buf_put_u64/i64, never printf; label values and HELP text are escaped by scanning for the
 * next byte that needs work and appending the clean span before it in one memcpy; floats that
 * are exact integers take the integer path. Only non-integral floats use snprintf, and then
 * under a private "C" locale (uselocale), so that a process that ever calls setlocale() still
 * writes "0.5" and not "0,5".
 */
#include "prom/prom_writer.h"
#include "prom/prom_writer_int.h"

#include "common/limits.h"
#include "common/strmap.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_DOUBLE_TEXT_MAX 32

static size_t double_text(double v, char out[PROM_DOUBLE_TEXT_MAX]);

static const char *const prom_type_names[] = {
    [PROM_GAUGE] = "gauge",
    [PROM_COUNTER] = "counter",
    [PROM_HISTOGRAM] = "histogram",
    [PROM_UNTYPED] = "untyped",
};

static bool is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Bytes of names: 1 a letter or '_', 2 a digit, 4 ':' (metric names only). */
static const unsigned char name_class[256] = {
    ['_'] = 1, ['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2,
    ['7'] = 2, ['8'] = 2, ['9'] = 2, [':'] = 4, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
    ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1,
    ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]* (data model, "Metric names and labels"); a family
 * per scrape checks each, so one table load a byte. */
bool prom_metric_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (!name || !(name_class[p[0]] & 5))
		return false;
	while (*++p)
		if (!name_class[*p])
			return false;
	return true;
}

/* Label names: [a-zA-Z_][a-zA-Z0-9_]*; names starting with "__" are reserved for Prometheus'
 * internal use, so an exporter must not emit them. */
bool prom_label_name_valid(const char *name)
{
	if (!name || !is_alpha_(name[0]))
		return false;
	if (name[0] == '_' && name[1] == '_')
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!is_alpha_(*p) && !is_digit(*p))
			return false;
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

void prom_writer_init(struct prom_writer *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->family = NULL;
	w->type = PROM_UNTYPED;
	w->dropped = 0;
}

/*
 * Length of the well-formed UTF-8 sequence at @p (at most @n bytes), or 0 when it is not one:
 * truncated, a stray continuation byte, overlong, a surrogate or beyond U+10FFFF (RFC 3629
 * section 4, the "UTF8-octets" grammar).
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		               (p[3] & 0xc0) == 0x80
		           ? 4
		           : 0;
	}
	return 0;
}

/* Bytes that a label value carries as they are: printable ASCII other than \\ and " (DEL too,
 * as the escaping below lets it through). One table load a byte instead of four compares. */
static const unsigned char label_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80-0xff: UTF-8 to check */
};

/* Does any byte of @x need work: 0x80 or above, below 0x20, \\ or "? Eight bytes at once
 * (the "haszero"/"hasless" tricks of Sean Anderson's bit hacks: exact for "any byte"). */
static bool word_unplain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');

	return ((x & high) | ((x - ones * 0x20) & ~x & high) | ((quote - ones) & ~quote & high) |
	        ((bslash - ones) & ~bslash & high)) != 0;
}

/* Length of the run of plain bytes at the start of @p: words while they are clean, then
 * bytes. */
static size_t plain_prefix(const unsigned char *p, size_t len)
{
	size_t k = 0;
	uint64_t x;

	for (; len - k >= 8; k += 8) {
		memcpy(&x, p + k, 8);
		if (word_unplain(x))
			break;
	}
	while (k < len && label_plain[p[k]])
		k++;
	return k;
}

/* Is HELP text plain: written as it is? A quote needs no escape there (the format escapes
 * only \\ and newline in HELP), and several of our HELP texts quote a label value. */
static bool help_plain(const unsigned char *p, size_t len)
{
	size_t k = 0;

	while ((k += plain_prefix(p + k, len - k)) < len && p[k] == '"')
		k++;
	return k == len;
}

/*
 * Append @s[0..len) escaped for a label value (@quote true: \\, \" and \n) or for HELP text
 * (@quote false: \\ and \n only, as the format says), with invalid UTF-8 replaced by U+FFFD and
 * the unescaped result cut to @max bytes at a character boundary. Clean runs of bytes are
 * appended as one span.
 */
static void put_escaped(struct buf *out, const char *s, size_t len, bool quote, size_t max)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, span = 0, used = 0;

	if (len <= max && plain_prefix(p, len) == len) {
		buf_append(out, s, len);
		return;
	}
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (c >= 0x20 && c < 0x80 && c != '\\' && !(quote && c == '"')) {
			if (used + 1 > max)
				break;
			i++;
			used++;
			continue;
		}
		if (c < 0x80 && c != 0) {
			/* a byte that needs an escape, or a control byte other than newline, which
			 * is valid UTF-8 and passes through unchanged */
			if (used + 1 > max)
				break;
			if (c == '\\' || c == '"' || c == '\n') {
				buf_append(out, s + span, i - span);
				buf_putc(out, '\\');
				buf_putc(out, c == '\n' ? 'n' : (char)c);
				span = i + 1;
			}
			i++;
			used++;
			continue;
		}
		/* NUL is valid UTF-8 but never what a label meant (a C string gone wrong), and a
		 * raw NUL in the body trips up text tools: replace it like invalid bytes */
		n = c ? utf8_seq_len(p + i, len - i) : 0;
		if (n) {
			if (used + n > max)
				break;
			i += n;
			used += n;
			continue;
		}
		if (used + sizeof(replacement) - 1 > max)
			break;
		buf_append(out, s + span, i - span);
		buf_append(out, replacement, sizeof(replacement) - 1);
		used += sizeof(replacement) - 1;
		i++;
		span = i;
	}
	buf_append(out, s + span, i - span);
}

void prom_family(struct prom_writer *w, const char *name, enum prom_type type, const char *help)
{
	size_t help_len = help ? strlen(help) : 0, tlen;
	char *p;

	if (!prom_metric_name_valid(name) || (unsigned)type > PROM_UNTYPED ||
	    (type == PROM_COUNTER && !has_suffix(name, "_total"))) {
		w->family = NULL;
		w->dropped++;
		return;
	}
	w->family = name;
	w->family_len = strlen(name);
	w->type = type;
	if (w->format == PROM_FORMAT_OPENMETRICS) {
		prom_om_family(w, help);
		return;
	}
	if (w->format == PROM_FORMAT_PROTOBUF) {
		prom_proto_family(w, help);
		return;
	}
	/* plain help text (nearly all of it): both lines in one reservation; a small scrape is
	 * mostly these lines */
	tlen = strlen(prom_type_names[type]);
	if (help && help_plain((const unsigned char *)help, help_len) &&
	    (p = buf_room(w->out, 2 * w->family_len + help_len + tlen + 18))) {
		char *start = p;

		memcpy(p, "# HELP ", 7);
		memcpy(p += 7, name, w->family_len);
		*(p += w->family_len) = ' ';
		memcpy(++p, help, help_len);
		memcpy(p += help_len, "\n# TYPE ", 8);
		memcpy(p += 8, name, w->family_len);
		*(p += w->family_len) = ' ';
		memcpy(++p, prom_type_names[type], tlen);
		*(p += tlen) = '\n';
		buf_commit(w->out, (size_t)(p + 1 - start));
		return;
	}
	if (help) {
		buf_puts(w->out, "# HELP ");
		buf_puts(w->out, name);
		buf_putc(w->out, ' ');
		put_escaped(w->out, help, help_len, false, SIZE_MAX);
		buf_putc(w->out, '\n');
	}
	buf_puts(w->out, "# TYPE ");
	buf_puts(w->out, name);
	buf_putc(w->out, ' ');
	buf_puts(w->out, prom_type_names[type]);
	buf_putc(w->out, '\n');
}

/* A sample's labels are usable when every name is valid and none repeats (or equals @reserved,
 * "le" for histograms). Label sets are small, so the quadratic check costs nothing. */
static bool labels_valid(const struct prom_label *labels, size_t n, const char *reserved)
{
	for (size_t i = 0; i < n; i++) {
		if (!prom_label_name_valid(labels[i].name) || !labels[i].value)
			return false;
		if (reserved && strcmp(labels[i].name, reserved) == 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[i].name, labels[j].name) == 0)
				return false;
	}
	return true;
}

/* "name{a="x",b="y"" without the closing brace, so a histogram can append le. Writes just the
 * name when there are no labels and @open is false. */
static void put_series(struct prom_writer *w, const char *suffix, const struct prom_label *labels,
                       size_t n, bool open)
{
	buf_append(w->out, w->family, w->family_len);
	if (suffix)
		buf_puts(w->out, suffix);
	if (n == 0 && !open)
		return;
	buf_putc(w->out, '{');
	for (size_t i = 0; i < n; i++) {
		size_t len = labels[i].len == SIZE_MAX ? strlen(labels[i].value) : labels[i].len;

		if (i)
			buf_putc(w->out, ',');
		buf_puts(w->out, labels[i].name);
		buf_append(w->out, "=\"", 2);
		put_escaped(w->out, labels[i].value, len, true, LABEL_VALUE_MAX);
		buf_putc(w->out, '"');
	}
}

static void close_series(struct prom_writer *w, size_t n)
{
	if (n)
		buf_putc(w->out, '}');
	buf_putc(w->out, ' ');
}

/* @n bytes from @src to @dst, which do not overlap. Label names and values are mostly shorter
 * than 16 bytes, and a call to memcpy for each cost more than the copy: two loads and two stores
 * that may overlap cover 1 to 16 bytes without reading outside either span. */
static inline void copy_short(char *dst, const char *src, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;

	if (n > 16) {
		memcpy(dst, src, n);
	} else if (n >= 8) {
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&c, src, 4);
		memcpy(&d, src + n - 4, 4);
		memcpy(dst, &c, 4);
		memcpy(dst + n - 4, &d, 4);
	} else if (n) {
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	}
}

/* A label set measured for the fast paths below: every value plain and within
 * LABEL_VALUE_MAX (nearly always: connection and CHILD names, directions), so that escaping
 * and cutting would leave it as it is. */
struct plain_set {
	size_t vlen[PROM_CHECKED_LABELS_MAX], nlen[PROM_CHECKED_LABELS_MAX];
	size_t len; /* of its block "{a="x",b="y"}"; 0 for no labels */
};

/* Measure @l[0..n) into *ps (the names' lengths from @name_len when known); false when a value
 * needs put_escaped(). */
static bool plain_measure(const struct prom_label *l, size_t n, const uint8_t *name_len,
                          struct plain_set *ps)
{
	if (n > PROM_CHECKED_LABELS_MAX)
		return false;
	ps->len = n ? 1 : 0; /* the braces, with one comma fewer than labels */
	for (size_t i = 0; i < n; i++) {
		ps->vlen[i] = l[i].len == SIZE_MAX ? strlen(l[i].value) : l[i].len;
		if (ps->vlen[i] > LABEL_VALUE_MAX ||
		    plain_prefix((const unsigned char *)l[i].value, ps->vlen[i]) != ps->vlen[i])
			return false;
		ps->nlen[i] = name_len ? name_len[i] : strlen(l[i].name);
		ps->len += ps->nlen[i] + ps->vlen[i] + 4; /* =" " and a comma */
	}
	return true;
}

/* Write the measured set's block at @p; returns its end. */
static char *plain_put(char *p, const struct prom_label *l, size_t n, const struct plain_set *ps)
{
	if (!n)
		return p;
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		copy_short(p, l[i].name, ps->nlen[i]);
		p += ps->nlen[i];
		*p++ = '=';
		*p++ = '"';
		copy_short(p, l[i].value, ps->vlen[i]);
		p += ps->vlen[i];
		*p++ = '"';
		*p++ = i + 1 < n ? ',' : '}';
	}
	return p;
}

/*
 * The fast path of a sample: "name{a="x",b="y"} " written at once, into room reserved for it
 * and for the value and newline that follow, when the label set is plain (plain_measure()).
 * Returns where the value goes, with *ret_start where the sample begins (for buf_commit()), or
 * NULL when a value needs put_escaped() or the buffer cannot grow by the bound: the caller then
 * writes the sample piece by piece.
 */
static char *series_plain(struct prom_writer *w, const struct prom_label *l, size_t n,
                          const uint8_t *name_len, char **ret_start)
{
	struct plain_set ps;
	char *p;

	if (!plain_measure(l, n, name_len, &ps) ||
	    !(p = *ret_start = buf_room(w->out, w->family_len + ps.len + PROM_DOUBLE_TEXT_MAX + 2)))
		return NULL;
	copy_short(p, w->family, w->family_len);
	p = plain_put(p + w->family_len, l, n, &ps);
	*p++ = ' ';
	return p;
}

/* The same for a label set rendered by prom_labels_render(). */
static char *series_at(struct prom_writer *w, const char *labels, size_t len, char **ret_start)
{
	char *p = *ret_start = buf_room(w->out, w->family_len + len + PROM_DOUBLE_TEXT_MAX + 2);

	if (!p)
		return NULL;
	memcpy(p, w->family, w->family_len);
	p += w->family_len;
	memcpy(p, labels, len);
	p += len;
	*p++ = ' ';
	return p;
}

/* End a sample written at @p (after its value) that began at @start. */
static void sample_end(struct prom_writer *w, char *start, char *p)
{
	*p++ = '\n';
	buf_commit(w->out, (size_t)(p - start));
}

static size_t i64_text(int64_t v, char *out)
{
	if (v >= 0)
		return buf_fmt_u64(out, (uint64_t)v);
	/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
	out[0] = '-';
	return 1 + buf_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
}

/* Were exactly these label-name pointers checked before? Their lengths if so, else NULL. */
static const uint8_t *labels_checked(const struct prom_writer *w, const struct prom_label *labels,
                                     size_t n)
{
	for (unsigned k = 0; k < sizeof(w->checked_n) / sizeof(w->checked_n[0]); k++) {
		size_t i;

		if (w->checked_n[k] != n || n == 0)
			continue;
		for (i = 0; i < n && w->checked[k][i] == labels[i].name && labels[i].value; i++)
			;
		if (i == n)
			return w->checked_len[k];
	}
	return NULL;
}

/* Remember valid label names; their lengths, or NULL when the list is not kept. */
static const uint8_t *labels_remember(struct prom_writer *w, const struct prom_label *labels,
                                      size_t n)
{
	unsigned k = w->checked_next++ % (sizeof(w->checked_n) / sizeof(w->checked_n[0]));

	if (n > PROM_CHECKED_LABELS_MAX)
		return NULL;
	w->checked_n[k] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(labels[i].name);

		if (len > UINT8_MAX)
			return NULL;
		w->checked[k][i] = labels[i].name;
		w->checked_len[k][i] = (uint8_t)len;
	}
	w->checked_n[k] = n;
	return w->checked_len[k];
}

/* May a sample with these labels be written? *ret_name_len: the names' lengths when known
 * (for series_plain()), else NULL. */
static bool sample_ok(struct prom_writer *w, const struct prom_label *labels, size_t n,
                      const uint8_t **ret_name_len)
{
	*ret_name_len = NULL;
	if (!w->family || w->type == PROM_HISTOGRAM || (n && !labels)) {
		w->dropped++;
		return false;
	}
	if (n == 0 || (*ret_name_len = labels_checked(w, labels, n)))
		return true;
	if (!labels_valid(labels, n, NULL)) {
		w->dropped++;
		return false;
	}
	*ret_name_len = labels_remember(w, labels, n);
	return true;
}

void prom_sample(struct prom_writer *w, const struct prom_label *labels, size_t nlabels, double v)
{
	char *start, *p;
	const uint8_t *name_len;

	if (!sample_ok(w, labels, nlabels, &name_len))
		return;
	if (w->proto) {
		prom_proto_sample(w, labels, nlabels, v);
		return;
	}
	if ((p = series_plain(w, labels, nlabels, name_len, &start))) {
		sample_end(w, start, p + double_text(v, p));
		return;
	}
	put_series(w, NULL, labels, nlabels, false);
	close_series(w, nlabels);
	prom_write_double(w->out, v);
	buf_putc(w->out, '\n');
}

/* The common case of prom_labels_render(): a plain set (plain_measure()), the block written
 * at once into room reserved for it (the connection's and CHILD SA's blocks of a scrape). false,
 * with nothing written, when a value needs put_escaped(). */
static bool labels_plain(struct buf *out, const struct prom_label *l, size_t n)
{
	struct plain_set ps;
	char *p;

	if (!plain_measure(l, n, NULL, &ps) || !(p = buf_room(out, ps.len)))
		return false;
	plain_put(p, l, n, &ps);
	buf_commit(out, ps.len);
	return true;
}

int prom_labels_render(struct buf *out, const struct prom_label *labels, size_t n)
{
	if ((n && !labels) || !labels_valid(labels, n, NULL))
		return -EINVAL;
	if (n == 0)
		return 0;
	if (labels_plain(out, labels, n))
		return 0;
	buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		size_t len = labels[i].len == SIZE_MAX ? strlen(labels[i].value) : labels[i].len;

		if (i)
			buf_putc(out, ',');
		buf_puts(out, labels[i].name);
		buf_append(out, "=\"", 2);
		put_escaped(out, labels[i].value, len, true, LABEL_VALUE_MAX);
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
	return out->err;
}

static bool sample_at_ok(struct prom_writer *w)
{
	if (!w->family || w->type == PROM_HISTOGRAM) {
		w->dropped++;
		return false;
	}
	return true;
}

void prom_sample_at(struct prom_writer *w, const char *labels, size_t len, double v)
{
	char *start, *p;

	if (!sample_at_ok(w))
		return;
	if (w->proto) {
		prom_proto_sample_at(w, labels, len, v);
		return;
	}
	if ((p = series_at(w, labels, len, &start))) {
		sample_end(w, start, p + double_text(v, p));
		return;
	}
	buf_append(w->out, w->family, w->family_len);
	buf_append(w->out, labels, len);
	buf_putc(w->out, ' ');
	prom_write_double(w->out, v);
	buf_putc(w->out, '\n');
}

void prom_sample_at_u64(struct prom_writer *w, const char *labels, size_t len, uint64_t v)
{
	char *start, *p;

	if (!sample_at_ok(w))
		return;
	if (w->proto) {
		prom_proto_sample_at(w, labels, len, (double)v);
		return;
	}
	if ((p = series_at(w, labels, len, &start))) {
		sample_end(w, start, p + buf_fmt_u64(p, v));
		return;
	}
	buf_append(w->out, w->family, w->family_len);
	buf_append(w->out, labels, len);
	buf_putc(w->out, ' ');
	buf_put_u64(w->out, v);
	buf_putc(w->out, '\n');
}

int prom_blocks_init(struct prom_blocks *b, size_t n)
{
	buf_init(&b->text, HTTP_BODY_MAX);
	b->n = 0;
	b->cap = n;
	b->off = calloc(n + 1, sizeof(*b->off));
	return b->off ? 0 : -ENOMEM;
}

void prom_blocks_add(struct prom_blocks *b, const struct prom_label *labels, size_t nlabels)
{
	if (b->n >= b->cap) {
		b->text.err = b->text.err ? b->text.err : -E2BIG;
		return;
	}
	if (prom_labels_render(&b->text, labels, nlabels) < 0 && !b->text.err)
		b->text.err = -EINVAL;
	b->off[++b->n] = b->text.len;
}

const char *prom_blocks_at(const struct prom_blocks *b, size_t i, size_t *ret_len)
{
	*ret_len = b->off[i + 1] - b->off[i];
	return b->text.data ? b->text.data + b->off[i] : "";
}

void prom_blocks_done(struct prom_blocks *b)
{
	buf_done(&b->text);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

void prom_sample_at_plus_u64(struct prom_writer *w, const char *labels, size_t len,
                             const char *name, const char *value, uint64_t v)
{
	size_t nlen = strlen(name), vlen = strlen(value);
	char *start, *p;

	if (!sample_at_ok(w))
		return;
	/* the rare cases (protobuf, a value to escape or cut): the label set is put together in
	 * a buffer of its own first */
	if (w->proto || vlen > LABEL_VALUE_MAX ||
	    plain_prefix((const unsigned char *)value, vlen) != vlen ||
	    !(p = start =
	          buf_room(w->out, w->family_len + len + nlen + vlen + 8 + PROM_DOUBLE_TEXT_MAX))) {
		struct buf t;

		buf_init(&t, HTTP_BODY_MAX);
		if (len) {
			buf_append(&t, labels, len - 1);
			buf_putc(&t, ',');
		} else {
			buf_putc(&t, '{');
		}
		buf_puts(&t, name);
		buf_append(&t, "=\"", 2);
		put_escaped(&t, value, vlen, true, LABEL_VALUE_MAX);
		buf_append(&t, "\"}", 2);
		if (t.err)
			w->dropped++;
		else
			prom_sample_at_u64(w, t.data, t.len, v);
		buf_done(&t);
		return;
	}
	memcpy(p, w->family, w->family_len);
	p += w->family_len;
	if (len) {
		memcpy(p, labels, len - 1); /* without its closing brace */
		p += len - 1;
		*p++ = ',';
	} else {
		*p++ = '{';
	}
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = '=';
	*p++ = '"';
	memcpy(p, value, vlen);
	p += vlen;
	*p++ = '"';
	*p++ = '}';
	*p++ = ' ';
	sample_end(w, start, p + buf_fmt_u64(p, v));
}

void prom_seen_done(struct prom_seen *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* Add @h; false if it was there. Out of memory: true (a duplicate is the lesser harm). */
static bool seen_insert(struct prom_seen *s, uint64_t h)
{
	h |= 1; /* never 0 */
	if ((s->len + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return true;
		for (size_t i = 0; i < s->cap; i++) {
			size_t j = s->slots[i] & (ncap - 1);

			if (!s->slots[i])
				continue;
			while (n[j])
				j = (j + 1) & (ncap - 1);
			n[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = n;
		s->cap = ncap;
	}
	for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		if (s->slots[j] == h)
			return false;
		if (!s->slots[j]) {
			s->slots[j] = h;
			s->len++;
			return true;
		}
	}
}

/* The label values as protobuf identifies a series (no rendered text there). */
static uint64_t values_hash(const struct prom_label *l, size_t n)
{
	uint64_t h = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = l[i].len == SIZE_MAX ? strlen(l[i].value) : l[i].len;

		h = (h ^ strmap_hash(l[i].value, len > LABEL_VALUE_MAX ? LABEL_VALUE_MAX : len)) *
		    0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

bool prom_sample_once(struct prom_writer *w, struct prom_seen *seen,
                      const struct prom_label *labels, size_t nlabels, double v)
{
	struct buf t, *out;
	char *start, *p;
	const uint8_t *name_len;
	bool fresh;

	if (!sample_ok(w, labels, nlabels, &name_len))
		return false;
	if (w->proto) {
		if (!seen_insert(seen, values_hash(labels, nlabels)))
			return false;
		prom_proto_sample(w, labels, nlabels, v);
		return true;
	}
	/* the series is rendered into reserved room and committed only when it is new */
	if ((p = series_plain(w, labels, nlabels, name_len, &start))) {
		if (!seen_insert(seen, strmap_hash(start, (size_t)(p - start)))) {
			*start = '\0'; /* the buffer stays a string */
			return false;
		}
		sample_end(w, start, p + double_text(v, p));
		return true;
	}
	/* a label value to escape or cut (rare): the series is rendered apart first, since what
	 * is appended to the output may be handed on at once (a streamed answer) */
	out = w->out;
	buf_init(&t, HTTP_BODY_MAX);
	w->out = &t;
	put_series(w, NULL, labels, nlabels, false);
	close_series(w, nlabels);
	w->out = out;
	fresh = !t.err && seen_insert(seen, strmap_hash(t.data, t.len));
	if (fresh) {
		buf_append(out, t.data, t.len);
		prom_write_double(out, v);
		buf_putc(out, '\n');
	} else if (t.err) {
		w->dropped++;
	}
	buf_done(&t);
	return fresh;
}

void prom_sample_u64(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                     uint64_t v)
{
	char *start, *p;
	const uint8_t *name_len;

	if (!sample_ok(w, labels, nlabels, &name_len))
		return;
	if (w->proto) {
		prom_proto_sample(w, labels, nlabels, (double)v);
		return;
	}
	if ((p = series_plain(w, labels, nlabels, name_len, &start))) {
		sample_end(w, start, p + buf_fmt_u64(p, v));
		return;
	}
	put_series(w, NULL, labels, nlabels, false);
	close_series(w, nlabels);
	buf_put_u64(w->out, v);
	buf_putc(w->out, '\n');
}

void prom_sample_i64(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                     int64_t v)
{
	char *start, *p;
	const uint8_t *name_len;

	if (!sample_ok(w, labels, nlabels, &name_len))
		return;
	if (w->proto) {
		prom_proto_sample(w, labels, nlabels, (double)v);
		return;
	}
	if ((p = series_plain(w, labels, nlabels, name_len, &start))) {
		sample_end(w, start, p + i64_text(v, p));
		return;
	}
	put_series(w, NULL, labels, nlabels, false);
	close_series(w, nlabels);
	buf_put_i64(w->out, v);
	buf_putc(w->out, '\n');
}

void prom_histogram(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                    const double *bounds, const uint64_t *cumulative_counts, size_t nbounds,
                    double sum, uint64_t count)
{
	if (!w->family || w->type != PROM_HISTOGRAM || (nlabels && !labels) ||
	    (nbounds && (!bounds || !cumulative_counts)) || !labels_valid(labels, nlabels, "le")) {
		w->dropped++;
		return;
	}
	/* Bucket bounds must increase and be finite (+Inf is implied), and cumulative counts
	 * must not decrease nor exceed the total; otherwise Prometheus' histogram functions
	 * produce nonsense, so the whole histogram is dropped. */
	for (size_t i = 0; i < nbounds; i++) {
		if (!isfinite(bounds[i]) || (i && !(bounds[i] > bounds[i - 1])) ||
		    (i && cumulative_counts[i] < cumulative_counts[i - 1]) ||
		    cumulative_counts[i] > count) {
			w->dropped++;
			return;
		}
	}
	if (w->proto) {
		prom_proto_histogram(w, labels, nlabels, bounds, cumulative_counts, nbounds, sum,
		                     count);
		return;
	}
	for (size_t i = 0; i < nbounds; i++) {
		put_series(w, "_bucket", labels, nlabels, true);
		buf_puts(w->out, nlabels ? ",le=\"" : "le=\"");
		prom_write_double(w->out, bounds[i]);
		buf_append(w->out, "\"} ", 3);
		buf_put_u64(w->out, cumulative_counts[i]);
		buf_putc(w->out, '\n');
	}
	put_series(w, "_bucket", labels, nlabels, true);
	buf_puts(w->out, nlabels ? ",le=\"+Inf\"} " : "le=\"+Inf\"} ");
	buf_put_u64(w->out, count);
	buf_putc(w->out, '\n');
	put_series(w, "_sum", labels, nlabels, false);
	close_series(w, nlabels);
	prom_write_double(w->out, sum);
	buf_putc(w->out, '\n');
	put_series(w, "_count", labels, nlabels, false);
	close_series(w, nlabels);
	buf_put_u64(w->out, count);
	buf_putc(w->out, '\n');
}

/* For the other formats (prom_writer_int.h): OpenMetrics escapes HELP as a label value. */
void prom_escape_quoted(struct buf *out, const char *s, size_t len)
{
	put_escaped(out, s, len, true, SIZE_MAX);
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/*
 * Shortest of %.15g, %.16g, %.17g that reads back as the same double. %.15g is shortest
 * whenever any representation of 15 digits or fewer round-trips (15-digit decimals are spaced
 * wider than doubles), and %.17g always round-trips. Formatting and strtod run under the C
 * locale so that the decimal point is always '.'.
 */
static size_t format_double(double v, char out[PROM_DOUBLE_TEXT_MAX])
{
	locale_t old = (locale_t)0;
	int n = 0;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		old = uselocale(c_locale);
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(out, PROM_DOUBLE_TEXT_MAX, "%.*g", prec, v);
		if (n < 0 || n >= PROM_DOUBLE_TEXT_MAX) {
			n = 0;
			break;
		}
		if (prec == 17 || strtod(out, NULL) == v)
			break;
	}
	if (c_locale)
		uselocale(old);
	return (size_t)n;
}

/* @v as the exposition format writes it, at @out (no NUL); returns the length. */
static size_t double_text(double v, char out[PROM_DOUBLE_TEXT_MAX])
{
	size_t n;

	if (isnan(v)) {
		memcpy(out, "NaN", 3);
		return 3;
	}
	if (isinf(v)) {
		memcpy(out, v > 0 ? "+Inf" : "-Inf", 4);
		return 4;
	}
	/* Exact integers within int64 take the cheap path; the range check comes first because
	 * converting an out-of-range double to an integer is undefined behaviour. */
	if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 && v == trunc(v))
		return i64_text((int64_t)v, out);
	n = format_double(v, out);
	if (n == 0) {
		/* cannot happen for a finite double; keep the output parseable anyway */
		memcpy(out, "NaN", 3);
		return 3;
	}
	return n;
}

void prom_write_double(struct buf *out, double v)
{
	char text[PROM_DOUBLE_TEXT_MAX];

	buf_append(out, text, double_text(v, text));
}
