// SPDX-License-Identifier: Apache-2.0
/*
 * A streamed answer: producer thread, a pool of blocks, incremental gzip (see http_stream.h).
 *
 * The bytes pass from the producer to the reader in blocks, not through a ring: a plain answer
 * is rendered straight into a block (the reply buffer's sink takes its filled storage and gives
 * it a drained block to write on in), and deflate writes into a block too; the reader copies a
 * block into libmicrohttpd's buffer and hands it back. So the rendered bytes are copied once, by
 * the reader, as libmicrohttpd's reader callback needs. Two blocks per stream: the producer fills
 * one while the reader drains the other, and waits when both are the reader's.
 *
 * One mutex and one condition variable guard the state the two sides share; the bytes are
 * copied outside the lock (a block is either the producer's or the reader's; only the queue and
 * the spare list change under the lock). gzip goes chunk by chunk (http_deflate.h).
 */
#include "http/http_stream.h"

#include "common/limits.h"
#include "common/log.h"
#include "http/http_deflate.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Blocks per stream. A plain answer's blocks are the reply buffer's storage (a mark each: the
 * buffer's own and one more); a gzipped one keeps its buffer and deflates into two blocks of
 * STREAM_ZBLOCK_SIZE. Either way about what a mark and a 256 KiB ring took before. */
#define STREAM_BLOCKS 2u
/* Places in the reader's queue: the pool's blocks, and the blocks a plain answer's held bytes
 * (buf_hold()) fill while the reader has none drained. Past that, held bytes wait in the
 * buffer, which grows. */
#define STREAM_QUEUE 32u
/* deflate's output block: half of the 256 KiB that the ring used to be, so that two of them are
 * as much, and a block goes out every few hundred KiB of text at most */
#define STREAM_ZBLOCK_SIZE (128u * 1024u)

/* Bytes on their way to the reader: len of cap filled. */
struct block {
	char *data;
	size_t len, cap;
};

struct http_stream {
	struct http_stream_params p;
	struct http_reply rp;
	pthread_t thread;
	bool joined;
	pthread_mutex_t lock;
	pthread_cond_t cv; /* any change below; at most three threads wait on it */
	/* under ->lock */
	bool streaming; /* the first flush happened: headers below are set */
	bool finished;  /* the handler ended (and, when streaming, the last bytes are in) */
	bool gone;      /* the response was freed: the producer must stop */
	int result;     /* the handler's outcome once finished: 0 or -errno */
	struct block queue[STREAM_QUEUE]; /* filled, for the reader: [head, head + queued) */
	unsigned head, queued;
	struct block spare[STREAM_BLOCKS]; /* drained, for the producer */
	unsigned spares;
	/* set by the producer before ->streaming, read by the connection thread after */
	unsigned status;
	const char *ctype, *vary;
	/* the producer's own */
	/* under ->lock: blocks there are (a plain answer's first one is the buffer's storage),
	 * and the pool's size; held bytes may make more, which the reader frees once drained */
	unsigned blocks, blocks_max;
	size_t block_size;      /* their size */
	struct block zb;        /* gzip: deflate's output block being filled */
	struct http_deflate *z; /* gzip: the stream once it began */
	uint64_t length;        /* HEAD: the bytes a GET would have been sent */
	/* the reader's own */
	size_t off; /* bytes of the queue's head block it has copied */
};

/* A new block of the pool's size. */
static int block_alloc(struct http_stream *st, struct block *ret)
{
	ret->data = malloc(st->block_size);
	if (!ret->data) {
		/* it was counted when the producer decided to make it */
		pthread_mutex_lock(&st->lock);
		st->blocks--;
		pthread_mutex_unlock(&st->lock);
		return -ENOMEM;
	}
	ret->len = 0;
	ret->cap = st->block_size;
	return 0;
}

/* Queue a filled block for the reader, under ->lock (there is always room: there are no more
 * blocks than places). */
static void queue_locked(struct http_stream *st, struct block b)
{
	st->queue[(st->head + st->queued++) % STREAM_QUEUE] = b;
	pthread_cond_broadcast(&st->cv);
}

/* A block for deflate to fill: a drained one, or a new one while the pool may still make one;
 * else wait for the reader to drain one. -EPIPE once the response is gone. */
