// SPDX-License-Identifier: Apache-2.0
/*
 * Open-addressing hash map with linear probing and backward-shift deletion (no tombstones, so
 * a long-lived map that sees churn on every rekey never degrades).
 */
#include "common/strmap.h"

#include "common/xxh64.h"

#include <errno.h>
#include <pthread.h>
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>

/* A per-process random seed: label values come from peers (identities of road warriors), and
 * a predictable hash would let one choose colliding names and slow every scrape down. */
static uint64_t strmap_seed;
static pthread_once_t strmap_seed_once = PTHREAD_ONCE_INIT;

static void strmap_seed_init(void)
{
	if (getrandom(&strmap_seed, sizeof(strmap_seed), GRND_NONBLOCK) != sizeof(strmap_seed))
		strmap_seed = (uint64_t)(uintptr_t)&strmap_seed ^ 0x9e3779b97f4a7c15ull;
}

/* Eight bytes a step (FNV's one byte a step was a twentieth of a scrape). From 32 bytes on
 * (whole series, which prom_sample_once() hashes to find repeats), XXH64's four independent
 * lanes: one chain of multiplications waited for each previous step. */
uint64_t strmap_hash(const char *key, size_t len)
{
	uint64_t h, w;

	pthread_once(&strmap_seed_once, strmap_seed_init);
	if (len >= 32)
		return xxh64(key, len, strmap_seed);
	h = strmap_seed ^ ((uint64_t)len * 0xff51afd7ed558ccdull);
	for (; len >= 8; key += 8, len -= 8) {
		memcpy(&w, key, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, key, len);
	h = (h ^ w) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = m->len = 0;
}

void strmap_done(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *strmap_find(const struct strmap *m, const char *key, size_t len,
                                       uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key)
			return s;
		if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0)
			return s;
	}
}

static int strmap_grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *old = m->slots;
	size_t ocap = m->cap;

	m->slots = calloc(ncap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*strmap_find(m, old[i].key, old[i].key_len, old[i].hash) = old[i];
	free(old);
	return 0;
}

void *strmap_get(const struct strmap *m, const char *key, size_t key_len)
{
	struct strmap_slot *s;

	if (!m->cap)
		return NULL;
	s = strmap_find(m, key, key_len, strmap_hash(key, key_len));
	return s->key ? s->value : NULL;
}

int strmap_put(struct strmap *m, const char *key, size_t key_len, void *value)
{
	uint64_t h = strmap_hash(key, key_len);
	struct strmap_slot *s;

	if ((m->len + 1) * 4 > m->cap * 3 && strmap_grow(m) < 0)
		return -ENOMEM;
	s = strmap_find(m, key, key_len, h);
	if (!s->key) {
		s->key = malloc(key_len + 1);
		if (!s->key)
			return -ENOMEM;
		memcpy(s->key, key, key_len);
		s->key[key_len] = '\0';
		s->key_len = key_len;
		s->hash = h;
		m->len++;
	}
	s->value = value;
	return 0;
}

void *strmap_del(struct strmap *m, const char *key, size_t key_len)
{
	size_t mask, i, j;
	struct strmap_slot *s;
	void *v;

	if (!m->cap)
		return NULL;
	s = strmap_find(m, key, key_len, strmap_hash(key, key_len));
	if (!s->key)
		return NULL;
	v = s->value;
	free(s->key);
	mask = m->cap - 1;
	i = (size_t)(s - m->slots);
	/* backward-shift: move later members of the probe run into the hole */
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	memset(&m->slots[i], 0, sizeof(m->slots[i]));
	m->len--;
	return v;
}
