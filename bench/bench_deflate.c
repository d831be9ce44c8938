// SPDX-License-Identifier: Apache-2.0
/*
 * bench_deflate - the gzip codecs of HTTP answers (src/http/http_deflate.h) side by side on one
 * input, as a scrape gzips it: the whole input at once into room enough, a fresh stream each
 * time (a scrape sets one up per answer). Prints a markdown row per codec built in: the median
 * time of ROUNDS runs, the bytes out, and the time against zlib's, the codec every build has.
 *
 * Usage: bench_deflate FILE [ROUNDS]   (bench/bench_deflate.sh makes FILE from a serve)
 */
#include "http/http_deflate.h"

#include "common/clock.h"
#include "common/num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One gzip of @in; its time in ns, or 0 on failure. */
static uint64_t once(enum http_deflate_codec codec, const char *in, size_t len, char *out,
                     size_t cap, size_t *ret_len)
{
	uint64_t t0 = clock_mono_ns();
	struct http_deflate *d = http_deflate_new_codec(codec);
	const char *p = in;
	char *o = out;
	size_t left = len, room = cap;
	int r = 0;

	if (!d)
		return 0;
	while (r == 0)
		r = http_deflate_step(d, &p, &left, &o, &room, true);
	http_deflate_free(d);
	*ret_len = (size_t)(o - out);
	return r == 1 ? clock_mono_ns() - t0 : 0;
}

int main(int argc, char **argv)
{
	static const enum http_deflate_codec codecs[] = {HTTP_DEFLATE_ZLIB, HTTP_DEFLATE_ISAL};
	static const char *const names[] = {"zlib", "isa-l"};
	uint64_t rounds = 21;
	double zlib_ms = 0;
	FILE *f;
	char *in, *out;
	long len;

	if (argc < 2 || (argc > 2 && (num_parse_u64_str(argv[2], 1000, &rounds) < 0 || !rounds)) ||
	    !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: bench_deflate FILE [ROUNDS]\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	in = malloc((size_t)len + 1);
	out = malloc((size_t)len + (size_t)len / 8 + 4096);
	if (!in || !out || fread(in, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "bench_deflate: cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	printf("| codec | input bytes | gzip bytes | ms (median of %d) | MB/s | time / zlib's |\n",
	       (int)rounds);
	printf("|---|---|---|---|---|---|\n");
	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
		uint64_t *t = calloc((size_t)rounds, sizeof(*t));
		size_t out_len = 0;
		double ms;

		if (!t)
			return 1;
		for (uint64_t i = 0; i < rounds; i++)
			t[i] = once(codecs[c], in, (size_t)len, out,
			            (size_t)len + (size_t)len / 8 + 4096, &out_len);
		qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
		if (t[0] == 0) {
			printf("| %s | not built in, or its library does not load | | | | |\n",
			       names[c]);
			free(t);
			continue;
		}
		ms = (double)t[rounds / 2] / 1e6;
		if (codecs[c] == HTTP_DEFLATE_ZLIB)
			zlib_ms = ms;
		printf("| %s | %ld | %zu | %.3f | %.0f | %.2f |\n", names[c], len, out_len, ms,
		       (double)len / 1e3 / ms, zlib_ms > 0 ? ms / zlib_ms : 0);
		free(t);
	}
	free(in);
	free(out);
	return 0;
}
