/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one bounded cursor that all untrusted bytes go through (docs/STYLE.md, "Untrusted input").
 * Every read checks what is left before it touches memory and fails with -EBADMSG on a short
 * read, leaving the cursor where it was; reads chain with ||. Multi-byte integers are network
 * byte order. Nothing here allocates or logs.
 */
#ifndef IKEWATCH_RD_H
#define IKEWATCH_RD_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t left;
};

static inline void rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->left;
}

static inline int rd_u8(struct rd *r, uint8_t *ret)
{
	if (r->left < 1)
		return -EBADMSG;
	*ret = r->p[0];
	r->p++;
	r->left--;
	return 0;
}

static inline int rd_u16(struct rd *r, uint16_t *ret)
{
	if (r->left < 2)
		return -EBADMSG;
	*ret = (uint16_t)((uint16_t)r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static inline int rd_u32(struct rd *r, uint32_t *ret)
{
	if (r->left < 4)
		return -EBADMSG;
	*ret = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 |
	       (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static inline int rd_u64(struct rd *r, uint64_t *ret)
{
	uint32_t hi, lo;

	if (r->left < 8)
		return -EBADMSG;
	rd_u32(r, &hi);
	rd_u32(r, &lo);
	*ret = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Borrow @len bytes: *ret points into the reader's buffer and lives as long as it does. */
static inline int rd_bytes(struct rd *r, size_t len, const uint8_t **ret)
{
	if (r->left < len)
		return -EBADMSG;
	*ret = r->p;
	r->p += len;
	r->left -= len;
	return 0;
}

/* Copy @len bytes out into @dst. */
static inline int rd_copy(struct rd *r, void *dst, size_t len)
{
	if (r->left < len)
		return -EBADMSG;
	memcpy(dst, r->p, len);
	r->p += len;
	r->left -= len;
	return 0;
}

/* Split off the next @len bytes as a reader of their own. */
static inline int rd_sub(struct rd *r, size_t len, struct rd *ret)
{
	const uint8_t *p;

	if (rd_bytes(r, len, &p) < 0)
		return -EBADMSG;
	rd_init(ret, p, len);
	return 0;
}

static inline int rd_skip(struct rd *r, size_t len)
{
	const uint8_t *p;

	return rd_bytes(r, len, &p);
}

#endif
