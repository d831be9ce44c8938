/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A handler's answer streamed to libmicrohttpd instead of built whole (http_server.c uses it
 * for the routes flagged HTTP_ROUTE_STREAM). The handler runs on a producer thread of its own
 * and writes into its reply's buffer as always; while the answer stays under the mark, nothing
 * differs from a whole answer (the connection thread gets the buffer and answers as before).
 * When the buffer would pass the mark, its sink (buf_set_sink()) hands the status and headers
 * to the connection thread, which queues a response of unknown length (chunked), and from then
 * on every flush goes to the response's reader in blocks: the buffer's filled storage itself
 * (the buffer writes on in a block the reader drained), or, gzipped, the blocks that the
 * encoder (http_deflate.h) writes into. Memory stays at a mark and a block of
 * HTTP_STREAM_PLAIN_BLOCK, then two of these once the first storage is drained (gzipped: a mark,
 * two deflate blocks and the encoder's state), whatever the size of the answer. Bytes the handler
 * writes under a lock (buf_hold()) go to the reader only if a block is free; else they wait in
 * the buffer until the hold ends.
 *
 * The producer waits when the reader has every block (a slow client slows the rendering down,
 * it does not make it buffer); the reader waits when it has none (thread-per-connection mode:
 * the connection thread may block). A handler that fails after the first flush ends the transfer
 * with an error (the client sees a broken chunked body, never a shorter answer that looks
 * whole). When the client goes away, or its deadline closes it, libmicrohttpd frees the
 * response: the producer's next flush fails, the handler unwinds, and the thread is joined.
 */
#ifndef IKEWATCH_HTTP_STREAM_H
#define IKEWATCH_HTTP_STREAM_H

#include "http/http_server.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct http_stream;

/* A plain answer's blocks once it streams (or the mark, if lower): it fills the buffer's own
 * storage up to the mark first, as an answer under the mark goes out whole, but no later block
 * need be that large. Smaller blocks cost more hand-overs between the threads: the reader,
 * faster than the render, waits for each block. At 64 KiB a 1,000-SA scrape took 70-80 context
 * switches instead of 22-37, and 1.20-1.25x the CPU in two runs of three; at 128 KiB, 25-30
 * and 0.92-1.04x (docs/benchmarks.md, "Peak memory of serve, third pass"). */
#define HTTP_STREAM_PLAIN_BLOCK (128u * 1024u)

struct http_stream_params {
	http_handler_fn fn;
	void *ctx;
	struct http_request rq; /* copied; ->conn is cleared at the first flush */
	size_t mark;            /* stream once the body would reach this many bytes */
	size_t hint;            /* the likely size of the body (a size hint, capped at the mark) */
	bool gzip;              /* deflate a streamed body (a whole one is the caller's to gzip) */
	/* HEAD: the body (gzipped when asked) is counted and dropped; http_stream_start() waits
	 * for the handler's end, so that the length is known and a failure answers 500 */
	bool head;
	_Atomic size_t *last_body; /* where the streamed body's length goes at its end, or NULL */
	const char *what;          /* "http LISTEN: PATH", for the log line of a failure */
};

/* Start the handler on its producer thread and wait until it has either ended with its whole
 * answer or begun to stream. -errno when no thread could be started (nothing ran). */
int http_stream_start(const struct http_stream_params *p, struct http_stream **ret);
/* Whether the answer streams (then: http_stream_read()/http_stream_free() on a response of
 * http_stream_length()); otherwise the handler has ended: http_stream_whole(). A HEAD whose
 * handler failed after the mark is answered as a whole failure. */
bool http_stream_streaming(struct http_stream *st);
/* The handler's return value and reply, once it ended without streaming; the caller takes the
 * body (buf_steal() or buf_done()) and then calls http_stream_free(). */
int http_stream_whole(struct http_stream *st, struct http_reply **ret_reply);
/* The length of a HEAD's body as a GET would have it; MHD_SIZE_UNKNOWN for a GET. */
uint64_t http_stream_length(struct http_stream *st);
/* Status, content type and Vary as they were at the first flush. */
void http_stream_head(struct http_stream *st, unsigned *ret_status, const char **ret_ctype,
                      const char **ret_vary);
/* libmicrohttpd's content reader (MHD_ContentReaderCallback). */
ssize_t http_stream_read(void *cls, uint64_t pos, char *out, size_t max);
/* Stop the producer (its next flush fails), join it, free everything. For
 * MHD_ContentReaderFreeCallback too. */
void http_stream_free(void *cls);

#endif
