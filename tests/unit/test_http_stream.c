// SPDX-License-Identifier: Apache-2.0
/*
 * http_stream.c driven directly, as libmicrohttpd would drive it, without a server: the
 * producer's blocks handed to the reader (the buffer writes on in two blocks, in turn, and no
 * read spans two of them), answers around the mark, gzip through zlib's inflate, HEAD, a
 * handler that fails mid-stream, a hold, and a reader that goes away while the producer waits
 * for it. test_http_server.c covers the same code over HTTP.
 */
#include "test.h"

#include "common/buf.h"
#include "http/http_stream.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#define MARK 4096u /* a power of two: the buffer's storage is then the mark exactly */

/* The handler: @size bytes in pieces of 1 to 509 bytes (appends and room/commit), failing with
 * -EIO after @fail bytes, holding bytes [hold_from, hold_to) in the buffer. */
struct gen {
	size_t size, fail, hold_from, hold_to;
	bool noisy;     /* bytes deflate cannot shrink, so that its output fills blocks */
	size_t gate_at; /* with ->gate: wait there until the test opens it */
	atomic_bool *gate;
	unsigned held_flushes; /* hand-overs while a hold was on */
	size_t cap_max;        /* the buffer's largest storage once streaming */
	/* what the handler saw */
	atomic_size_t written;
	int err;          /* the body's error when it returned */
	char *storage[8]; /* distinct storages written in once streaming */
	unsigned storages;
};

static char byte_at(const struct gen *g, size_t i)
{
	static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
	uint64_t x;

	if (!g->noisy)
		return abc[(i * 7 + i / 37) % (sizeof(abc) - 1)];
	x = (uint64_t)i * 0x9e3779b97f4a7c15u;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9u;
	return (char)(x >> 56);
}

static void saw_storage(struct gen *g, const struct buf *out)
{
	for (unsigned k = 0; k < g->storages; k++)
		if (g->storage[k] == out->data)
			return;
	if (g->storages < sizeof(g->storage) / sizeof(g->storage[0]))
		g->storage[g->storages++] = out->data;
}

static int fx_gen(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct gen *g = ctx;
	struct buf *out = &reply->body;
	size_t i = 0, piece = 1, flushed;
	bool held = false;

	(void)rq;
	reply->content_type = "text/x-test";
	while (i < g->size && !out->err) {
		size_t n = g->size - i < piece ? g->size - i : piece;
		char *p;

		if (g->fail && i >= g->fail)
			return -EIO;
		if (!held && g->hold_to && i >= g->hold_from && i < g->hold_to) {
			buf_hold(out);
			held = true;
		} else if (held && i >= g->hold_to) {
			buf_unhold(out);
			held = false;
		}
		if (g->gate && i >= g->gate_at)
			while (!atomic_load(g->gate))
				usleep(1000);
		flushed = out->flushed;
		if (piece % 3 == 0 && (p = buf_room(out, n))) {
			for (size_t k = 0; k < n; k++)
				p[k] = byte_at(g, i + k);
			buf_commit(out, n);
		} else {
			for (size_t k = 0; k < n; k++)
				buf_putc(out, byte_at(g, i + k));
		}
		if (out->flushed)
			saw_storage(g, out);
		if (held && out->flushed != flushed)
			g->held_flushes++;
		if (out->flushed && out->cap > g->cap_max)
			g->cap_max = out->cap;
		i += n;
		atomic_store(&g->written, i);
		piece = piece % 509 + 1;
	}
	if (held)
		buf_unhold(out);
	g->err = out->err;
	return 0;
}

static struct http_stream *start_at(struct gen *g, bool gzip, bool head, size_t mark)
{
	struct http_stream_params p = {
	    .fn = fx_gen,
	    .ctx = g,
	    .rq = {.method = head ? "HEAD" : "GET", .path = "/x"},
	    .mark = mark,
	    .hint = g->size,
	    .gzip = gzip,
	    .head = head,
	    .what = "test",
	};
	struct http_stream *st = NULL;

	return http_stream_start(&p, &st) == 0 ? st : NULL;
}

static struct http_stream *start(struct gen *g, bool gzip, bool head)
{
	return start_at(g, gzip, head, MARK);
}

/* What a reader got: the bytes, the largest read, how the stream ended. */
struct got {
	struct buf raw;
	size_t largest;
	ssize_t end; /* MHD_CONTENT_READER_END_OF_STREAM or _END_WITH_ERROR */
};