static int block_get(struct http_stream *st, struct block *ret)
{
	pthread_mutex_lock(&st->lock);
	while (!st->spares && st->blocks >= st->blocks_max && !st->gone)
		pthread_cond_wait(&st->cv, &st->lock);
	if (st->gone) {
		pthread_mutex_unlock(&st->lock);
		return -EPIPE;
	}
	if (!st->spares) {
		st->blocks++;
		pthread_mutex_unlock(&st->lock);
		return block_alloc(st, ret);
	}
	*ret = st->spare[--st->spares];
	pthread_mutex_unlock(&st->lock);
	ret->len = 0;
	return 0;
}

/* A plain answer's flush: the reply buffer's filled storage goes to the reader as it is, and
 * the buffer writes on in a block of the pool: a new one while the pool may still make one,
 * else one the reader drained (the filled one is queued first, so that the reader need not wait
 * for the producer to wake up). -EPIPE once the response is gone: the buffer keeps its storage.
 * @held (the writer holds a lock, it must not wait): a block beyond the pool while the queue has
 * room (the held bytes are in memory either way; in blocks, the reader can send them meanwhile,
 * and the buffer is not copied to grow), else -EAGAIN. */
static int block_swap(struct http_stream *st, char **data, size_t *cap, size_t len, bool held)
{
	struct block b;
	bool make;
	int err;

	pthread_mutex_lock(&st->lock);
	if (st->gone) {
		pthread_mutex_unlock(&st->lock);
		return -EPIPE;
	}
	make = !st->spares && (st->blocks < st->blocks_max || held);
	/* only the producer takes spares: one there now is still there below */
	if (held && !st->spares && st->queued + 1 >= STREAM_QUEUE) {
		pthread_mutex_unlock(&st->lock);
		return -EAGAIN;
	}
	if (make)
		st->blocks++;
	pthread_mutex_unlock(&st->lock);
	if (make && (err = block_alloc(st, &b)) < 0)
		return err;
	pthread_mutex_lock(&st->lock);
	queue_locked(st, (struct block){*data, len, *cap});
	if (!make) {
		while (!st->spares && !st->gone)
			pthread_cond_wait(&st->cv, &st->lock);
		if (!st->spares) {
			/* gone: the block just queued is still the last one there (a drained one
			 * would be a spare); it stays the buffer's */
			st->queued--;
			pthread_mutex_unlock(&st->lock);
			return -EPIPE;
		}
		b = st->spare[--st->spares];
	}
	pthread_mutex_unlock(&st->lock);
	*data = b.data;
	*cap = b.cap;
	return 0;
}

/* deflate's output block is full or the stream ends: to the reader; HEAD only counts it. */
static void zblock_out(struct http_stream *st)
{
	if (!st->zb.len)
		return;
	if (st->p.head) {
		st->length += st->zb.len;
		st->zb.len = 0;
		return;
	}
	pthread_mutex_lock(&st->lock);
	queue_locked(st, st->zb);
	pthread_mutex_unlock(&st->lock);
	st->zb = (struct block){0};
}

/* Deflate @len bytes, or (@finish) the last ones and the stream's end, into blocks. */
static int deflate_put(struct http_stream *st, const char *data, size_t len, bool finish)
{
	int r = 0, err;

	while (len > 0 || (finish && r == 0)) {
		char *out;
		size_t room;

		if (!st->zb.data && (err = block_get(st, &st->zb)) < 0)
			return err;
		out = st->zb.data + st->zb.len;
		room = st->zb.cap - st->zb.len;
		if ((r = http_deflate_step(st->z, &data, &len, &out, &room, finish)) < 0)
			return r;
		st->zb.len = st->zb.cap - room;
		if (room == 0)
			zblock_out(st);
	}
	if (finish)
		zblock_out(st);
	return 0;
}

static int on_flush(void *ctx, char **data, size_t *cap, size_t len, bool held);

/* The first flush: from here on the answer streams. The status and headers go to the
 * connection thread, which answers with them; the request's headers are no longer the
 * handler's to read (the connection thread has the connection again). */
