// SPDX-License-Identifier: Apache-2.0
/*
 * Bump allocator (see arena.h). Chunks grow geometrically so that a scrape of ten thousand SAs
 * takes a handful of mallocs.
 */
#include "common/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST_CHUNK (16u * 1024u)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->hint = 0;
}

void arena_done(struct arena *a)
{
	struct arena_chunk *c, *n;

	for (c = a->head; c; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
	a->hint = 0;
}

void arena_release(struct arena *a)
{
	/* an eighth more: the next use is likely about as large, and a second chunk would double
	 * it */
	size_t hint = a->used + a->used / 8;

	arena_done(a);
	a->hint = hint;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c, *n, *keep = NULL;

	/* keep the largest (newest) chunk: the next scrape likely needs as much again */
	for (c = a->head; c; c = n) {
		n = c->next;
		if (!keep)
			keep = c;
		else
			free(c);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
	a->used = 0;
}

/* @size bytes at an offset that is a multiple of @align (a power of two). */
static void *arena_take(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	void *p;

	if (!c || at > c->size || c->size - at < size) {
		size_t csize = c ? c->size * 2 : ARENA_FIRST_CHUNK;

		if (!c && a->hint > csize)
			csize = a->hint;

		while (csize < size)
			csize *= 2;
		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		at = 0;
	}
	p = c->data + at;
	a->used += at - c->used + size;
	c->used = at + size;
	return p;
}

void *arena_alloc(struct arena *a, size_t size)
{
	return arena_take(a, size, alignof(max_align_t));
}

/* Text needs no alignment: packed, ten thousand SAs' two dozen short strings each take half
 * the room they took at 16-byte steps. */
char *arena_alloc_chars(struct arena *a, size_t n)
{
	return arena_take(a, n, 1);
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc_chars(a, len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
