// SPDX-License-Identifier: Apache-2.0
/*
 * Accept header negotiation for /metrics (see http_negotiate.h). The header is split the way
 * goautoneg's ParseAccept splits it (the parser client_golang uses): on ',' into media ranges,
 * each on ';' into "type/subtype" and key=value parameters, spaces trimmed around each part; a
 * range without a '/' counts only when it is "*", one with two is skipped, a parameter without
 * '=' is skipped. Then the ranges are ordered by q (stable) and the first we can write wins.
 */
#include "http/http_negotiate.h"

#include "common/num.h"

#include <stdbool.h>
#include <string.h>

struct span {
	const char *p;
	size_t n;
};

struct range {
	struct span type, subtype, version, proto, encoding;
	double q;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span s)
{
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* A quoted parameter value (RFC 9110 section 5.6.6) without its quotes; no escapes inside the
 * values we look for, so a backslash is left as it is (and then matches nothing). */
static struct span unquote(struct span s)
{
	if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') {
		s.p++;
		s.n -= 2;
	}
	return s;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool eq_nocase(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lit[i])
			return false;
	return true;
}

static bool eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* The next piece of @s up to @sep (consumed); false when @s is used up. */
static bool next_piece(struct span *s, char sep, struct span *ret)
{
	const char *end;

	if (!s->p)
		return false;
	end = memchr(s->p, sep, s->n);
	ret->p = s->p;
	if (!end) {
		ret->n = s->n;
		s->p = NULL;
		s->n = 0;
		return true;
	}
	ret->n = (size_t)(end - s->p);
	s->n -= ret->n + 1;
	s->p = end + 1;
	return true;
}

/* q: a decimal in [0, 1]; anything else (q=abc, q=2, q=-1) reads as 0, "not acceptable", as a
 * q that does not parse reads as 0 in goautoneg. */
static double parse_q(struct span v)
{
	double q;

	if (num_parse_double(v.p, v.n, 0.0, 1.0, &q) < 0)
		return 0.0;
	return q;
}

static void parse_param(struct range *r, struct span param)
{
	struct span key, val;
	const char *eqp = memchr(param.p, '=', param.n);

	if (!eqp)
		return;
	key = trim((struct span){param.p, (size_t)(eqp - param.p)});
	val = trim((struct span){eqp + 1, (size_t)(param.p + param.n - (eqp + 1))});
	val = unquote(val);
	if (eq_nocase(key, "q"))
		r->q = parse_q(val);
	else if (eq_nocase(key, "version"))
		r->version = val;
	else if (eq_nocase(key, "proto"))
		r->proto = val;
	else if (eq_nocase(key, "encoding"))
		r->encoding = val;
}

/* One media range; false when goautoneg would skip it. */
static bool parse_range(struct span part, struct range *r)
{
	struct span mr, param, rest = part;
	const char *slash;

	memset(r, 0, sizeof(*r));
	r->q = 1.0;
	next_piece(&rest, ';', &mr);
	mr = trim(mr);
	slash = memchr(mr.p, '/', mr.n);
	if (!slash) {
		if (!eq(mr, "*"))
			return false;
		r->type = r->subtype = mr;
	} else {
		size_t tn = (size_t)(slash - mr.p);

		if (memchr(slash + 1, '/', mr.n - tn - 1))
			return false;
		r->type = trim((struct span){mr.p, tn});
		r->subtype = trim((struct span){slash + 1, mr.n - tn - 1});
	}
	while (next_piece(&rest, ';', &param))
		parse_param(r, param);
	return true;
}

/* What range @r names that we write; false for none. */
static bool range_format(const struct range *r, struct http_exposition *ret)
{
	if (r->q <= 0.0)
		return false;
	if (eq_nocase(r->type, "application") && eq_nocase(r->subtype, "vnd.google.protobuf")) {
		if (!eq(r->proto, "io.prometheus.client.MetricFamily") ||
		    !eq(r->encoding, "delimited"))
			return false;
		*ret = (struct http_exposition){PROM_FORMAT_PROTOBUF, PROM_CONTENT_TYPE_PROTOBUF};
		return true;
	}
	if (eq_nocase(r->type, "text") && eq_nocase(r->subtype, "plain")) {
		if (r->version.n && !eq(r->version, "0.0.4"))
			return false;
		*ret = (struct http_exposition){PROM_FORMAT_TEXT, PROM_CONTENT_TYPE};
		return true;
	}
	if (eq_nocase(r->type, "application") && eq_nocase(r->subtype, "openmetrics-text")) {
		if (eq(r->version, "1.0.0"))
			*ret = (struct http_exposition){PROM_FORMAT_OPENMETRICS,
			                                PROM_CONTENT_TYPE_OPENMETRICS};
		else if (r->version.n == 0 || eq(r->version, "0.0.1"))
			*ret = (struct http_exposition){PROM_FORMAT_OPENMETRICS,
			                                PROM_CONTENT_TYPE_OPENMETRICS_0_0_1};
		else
			return false;
		return true;
	}
	return false;
}

struct http_exposition http_negotiate_exposition(const char *v, size_t len)
{
	struct http_exposition ex = {PROM_FORMAT_TEXT, PROM_CONTENT_TYPE};
	struct range ranges[HTTP_ACCEPT_RANGES_MAX];
	struct span rest = {v, v ? len : 0}, part;
	size_t n = 0;

	if (!v)
		return ex;
	while (n < HTTP_ACCEPT_RANGES_MAX && next_piece(&rest, ',', &part)) {
		struct range r;
		size_t i;

		if (!parse_range(part, &r))
			continue;
		/* insertion keeps equal q-values in the header's order */
		i = n++;
		while (i > 0 && ranges[i - 1].q < r.q) {
			ranges[i] = ranges[i - 1];
			i--;
		}
		ranges[i] = r;
	}
	for (size_t i = 0; i < n; i++)
		if (range_format(&ranges[i], &ex))
			return ex;
	return ex;
}
