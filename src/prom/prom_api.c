// SPDX-License-Identifier: Apache-2.0
/*
 * Prometheus HTTP API answers (see prom_api.h). json-c reads the JSON (strict, UTF-8 checked,
 * nesting capped); this file walks the tree and checks each field's type and bounds before it
 * copies anything into the arena. The tree is freed before returning: the result holds only
 * copies.
 */
#include "prom/prom_api.h"

#include "prom/prom_parse.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct walk {
	struct prom_api_result *r;
	size_t points; /* so far, over all series */
	const char *why;
};

void prom_api_init(struct prom_api_result *r)
{
	memset(r, 0, sizeof(*r));
	arena_init(&r->arena);
}

void prom_api_done(struct prom_api_result *r)
{
	free(r->series);
	arena_done(&r->arena);
	memset(r, 0, sizeof(*r));
}

static int bad(struct walk *w, const char *why)
{
	w->why = why;
	return -EBADMSG;
}

static int too_big(struct walk *w, const char *why)
{
	w->why = why;
	return -E2BIG;
}

/* A string member, NUL-free and at most @max bytes; NULL (and w->why) when it is not one. */
static const char *string_of(struct json_object *o, size_t max, size_t *ret_len)
{
	const char *s;
	int len;

	if (!o || json_object_get_type(o) != json_type_string)
		return NULL;
	s = json_object_get_string(o);
	len = json_object_get_string_len(o);
	if (!s || len < 0 || (size_t)len > max || memchr(s, '\0', (size_t)len))
		return NULL;
	*ret_len = (size_t)len;
	return s;
}

