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
#include <zlib.h>

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

/* gzip (RFC 1952) @in into a new buffer at level 1: on a scrape, speed beats ratio, and the
 * exposition's repetitive text still shrinks about tenfold. */
int http_gzip(const struct buf *in, struct buf *out)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	buf_init(out, HTTP_BODY_MAX);
	if (buf_reserve(out, deflateBound(&z, in->len)) < 0) {
		deflateEnd(&z);
		return out->err;
	}
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)(out->cap - 1);
	r = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		buf_done(out);
		return -EIO;
	}
	return 0;
}
