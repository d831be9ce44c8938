// SPDX-License-Identifier: Apache-2.0
/*
 * Monotonic per-(conn, child) counters across rekeys (see sa_counters.h).
 *
 * Two tables: pairs ("conn\0child" -> the carried total) and live CHILD SAs (unique id -> last
 * values, owning pair, last scrape generation), each a plain array found through a hash index
 * (ixmap.h): no allocation per SA, and the pairs' keys packed in an arena of their own (pairs are
 * never forgotten). An SA absent from a scrape is folded into its pair's carry and forgotten.
 * Unique ids restart when charon does: a known id that shows up under another pair or with
 * smaller counters is a new SA.
 */
#include "exporter/sa_counters.h"

#include "common/arena.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/ixmap.h"
#include "common/limits.h"
#include "common/strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pair {
	const char *key; /* "conn\0child", in ->keys */
	uint32_t key_len;
	struct sa_totals carry;
	struct sa_totals live_sum; /* recomputed per scrape */
};

struct live {
	uint32_t uniqueid;
	uint32_t pair; /* index into ->pairs */
	struct sa_totals last;
	uint64_t gen;
	uint64_t gone_at_ms;
	bool final; /* retired by an event: values are final, scrapes don't change them */
	bool gone;  /* not listed by the last scrape: ->last is already in the pair's carry */
};

/* How long an SA that left the listing is remembered. A busy IKE SA that list-sas skipped
 * (noblock) may come back, and a child-updown/child-rekey event may arrive after the scrape
 * that no longer listed the SA: either way the carry must not count it twice. */
#define SA_GONE_KEEP_MS (120u * 1000u)

struct sa_counters {
	pthread_mutex_t lock;
	struct pair *pairs;
	uint32_t n_pairs, cap_pairs;
	struct ixmap pair_ix;
	struct arena keys;
	struct live *live;
	uint32_t n_live, cap_live;
	struct ixmap live_ix;
	uint64_t gen;
};

struct sa_counters *sa_counters_new(void)
{
	struct sa_counters *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	ixmap_init(&c->pair_ix);
	ixmap_init(&c->live_ix);
	arena_init(&c->keys);
	return c;
}

