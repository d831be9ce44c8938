// SPDX-License-Identifier: Apache-2.0
/*
 * Prometheus text exposition parser (see prom_parse.h). One pass over the lines with a bounded
 * cursor; each line is a comment ("# HELP", "# TYPE", "# EOF", anything else ignored), blank,
 * or a sample:
 *
 *   name [ "{" [ label "=" '"' value '"' { "," label "=" '"' value '"' } [ "," ] ] "}" ]
 *        value [ timestamp ]
 *
 * as Prometheus' own text parser reads it (blanks are spaces and tabs). The grammar is strict
 * where a peer that sends something else is not an exporter we understand: a bad name, an
 * unterminated quote, an unknown escape, a duplicate label or trailing garbage fail the whole
 * parse with the line number, so that the caller says "the peer's answer is not an
 * exposition" rather than reasoning about half of it.
 */
#include "prom/prom_parse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *p, *end;
};

struct family {
	const char *name;
	size_t len;
	enum prom_type type;
};

void prom_scrape_init(struct prom_scrape *s)
{
	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
}

void prom_scrape_done(struct prom_scrape *s)
{
	free(s->samples);
	arena_done(&s->arena);
	memset(s, 0, sizeof(*s));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_name_start(char c, bool colon_ok)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon_ok && c == ':');
}

static bool is_name_char(char c, bool colon_ok)
{
	return is_name_start(c, colon_ok) || (c >= '0' && c <= '9');
}

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
}

/* A metric name (colons allowed) or a label name (not); the span is returned in ret_*. */
static int take_name(struct cursor *c, bool colon_ok, const char **ret_p, size_t *ret_len)
{
	const char *start = c->p;

	if (c->p >= c->end || !is_name_start(*c->p, colon_ok))
		return -EBADMSG;
	while (c->p < c->end && is_name_char(*c->p, colon_ok))
		c->p++;
	*ret_p = start;
	*ret_len = (size_t)(c->p - start);
	return 0;
}

/* The next blank-separated word (possibly empty at the end of the line). */
static void take_word(struct cursor *c, const char **ret_p, size_t *ret_len)
{
	const char *start = c->p;

	while (c->p < c->end && !is_blank(*c->p))
		c->p++;
	*ret_p = start;
	*ret_len = (size_t)(c->p - start);
}

static bool span_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(p, word, len) == 0;
}

/*
 * A sample value: Go's ParseFloat accepts more spellings than exporters write; we take the
 * ones the format documents (decimal, exponent, NaN, +Inf, -Inf, Inf). strtod is safe here
 * because ikewatch never changes LC_NUMERIC from "C".
 */
int prom_parse_value(const char *p, size_t len, double *ret)
{
	char t[64], *end;

	if (span_is(p, len, "NaN")) {
		*ret = NAN;
		return 0;
	}
	if (span_is(p, len, "+Inf") || span_is(p, len, "Inf")) {
		*ret = INFINITY;
		return 0;
	}
	if (span_is(p, len, "-Inf")) {
		*ret = -INFINITY;
		return 0;
	}
	if (len == 0 || len >= sizeof(t))
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		char ch = p[i];

		if (!(ch >= '0' && ch <= '9') && ch != '.' && ch != '-' && ch != '+' && ch != 'e' &&
		    ch != 'E')
			return -EBADMSG;
	}
	memcpy(t, p, len);
	t[len] = '\0';
	*ret = strtod(t, &end);
	if (end != t + len)
		return -EBADMSG;
	return 0;
}

/* An optional integer timestamp (milliseconds); only its form is checked. */
static int check_timestamp(const char *p, size_t len)
{
	size_t i = 0;

	if (len > 0 && p[0] == '-')
		i = 1;
	if (i == len || len - i > 20)
		return -EBADMSG;
	for (; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return -EBADMSG;
	return 0;
}

/* A quoted label value; unescaped into the arena, NUL-terminated. */
static int take_label_value(struct cursor *c, struct arena *a, const char **ret, size_t *ret_len,
                            const char **why)
{
	const char *start;
	char *out;
	size_t n = 0;

	if (c->p >= c->end || *c->p != '"') {
		*why = "label value is not quoted";
		return -EBADMSG;
	}
	start = ++c->p;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && ++c->p == c->end)
			break; /* a backslash at the end of the line escapes nothing */
		c->p++;
	}
	if (c->p >= c->end) {
		*why = "unterminated label value";
		return -EBADMSG;
	}
	/* the unescaped value is never longer than the raw span */
	out = arena_alloc(a, (size_t)(c->p - start) + 1);
	if (!out)
		return -ENOMEM;
	for (const char *q = start; q < c->p; q++) {
		if (*q != '\\') {
			out[n++] = *q;
			continue;
		}
		q++;
		switch (*q) {
		case '\\':
			out[n++] = '\\';
			break;
		case '"':
			out[n++] = '"';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		default:
			*why = "unknown escape in label value";
			return -EBADMSG;
		}
	}
	out[n] = '\0';
	c->p++; /* closing quote */
	*ret = out;
	*ret_len = n;
	return 0;
}

