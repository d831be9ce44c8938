// SPDX-License-Identifier: Apache-2.0
/*
 * Hash index over a caller's array (see ixmap.h).
 */
#include "common/ixmap.h"

#include <errno.h>
#include <stdlib.h>

void ixmap_init(struct ixmap *m)
{
	m->slots = NULL;
	m->cap = m->len = 0;
}

void ixmap_done(struct ixmap *m)
{
	free(m->slots);
	ixmap_init(m);
}

uint32_t ixmap_get(const struct ixmap *m, uint32_t hash, ixmap_eq eq, const void *ctx)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash & mask; m->cap && m->slots[i].ix; i = (i + 1) & mask)
		if (m->slots[i].hash == hash && eq(ctx, m->slots[i].ix - 1))
			return m->slots[i].ix;
	return 0;
}

/* The slot of entry @ix, or NULL. */
static struct ixmap_slot *slot_of(const struct ixmap *m, uint32_t hash, uint32_t ix)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash & mask; m->cap && m->slots[i].ix; i = (i + 1) & mask)
		if (m->slots[i].ix == ix + 1)
			return &m->slots[i];
	return NULL;
}

static void put(struct ixmap_slot *slots, size_t cap, struct ixmap_slot s)
{
	size_t i = s.hash & (cap - 1);

	while (slots[i].ix)
		i = (i + 1) & (cap - 1);
	slots[i] = s;
}

int ixmap_add(struct ixmap *m, uint32_t hash, uint32_t ix)
{
	if (ix == UINT32_MAX)
		return -ENOMEM; /* index + 1 would not fit */
	if ((m->len + 1) * 4 > m->cap * 3) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct ixmap_slot *n;

		if (ncap > SIZE_MAX / sizeof(*n) || !(n = calloc(ncap, sizeof(*n))))
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].ix)
				put(n, ncap, m->slots[i]);
		free(m->slots);
		m->slots = n;
		m->cap = ncap;
	}
	put(m->slots, m->cap, (struct ixmap_slot){.hash = hash, .ix = ix + 1});
	m->len++;
	return 0;
}

/* Backward-shift deletion: the slots after the hole whose probe would pass it move up, so that
 * no lookup stops at the hole before reaching them (no tombstones). */
bool ixmap_del(struct ixmap *m, uint32_t hash, uint32_t ix)
{
	struct ixmap_slot *s = slot_of(m, hash, ix);
	size_t mask = m->cap - 1, hole;

	if (!s)
		return false;
	hole = (size_t)(s - m->slots);
	m->slots[hole].ix = 0;
	m->len--;
	for (size_t i = (hole + 1) & mask; m->slots[i].ix; i = (i + 1) & mask) {
		size_t home = m->slots[i].hash & mask;

		/* it stays when its home lies cyclically in (hole, i] */
		if (hole <= i ? (hole < home && home <= i) : (hole < home || home <= i))
			continue;
		m->slots[hole] = m->slots[i];
		m->slots[i].ix = 0;
		hole = i;
	}
	return true;
}

bool ixmap_move(struct ixmap *m, uint32_t hash, uint32_t from, uint32_t to)
{
	struct ixmap_slot *s = slot_of(m, hash, from);

	if (!s)
		return false;
	s->ix = to + 1;
	return true;
}
