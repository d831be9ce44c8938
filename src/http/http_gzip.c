// SPDX-License-Identifier: Apache-2.0
/*
 * gzip for HTTP responses (see http_gzip.h).
 */
#include "http/http_gzip.h"

#include "common/limits.h"
#include "common/rd.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <libdeflate.h>

/* Does Accept-Encoding (RFC 9110 section 12.5.3) list gzip with a non-zero weight? A bounded
 * scan of the header value: tokens separated by commas, each with optional ";q=..." params. */
bool http_accepts_gzip(const char *v, size_t len)
{
	struct rd r;

	rd_init(&r, v, len);
	while (rd_left(&r)) {
		char tok[8], q[8];
		size_t nt = 0, nq = 0;
		bool in_q = false, in_param = false, tok_end = false;
		uint8_t ch;

		while (rd_u8(&r, &ch) == 0 && ch != ',') {
			if (ch == ' ' || ch == '\t') {
				/* whitespace around a token, never inside one ("g zip") */
				tok_end = nt > 0;
				continue;
			}
			if (ch == ';') {
				in_param = true;
				in_q = false;
				nq = 0;
				continue;
			}
			if (in_param && !in_q && (ch | 0x20) == 'q') {
				uint8_t eq;

				if (rd_u8(&r, &eq) == 0 && eq == '=')
					in_q = true;
				continue;
			}
			if (in_q && nq < sizeof(q) - 1)
				q[nq++] = (char)ch;
			else if (!in_param && tok_end)
				nt = sizeof(tok); /* a second word: not a coding */
			else if (!in_param && nt < sizeof(tok) - 1)
				tok[nt++] = (char)(ch | 0x20);
			else if (!in_param)
				nt = sizeof(tok); /* too long to be "gzip" */
		}
		if (nt == 4 && memcmp(tok, "gzip", 4) == 0) {
			/* q=0, q=0.0, q=0.00, q=0.000 mean "not acceptable" */
			bool zero = nq > 0 && q[0] == '0';

			for (size_t i = 1; zero && i < nq; i++)
				zero = q[i] == '.' || q[i] == '0';
			return !zero;
		}
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