static int take_labels(struct cursor *c, struct arena *a, struct prom_label *labels, size_t *ret_n,
                       const char **why)
{
	size_t n = 0;
	int r;

	c->p++; /* '{' */
	for (;;) {
		const char *name;
		size_t len;

		skip_blanks(c);
		if (c->p < c->end && *c->p == '}')
			break;
		if (take_name(c, false, &name, &len) < 0) {
			*why = "bad label name";
			return -EBADMSG;
		}
		if (n == PROM_PARSE_LABELS_MAX) {
			*why = "too many labels";
			return -E2BIG;
		}
		for (size_t i = 0; i < n; i++) {
			if (strlen(labels[i].name) == len &&
			    memcmp(labels[i].name, name, len) == 0) {
				*why = "duplicate label name";
				return -EBADMSG;
			}
		}
		labels[n].name = arena_strndup(a, name, len);
		if (!labels[n].name)
			return -ENOMEM;
		skip_blanks(c);
		if (c->p >= c->end || *c->p != '=') {
			*why = "expected '=' after a label name";
			return -EBADMSG;
		}
		c->p++;
		skip_blanks(c);
		r = take_label_value(c, a, &labels[n].value, &labels[n].len, why);
		if (r < 0)
			return r;
		n++;
		skip_blanks(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}')
			break;
		*why = "expected ',' or '}' after a label";
		return -EBADMSG;
	}
	c->p++; /* '}' */
	*ret_n = n;
	return 0;
}

int prom_parse_labels(const char *s, size_t len, struct arena *a, struct prom_label *labels,
                      size_t *ret_n, const char **ret_why)
{
	struct cursor c = {s, s + len};
	int r;

	*ret_n = 0;
	if (len == 0)
		return 0;
	if (s[0] != '{') {
		*ret_why = "a label set starts with '{'";
		return -EBADMSG;
	}
	r = take_labels(&c, a, labels, ret_n, ret_why);
	if (r == 0 && c.p != c.end) {
		*ret_why = "text after the label set";
		return -EBADMSG;
	}
	return r;
}

static bool has_suffix(const char *name, size_t len, const struct family *f, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len == f->len + sl && memcmp(name, f->name, f->len) == 0 &&
	       memcmp(name + f->len, suffix, sl) == 0;
}

/* The type of sample @name: its family's when the name belongs to the last # TYPE. */
static enum prom_type type_of(const char *name, size_t len, const struct family *f)
{
	if (!f->name)
		return PROM_UNTYPED;
	if (len == f->len && memcmp(name, f->name, len) == 0)
		return f->type;
	switch (f->type) {
	case PROM_HISTOGRAM:
		if (has_suffix(name, len, f, "_bucket") || has_suffix(name, len, f, "_sum") ||
		    has_suffix(name, len, f, "_count") || has_suffix(name, len, f, "_created"))
			return f->type;
		break;
	case PROM_SUMMARY:
		if (has_suffix(name, len, f, "_sum") || has_suffix(name, len, f, "_count") ||
		    has_suffix(name, len, f, "_created"))
			return f->type;
		break;
	case PROM_COUNTER: /* OpenMetrics names the family without _total */
		if (has_suffix(name, len, f, "_total") || has_suffix(name, len, f, "_created"))
			return f->type;
		break;
	default:
		break;
	}
	return PROM_UNTYPED;
}

static int parse_type_word(const char *p, size_t len, enum prom_type *ret)
{
	static const struct {
		const char *word;
		enum prom_type type;
	} types[] = {
	    {"counter", PROM_COUNTER},
	    {"gauge", PROM_GAUGE},
	    {"histogram", PROM_HISTOGRAM},
	    {"summary", PROM_SUMMARY},
	    {"untyped", PROM_UNTYPED},
	    {"unknown", PROM_UNTYPED},
	    {"info", PROM_GAUGE},
	    {"stateset", PROM_GAUGE},
	    {"gaugehistogram", PROM_HISTOGRAM},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (span_is(p, len, types[i].word)) {
			*ret = types[i].type;
			return 0;
		}
	}
	return -EBADMSG;
}

/* "# ..." lines: TYPE sets the family, EOF ends the exposition (returns 1), others are text. */
static int parse_comment(struct cursor *c, struct arena *a, struct family *f, const char **why)
{
	const char *w, *name;
	size_t wlen, nlen;
	enum prom_type type;

	c->p++; /* '#' */
	skip_blanks(c);
	take_word(c, &w, &wlen);
	if (span_is(w, wlen, "EOF"))
		return 1;
	if (!span_is(w, wlen, "TYPE"))
		return 0; /* HELP, UNIT and free comments carry nothing we read */
	skip_blanks(c);
	if (take_name(c, true, &name, &nlen) < 0) {
		*why = "bad metric name in # TYPE";
		return -EBADMSG;
	}
	skip_blanks(c);
	take_word(c, &w, &wlen);
	if (parse_type_word(w, wlen, &type) < 0) {
		*why = "unknown type in # TYPE";
		return -EBADMSG;
	}
	f->name = arena_strndup(a, name, nlen);
	if (!f->name)
		return -ENOMEM;
	f->len = nlen;
	f->type = type;
	return 0;
}

