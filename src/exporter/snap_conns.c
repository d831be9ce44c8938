// SPDX-License-Identifier: Apache-2.0
/*
 * Decoded list-conns answers kept and shared by reference (contract in snap_conns.h).
 */
#include "exporter/snap_conns.h"

#include "common/array.h"
#include "common/limits.h"
#include "common/xxh64.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* One event of an answer: its connections are conns[first .. the next event's first), and
 * `dropped` more were not kept (EXPORT_CONNS_MAX reached). */
struct snap_conns_ev {
	uint64_t hash;
	uint32_t len;
	uint16_t first;
	uint16_t dropped; /* EV_DROPPED_MANY: so many that the event is decoded again */
};
#define EV_NONE UINT32_MAX
#define EV_DROPPED_MANY UINT16_MAX
_Static_assert(EXPORT_CONNS_MAX <= UINT16_MAX, "a connection's index fits ->first");

struct snap_conns {
	atomic_uint refs;
	struct sa_snapshot s; /* the connections, their strings in s.arena */
	struct snap_conns_ev *ev;
	uint32_t n_ev, cap_ev;
};

static struct snap_conns *table_new(void)
{
	struct snap_conns *t = calloc(1, sizeof(*t));

	if (t) {
		atomic_init(&t->refs, 1);
		sa_snapshot_init(&t->s);
	}
	return t;
}

void snap_conns_unref(struct snap_conns *t)
{
	if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
		sa_snapshot_done(&t->s);
		free(t->ev);
		free(t);
	}
}

static uint32_t ev_end(const struct snap_conns *t, uint32_t e)
{
	return e + 1 < t->n_ev ? t->ev[e + 1].first : t->s.n_conns;
}

static bool ev_is(const struct snap_conns_ev *e, uint64_t hash, size_t len)
{
	return e->len == len && e->hash == hash;
}

/* Record the event just added to @t: its connections from conns[@first] on, and those that
 * were dropped since @t counted @dropped_before. */
static int ev_add(struct snap_conns *t, uint64_t hash, size_t len, uint32_t first,
                  uint64_t dropped_before)
{
	uint64_t dropped = t->s.dropped - dropped_before;

	if (ARRAY_GROW(t->ev, t->n_ev, t->cap_ev, 64, UINT32_MAX) < 0)
		return -ENOMEM;
	t->ev[t->n_ev++] = (struct snap_conns_ev){
	    .hash = hash,
	    .len = (uint32_t)len,
	    .first = (uint16_t)first,
	    .dropped = dropped < EV_DROPPED_MANY ? (uint16_t)dropped : EV_DROPPED_MANY,
	};
	return 0;
}

/* A complete table never grows again: give back what the arrays' doubling left over. */
static void table_fit(struct snap_conns *t)
{
	struct snap_conns_ev *ev;
	struct snap_conn *conns;

	if (t->n_ev && t->n_ev < t->cap_ev && (ev = realloc(t->ev, t->n_ev * sizeof(*ev)))) {
		t->ev = ev;
		t->cap_ev = t->n_ev;
	}
	if (t->s.n_conns && t->s.n_conns < t->s.cap_conns &&
	    (conns = realloc(t->s.conns, t->s.n_conns * sizeof(*conns)))) {
		t->s.conns = conns;
		t->s.cap_conns = t->s.n_conns;
	}
}

void snap_conns_reader_init(struct snap_conns_reader *r)
{
	memset(r, 0, sizeof(*r));
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != sizeof(r->seed))
		r->seed = (uint64_t)(uintptr_t)r ^ (uint64_t)time(NULL) ^ 0x9e3779b97f4a7c15ull;
}

void snap_conns_reader_forget(struct snap_conns_reader *r)
{
	snap_conns_unref(r->last);
	r->last = NULL;
	r->ix_of = NULL;
}

void snap_conns_reader_done(struct snap_conns_reader *r)
{
	snap_conns_reader_forget(r);
	snap_conns_unref(r->fresh);
	vici_msg_done(&r->msg);
	free(r->ix);
	free(r->decoded);
	memset(r, 0, sizeof(*r));
}

void snap_conns_begin(struct snap_conns_reader *r)
{
	/* what a failed read built is never compared against */
	snap_conns_unref(r->fresh);
	r->fresh = NULL;
	r->n_ev = 0;
	r->n_decoded = 0;
}

/* ->last's events by hash, built once per table. */
static int index_build(struct snap_conns_reader *r)
{
	const struct snap_conns *l = r->last;
	size_t cap = 16;
	uint32_t *ix;

	while (cap < 2 * (size_t)l->n_ev)
		cap *= 2;
	if (cap > UINT32_MAX || !(ix = realloc(r->ix, cap * sizeof(*ix))))
		return -ENOMEM;
	r->ix = ix;
	r->ix_mask = (uint32_t)(cap - 1);
	memset(r->ix, 0, cap * sizeof(*r->ix));
	for (uint32_t e = 0; e < l->n_ev; e++) {
		uint32_t i = (uint32_t)l->ev[e].hash & r->ix_mask;

		while (r->ix[i])
			i = (i + 1) & r->ix_mask;
		r->ix[i] = e + 1;
	}
	r->ix_of = l;
	return 0;
}

