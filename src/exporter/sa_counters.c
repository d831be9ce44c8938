// SPDX-License-Identifier: Apache-2.0
/*
 * Monotonic per-(conn, child) counters across rekeys (see sa_counters.h).
 *
 * Two maps: pairs ("conn\0child" -> struct pair: the carried total) and live CHILD SAs (unique
 * id -> struct live: last values, owning pair, last scrape generation). An SA absent from a
 * scrape is folded into its pair's carry and forgotten. Unique ids restart when charon does:
 * a known id that shows up under another pair or with smaller counters is a new SA.
 */
#include "exporter/sa_counters.h"

#include "common/clock.h"
#include "common/limits.h"
#include "common/strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pair {
	struct sa_totals carry;
	struct sa_totals live_sum; /* recomputed per scrape */
};

struct live {
	uint32_t uniqueid;
	struct pair *pair;
	struct sa_totals last;
	uint64_t gen;
	bool final; /* retired by an event: values are final, scrapes don't change them */
	bool gone;  /* not listed by the last scrape: ->last is already in the pair's carry */
	uint64_t gone_at_ms;
};

/* How long an SA that left the listing is remembered. A busy IKE SA that list-sas skipped
 * (noblock) may come back, and a child-updown/child-rekey event may arrive after the scrape
 * that no longer listed the SA: either way the carry must not count it twice. */
#define SA_GONE_KEEP_MS (120u * 1000u)

struct sa_counters {
	pthread_mutex_t lock;
	struct strmap pairs; /* -> struct pair * */
	struct strmap live;  /* 4-byte unique id -> struct live * */
	uint64_t gen;
};

struct sa_counters *sa_counters_new(void)
{
	struct sa_counters *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	strmap_init(&c->pairs);
	strmap_init(&c->live);
	return c;
}

void sa_counters_free(struct sa_counters *c)
{
	if (!c)
		return;
	strmap_foreach(&c->pairs, s) free(s->value);
	strmap_foreach(&c->live, s) free(s->value);
	strmap_done(&c->pairs);
	strmap_done(&c->live);
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

static struct pair *pair_get(struct sa_counters *c, const char *conn, const char *child,
                             bool create)
{
	char key[2 * LABEL_VALUE_MAX + 2];
	size_t len = pair_key(key, sizeof(key), conn, child);
	struct pair *p;

	if (!len)
		return NULL;
	p = strmap_get(&c->pairs, key, len);
	if (p || !create || c->pairs.len >= EXPORT_CHILDREN_MAX)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p || strmap_put(&c->pairs, key, len, p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static void totals_sub(struct sa_totals *a, const struct sa_totals *b)
{
	a->bytes_in -= b->bytes_in;
	a->bytes_out -= b->bytes_out;
	a->packets_in -= b->packets_in;
	a->packets_out -= b->packets_out;
}

/* Forget an entry; if it was live, its last values go into the carry first. */
static void live_drop(struct sa_counters *c, struct live *l)
{
	if (!l->gone)
		totals_add(&l->pair->carry, &l->last);
	free(strmap_del(&c->live, (const char *)&l->uniqueid, sizeof(l->uniqueid)));
}

static int live_track(struct sa_counters *c, struct pair *p, uint32_t id,
                      const struct sa_totals *now, bool final)
{
	struct live *l = strmap_get(&c->live, (const char *)&id, sizeof(id));

	if (l && (l->pair != p || (!final && !l->final && totals_below(now, &l->last)))) {
		/* same id, different SA (charon restarted and reuses ids) */
		live_drop(c, l);
		l = NULL;
	}
	if (!l) {
		if (c->live.len >= 4 * EXPORT_CHILDREN_MAX)
			return -ENOSPC;
		l = calloc(1, sizeof(*l));
		if (!l || strmap_put(&c->live, (const char *)&id, sizeof(id), l) < 0) {
			free(l);
			return -ENOMEM;
		}
		l->uniqueid = id;
		l->pair = p;
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
	strmap_foreach(&c->pairs, slot)
	    memset(&((struct pair *)slot->value)->live_sum, 0, sizeof(struct sa_totals));
	strmap_foreach(&c->live, slot)
	{
		struct live *l = slot->value;

		if (!l->gone)
			totals_add(&l->pair->live_sum, &l->last);
	}
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
			struct pair *p = pair_get(c, s->ikes[i].conn, ch->name, true);

			if (p && live_track(c, p, ch->uniqueid, &ch->totals, false) == -ENOMEM)
				err = -ENOMEM;
		}
	}
	/* what this scrape did not list has ended: carry it */
	if (c->live.len) {
		gone = calloc(c->live.len, sizeof(*gone));
		if (!gone) {
			err = -ENOMEM;
			goto out;
		}
	}
	strmap_foreach(&c->live, slot)
	{
		struct live *l = slot->value;

		if (l->gen == c->gen)
			continue;
		if (!l->gone) {
			/* not listed any more: it ended, carry its last values */
			totals_add(&l->pair->carry, &l->last);
			l->gone = true;
			l->gone_at_ms = now_ms;
		} else if (now_ms - l->gone_at_ms > SA_GONE_KEEP_MS) {
			gone[n_gone++] = l->uniqueid;
		}
	}
	for (size_t i = 0; i < n_gone; i++)
		live_drop(c, strmap_get(&c->live, (const char *)&gone[i], sizeof(gone[i])));
	live_sums_recompute(c);
out:
	free(gone);
	pthread_mutex_unlock(&c->lock);
	return err;
}

void sa_counters_get(struct sa_counters *c, const char *conn, const char *child,
                     struct sa_totals *ret)
{
	struct pair *p;

	memset(ret, 0, sizeof(*ret));
	pthread_mutex_lock(&c->lock);
	p = pair_get(c, conn, child, false);
	if (p) {
		*ret = p->carry;
		totals_add(ret, &p->live_sum);
	}
	pthread_mutex_unlock(&c->lock);
}

int sa_counters_retire(struct sa_counters *c, const char *conn, const char *child,
                       uint32_t uniqueid, const struct sa_totals *final)
{
	struct pair *p;
	int err = -ENOMEM;

	pthread_mutex_lock(&c->lock);
	p = pair_get(c, conn, child, true);
	if (p) {
		/* keep the entry (marked final) until a scrape no longer lists it, so the
		 * DELETED SA that charon shows for a few seconds is not counted twice */
		err = live_track(c, p, uniqueid, final, true);
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
	strmap_foreach(&c->live, slot) n += !((struct live *)slot->value)->gone;
	pthread_mutex_unlock(&c->lock);
	return n;
}
