// SPDX-License-Identifier: Apache-2.0
/*
 * Splitting list-valued request headers (see http_header.h).
 */
#include "http/http_header.h"

#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

struct http_span http_span_trim(struct http_span s)
{
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

bool http_span_next(struct http_span *s, char sep, struct http_span *ret)
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

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool http_span_eq_nocase(struct http_span s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lit[i])
			return false;
	return true;
}

bool http_span_eq(struct http_span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

bool http_param_split(struct http_span param, struct http_span *ret_key, struct http_span *ret_val)
{
	const char *eqp = param.n ? memchr(param.p, '=', param.n) : NULL;
	struct http_span val;

	if (!eqp)
		return false;
	*ret_key = http_span_trim((struct http_span){param.p, (size_t)(eqp - param.p)});
	val = http_span_trim((struct http_span){eqp + 1, (size_t)(param.p + param.n - (eqp + 1))});
	/* a quoted value (RFC 9110 section 5.6.4) without its quotes */
	if (val.n >= 2 && val.p[0] == '"' && val.p[val.n - 1] == '"') {
		val.p++;
		val.n -= 2;
	}
	*ret_val = val;
	return true;
}
