// SPDX-License-Identifier: Apache-2.0
/*
 * gzip for HTTP responses (see http_gzip.h).
 */
#include "http/http_gzip.h"

#include "common/limits.h"
#include "http/http_deflate.h"
#include "http/http_header.h"

#include <errno.h>
#include <string.h>

/* A weight that says "not acceptable": 0, 0., 0.0, 0.00, 0.000 (RFC 9110 section 12.4.2). Any
 * other value, also one that does not parse ("q=", "q=abc"), leaves the coding acceptable: a
 * scraper that asked for gzip at all gets it. */
static bool weight_zero(struct http_span q)
{
	if (q.n == 0 || q.p[0] != '0')
		return false;
	for (size_t i = 1; i < q.n; i++)
		if (q.p[i] != '.' && q.p[i] != '0')
			return false;
	return true;
}

/* Does Accept-Encoding (RFC 9110 section 12.5.3) list gzip with a non-zero weight? */
bool http_accepts_gzip(const char *v, size_t len)
{
	struct http_span rest = {v, len}, element;

	while (http_span_next(&rest, ',', &element)) {
		struct http_span coding, param, key, val;
		bool zero = false;

		http_span_next(&element, ';', &coding);
		if (!http_span_eq_nocase(http_span_trim(coding), "gzip"))
			continue;
		while (http_span_next(&element, ';', &param))
			if (http_param_split(param, &key, &val) && http_span_eq_nocase(key, "q"))
				zero = weight_zero(val);
		return !zero;
	}
	return false;
}

/* gzip (RFC 1952) @in into a new buffer, in one pass: room for an eighth of the input first
 * (an exposition shrinks 8-20 times), twice the output so far whenever it runs out. */
int http_gzip(const struct buf *in, struct buf *out)
{
	struct http_deflate *d = http_deflate_new();
	const char *p = in->data ? in->data : "";
	size_t left = in->len, want = in->len / 8 + 256;
	int r = 0;

	if (!d)
		return -ENOMEM;
	buf_init(out, HTTP_BODY_MAX);
	while (r == 0) {
		size_t limit = HTTP_BODY_MAX - out->len, room;
		char *o;

		if (limit == 0) {
			r = -E2BIG;
			break;
		}
		if (buf_reserve(out, want < limit ? want : limit) < 0) {
			r = out->err;
			break;
		}
		o = out->data + out->len;
		room = out->cap - out->len - 1; /* the terminating NUL's byte stays */
		r = http_deflate_step(d, &p, &left, &o, &room, true);
		out->len = (size_t)(o - out->data);
		out->data[out->len] = '\0';
		want = out->len;
	}
	http_deflate_free(d);
	if (r < 0) {
		buf_done(out);
		return r;
	}
	return 0;
}
