// SPDX-License-Identifier: Apache-2.0
/*
 * gzip for HTTP responses (see http_gzip.h).
 */
#include "http/http_gzip.h"

#include "common/limits.h"
#include "http/http_header.h"

#include <errno.h>
#include <string.h>
#include <libdeflate.h>

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

/* gzip (RFC 1952) @in into a new buffer at libdeflate's level 1: on a scrape, speed beats
 * ratio. Measured on 1,000- and 10,000-SA expositions (3.1 and 23.8 MB): 1.6x the speed of
 * zlib's level 1 (830 against 525 MB/s) and 6-11 % smaller, and without zlib's 256 KiB of
 * state to set up, which was half the cost of a small scrape's gzip. libdeflate wants the whole
 * input at once, which the exposition is. */
int http_gzip(const struct buf *in, struct buf *out)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
	size_t bound, n;

	if (!c)
		return -ENOMEM;
	buf_init(out, HTTP_BODY_MAX);
	bound = libdeflate_gzip_compress_bound(c, in->len);
	if (buf_reserve(out, bound) < 0) {
		libdeflate_free_compressor(c);
		return out->err;
	}
	n = libdeflate_gzip_compress(c, in->data ? in->data : "", in->len, out->data, bound);
	libdeflate_free_compressor(c);
	if (n == 0) {
		buf_done(out);
		return -EIO;
	}
	out->len = n;
	return 0;
}