/* The event of ->last with these bytes (the one at @pos first), EV_NONE, or -ENOMEM. */
static int64_t find_ev(struct snap_conns_reader *r, uint32_t pos, uint64_t hash, size_t len)
{
	const struct snap_conns *l = r->last;
	int err;

	if (!l)
		return EV_NONE;
	if (pos < l->n_ev && ev_is(&l->ev[pos], hash, len))
		return pos;
	if (r->ix_of != l && (err = index_build(r)) < 0)
		return err;
	for (uint32_t i = (uint32_t)hash & r->ix_mask; r->ix[i]; i = (i + 1) & r->ix_mask)
		if (ev_is(&l->ev[r->ix[i] - 1], hash, len))
			return r->ix[i] - 1;
	return EV_NONE;
}

/* Append event @e of ->last to ->fresh, its connections copied: 0, -ENOMEM, or 1 when that
 * would not give what decoding it here gives (it lost connections to EXPORT_CONNS_MAX where
 * it was, and there is room for more of them here). */
static int take_ev(struct snap_conns_reader *r, uint32_t e)
{
	const struct snap_conns *l = r->last;
	struct snap_conns *t = r->fresh;
	uint32_t first = t->s.n_conns, a = l->ev[e].first, b = ev_end(l, e);
	uint64_t dropped = t->s.dropped;
	int err;

	if ((l->ev[e].dropped && EXPORT_CONNS_MAX - t->s.n_conns > b - a) ||
	    l->ev[e].dropped == EV_DROPPED_MANY)
		return 1;
	for (uint32_t i = a; i < b; i++)
		if ((err = sa_snapshot_copy_conn(&t->s, &l->s.conns[i])) < 0)
			return err;
	t->s.dropped += l->ev[e].dropped;
	return ev_add(t, l->ev[e].hash, l->ev[e].len, first, dropped);
}

/* Start ->fresh with the first @n events of ->last (all equal to this answer's so far). */
static int fresh_start(struct snap_conns_reader *r, uint32_t n)
{
	int err;

	if (!(r->fresh = table_new()))
		return -ENOMEM;
	/* each at its own place after the same ones: never refused (take_ev() 1) */
	for (uint32_t e = 0; e < n; e++)
		if ((err = take_ev(r, e)) != 0)
			return err < 0 ? err : -EINVAL;
	return 0;
}

static int decode_ev(struct snap_conns_reader *r, const uint8_t *pkt, size_t len, uint64_t hash)
{
	struct snap_conns *t = r->fresh;
	uint32_t first = t->s.n_conns;
	uint64_t dropped = t->s.dropped;
	int err;

	if ((err = vici_msg_decode(&r->msg, pkt, len)) < 0 ||
	    (err = sa_snapshot_add_conn(&t->s, &r->msg)) < 0)
		return err;
	for (uint32_t i = first; i < t->s.n_conns; i++) {
		if (ARRAY_GROW(r->decoded, r->n_decoded, r->cap_decoded, 64, UINT32_MAX) < 0)
			return -ENOMEM;
		r->decoded[r->n_decoded++] = i;
	}
	return ev_add(t, hash, len, first, dropped);
}

int snap_conns_event(void *ctx, const uint8_t *pkt, size_t len)
{
	struct snap_conns_reader *r = ctx;
	uint64_t hash = xxh64(pkt, len, r->seed);
	uint32_t pos = r->n_ev;
	int64_t from;
	int err;

	if (len > UINT32_MAX)
		return -E2BIG;
	r->n_ev++;
	/* the usual case: the same event as at this place of the last answer, and so far no
	 * other change: nothing to do */
	if (!r->fresh && r->last && pos < r->last->n_ev && ev_is(&r->last->ev[pos], hash, len))
		return 0;
	if ((from = find_ev(r, pos, hash, len)) < 0)
		return (int)from;
	if (!r->fresh && (err = fresh_start(r, pos)) < 0)
		return err;
	if (from != EV_NONE && (err = take_ev(r, (uint32_t)from)) <= 0)
		return err;
	return decode_ev(r, pkt, len, hash);
}

int snap_conns_end(struct snap_conns_reader *r, struct sa_snapshot *into)
{
	struct snap_conns *t;
	int err;

	/* fewer events than last time, all equal so far: the last ones were removed */
	if (!r->fresh && (!r->last || r->n_ev != r->last->n_ev) &&
	    (err = fresh_start(r, r->n_ev)) < 0) {
		snap_conns_unref(r->fresh);
		r->fresh = NULL;
		return err;
	}
	if (r->fresh) {
		table_fit(r->fresh);
		snap_conns_unref(r->last);
		r->last = r->fresh;
		r->fresh = NULL;
		r->ix_of = NULL;
	}
	t = r->last;
	if (into->conn_table) /* not reset: its table goes, as a reset would drop it */
		snap_conns_unref(into->conn_table);
	else
		free(into->conns);
	into->conns = t->s.conns;
	into->n_conns = t->s.n_conns;
	into->cap_conns = 0;
	into->dropped += t->s.dropped;
	into->conn_table = t;
	atomic_fetch_add(&t->refs, 1);
	return 0;
}
