/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable byte buffer with a hard cap. Writers append without checking each call: the first
 * failure (out of memory, or the cap) is sticky in ->err and every later append is a no-op, so a
 * writer checks once at the end (curl's dynbuf "toobig" idea). Always NUL-terminated when
 * ->len > 0, so text can be handed to C string functions.
 *
 * A buffer may stream (buf_set_sink()): once its content would pass a mark, it is handed to a
 * sink and the buffer starts over, so a long answer is written in bounded memory. The hand-over
 * happens only where the buffer may move anyway (the slow paths of buf_append(), buf_room() and
 * buf_reserve(), which may reallocate), so the buf_room()/buf_commit() contract holds as it is:
 * a pointer from buf_room() is good until the next call that may grow the buffer. A writer that
 * remembers offsets into the buffer (to go back and change bytes) must not write to a sink.
 */
#ifndef IKEWATCH_BUF_H
#define IKEWATCH_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Takes the @len bytes at *@data, in storage of *@cap bytes that the buffer owns. Either it
 * consumes them where they are (copies, counts, compresses them) and leaves *@data and *@cap
 * alone, or it takes the storage itself and puts storage of its own in its place (malloc()ed,
 * at least one byte, *@cap its size), which the buffer then owns and writes on in: the bytes
 * change hands without a copy. 0, or a negative errno that becomes the buffer's sticky error
 * (the reader went away: the writer's later appends are no-ops); the storage is then left as
 * it was.
 *
 * @held: a hold is on (buf_hold()): the writer holds a lock others need, so the sink must not
 * wait. It takes the bytes if it can at once, or declines with -EAGAIN (no error: the buffer
 * keeps them and grows, and offers them again at its next growth or at the last buf_unhold()).
 */
typedef int (*buf_sink_fn)(void *ctx, char **data, size_t *cap, size_t len, bool held);

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* hard cap on the bytes written (len + flushed); past it -E2BIG */
	int err;    /* 0, -ENOMEM, -E2BIG or the sink's error: the first failure */
	/* streaming (buf_set_sink()); all zero otherwise */
	buf_sink_fn sink;
	void *sink_ctx;
	size_t mark;    /* hand the content to the sink before it would reach this */
	size_t flushed; /* bytes the sink took so far */
	unsigned hold;  /* > 0: keep the bytes (buf_hold()) */
	size_t hint;    /* buf_hint() before there was storage: what the first reservation takes */
};

void buf_init(struct buf *b, size_t max);
/* Free the storage; the struct may be reused after buf_init(). */
void buf_done(struct buf *b);
/* Forget the content and any error, keep the storage. Bytes a sink took cannot be taken back:
 * after a flush this fails the buffer with -ESPIPE instead. */
void buf_reset(struct buf *b);
/* Ensure room for @extra more bytes (plus the terminating NUL). */
int buf_reserve(struct buf *b, size_t extra);

int buf_append_slow(struct buf *b, const void *p, size_t len);
static inline int buf_append(struct buf *b, const void *p, size_t len)
{
	if (!b->err && b->data && len < b->cap - b->len) {
		memcpy(b->data + b->len, p, len);
		b->len += len;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append_slow(b, p, len);
}
/*
 * Room for @n more bytes: where to write them, to be followed by buf_commit() of the bytes
 * written (at most @n). NULL after a failure, and also (without failing) when @n would pass the
 * cap: @n is usually a bound, and the caller then falls back to exact appends, which fail only
 * if the bytes themselves do not fit. A writer of many small pieces reserves and checks once.
 */
char *buf_room_slow(struct buf *b, size_t n);
static inline char *buf_room(struct buf *b, size_t n)
{
	if (!b->err && b->data && n < b->cap - b->len)
		return b->data + b->len;
	return buf_room_slow(b, n);
}
static inline void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}
static inline int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}
static inline int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Decimal integers, without printf's locale and parsing cost (hot path of the exposition). */
#define BUF_U64_DIGITS_MAX 20
/* @v in decimal at @out (no NUL); returns the number of bytes written. */
size_t buf_fmt_u64(char out[BUF_U64_DIGITS_MAX], uint64_t v);
int buf_put_u64(struct buf *b, uint64_t v);
int buf_put_i64(struct buf *b, int64_t v);
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_u16be(struct buf *b, uint16_t v);
int buf_put_u32be(struct buf *b, uint32_t v);

/*
 * Streaming. From here on, whenever an append or a reservation would take the content to @mark
 * bytes or more, the content is first handed to @fn (and ->len starts over at 0); while a hold
 * is on, only if @fn can take it without waiting. @mark > 0. The buffer's own storage then
 * stays about @mark bytes (a single larger piece, or held bytes the sink declined, still grow
 * it); a sink that takes the storage should give back about as much. Called again (from the
 * sink too), it changes the mark for the bytes that follow.
 */
void buf_set_sink(struct buf *b, size_t mark, buf_sink_fn fn, void *ctx);
/* Hand what is in the buffer to the sink now (the end of a stream). 0 or the sticky error. */
int buf_flush(struct buf *b);
/* A writer that holds a lock others need brackets its writes with these: the sink may wait for a
 * slow reader, and must not while the lock is held. Held bytes stay in memory unless the sink
 * can take them at once. They nest; the last buf_unhold() hands over what passed the mark
 * meanwhile. */
static inline void buf_hold(struct buf *b)
{
	b->hold++;
}
void buf_unhold(struct buf *b);
/* All bytes written: those the sink took and those still in the buffer. */
static inline size_t buf_total(const struct buf *b)
{
	return b->flushed + b->len;
}
/* About @n more bytes will come: make room for them in one allocation, no more than a sink's
 * mark, never past the cap. Best effort: a failure leaves no error behind. A buffer without
 * storage yet takes it at its first write, not now: a handler that hints and then waits (for
 * charon, say) does not hold the memory meanwhile. */
void buf_hint(struct buf *b, size_t n);

/* Hand the storage to the caller (who frees it); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *ret_len);

#endif