/* Read to the end as libmicrohttpd does, with buffers of varying size. */
static void read_all(struct http_stream *st, struct got *got)
{
	static const size_t maxes[] = {1000, 65536, 1u << 20, 1, 4097};
	static char out[1u << 20];
	ssize_t n;

	buf_init(&got->raw, 1u << 27);
	got->largest = 0;
	for (unsigned i = 0;; i++) {
		n = http_stream_read(st, got->raw.len, out, maxes[i % 5]);
		if (n < 0 || n > (ssize_t)maxes[i % 5])
			break;
		if ((size_t)n > got->largest)
			got->largest = (size_t)n;
		buf_append(&got->raw, out, (size_t)n);
	}
	got->end = n;
}

/* gunzip @in into @out (a gzip stream, whole and alone: trailing bytes fail). */
static int gunzip(const struct buf *in, struct buf *out)
{
	unsigned char chunk[16384];
	z_stream z = {0};
	int r;

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)(in->data ? in->data : "");
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = inflate(&z, Z_NO_FLUSH);
		buf_append(out, chunk, sizeof(chunk) - z.avail_out);
	} while (r == Z_OK);
	r = r == Z_STREAM_END && z.avail_in == 0 ? 0 : -1;
	inflateEnd(&z);
	return r;
}

static bool is_gen(const struct gen *g, const char *p, size_t len)
{
	if (len != g->size)
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] != byte_at(g, i))
			return false;
	return true;
}

/* Read @st to its end (and free it): the stream ended well and carried @g's bytes, gzipped or
 * not. What was read stays in @got (the caller frees got->raw). */
static void read_whole_stream(struct http_stream *st, const struct gen *g, bool gzip,
                              struct got *got)
{
	struct buf plain;

	read_all(st, got);
	http_stream_free(st);
	T_EQ_INT(got->end, MHD_CONTENT_READER_END_OF_STREAM);
	buf_init(&plain, 1u << 27);
	if (gzip)
		T_EQ_INT(gunzip(&got->raw, &plain), 0);
	else
		buf_append(&plain, got->raw.data, got->raw.len);
	T_ASSERT(is_gen(g, plain.data, plain.len));
	buf_done(&plain);
}

/* Around the mark and many marks, plain and gzipped, bytes deflate shrinks and bytes it cannot
 * (its blocks fill then): the same bytes, streamed from the mark on. Plain, the buffer wrote in
 * two storages in turn once streaming (its own and one block, handed back and forth), and no
 * read spans two blocks (each under the mark); gzipped, the buffer kept its one storage. */
static void stream_sizes(void)
{
	static const size_t sizes[] = {0,          1,
	                               MARK - 1,   MARK,
	                               MARK + 1,   2 * MARK - 1,
	                               2 * MARK,   2 * MARK + 1,
	                               3 * MARK,   10 * MARK + 7,
	                               131071,     131072,
	                               131073,     300001,
	                               1048576 + 3};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (unsigned v = 0; v < 4; v++) {
			struct gen g = {.size = sizes[i], .noisy = v & 2};
			bool gzip = v & 1, streams = sizes[i] >= MARK;
			struct http_stream *st = start(&g, gzip, false);
			struct http_reply *rp;
			struct got got;
			struct buf plain;

			T_ASSERT(st != NULL);
			T_EQ_INT(http_stream_streaming(st), streams);
			if (!streams) {
				T_EQ_INT(http_stream_whole(st, &rp), 0);
				T_ASSERT(is_gen(&g, rp->body.data, rp->body.len));
				http_stream_free(st);
				continue;
			}
			T_EQ_INT(http_stream_length(st), MHD_SIZE_UNKNOWN);
			read_all(st, &got);
			http_stream_free(st);
			T_EQ_INT(got.end, MHD_CONTENT_READER_END_OF_STREAM);
			T_EQ_INT(g.err, 0);
			buf_init(&plain, 1u << 27);
			if (gzip) {
				T_EQ_INT(gunzip(&got.raw, &plain), 0);
				T_EQ_INT(g.storages, 1);
			} else {
				buf_append(&plain, got.raw.data, got.raw.len);
				T_ASSERT(got.largest < MARK);
				T_ASSERT(sizes[i] >= 3 * MARK ? g.storages == 2 : g.storages <= 2);
			}
			T_ASSERT(is_gen(&g, plain.data, plain.len));
			buf_done(&plain);
			buf_done(&got.raw);
		}
	}
}

