/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A gzip (RFC 1952) encoder for HTTP answers, fed and drained in pieces: the whole answers
 * (http_gzip.c) and the streamed ones (http_stream.c) both go through it. A scrape wants speed
 * over ratio, so the level is the fastest that still finds matches: ISA-L's igzip at level 1
 * where ikewatch is built with it (meson option isal; Debian has libisal-dev on amd64, arm64,
 * ppc64el and s390x) and libisal.so.2 loads (igzip_lib.h), else zlib's deflate at level 1. On a
 * 1,000-SA exposition (1.8 MB) igzip took 0.97 ms where libdeflate took 3.6 and zlib 6.4, for 11 %
 * more bytes than libdeflate and 4 % fewer than zlib (docs/benchmarks.md). A codec: no I/O, no
 * logging.
 */
#ifndef IKEWATCH_HTTP_DEFLATE_H
#define IKEWATCH_HTTP_DEFLATE_H

#include <stdbool.h>
#include <stddef.h>

enum http_deflate_codec {
	HTTP_DEFLATE_ZLIB,
	HTTP_DEFLATE_ISAL, /* only when built with ISA-L */
};

struct http_deflate;

/* A gzip stream with the fastest codec there is; NULL when out of memory. */
struct http_deflate *http_deflate_new(void);
/* The same with @codec (tests and benchmarks compare them); NULL also when it is not built in or
 * its library does not load. */
struct http_deflate *http_deflate_new_codec(enum http_deflate_codec codec);
void http_deflate_free(struct http_deflate *d);
const char *http_deflate_codec_name(const struct http_deflate *d);

/*
 * Take in the @*in_len bytes at @*in and write into the @*room bytes at @*out; all four are
 * advanced by what was taken and written. @finish: nothing follows these bytes, and the stream
 * is ended once they are in. Returns 1 once the stream is ended and written out (finish only;
 * later calls write nothing and return 1 again), 0 when it stopped for lack of room or of input
 * (call again with more room, or with the next bytes), -EIO on a codec error.
 */
int http_deflate_step(struct http_deflate *d, const char **in, size_t *in_len, char **out,
                      size_t *room, bool finish);

#endif