static int stream_begin(struct http_stream *st)
{
	if (st->p.gzip) {
		if (!(st->z = http_deflate_new()))
			return -ENOMEM;
		/* HEAD counts deflate's output in one block and drops it */
		st->blocks_max = st->p.head ? 1 : STREAM_BLOCKS;
		st->block_size = STREAM_ZBLOCK_SIZE;
	} else {
		/* the reply buffer's storage is the first block; the others are of
		 * HTTP_STREAM_PLAIN_BLOCK (or the mark, if lower), and the buffer now hands over
		 * at that size, so that it keeps its content (and its NUL) within a block. The
		 * first storage shrinks to that size once the reader has drained it (at 1,000
		 * SAs, two blocks of the 256 KiB mark were a fifth of serve's heap). */
		st->blocks = 1;
		st->blocks_max = STREAM_BLOCKS;
		st->block_size =
		    st->p.mark < HTTP_STREAM_PLAIN_BLOCK ? st->p.mark : HTTP_STREAM_PLAIN_BLOCK;
		buf_set_sink(&st->rp.body, st->block_size, on_flush, st);
	}
	st->p.rq.conn = NULL;
	pthread_mutex_lock(&st->lock);
	st->status = st->rp.status;
	st->ctype = st->rp.content_type;
	st->vary = st->rp.vary;
	st->streaming = true;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

/* The reply buffer's sink, on the producer thread: a plain answer's filled storage goes to the
 * reader as it is, and the buffer writes on in a drained block; gzip and HEAD consume the bytes
 * where they are. Held bytes (@held) go only where nothing waits for the reader: HEAD counts
 * them, a plain answer swaps blocks if one is free, gzip keeps them (deflate's output may have
 * to wait for a block). */
static int on_flush(void *ctx, char **data, size_t *cap, size_t len, bool held)
{
	struct http_stream *st = ctx;
	bool idle;
	int err;

	if (held && st->p.gzip && !st->p.head)
		return -EAGAIN;
	if (!st->streaming && (err = stream_begin(st)) < 0)
		return err;
	if (st->z) {
		if ((err = deflate_put(st, *data, len, false)) < 0)
			return err;
		/* deflate's output waits in its block until the block is full, unless the reader
		 * has nothing to send meanwhile */
		pthread_mutex_lock(&st->lock);
		idle = !st->queued;
		pthread_mutex_unlock(&st->lock);
		if (idle && !st->p.head)
			zblock_out(st);
		return 0;
	}
	if (st->p.head || !len) {
		st->length += len;
		return 0;
	}
	return block_swap(st, data, cap, len, held);
}

static void finish(struct http_stream *st, int result)
{
	pthread_mutex_lock(&st->lock);
	st->finished = true;
	st->result = result;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->lock);
}

static void *producer(void *arg)
{
	struct http_stream *st = arg;
	struct buf *body = &st->rp.body;
	int r;

	r = st->p.fn(st->p.ctx, &st->p.rq, &st->rp);
	if (r >= 0 && body->err)
		r = body->err;
	if (!st->streaming) {
		/* the whole answer: the connection thread takes it from here */
		finish(st, r < 0 ? r : 0);
		return NULL;
	}
	if (r >= 0)
		r = buf_flush(body);
	if (r >= 0 && st->z)
		r = deflate_put(st, NULL, 0, true);
	if (r >= 0 && st->p.last_body)
		atomic_store(st->p.last_body, buf_total(body));
	/* a client that went away (-EPIPE) is no failure of ours */
	if (r < 0 && r != -EPIPE)
		log_warn("%s failed after %zu bytes were sent: %s", st->p.what, buf_total(body),
		         strerror(-r));
	buf_done(body);
	finish(st, r < 0 ? r : 0);
	return NULL;
}

