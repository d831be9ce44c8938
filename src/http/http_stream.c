// SPDX-License-Identifier: Apache-2.0
/*
 * A streamed answer: producer thread, bounded ring, incremental gzip (see http_stream.h).
 *
 * One mutex and one condition variable guard the state the two sides share; the bytes are
 * copied outside the lock (the producer owns the ring's free part, the reader its filled part,
 * and only the indices change under the lock). gzip here is zlib's deflate at level 1, chunk by
 * chunk: libdeflate, which the whole answers use (http_gzip.c), needs its whole input at once.
 */
#include "http/http_stream.h"

#include "common/limits.h"
#include "common/log.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The ring between the producer and the reader: a mark's worth, so that a flush seldom waits
 * for the reader, and the two threads do not take turns at every block. */
#define STREAM_RING_SIZE (256u * 1024u)
/* deflate's output per call, before it goes into the ring */
#define STREAM_ZOUT_SIZE (16u * 1024u)

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
	size_t r, used; /* the ring: filled part [r, r + used) modulo the size */
	/* set by the producer before ->streaming, read by the connection thread after */
	unsigned status;
	const char *ctype, *vary;
	/* the producer's own */
	char *ring;
	z_stream z;
	bool z_on;
	uint64_t length; /* HEAD: the bytes a GET would have been sent */
	unsigned char zout[STREAM_ZOUT_SIZE];
};

/* Put @len bytes into the ring, waiting for room. -EPIPE once the response is gone. HEAD:
 * only count them. */
static int ring_put(struct http_stream *st, const char *data, size_t len)
{
	if (st->p.head) {
		st->length += len;
		return 0;
	}
	while (len) {
		size_t w, n;

		pthread_mutex_lock(&st->lock);
		while (st->used == STREAM_RING_SIZE && !st->gone)
			pthread_cond_wait(&st->cv, &st->lock);
		if (st->gone) {
			pthread_mutex_unlock(&st->lock);
			return -EPIPE;
		}
		w = (st->r + st->used) % STREAM_RING_SIZE;
		n = STREAM_RING_SIZE - st->used;
		if (n > STREAM_RING_SIZE - w)
			n = STREAM_RING_SIZE - w;
		pthread_mutex_unlock(&st->lock);
		if (n > len)
			n = len;
		memcpy(st->ring + w, data, n);
		pthread_mutex_lock(&st->lock);
		st->used += n;
		pthread_cond_broadcast(&st->cv);
		pthread_mutex_unlock(&st->lock);
		data += n;
		len -= n;
	}
	return 0;
}

/* Deflate @len bytes (Z_NO_FLUSH) or finish the stream (Z_FINISH) into the ring. */
static int deflate_put(struct http_stream *st, const char *data, size_t len, int flush)
{
	int zr, err;

	/* zlib's avail_in is a uInt: a flush is at most a mark's worth plus one piece, but a
	 * single piece may be larger */
	while (len > 0 || flush == Z_FINISH) {
		size_t take = len > UINT32_MAX ? UINT32_MAX : len;

		st->z.next_in = (unsigned char *)(uintptr_t)data;
		st->z.avail_in = (uInt)take;
		do {
			size_t n;

			st->z.next_out = st->zout;
			st->z.avail_out = sizeof(st->zout);
			zr = deflate(&st->z, flush);
			if (zr == Z_STREAM_ERROR)
				return -EIO;
			n = sizeof(st->zout) - st->z.avail_out;
			if (n && (err = ring_put(st, (const char *)st->zout, n)) < 0)
				return err;
		} while (st->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
		if (flush == Z_FINISH)
			break;
		data += take;
		len -= take;
	}
	return 0;
}

/* The first flush: from here on the answer streams. The status and headers go to the
 * connection thread, which answers with them; the request's headers are no longer the
 * handler's to read (the connection thread has the connection again). */
static int stream_begin(struct http_stream *st)
{
	if (!st->p.head) {
		st->ring = malloc(STREAM_RING_SIZE);
		if (!st->ring)
			return -ENOMEM;
	}
	if (st->p.gzip) {
		/* level 1, a gzip header (windowBits 15 + 16), memLevel 8: zlib's defaults but
		 * for the level; on a scrape, speed beats ratio */
		if (deflateInit2(&st->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		st->z_on = true;
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

/* The reply buffer's sink, on the producer thread. */
static int on_flush(void *ctx, const char *data, size_t len)
{
	struct http_stream *st = ctx;
	int err;

	if (!st->streaming && (err = stream_begin(st)) < 0)
		return err;
	if (st->z_on)
		return deflate_put(st, data, len, Z_NO_FLUSH);
	return ring_put(st, data, len);
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
	if (r >= 0 && st->z_on)
		r = deflate_put(st, NULL, 0, Z_FINISH);
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
	/* most answers are the size of the last one: one allocation, at most the mark */
	buf_hint(&st->rp.body, p->hint);
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
	size_t r, n;

	(void)pos;
	pthread_mutex_lock(&st->lock);
	while (!st->used && !st->finished)
		pthread_cond_wait(&st->cv, &st->lock);
	if (st->finished && st->result < 0) {
		/* no last chunk: the client sees a broken transfer, not a shorter answer */
		pthread_mutex_unlock(&st->lock);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (!st->used) {
		pthread_mutex_unlock(&st->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	r = st->r;
	n = st->used;
	pthread_mutex_unlock(&st->lock);
	if (n > STREAM_RING_SIZE - r)
		n = STREAM_RING_SIZE - r;
	if (n > max)
		n = max;
	memcpy(out, st->ring + r, n);
	pthread_mutex_lock(&st->lock);
	st->r = (r + n) % STREAM_RING_SIZE;
	st->used -= n;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->lock);
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
	if (st->z_on)
		deflateEnd(&st->z);
	free(st->ring);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cv);
	free(st);
}