static int push_sample(struct prom_scrape *s, const struct prom_parsed_sample *sample)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct prom_parsed_sample *p;

		if (cap > PROM_PARSE_SAMPLES_MAX)
			cap = PROM_PARSE_SAMPLES_MAX;
		p = reallocarray(s->samples, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->samples = p;
		s->cap = cap;
	}
	s->samples[s->n++] = *sample;
	return 0;
}

int prom_scrape_add(struct prom_scrape *s, const char *name, const struct prom_label *labels,
                    size_t nlabels, double value)
{
	struct prom_parsed_sample sample = {.nlabels = nlabels, .value = value};
	struct prom_label *copy = NULL;

	if (s->n == PROM_PARSE_SAMPLES_MAX || nlabels > PROM_PARSE_LABELS_MAX)
		return -E2BIG;
	sample.name = arena_strndup(&s->arena, name, strlen(name));
	if (nlabels)
		copy = arena_alloc(&s->arena, nlabels * sizeof(*copy));
	if (!sample.name || (nlabels && !copy))
		return -ENOMEM;
	for (size_t i = 0; i < nlabels; i++) {
		size_t len = labels[i].len == SIZE_MAX ? strlen(labels[i].value) : labels[i].len;

		copy[i].name = arena_strndup(&s->arena, labels[i].name, strlen(labels[i].name));
		copy[i].value = arena_strndup(&s->arena, labels[i].value, len);
		copy[i].len = len;
		if (!copy[i].name || !copy[i].value)
			return -ENOMEM;
	}
	sample.labels = copy;
	return push_sample(s, &sample);
}

static int parse_sample(struct prom_scrape *s, struct cursor *c, const struct family *f,
                        const char **why)
{
	struct prom_label labels[PROM_PARSE_LABELS_MAX];
	struct prom_parsed_sample sample = {0};
	const char *name, *w;
	size_t nlen, wlen;
	int r;

	if (take_name(c, true, &name, &nlen) < 0) {
		*why = "bad metric name";
		return -EBADMSG;
	}
	skip_blanks(c);
	if (c->p < c->end && *c->p == '{') {
		r = take_labels(c, &s->arena, labels, &sample.nlabels, why);
		if (r < 0)
			return r;
		if (sample.nlabels) {
			struct prom_label *copy;

			copy = arena_alloc(&s->arena, sample.nlabels * sizeof(*copy));
			if (!copy)
				return -ENOMEM;
			memcpy(copy, labels, sample.nlabels * sizeof(*copy));
			sample.labels = copy;
		}
	}
	skip_blanks(c);
	take_word(c, &w, &wlen);
	if (prom_parse_value(w, wlen, &sample.value) < 0) {
		*why = "bad sample value";
		return -EBADMSG;
	}
	skip_blanks(c);
	take_word(c, &w, &wlen);
	if (wlen && check_timestamp(w, wlen) < 0) {
		*why = "bad timestamp";
		return -EBADMSG;
	}
	skip_blanks(c);
	if (c->p != c->end) {
		*why = "trailing characters after the sample";
		return -EBADMSG;
	}
	if (s->n == PROM_PARSE_SAMPLES_MAX) {
		*why = "too many samples";
		return -E2BIG;
	}
	sample.name = arena_strndup(&s->arena, name, nlen);
	if (!sample.name)
		return -ENOMEM;
	sample.type = type_of(name, nlen, f);
	return push_sample(s, &sample);
}

int prom_parse(struct prom_scrape *s, const char *text, size_t len, size_t *ret_line,
               const char **ret_why)
{
	struct family fam = {0};
	const char *p = text, *end = text + len, *why = NULL;
	size_t line = 0;
	int r = 0;

	if (len > PROM_PARSE_BYTES_MAX) {
		why = "exposition larger than the limit";
		r = -E2BIG;
		goto out;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct cursor c = {p, eol ? eol : end};

		line++;
		p = eol ? eol + 1 : end;
		if ((size_t)(c.end - c.p) > PROM_PARSE_LINE_MAX) {
			why = "line longer than the limit";
			r = -E2BIG;
			break;
		}
		if (memchr(c.p, '\0', (size_t)(c.end - c.p))) {
			why = "NUL byte";
			r = -EBADMSG;
			break;
		}
		if (c.end > c.p && c.end[-1] == '\r')
			c.end--;
		skip_blanks(&c);
		if (c.p == c.end)
			continue;
		if (*c.p == '#') {
			r = parse_comment(&c, &s->arena, &fam, &why);
			if (r == 1) {
				r = 0;
				break;
			}
		} else {
			r = parse_sample(s, &c, &fam, &why);
		}
		if (r < 0)
			break;
	}
out:
	if (r < 0) {
		if (ret_line)
			*ret_line = line;
		if (ret_why)
			*ret_why = why ? why : "out of memory";
	}
	return r;
}

const char *prom_sample_label(const struct prom_parsed_sample *sample, const char *name)
{
	for (size_t i = 0; i < sample->nlabels; i++)
		if (strcmp(sample->labels[i].name, name) == 0)
			return sample->labels[i].value;
	return NULL;
}