int http_stream_start(const struct http_stream_params *p, struct http_stream **ret)
{
	struct http_stream *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	st->p = *p;
	st->rp.status = MHD_HTTP_OK;
	st->rp.content_type = "text/plain; charset=utf-8";
	buf_init(&st->rp.body, HTTP_BODY_MAX);
	buf_set_sink(&st->rp.body, p->mark, on_flush, st);
	/* most answers are the size of the last one: one allocation, at most the mark, taken at
	 * the first write (buf_hint()). Without a last one, the mark: the storage doubling up to
	 * it, a copy each time, touched 224 KiB more at serve's first scrape (its peak at 1,000
	 * SAs), and a fresh allocation's pages count only once written */
	buf_hint(&st->rp.body, p->hint ? p->hint : p->mark);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cv, NULL);
	err = pthread_create(&st->thread, NULL, producer, st);
	if (err) {
		buf_done(&st->rp.body);
		pthread_mutex_destroy(&st->lock);
		pthread_cond_destroy(&st->cv);
		free(st);
		return -err;
	}
	/* HEAD waits for the end: its length is then known, and a failure is still a 500 */
	pthread_mutex_lock(&st->lock);
	while (!st->finished && (!st->streaming || p->head))
		pthread_cond_wait(&st->cv, &st->lock);
	pthread_mutex_unlock(&st->lock);
	*ret = st;
	return 0;
}

bool http_stream_streaming(struct http_stream *st)
{
	bool s;

	pthread_mutex_lock(&st->lock);
	s = st->streaming && !(st->p.head && st->result < 0);
	pthread_mutex_unlock(&st->lock);
	return s;
}

uint64_t http_stream_length(struct http_stream *st)
{
	return st->p.head ? st->length : MHD_SIZE_UNKNOWN;
}

int http_stream_whole(struct http_stream *st, struct http_reply **ret_reply)
{
	int r;

	/* the producer has ended (not streaming): its thread is past every write */
	pthread_join(st->thread, NULL);
	st->joined = true;
	*ret_reply = &st->rp;
	pthread_mutex_lock(&st->lock);
	r = st->result;
	pthread_mutex_unlock(&st->lock);
	return r;
}

void http_stream_head(struct http_stream *st, unsigned *ret_status, const char **ret_ctype,
                      const char **ret_vary)
{
	*ret_status = st->status;
	*ret_ctype = st->ctype;
	*ret_vary = st->vary;
}

ssize_t http_stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream *st = cls;
	struct block b;
	size_t n;

	(void)pos;
	pthread_mutex_lock(&st->lock);
	while (!st->queued && !st->finished)
		pthread_cond_wait(&st->cv, &st->lock);
	if (st->finished && st->result < 0) {
		/* no last chunk: the client sees a broken transfer, not a shorter answer */
		pthread_mutex_unlock(&st->lock);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (!st->queued) {
		pthread_mutex_unlock(&st->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* the head block is the reader's until it goes back to the spares */
	b = st->queue[st->head];
	pthread_mutex_unlock(&st->lock);
	n = b.len - st->off;
	if (n > max)
		n = max;
	memcpy(out, b.data + st->off, n);
	st->off += n;
	if (st->off == b.len) {
		bool drop;

		st->off = 0;
		/* a block beyond the pool (held bytes made it): freed */
		pthread_mutex_lock(&st->lock);
		drop = st->blocks > st->blocks_max;
		if (drop)
			st->blocks--;
		pthread_mutex_unlock(&st->lock);
		if (drop) {
			free(b.data);
		} else if (b.cap > st->block_size) {
			/* the buffer's first storage (the mark) or storage a hold grew: back to
			 * the pool's size, the rest to the heap (shrinking stays in place; a
			 * failure keeps it whole) */
			char *p = realloc(b.data, st->block_size);

			if (p) {
				b.data = p;
				b.cap = st->block_size;
			}
		}
		pthread_mutex_lock(&st->lock);
		st->head = (st->head + 1) % STREAM_QUEUE;
		st->queued--;
		if (!drop)
			st->spare[st->spares++] = b;
		pthread_cond_broadcast(&st->cv);
		pthread_mutex_unlock(&st->lock);
	}
	return (ssize_t)n;
}

void http_stream_free(void *cls)
{
	struct http_stream *st = cls;

	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->gone = true;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->lock);
	if (!st->joined)
		pthread_join(st->thread, NULL);
	buf_done(&st->rp.body);
	http_deflate_free(st->z);
	for (unsigned i = 0; i < st->queued; i++)
		free(st->queue[(st->head + i) % STREAM_QUEUE].data);
	for (unsigned i = 0; i < st->spares; i++)
		free(st->spare[i].data);
	free(st->zb.data);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cv);
	free(st);
}
