/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bump allocator for the many small strings of one scrape: everything is freed at once with
 * arena_reset() (keeping the first chunk for the next scrape) or arena_done().
 */
#ifndef IKEWATCH_ARENA_H
#define IKEWATCH_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used; /* bytes handed out, for the bench's memory figures */
	size_t hint; /* arena_release(): the size of the first chunk taken after it */
};

void arena_init(struct arena *a);
void arena_reset(struct arena *a);
void arena_done(struct arena *a);
/* Empty, as arena_reset(), but give every chunk back, remembering how much was used: the next
 * use takes one chunk of about that size at once. For an arena that waits long between uses,
 * whose memory would stay resident in between (a snapshot waiting for the next scrape). */
void arena_release(struct arena *a);
/* Aligned for any type; NULL on out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* @n bytes for text, not aligned (strings are packed one after another); NULL on out of
 * memory. */
char *arena_alloc_chars(struct arena *a, size_t n);
/* A NUL-terminated copy of a span (not aligned, as arena_alloc_chars()). */
char *arena_strndup(struct arena *a, const char *s, size_t len);

#endif