void sa_counters_free(struct sa_counters *c)
{
	if (!c)
		return;
	free(c->pairs);
	free(c->live);
	ixmap_done(&c->pair_ix);
	ixmap_done(&c->live_ix);
	arena_done(&c->keys);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void totals_add(struct sa_totals *a, const struct sa_totals *b)
{
	a->bytes_in += b->bytes_in;
	a->bytes_out += b->bytes_out;
	a->packets_in += b->packets_in;
	a->packets_out += b->packets_out;
}

/* Per counter, the larger of @a and @b into @a: two readings of the same SA, whose counters
 * only grow, so the larger one is the later. */
static void totals_max(struct sa_totals *a, const struct sa_totals *b)
{
	if (b->bytes_in > a->bytes_in)
		a->bytes_in = b->bytes_in;
	if (b->bytes_out > a->bytes_out)
		a->bytes_out = b->bytes_out;
	if (b->packets_in > a->packets_in)
		a->packets_in = b->packets_in;
	if (b->packets_out > a->packets_out)
		a->packets_out = b->packets_out;
}

static bool totals_below(const struct sa_totals *a, const struct sa_totals *b)
{
	return a->bytes_in < b->bytes_in || a->bytes_out < b->bytes_out ||
	       a->packets_in < b->packets_in || a->packets_out < b->packets_out;
}

/* "conn\0child" as the pair key. */
static size_t pair_key(char *out, size_t cap, const char *conn, const char *child)
{
	size_t a = strlen(conn), b = strlen(child);

	if (a + b + 1 > cap)
		return 0;
	memcpy(out, conn, a);
	out[a] = '\0';
	memcpy(out + a + 1, child, b);
	return a + 1 + b;
}

struct pair_want {
	const struct sa_counters *c;
	const char *key;
	size_t len;
};

static bool pair_is(const void *ctx, uint32_t ix)
{
	const struct pair_want *w = ctx;
	const struct pair *p = &w->c->pairs[ix];

	return p->key_len == w->len && memcmp(p->key, w->key, w->len) == 0;
}

/* The pair's index + 1 (0: none, or no room for a new one); valid until the next pair_get(). */
static uint32_t pair_get(struct sa_counters *c, const char *conn, const char *child, bool create)
{
	char key[2 * LABEL_VALUE_MAX + 2];
	struct pair_want w = {.c = c, .key = key};
	uint32_t h, i;
	struct pair *p;
	char *k;

	if (!(w.len = pair_key(key, sizeof(key), conn, child)))
		return 0;
	h = (uint32_t)strmap_hash(key, w.len);
	if ((i = ixmap_get(&c->pair_ix, h, pair_is, &w)) || !create ||
	    c->n_pairs >= EXPORT_CHILDREN_MAX)
		return i;
	if (ARRAY_GROW(c->pairs, c->n_pairs, c->cap_pairs, 64, EXPORT_CHILDREN_MAX) < 0 ||
	    !(k = arena_alloc_chars(&c->keys, w.len)) || ixmap_add(&c->pair_ix, h, c->n_pairs) < 0)
		return 0; /* a key left in the arena: out of memory anyway */
	memcpy(k, key, w.len);
	p = &c->pairs[c->n_pairs];
	memset(p, 0, sizeof(*p));
	p->key = k;
	p->key_len = (uint32_t)w.len;
	return ++c->n_pairs;
}

/* A unique id's hash (lowbias32): ids are mostly consecutive, and the index takes low bits. */
static uint32_t id_hash(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

struct live_want {
	const struct sa_counters *c;
	uint32_t id;
};

static bool live_is(const void *ctx, uint32_t ix)
{
	const struct live_want *w = ctx;

	return w->c->live[ix].uniqueid == w->id;
}

/* The live entry of unique id @id, or NULL; valid until an entry is added or dropped. */
static struct live *live_get(struct sa_counters *c, uint32_t id)
{
	struct live_want w = {c, id};
	uint32_t i = ixmap_get(&c->live_ix, id_hash(id), live_is, &w);

	return i ? &c->live[i - 1] : NULL;
}

static void totals_sub(struct sa_totals *a, const struct sa_totals *b)
{
	a->bytes_in -= b->bytes_in;
	a->bytes_out -= b->bytes_out;
	a->packets_in -= b->packets_in;
	a->packets_out -= b->packets_out;
}

/* Forget an entry; if it was live, its last values go into the carry first. The last entry
 * takes its place. */
static void live_drop(struct sa_counters *c, struct live *l)
{
	uint32_t at = (uint32_t)(l - c->live), last = c->n_live - 1;

	if (!l->gone)
		totals_add(&c->pairs[l->pair].carry, &l->last);
	ixmap_del(&c->live_ix, id_hash(l->uniqueid), at);
	if (at != last) {
		c->live[at] = c->live[last];
		ixmap_move(&c->live_ix, id_hash(c->live[at].uniqueid), last, at);
	}
	c->n_live = last;
}

static int live_track(struct sa_counters *c, uint32_t pair, uint32_t id,
                      const struct sa_totals *now, bool final)
{
	struct live *l = live_get(c, id);
	struct pair *p = &c->pairs[pair];

	if (l && (l->pair != pair || (!final && !l->final && totals_below(now, &l->last)))) {
		/* same id, different SA (charon restarted and reuses ids) */
		live_drop(c, l);
		l = NULL;
	}
	if (!l) {
		if (c->n_live >= 4 * EXPORT_CHILDREN_MAX)
			return -ENOSPC;
		if (ARRAY_GROW(c->live, c->n_live, c->cap_live, 64, 4 * EXPORT_CHILDREN_MAX) < 0 ||
		    ixmap_add(&c->live_ix, id_hash(id), c->n_live) < 0)
			return -ENOMEM;
		l = &c->live[c->n_live++];
		memset(l, 0, sizeof(*l));
		l->uniqueid = id;
		l->pair = pair;
	}
	if (l->gone && final) {
		/* a late final report: the carry already has ->last, add only what is new */
		struct sa_totals before = l->last, grown;

		totals_max(&l->last, now);
		grown = l->last;
		totals_sub(&grown, &before);
		totals_add(&p->carry, &grown);
		l->final = true;
		return 0;
	}
	if (l->gone) {
		/* listed again (list-sas skipped its busy IKE SA once): live, not carried */
		totals_sub(&p->carry, &l->last);
		l->gone = false;
	}
	if (final) {
		totals_max(&l->last, now);
		l->final = true;
	} else {
		/* After the event an SA may still pass traffic: a rekey's responder sends on the
		 * old SA until the initiator's DELETE arrives (seconds when it is retransmitted),
		 * and scrapes see it grow. A DELETED SA may be listed with stale smaller values:
		 * the larger reading of each counter is the later one. */
		if (l->final)
			totals_max(&l->last, now);
		else
			l->last = *now;
		l->gen = c->gen;
	}
	return 0;
}

/* Every pair's live sum from the live entries: totals are carry + live_sum, so this must hold
 * after anything that changes, adds or folds a live entry. */
static void live_sums_recompute(struct sa_counters *c)
{
	for (uint32_t i = 0; i < c->n_pairs; i++)
		memset(&c->pairs[i].live_sum, 0, sizeof(c->pairs[i].live_sum));
	for (uint32_t i = 0; i < c->n_live; i++)
		if (!c->live[i].gone)
			totals_add(&c->pairs[c->live[i].pair].live_sum, &c->live[i].last);
}

int sa_counters_update(struct sa_counters *c, const struct sa_snapshot *s)
{
	uint64_t now_ms = clock_mono_ms();
	uint32_t *gone = NULL;
	size_t n_gone = 0;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	c->gen++;
	for (uint32_t i = 0; i < s->n_ikes; i++) {
		for (uint32_t j = 0; j < s->ikes[i].n_children; j++) {
			const struct snap_child *ch = &s->ikes[i].children[j];
			uint32_t p = pair_get(c, s->ikes[i].conn, ch->name, true);

			if (p && live_track(c, p - 1, ch->uniqueid, &ch->totals, false) == -ENOMEM)
				err = -ENOMEM;
		}
	}
	/* what this scrape did not list has ended: carry it */
	if (c->n_live) {
		gone = calloc(c->n_live, sizeof(*gone));
		if (!gone) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < c->n_live; i++) {
		struct live *l = &c->live[i];

		if (l->gen == c->gen)
			continue;
		if (!l->gone) {
			/* not listed any more: it ended, carry its last values */
			totals_add(&c->pairs[l->pair].carry, &l->last);
			l->gone = true;
			l->gone_at_ms = now_ms;
		} else if (now_ms - l->gone_at_ms > SA_GONE_KEEP_MS) {
			gone[n_gone++] = l->uniqueid;
		}
	}
	for (size_t i = 0; i < n_gone; i++)
		live_drop(c, live_get(c, gone[i]));
	live_sums_recompute(c);
out:
	free(gone);
	pthread_mutex_unlock(&c->lock);
	return err;
}

void sa_counters_get(struct sa_counters *c, const char *conn, const char *child,
                     struct sa_totals *ret)
{
	uint32_t p;

	memset(ret, 0, sizeof(*ret));
	pthread_mutex_lock(&c->lock);
	p = pair_get(c, conn, child, false);
	if (p) {
		*ret = c->pairs[p - 1].carry;
		totals_add(ret, &c->pairs[p - 1].live_sum);
	}
	pthread_mutex_unlock(&c->lock);
}

int sa_counters_retire(struct sa_counters *c, const char *conn, const char *child,
                       uint32_t uniqueid, const struct sa_totals *final)
{
	uint32_t p;
	int err = -ENOMEM;

	pthread_mutex_lock(&c->lock);
	p = pair_get(c, conn, child, true);
	if (p) {
		/* keep the entry (marked final) until a scrape no longer lists it, so the
		 * DELETED SA that charon shows for a few seconds is not counted twice */
		err = live_track(c, p - 1, uniqueid, final, true);
		/* live_track() may also have folded an older SA with this id into a carry:
		 * recompute rather than patch one pair's live sum, or that SA counts twice
		 * until the next scrape and the total then goes down */
		if (err == 0)
			live_sums_recompute(c);
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

uint32_t sa_counters_tracked(struct sa_counters *c)
{
	uint32_t n = 0;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < c->n_live; i++)
		n += !c->live[i].gone;
	pthread_mutex_unlock(&c->lock);
	return n;
}
