// SPDX-License-Identifier: Apache-2.0
/*
 * Growable, capped byte buffer; see buf.h for the sticky-error contract.
 */
#include "common/buf.h"

#include "common/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void buf_done(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = b->hint = 0;
	b->err = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	/* what the sink took is gone: the content cannot start over */
	b->err = b->flushed ? (b->err ? b->err : -ESPIPE) : 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_set_sink(struct buf *b, size_t mark, buf_sink_fn fn, void *ctx)
{
	b->sink = fn;
	b->sink_ctx = ctx;
	b->mark = mark ? mark : 1;
}

static int sink_take(struct buf *b)
{
	int r = b->sink(b->sink_ctx, &b->data, &b->cap, b->len, b->hold > 0);

	if (r == -EAGAIN && b->hold)
		return 0; /* declined while held: the bytes stay, the storage grows */
	if (r < 0) {
		b->err = r;
		return r;
	}
	b->flushed += b->len;
	b->len = 0;
	b->data[0] = '\0';
	/* the fast paths check only ->cap: near the cap on the total, use less of the storage */
	if (b->max - b->flushed < b->cap - 1)
		b->cap = b->max - b->flushed + 1;
	return 0;
}

int buf_flush(struct buf *b)
{
	if (b->err || !b->sink || !b->len)
		return b->err;
	return sink_take(b);
}

void buf_unhold(struct buf *b)
{
	if (--b->hold == 0 && b->sink && !b->err && b->len >= b->mark)
		sink_take(b);
}

/* The bytes the buffer itself may still hold under the cap. */
static size_t buf_limit(const struct buf *b)
{
	return b->max - b->flushed;
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t limit = buf_limit(b);

	if (b->err)
		return b->err;
	if (extra > limit - b->len || extra == SIZE_MAX) {
		b->err = -E2BIG;
		return b->err;
	}
	/* a safe point: the caller writes only after this returns. Hand over what is there when
	 * the content and @extra would reach the mark, so that the storage stays at the mark; held
	 * bytes too if the sink can take them without waiting (the writer holds a lock), so that
	 * a long held run does not grow the storage when the reader keeps up */
	if (b->sink && b->len && extra >= b->mark - (b->len < b->mark ? b->len : b->mark) &&
	    sink_take(b) < 0)
		return b->err;
	/* the first storage: what a hint asked for, if more */
	if (!b->data && b->hint > extra)
		extra = b->hint;
	b->hint = 0;
	/* the content and its NUL */
	b->err = array_reserve(&b->data, 1, b->len, extra + 1, &b->cap, 256,
	                       limit < SIZE_MAX ? limit + 1 : SIZE_MAX);
	return b->err;
}

void buf_hint(struct buf *b, size_t n)
{
	size_t limit = buf_limit(b) - b->len;

	if (b->err)
		return;
	/* with a sink, the storage the mark allows (a power of two stays one) and no more */
	if (b->sink)
		n = b->len + 1 < b->mark ? (n < b->mark - b->len - 1 ? n : b->mark - b->len - 1)
		                         : 0;
	if (n > limit)
		n = limit;
	if (n < b->cap - b->len)
		return;
	if (!b->data) {
		b->hint = n;
		return;
	}
	/* best effort: a hint that cannot be had leaves no error for the writes that follow */
	array_reserve(&b->data, 1, b->len, n + 1, &b->cap, 256,
	              limit < SIZE_MAX - b->len ? b->len + limit + 1 : SIZE_MAX);
}

char *buf_room_slow(struct buf *b, size_t n)
{
	if (b->err || n > buf_limit(b) - b->len || n == SIZE_MAX)
		return NULL;
	return buf_reserve(b, n) < 0 ? NULL : b->data + b->len;
}

int buf_append_slow(struct buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return b->err;
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->err)
		return b->err;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->err = -EINVAL;
		return b->err;
	}
	if (buf_reserve(b, (size_t)n) < 0)
		return b->err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

/* The number of decimal digits of @v. */
static size_t u64_digits(uint64_t v)
{
	size_t n = 1;

	for (; v >= 10000; v /= 10000)
		n += 4;
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* Two digits a step from a table: half the divisions of the digit-by-digit loop, and the
 * exposition writes an integer into every sample. The length is counted first so that the
 * digits go straight to @out, back to front (a copy from a scratch array of a length known
 * only at run time was a call to memmove per sample). */
size_t buf_fmt_u64(char out[BUF_U64_DIGITS_MAX], uint64_t v)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
	                               "25262728293031323334353637383940414243444546474849"
	                               "50515253545556575859606162636465666768697071727374"
	                               "75767778798081828384858687888990919293949596979899";
	size_t n = u64_digits(v), i = n;

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		i -= 2;
		memcpy(out + i, pairs + 2 * r, 2);
	}
	if (v >= 10)
		memcpy(out, pairs + 2 * v, 2);
	else
		out[0] = (char)('0' + v);
	return n;
}

int buf_put_u64(struct buf *b, uint64_t v)
{
	char *p = buf_room(b, BUF_U64_DIGITS_MAX), tmp[BUF_U64_DIGITS_MAX];

	if (p) {
		buf_commit(b, buf_fmt_u64(p, v));
		return 0;
	}
	return buf_append(b, tmp, buf_fmt_u64(tmp, v));
}

int buf_put_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_putc(b, '-');
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		return buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	}
	return buf_put_u64(b, (uint64_t)v);
}

int buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_append(b, &v, 1);
}

int buf_put_u16be(struct buf *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return buf_append(b, t, 2);
}

int buf_put_u32be(struct buf *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return buf_append(b, t, 4);
}

char *buf_steal(struct buf *b, size_t *ret_len)
{
	char *d = b->data;

	if (ret_len)
		*ret_len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
