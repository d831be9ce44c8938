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
	b->len = b->cap = 0;
	b->err = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t extra)
{
	if (b->err)
		return b->err;
	if (extra > b->max - b->len || extra == SIZE_MAX) {
		b->err = -E2BIG;
		return b->err;
	}
	/* the content and its NUL */
	b->err = array_reserve(&b->data, 1, b->len, extra + 1, &b->cap, 256,
	                       b->max < SIZE_MAX ? b->max + 1 : SIZE_MAX);
	return b->err;
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

int buf_put_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_append(b, tmp + i, sizeof(tmp) - i);
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
