/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hash index over an array the caller owns: slots of (32-bit hash, index + 1), open
 * addressing with linear probing, no keys of its own. The caller keeps its entries in a plain
 * array (no allocation per entry, no copied key) and tells whether the entry at an index is the
 * one looked for. 8 bytes a slot, at most three quarters of them used.
 *
 *	uint32_t i = ixmap_get(&m, h, eq, ctx);      // index + 1 of the match, 0: none
 *	if (!i && ixmap_add(&m, h, n) == 0)           // entry n (the caller's) is now found by h
 *		...
 */
#ifndef IKEWATCH_IXMAP_H
#define IKEWATCH_IXMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ixmap_slot {
	uint32_t hash;
	uint32_t ix; /* index + 1; 0: empty */
};

struct ixmap {
	struct ixmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
};

/* Is the caller's entry @ix the one looked for? */
typedef bool (*ixmap_eq)(const void *ctx, uint32_t ix);

void ixmap_init(struct ixmap *m);
void ixmap_done(struct ixmap *m);
/* The index + 1 of the entry with hash @hash for which @eq holds; 0: none. */
uint32_t ixmap_get(const struct ixmap *m, uint32_t hash, ixmap_eq eq, const void *ctx);
/* Index entry @ix (not indexed yet) under @hash. 0 or -ENOMEM (then not indexed). */
int ixmap_add(struct ixmap *m, uint32_t hash, uint32_t ix);
/* Forget entry @ix, indexed under @hash; false when it was not. */
bool ixmap_del(struct ixmap *m, uint32_t hash, uint32_t ix);
/* Entry @from, indexed under @hash, moved to index @to; false when it was not indexed. */
bool ixmap_move(struct ixmap *m, uint32_t hash, uint32_t from, uint32_t to);

#endif
