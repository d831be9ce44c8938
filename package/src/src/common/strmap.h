/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A string-keyed hash map (open addressing, FNV-1a) from byte spans to pointers. Keys are
 * copied into the map. Used for per-scrape lookups (connections by name), for state kept
 * across scrapes (counter carry-over), and as a set (duplicate series suppression).
 */
#ifndef IKEWATCH_STRMAP_H
#define IKEWATCH_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	char *key;
	size_t key_len;
	uint64_t hash;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
};

void strmap_init(struct strmap *m);
/* Free the keys and the table; values are the caller's (free them first if owned). */
void strmap_done(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key, size_t key_len);
/* Insert or replace. 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, size_t key_len, void *value);
/* Remove; returns the old value or NULL. */
void *strmap_del(struct strmap *m, const char *key, size_t key_len);
/* Visit every entry; the callback may not insert or delete. */
#define strmap_foreach(m, slot)                                                                    \
	for (struct strmap_slot *slot = (m)->slots; slot && slot < (m)->slots + (m)->cap; slot++)  \
		if (slot->key)

uint64_t strmap_hash(const char *key, size_t len);

#endif
