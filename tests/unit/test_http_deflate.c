// SPDX-License-Identifier: Apache-2.0
/*
 * The gzip encoder of HTTP answers (http_deflate.h), with each codec built in: what it writes
 * must inflate (zlib, as a client's decoder) to exactly what went in, however the input and the
 * room come in pieces, for text that compresses and bytes that do not.
 */
#include "test.h"

#include "hide_lib.h"

#include "common/buf.h"
#include "common/limits.h"
#include "http/http_deflate.h"
#include "http/http_gzip.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The codecs this build has: zlib always, igzip when built with ISA-L (which must then work). */
static const enum http_deflate_codec codecs[] = {
    HTTP_DEFLATE_ZLIB,
#ifdef IKEWATCH_HAVE_ISAL
    HTTP_DEFLATE_ISAL,
#endif
};
#define N_CODECS (sizeof(codecs) / sizeof(codecs[0]))

/* Exposition-like text: repeated names, changing numbers. */
static char *text_input(size_t len)
{
	char *t = malloc(len + 64);
	size_t n = 0;

	for (unsigned i = 0; n < len; i++)
		n += (size_t)snprintf(t + n, 64, "ipsec_child_sa_bytes_in_total{conn=\"c%u\"} %u\n",
		                      i % 97, i * 7919u);
	return t;
}

/* Bytes that do not compress (a fixed xorshift, so a failure repeats). */
static char *random_input(size_t len)
{
	char *t = malloc(len ? len : 1);
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t[i] = (char)(x >> 32);
	}
	return t;
}

/* gzip @len bytes with @codec, the input given @piece bytes at a time and the output @room bytes
 * at a time; the output in *ret (malloc'd). 0, or what went wrong. */
static int squeeze(enum http_deflate_codec codec, const char *in, size_t len, size_t piece,
                   size_t room_step, char **ret, size_t *ret_len)
{
	struct http_deflate *d = http_deflate_new_codec(codec);
	size_t cap = len + len / 8 + 1024, out_len = 0, given = 0;
	char *out = malloc(cap);
	int r = 0, calls = 0;

	if (!d || !out) {
		http_deflate_free(d);
		free(out);
		return -ENOMEM;
	}
	while (r == 0) {
		size_t chunk = len - given < piece ? len - given : piece, left = chunk;
		size_t room = cap - out_len < room_step ? cap - out_len : room_step, room0 = room;
		const char *p = in + given;
		char *o = out + out_len;
		bool last = given + chunk == len;

		r = http_deflate_step(d, &p, &left, &o, &room, last);
		/* the pointers and counts move together */
		if (p != in + given + (chunk - left) || o != out + out_len + (room0 - room)) {
			r = -EFAULT;
			break;
		}
		given += chunk - left;
		out_len += room0 - room;
		if (++calls > 50000000 || (r == 0 && room == room0 && left == chunk && chunk)) {
			r = -ELOOP; /* no progress */
			break;
		}
	}
	http_deflate_free(d);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	*ret_len = out_len;
	return 0;
}

/* Does the gzip stream @gz inflate to @want exactly (header, data and trailer)? */
static bool inflates_to(const char *gz, size_t gz_len, const char *want, size_t want_len)
{
	char *got = malloc(want_len + 1);
	z_stream z = {0};
	bool ok;
	int r;

	if (!got || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(got);
		return false;
	}
	z.next_in = (unsigned char *)(uintptr_t)gz;
	z.avail_in = (uInt)gz_len;
	z.next_out = (unsigned char *)got;
	z.avail_out = (uInt)want_len + 1;
	r = inflate(&z, Z_FINISH);
	ok = r == Z_STREAM_END && z.total_out == want_len && z.avail_in == 0 &&
	     memcmp(got, want, want_len) == 0;
	inflateEnd(&z);
	free(got);
	return ok;
}