/* Copy a short text member (error, warning) into @dst, cut to fit; absent is "". */
static int copy_text(struct walk *w, struct json_object *o, char *dst, size_t cap)
{
	const char *s;
	size_t len;

	dst[0] = '\0';
	if (!o)
		return 0;
	s = string_of(o, PROM_API_STRING_MAX, &len);
	if (!s)
		return bad(w, "errorType, error or a warning is not a string");
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* Prometheus 3 allows any UTF-8 in label names (the tokenizer checked it is UTF-8). */
static bool label_name_ok(const char *s, size_t len)
{
	return len > 0 && len <= PROM_API_STRING_MAX && s[0] != '\0';
}

/* [TS, "V"] */
static int point_of(struct walk *w, struct json_object *o, struct prom_api_point *ret)
{
	struct json_object *t, *v;
	enum json_type tt;
	const char *s;
	size_t len;

	if (!o || json_object_get_type(o) != json_type_array || json_object_array_length(o) != 2)
		return bad(w, "a sample is not [timestamp, \"value\"]");
	t = json_object_array_get_idx(o, 0);
	v = json_object_array_get_idx(o, 1);
	tt = t ? json_object_get_type(t) : json_type_null;
	if (tt != json_type_int && tt != json_type_double)
		return bad(w, "a sample's timestamp is not a number");
	ret->t = json_object_get_double(t);
	if (!isfinite(ret->t) || fabs(ret->t) > 1e11)
		return bad(w, "a sample's timestamp is out of range");
	s = string_of(v, 64, &len);
	if (!s)
		return bad(w, "a sample's value is not a string");
	if (prom_parse_value(s, len, &ret->v) < 0)
		return bad(w, "a sample's value is not a number");
	return 0;
}

static int metric_of(struct walk *w, struct json_object *o, struct prom_api_series *ret)
{
	struct prom_label *labels;
	size_t n = 0, count;

	if (!o || json_object_get_type(o) != json_type_object)
		return bad(w, "a series has no \"metric\" object");
	count = (size_t)json_object_object_length(o);
	if (count > PROM_API_LABELS_MAX)
		return too_big(w, "a series has too many labels");
	if (count == 0)
		return 0;
	labels = arena_alloc(&w->r->arena, count * sizeof(*labels));
	if (!labels)
		return -ENOMEM;
	json_object_object_foreach(o, key, val)
	{
		const char *s;
		size_t klen = strlen(key), len;

		if (!label_name_ok(key, klen))
			return bad(w, "a label name is empty or too long");
		s = string_of(val, PROM_API_STRING_MAX, &len);
		if (!s)
			return bad(w, "a label value is not a string");
		labels[n].name = arena_strndup(&w->r->arena, key, klen);
		labels[n].value = arena_strndup(&w->r->arena, s, len);
		labels[n].len = len;
		if (!labels[n].name || !labels[n].value)
			return -ENOMEM;
		if (strcmp(key, "__name__") == 0)
			ret->name = labels[n].value;
		n++;
	}
	ret->labels = labels;
	ret->nlabels = n;
	return 0;
}

static int add_series(struct walk *w, struct prom_api_series **ret)
{
	struct prom_api_result *r = w->r;

	if (r->n == PROM_API_SERIES_MAX)
		return too_big(w, "too many series");
	if ((r->n & (r->n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
		size_t cap = r->n ? r->n * 2 : 16;
		struct prom_api_series *p = reallocarray(r->series, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->series = p;
	}
	*ret = &r->series[r->n++];
	**ret = (struct prom_api_series){0};
	return 0;
}

static int points_of(struct walk *w, struct json_object *arr, size_t count,
                     struct prom_api_series *s)
{
	struct prom_api_point *pts;

	if (count > PROM_API_POINTS_MAX - w->points)
		return too_big(w, "too many samples");
	w->points += count;
	if (count == 0)
		return 0;
	pts = arena_alloc(&w->r->arena, count * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int r = point_of(w, arr ? json_object_array_get_idx(arr, i) : NULL, &pts[i]);

		if (r < 0)
			return r;
	}
	s->points = pts;
	s->npoints = count;
	return 0;
}

/* The one [TS, "V"] of a vector entry or a scalar. */
static int one_point(struct walk *w, struct json_object *o, struct prom_api_series *s)
{
	struct prom_api_point *pt;
	int r;

	if (w->points == PROM_API_POINTS_MAX)
		return too_big(w, "too many samples");
	pt = arena_alloc(&w->r->arena, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	r = point_of(w, o, pt);
	if (r < 0)
		return r;
	w->points++;
	s->points = pt;
	s->npoints = 1;
	return 0;
}

static int series_of(struct walk *w, struct json_object *o, bool matrix)
{
	struct json_object *metric = NULL, *vals = NULL;
	struct prom_api_series *s;
	int r;

	if (!o || json_object_get_type(o) != json_type_object)
		return bad(w, "a result entry is not an object");
	json_object_object_get_ex(o, "metric", &metric);
	json_object_object_get_ex(o, matrix ? "values" : "value", &vals);
	r = add_series(w, &s);
	if (r < 0)
		return r;
	r = metric_of(w, metric, s);
	if (r < 0)
		return r;
	if (!matrix)
		return one_point(w, vals, s);
	if (!vals || json_object_get_type(vals) != json_type_array)
		return bad(w, "a matrix series has no \"values\" array");
	return points_of(w, vals, json_object_array_length(vals), s);
}

static int data_of(struct walk *w, struct json_object *data)
{
	struct json_object *type = NULL, *result = NULL;
	const char *t;
	size_t len;

	if (!data || json_object_get_type(data) != json_type_object)
		return bad(w, "a successful answer has no \"data\" object");
	json_object_object_get_ex(data, "resultType", &type);
	json_object_object_get_ex(data, "result", &result);
	t = string_of(type, 16, &len);
	if (!t)
		return bad(w, "no resultType");
	if (strcmp(t, "scalar") == 0) {
		struct prom_api_series *s;
		int r;

		w->r->type = PROM_API_SCALAR;
		r = add_series(w, &s);
		return r < 0 ? r : one_point(w, result, s);
	}
	if (strcmp(t, "vector") == 0)
		w->r->type = PROM_API_VECTOR;
	else if (strcmp(t, "matrix") == 0)
		w->r->type = PROM_API_MATRIX;
	else
		return bad(w, "resultType is none of vector, matrix, scalar");
	if (!result || json_object_get_type(result) != json_type_array)
		return bad(w, "result is not an array");
	for (size_t i = 0; i < json_object_array_length(result); i++) {
		int r = series_of(w, json_object_array_get_idx(result, i),
		                  w->r->type == PROM_API_MATRIX);

		if (r < 0)
			return r;
	}
	return 0;
}

static int answer_of(struct walk *w, struct json_object *top)
{
	struct json_object *status = NULL, *et = NULL, *err = NULL, *warn = NULL, *data = NULL;
	const char *st;
	size_t len;
	int r;

	if (json_object_get_type(top) != json_type_object)
		return bad(w, "the answer is not a JSON object");
	json_object_object_get_ex(top, "status", &status);
	json_object_object_get_ex(top, "errorType", &et);
	json_object_object_get_ex(top, "error", &err);
	json_object_object_get_ex(top, "warnings", &warn);
	json_object_object_get_ex(top, "data", &data);
	st = string_of(status, 16, &len);
	if (!st || (strcmp(st, "success") != 0 && strcmp(st, "error") != 0))
		return bad(w, "status is neither \"success\" nor \"error\"");
	w->r->success = strcmp(st, "success") == 0;
	if ((r = copy_text(w, et, w->r->error_type, sizeof(w->r->error_type))) < 0 ||
	    (r = copy_text(w, err, w->r->error, sizeof(w->r->error))) < 0)
		return r;
	if (warn) {
		if (json_object_get_type(warn) != json_type_array)
			return bad(w, "warnings is not an array");
		w->r->warnings = json_object_array_length(warn);
		for (size_t i = 0; i < w->r->warnings; i++) {
			char tmp[sizeof(w->r->warning)];

			r = copy_text(w, json_object_array_get_idx(warn, i),
			              i ? tmp : w->r->warning, sizeof(tmp));
			if (r < 0)
				return r;
		}
	}
	if (!w->r->success) {
		if (!w->r->error[0] && !w->r->error_type[0])
			return bad(w, "an error answer that names no error");
		return 0;
	}
	return data_of(w, data);
}

int prom_api_parse(struct prom_api_result *r, const char *text, size_t len, const char **ret_why)
{
	struct walk w = {.r = r};
	struct json_tokener *tok;
	struct json_object *top;
	size_t end;
	int ret;

	if (len > PROM_API_BYTES_MAX) {
		if (ret_why)
			*ret_why = "the answer is too large";
		return -E2BIG;
	}
	if (len == 0 || memchr(text, '\0', len)) {
		if (ret_why)
			*ret_why = len ? "the answer holds a NUL byte" : "the answer is empty";
		return -EBADMSG;
	}
	tok = json_tokener_new_ex((int)PROM_API_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	top = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!top) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		w.why = e == json_tokener_error_depth ? "JSON nested too deep"
		        : e == json_tokener_continue  ? "the JSON is cut short"
		                                      : "not JSON";
		ret = e == json_tokener_error_depth ? -E2BIG : -EBADMSG;
		goto out;
	}
	while (end < len &&
	       (text[end] == ' ' || text[end] == '\n' || text[end] == '\r' || text[end] == '\t'))
		end++;
	if (end != len) {
		w.why = "trailing bytes after the JSON";
		ret = -EBADMSG;
		goto out;
	}
	ret = answer_of(&w, top);
out:
	json_object_put(top);
	json_tokener_free(tok);
	if (ret < 0 && ret_why)
		*ret_why = w.why ? w.why : "out of memory";
	return ret;
}

const char *prom_api_label(const struct prom_api_series *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

int prom_api_query_url(struct buf *out, const char *base, const char *expr, double time)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t blen = strlen(base);

	while (blen && base[blen - 1] == '/')
		blen--;
	if (buf_append(out, base, blen) < 0 || buf_puts(out, "/api/v1/query?query=") < 0)
		return -ENOMEM;
	for (const unsigned char *p = (const unsigned char *)expr; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		             (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
		             *p == '~';
		char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

		if (plain ? buf_putc(out, (char)*p) < 0 : buf_append(out, esc, 3) < 0)
			return -ENOMEM;
	}
	if (time > 0 && buf_printf(out, "&time=%.3f", time) < 0)
		return -ENOMEM;
	return out->err ? -ENOMEM : 0;
}

int prom_api_regex_quote(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s) && buf_puts(out, "\\\\") < 0)
			return -ENOMEM;
		if (*s == '"' && buf_putc(out, '\\') < 0)
			return -ENOMEM;
		if (buf_putc(out, *s) < 0)
			return -ENOMEM;
	}
	return 0;
}