/* A mark above HTTP_STREAM_PLAIN_BLOCK (serve's 256 KiB): the answer fills the mark before it
 * streams, then the buffer writes in blocks of HTTP_STREAM_PLAIN_BLOCK, the first storage too
 * once the reader has drained it (it shrinks); the bytes are the same. gzip keeps its storage. */
static void stream_blocks_under_mark(void)
{
	const size_t mark = 4 * HTTP_STREAM_PLAIN_BLOCK;

	for (unsigned gzip = 0; gzip < 2; gzip++) {
		for (size_t size = mark; size <= 4 * mark + 3; size += 3 * mark / 2 + 1) {
			struct gen g = {.size = size};
			struct http_stream *st = start_at(&g, gzip, false, mark);
			struct got got;

			T_ASSERT(st != NULL);
			T_ASSERT(http_stream_streaming(st));
			read_whole_stream(st, &g, gzip, &got);
			if (gzip)
				T_ASSERT(g.cap_max >= mark);
			else
				T_ASSERT(g.cap_max <= HTTP_STREAM_PLAIN_BLOCK);
			buf_done(&got.raw);
		}
	}
}

/* A handler that fails after the mark: the reader gets what was sent, then an error, never the
 * end of the stream; before the mark it is a whole failure. */
static void stream_fails_midway(void)
{
	for (unsigned v = 0; v < 4; v++) {
		struct gen g = {.size = 50 * MARK, .fail = 20 * MARK + 5, .noisy = v & 2};
		struct http_stream *st = start(&g, v & 1, false);
		struct http_reply *rp;
		struct got got;

		T_ASSERT(st != NULL);
		T_ASSERT(http_stream_streaming(st));
		read_all(st, &got);
		http_stream_free(st);
		T_EQ_INT(got.end, MHD_CONTENT_READER_END_WITH_ERROR);
		T_ASSERT(got.raw.len < 21 * MARK);
		buf_done(&got.raw);

		g = (struct gen){.size = 50 * MARK, .fail = MARK / 2, .noisy = v & 2};
		st = start(&g, v & 1, false);
		T_ASSERT(st != NULL);
		T_ASSERT(!http_stream_streaming(st));
		T_EQ_INT(http_stream_whole(st, &rp), -EIO);
		http_stream_free(st);
	}
}

/* What the producer has written once it has written @floor bytes and then nothing for 0.2 s
 * (it waits), or after 10 s. */
static size_t settled(struct gen *g, size_t floor)
{
	size_t w = atomic_load(&g->written), again;

	for (unsigned t = 0, still = 0; t < 200 && (w < floor || still < 4); t++) {
		usleep(50000);
		again = atomic_load(&g->written);
		still = again == w ? still + 1 : 0;
		w = again;
	}
	return w;
}

/* The reader reads a little and then nothing: the producer runs ahead by its blocks, no more,
 * and waits; the response freed then (the client gone) stops it: its writes fail with -EPIPE,
 * and its thread is joined (ASan: nothing leaks, whatever block was where). */
static void stream_gone_while_producer_waits(void)
{
	static char out[1000];

	for (unsigned v = 0; v < 4; v++) {
		for (unsigned reads = 0; reads < 3; reads++) {
			struct gen g = {.size = 48u << 20, .noisy = v & 2};
			struct http_stream *st = start(&g, v & 1, false);
			size_t ahead;

			T_ASSERT(st != NULL);
			T_ASSERT(http_stream_streaming(st));
			for (unsigned i = 0; i < reads; i++)
				T_ASSERT(http_stream_read(st, 0, out, sizeof(out)) > 0);
			ahead = settled(&g, v & 1 ? 0 : MARK + 1);
			/* plain: two blocks, each under the mark, both the reader's (the first
			 * read from, not yet drained), the producer waiting with the piece that
			 * would not fit; gzipped: two blocks of 128 KiB, zlib's pending output
			 * and a mark of text (bytes deflate cannot shrink; the others it shrinks
			 * many times) */
			if (v & 1)
				T_ASSERT(ahead < (v & 2 ? 512u << 10 : 40u << 20));
			else
				T_ASSERT(ahead > MARK && ahead < 2 * MARK);
			T_ASSERT(ahead < g.size);
			http_stream_free(st);
			T_EQ_INT(g.err, -EPIPE);
		}
	}
}

/* HEAD: nothing to read; the length a GET's body has (gzipped: as deflate makes it); a failure
 * after the mark is still a whole failure, as nothing was sent. */
