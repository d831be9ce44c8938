// SPDX-License-Identifier: Apache-2.0
/*
 * gzip in pieces (see http_deflate.h): ISA-L's igzip or zlib behind one step function.
 */
#include "http/http_deflate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef IKEWATCH_HAVE_ISAL
#include "http/igzip_lib.h"

/* igzip's level 1 state and its level buffer in one allocation. The "small" buffer (84 KiB):
 * on a 1,000-SA exposition it was as fast as the default "large" one (276 KiB) and gave 6 %
 * fewer bytes; the "min" one (24 KiB) was 1.4x slower. */
struct isal_state {
	struct isal_zstream s;
	uint8_t level_buf[ISAL_DEF_LVL1_SMALL];
};
#endif

struct http_deflate {
	enum http_deflate_codec codec;
	z_stream z; /* HTTP_DEFLATE_ZLIB */
#ifdef IKEWATCH_HAVE_ISAL
	const struct igzip_lib *igzip; /* HTTP_DEFLATE_ISAL: the library's functions */
	struct isal_state *isal;
#endif
};

struct http_deflate *http_deflate_new(void)
{
	struct http_deflate *d = http_deflate_new_codec(HTTP_DEFLATE_ISAL);

	return d ? d : http_deflate_new_codec(HTTP_DEFLATE_ZLIB);
}

struct http_deflate *http_deflate_new_codec(enum http_deflate_codec codec)
{
	struct http_deflate *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->codec = codec;
	switch (codec) {
	case HTTP_DEFLATE_ZLIB:
		/* a gzip header (windowBits 15 + 16), memLevel 8: zlib's defaults but the level */
		if (deflateInit2(&d->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK)
			return d;
		break;
	case HTTP_DEFLATE_ISAL:
#ifdef IKEWATCH_HAVE_ISAL
		if (!(d->igzip = igzip_lib()) || !(d->isal = malloc(sizeof(*d->isal))))
			break;
		d->igzip->deflate_init(&d->isal->s);
		d->isal->s.level = 1;
		d->isal->s.level_buf = d->isal->level_buf;
		d->isal->s.level_buf_size = sizeof(d->isal->level_buf);
		d->isal->s.gzip_flag = IGZIP_GZIP;
		d->isal->s.flush = NO_FLUSH;
		return d;
#endif
		break;
	}
	free(d);
	return NULL;
}

void http_deflate_free(struct http_deflate *d)
{
	if (!d)
		return;
	if (d->codec == HTTP_DEFLATE_ZLIB)
		deflateEnd(&d->z);
#ifdef IKEWATCH_HAVE_ISAL
	free(d->isal);
#endif
	free(d);
}

const char *http_deflate_codec_name(const struct http_deflate *d)
{
	return d->codec == HTTP_DEFLATE_ISAL ? "isa-l" : "zlib";
}

/* One call of the codec on what http_deflate_step() set up: 1 at the stream's end, 0, or -EIO;
 * *left_in and *left_out: the input and room it left. */
static int step_zlib(struct http_deflate *d, bool last, uint32_t *left_in, uint32_t *left_out)
{
	int zr = deflate(&d->z, last ? Z_FINISH : Z_NO_FLUSH);

	*left_in = d->z.avail_in;
	*left_out = d->z.avail_out;
	if (zr == Z_STREAM_ERROR)
		return -EIO;
	return zr == Z_STREAM_END; /* Z_BUF_ERROR: no room or no input, which the caller gives */
}

int http_deflate_step(struct http_deflate *d, const char **in, size_t *in_len, char **out,
                      size_t *room, bool finish)
{
	/* both codecs count in 32 bits */
	uint32_t take = *in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)*in_len;
	uint32_t space = *room > UINT32_MAX ? UINT32_MAX : (uint32_t)*room;
	uint32_t left_in, left_out;
	bool last = finish && take == *in_len;
	int r;

	if (d->codec == HTTP_DEFLATE_ZLIB) {
		d->z.next_in = (unsigned char *)(uintptr_t)*in;
		d->z.avail_in = take;
		d->z.next_out = (unsigned char *)*out;
		d->z.avail_out = space;
		r = step_zlib(d, last, &left_in, &left_out);
	} else {
#ifdef IKEWATCH_HAVE_ISAL
		struct isal_zstream *s = &d->isal->s;

		s->next_in = (uint8_t *)(uintptr_t)*in;
		s->avail_in = take;
		s->next_out = (uint8_t *)*out;
		s->avail_out = space;
		s->end_of_stream = last;
		if (d->igzip->deflate(s) != COMP_OK)
			return -EIO;
		left_in = s->avail_in;
		left_out = s->avail_out;
		r = s->internal_state.state == ZSTATE_END;
#else
		return -EIO;
#endif
	}
	if (r < 0)
		return r;
	*in += take - left_in;
	*in_len -= take - left_in;
	*out += space - left_out;
	*room -= space - left_out;
	return r;
}