static void round_trips(void)
{
	static const struct {
		size_t piece, room;
	} feeds[] = {
	    {SIZE_MAX, SIZE_MAX}, /* at once */
	    {1, SIZE_MAX},        /* a byte at a time in */
	    {4096, 1},            /* a byte at a time out */
	    {65536, 13},
	    {7, 65536},
	};
	const size_t lens[] = {0, 1, 200000, 1100000};

	for (size_t c = 0; c < N_CODECS; c++)
		for (size_t kind = 0; kind < 2; kind++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				char *in = kind ? random_input(lens[l]) : text_input(lens[l]);

				for (size_t f = 0; f < sizeof(feeds) / sizeof(feeds[0]); f++) {
					char *gz = NULL;
					size_t gz_len = 0;

					/* a byte at a time through a megabyte is slow under ASan */
					if (lens[l] > 300000 &&
					    (feeds[f].piece < 8 || feeds[f].room < 8))
						continue;
					T_EQ_INT(squeeze(codecs[c], in, lens[l], feeds[f].piece,
					                 feeds[f].room, &gz, &gz_len),
					         0);
					if (!inflates_to(gz, gz_len, in, lens[l]))
						test_fail(__FILE__, __LINE__,
						          "%s: %s %zu bytes, pieces %zu, room %zu: "
						          "does not inflate back",
						          codecs[c] ? "isa-l" : "zlib",
						          kind ? "random" : "text", lens[l],
						          feeds[f].piece, feeds[f].room);
					/* text shrinks; random bytes grow by little */
					if (lens[l] == 1100000)
						T_ASSERT(kind ? gz_len < lens[l] + lens[l] / 50
						              : gz_len < lens[l] / 5);
					free(gz);
				}
				free(in);
			}
}

/* Once ended, a stream writes nothing more and says so again. */
static void ended_stays_ended(void)
{
	for (size_t c = 0; c < N_CODECS; c++) {
		struct http_deflate *d = http_deflate_new_codec(codecs[c]);
		char out[256], *o = out;
		const char *in = "abc", *p = in;
		size_t left = 3, room = sizeof(out);

		T_ASSERT(d);
		T_EQ_INT(http_deflate_step(d, &p, &left, &o, &room, true), 1);
		T_EQ_INT(left, 0);
		T_ASSERT(o > out + 18); /* a gzip header and trailer at least */
		T_EQ_INT((unsigned char)out[0], 0x1f);
		T_EQ_INT((unsigned char)out[1], 0x8b);
		T_ASSERT(inflates_to(out, (size_t)(o - out), "abc", 3));
		left = 0;
		{
			char *before = o;

			T_EQ_INT(http_deflate_step(d, &p, &left, &o, &room, true), 1);
			T_ASSERT(o == before);
		}
		http_deflate_free(d);
	}
	http_deflate_free(NULL);
}

static void codec_names(void)
{
	struct http_deflate *d = http_deflate_new();

	T_ASSERT(d);
#ifdef IKEWATCH_HAVE_ISAL
	T_EQ_STR(http_deflate_codec_name(d), "isa-l");
#else
	T_EQ_STR(http_deflate_codec_name(d), "zlib");
	T_ASSERT(http_deflate_new_codec(HTTP_DEFLATE_ISAL) == NULL);
#endif
	http_deflate_free(d);
	d = http_deflate_new_codec(HTTP_DEFLATE_ZLIB);
	T_EQ_STR(http_deflate_codec_name(d), "zlib");
	http_deflate_free(d);
}

/* A whole answer (http_gzip()): its buffer grows past the first guess for bytes that do not
 * compress, and stays a terminated buf. */
static void whole_answers(void)
{
	const size_t lens[] = {0, 100, 300000};

	for (size_t kind = 0; kind < 2; kind++)
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			struct buf in, out;
			char *data = kind ? random_input(lens[l]) : text_input(lens[l]);

			buf_init(&in, HTTP_BODY_MAX);
			buf_append(&in, data, lens[l]);
			T_EQ_INT(http_gzip(&in, &out), 0);
			T_ASSERT(inflates_to(out.data, out.len, data, lens[l]));
			T_EQ_INT(out.data[out.len], '\0');
			buf_done(&out);
			buf_done(&in);
			free(data);
		}
}

/* A machine without libisal2 (or a build without ISA-L): gzip is zlib's, and still gzip. */
static int without_isal(void)
{
	static const char *const sonames[] = {"libisal.so.2", NULL};
	struct http_deflate *d;
	char out[256], *o = out;
	const char *in = "ipsec_up 1\n", *p = in;
	size_t left = strlen(in), room = sizeof(out);
	int r = hide_libs(sonames);

	if (r != 0)
		return r;
	if (http_deflate_new_codec(HTTP_DEFLATE_ISAL) != NULL)
		return 4;
	if (!(d = http_deflate_new()) || strcmp(http_deflate_codec_name(d), "zlib") != 0)
		return 5;
	r = http_deflate_step(d, &p, &left, &o, &room, true) == 1 &&
	            inflates_to(out, (size_t)(o - out), in, strlen(in))
	        ? 0
	        : 6;
	http_deflate_free(d);
	return r;
}

static void zlib_without_isal(void)
{
	T_EQ_INT(test_in_child(without_isal), 0);
}

/* first: a child of a process that loaded the library would find it loaded */
TEST_MAIN("http_deflate", TEST(zlib_without_isal), TEST(round_trips), TEST(ended_stays_ended),
          TEST(codec_names), TEST(whole_answers))