static void stream_head(void)
{
	for (unsigned v = 0; v < 4; v++) {
		struct gen g = {.size = 100 * MARK + 3, .noisy = v & 2};
		struct http_stream *st = start(&g, v & 1, true);
		struct http_reply *rp;
		uint64_t len;
		struct got got;

		T_ASSERT(st != NULL);
		T_ASSERT(http_stream_streaming(st));
		len = http_stream_length(st);
		http_stream_free(st);
		g = (struct gen){.size = 100 * MARK + 3, .noisy = v & 2};
		st = start(&g, v & 1, false);
		T_ASSERT(st != NULL);
		read_all(st, &got);
		http_stream_free(st);
		T_EQ_INT(got.end, MHD_CONTENT_READER_END_OF_STREAM);
		T_EQ_INT(len, got.raw.len);
		T_ASSERT(v & 1 ? len != g.size : len == g.size);
		buf_done(&got.raw);

		g = (struct gen){.size = 100 * MARK, .fail = 50 * MARK, .noisy = v & 2};
		st = start(&g, v & 1, true);
		T_ASSERT(st != NULL);
		T_ASSERT(!http_stream_streaming(st));
		T_EQ_INT(http_stream_whole(st, &rp), -EIO);
		http_stream_free(st);
	}
}

/* A hold over many marks while the reader reads nothing: the producer cannot wait (it holds a
 * lock). Plain, the held bytes fill blocks beyond the pool's two while the reader's queue has
 * room (32 places), then stay in the buffer, which grows, and go to the reader as one block
 * when the hold ends; gzipped, they all stay in the buffer. The bytes are the same, and the
 * stream goes on in the pool's blocks (ASan: the blocks beyond it are freed). */
static void stream_hold(void)
{
	for (unsigned gzip = 0; gzip < 2; gzip++) {
		atomic_bool gate = false;
		struct gen g = {.size = 80 * MARK,
		                .hold_from = MARK + 100,
		                .hold_to = 60 * MARK,
		                .gate_at = 59 * MARK,
		                .gate = &gate};
		struct http_stream *st = start(&g, gzip, false);
		struct got got;
		unsigned stalled;

		T_ASSERT(st != NULL);
		/* the held bytes written but the last mark, none read */
		settled(&g, 59 * MARK);
		stalled = g.held_flushes;
		atomic_store(&gate, true);
		read_whole_stream(st, &g, gzip, &got);
		if (gzip) {
			T_EQ_INT(stalled, 0);
		} else {
			/* a block a mark, up to the queue's places (less the pool's two) */
			T_ASSERT(stalled >= 25 && stalled <= 31);
			/* then the buffer grew: the rest went over as one block, read in a
			 * few pieces larger than a mark */
			T_ASSERT(g.cap_max >= 16 * MARK);
			T_ASSERT(got.largest >= 5 * MARK);
		}
		buf_done(&got.raw);
	}
}

/* A hold while the reader has drained a block: a plain answer's held bytes go to the reader in
 * that block, as the producer need not wait for it (then in the drained ones or in blocks
 * beyond the pool, as the reader keeps up or not). */
static void stream_hold_block_free(void)
{
	static char out[1u << 20];
	atomic_bool gate = false;
	struct gen g = {.size = 40 * MARK,
	                .hold_from = MARK + 100,
	                .hold_to = 20 * MARK,
	                .gate_at = MARK + 100,
	                .gate = &gate};
	struct http_stream *st = start(&g, false, false);
	struct got got;
	ssize_t n;

	T_ASSERT(st != NULL);
	T_ASSERT(http_stream_streaming(st));
	/* the first block (the buffer's own storage), read whole: the reader's spare */
	n = http_stream_read(st, 0, out, sizeof(out));
	T_ASSERT(n > 0 && n < (ssize_t)MARK);
	atomic_store(&gate, true);
	read_all(st, &got);
	http_stream_free(st);
	T_EQ_INT(got.end, MHD_CONTENT_READER_END_OF_STREAM);
	T_ASSERT(g.held_flushes >= 1);
	T_ASSERT(got.raw.len + (size_t)n == g.size);
	{
		struct buf all;

		buf_init(&all, 1u << 27);
		buf_append(&all, out, (size_t)n);
		buf_append(&all, got.raw.data, got.raw.len);
		T_ASSERT(is_gen(&g, all.data, all.len));
		buf_done(&all);
	}
	buf_done(&got.raw);
}

TEST_MAIN("http_stream", TEST(stream_sizes), TEST(stream_blocks_under_mark),
          TEST(stream_fails_midway), TEST(stream_gone_while_producer_waits), TEST(stream_head),
          TEST(stream_hold), TEST(stream_hold_block_free))
