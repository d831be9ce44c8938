// SPDX-License-Identifier: Apache-2.0
/*
 * Connection/CHILD grouping of a snapshot (see sa_view.h).
 */
#include "exporter/sa_view.h"

#include "common/array.h"
#include "common/ixmap.h"
#include "common/strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sa_view_done(struct sa_view *v)
{
	free(v->conns);
	free(v->children);
	memset(v, 0, sizeof(*v));
}

/* The view's connections by name, for the one build: a hash index (ixmap.h) that compares with
 * the connection's own name, which the snapshot keeps for the view's lifetime. A strmap would
 * copy every name into an allocation of its own and free them all again, once per connection
 * and scrape (a fifth of the view's cost at 1,000 SAs). */
struct conn_want {
	const struct sa_view *v;
	const char *name;
};

static bool conn_is(const void *ctx, uint32_t ix)
{
	const struct conn_want *w = ctx;

	return strcmp(w->v->conns[ix].name, w->name) == 0;
}

/*
 * While the view is built, every child is appended to v->children as it is found, and a
 * connection's children are chained from its ->ends through their ->meta. At the end
 * group_children() lays each connection's children out in a run of its own.
 */
struct child_meta {
	uint32_t link; /* the connection's next child, index + 1; 0: the last */
	uint32_t conn; /* its connection's index */
};

struct view_build {
	struct ixmap idx;
	struct child_meta *meta; /* per child */
	uint32_t (*ends)[2];     /* per connection: its first and last child, index + 1; 0: none */
	size_t cap_meta, cap_ends;
};

static struct sa_view_conn *view_conn(struct sa_view *v, struct view_build *b, const char *name)
{
	uint32_t h = (uint32_t)strmap_hash(name, strlen(name));
	uint32_t i = ixmap_get(&b->idx, h, conn_is, &(struct conn_want){v, name});
	struct sa_view_conn *c;

	if (i)
		return &v->conns[i - 1];
	if (ARRAY_GROW(v->conns, v->n_conns, v->cap_conns, 16, UINT32_MAX) < 0 ||
	    ARRAY_GROW(b->ends, v->n_conns, b->cap_ends, 16, UINT32_MAX) < 0 ||
	    ixmap_add(&b->idx, h, v->n_conns) < 0)
		return NULL;
	c = &v->conns[v->n_conns];
	memset(c, 0, sizeof(*c));
	c->name = name;
	b->ends[v->n_conns][0] = b->ends[v->n_conns][1] = 0;
	v->n_conns++;
	return c;
}

static struct sa_view_child *view_child(struct sa_view *v, struct view_build *b,
                                        struct sa_view_conn *c, const char *name)
{
	uint32_t ci = (uint32_t)(c - v->conns), n = v->n_children;
	struct sa_view_child *ch;

	for (uint32_t i = b->ends[ci][0]; i; i = b->meta[i - 1].link)
		if (strcmp(v->children[i - 1].name, name) == 0)
			return &v->children[i - 1];
	if (ARRAY_GROW(v->children, n, v->cap_children, 16, UINT32_MAX) < 0 ||
	    ARRAY_GROW(b->meta, n, b->cap_meta, 16, UINT32_MAX) < 0)
		return NULL;
	ch = &v->children[n];
	memset(ch, 0, sizeof(*ch));
	ch->name = name;
	ch->use_in = ch->use_out = SNAP_NONE;
	b->meta[n] = (struct child_meta){.link = 0, .conn = ci};
	if (b->ends[ci][1])
		b->meta[b->ends[ci][1] - 1].link = n + 1;
	else
		b->ends[ci][0] = n + 1;
	b->ends[ci][1] = n + 1;
	c->n_children++;
	v->n_children = n + 1;
	return ch;
}

/* Is @a a better representative than @b: up beats down, then newer (smaller age) wins. */
static bool ike_better(const struct snap_ike *a, const struct snap_ike *b)
{
	bool au = snap_ike_state_up(a->state), bu = snap_ike_state_up(b->state);

	if (au != bu)
		return au;
	/* ESTABLISHED beats the REKEYED predecessor it replaced */
	if (strcmp(a->state, "ESTABLISHED") == 0 && strcmp(b->state, "ESTABLISHED") != 0)
		return true;
	if (strcmp(b->state, "ESTABLISHED") == 0 && strcmp(a->state, "ESTABLISHED") != 0)
		return false;
	if (a->established == SNAP_NONE)
		return false;
	return b->established == SNAP_NONE || a->established < b->established;
}

static bool child_better(const struct snap_child *a, const struct snap_child *b)
{
	bool au = snap_child_state_up(a->state), bu = snap_child_state_up(b->state);

	if (au != bu)
		return au;
	if (strcmp(a->state, "INSTALLED") == 0 && strcmp(b->state, "INSTALLED") != 0)
		return true;
	if (strcmp(b->state, "INSTALLED") == 0 && strcmp(a->state, "INSTALLED") != 0)
		return false;
	if (a->install_time == SNAP_NONE)
		return false;
	return b->install_time == SNAP_NONE || a->install_time < b->install_time;
}

/* Seconds since the last packet: the smaller, ignoring absent values. */
static int64_t min_age(int64_t a, int64_t b)
{
	if (a == SNAP_NONE)
		return b;
	if (b == SNAP_NONE)
		return a;
	return a < b ? a : b;
}

/* Each connection's children in a run of its own, in the connections' order, and in the order
 * they were found within a connection: the places follow from the counts, and the children are
 * moved there in place (nothing moves in the usual case, the loaded connections' children
 * having been found one connection after the other). */
static void group_children(struct sa_view *v, struct view_build *b)
{
	uint32_t at = 0;
	bool moved = false;

	for (uint32_t i = 0; i < v->n_conns; i++) {
		b->ends[i][0] = at; /* from now on: where the connection's next child goes */
		v->conns[i].children = v->conns[i].n_children ? v->children + at : NULL;
		at += v->conns[i].n_children;
	}
	for (uint32_t i = 0; i < v->n_children; i++) {
		b->meta[i].link = b->ends[b->meta[i].conn][0]++; /* now: the child's place */
		moved |= b->meta[i].link != i;
	}
	for (uint32_t i = 0; moved && i < v->n_children; i++)
		while (b->meta[i].link != i) {
			uint32_t j = b->meta[i].link;
			struct sa_view_child t = v->children[j];

			v->children[j] = v->children[i];
			v->children[i] = t;
			b->meta[i].link = b->meta[j].link;
			b->meta[j].link = j;
		}
}

int sa_view_build(const struct sa_snapshot *s, struct sa_view *v)
{
	struct view_build b = {0};
	int err = -ENOMEM;

	memset(v, 0, sizeof(*v));
	for (uint32_t i = 0; i < s->n_conns; i++) {
		struct sa_view_conn *c = view_conn(v, &b, s->conns[i].name);

		if (!c)
			goto out;
		c->configured = true;
		c->config = &s->conns[i];
		for (uint32_t j = 0; j < s->conns[i].n_children; j++) {
			struct sa_view_child *ch = view_child(v, &b, c, s->conns[i].children[j]);

			if (!ch)
				goto out;
			ch->configured = true;
		}
	}
	for (uint32_t i = 0; i < s->n_ikes; i++) {
		const struct snap_ike *ike = &s->ikes[i];
		struct sa_view_conn *c = view_conn(v, &b, ike->conn);

		if (!c)
			goto out;
		c->n_ikes++;
		if (snap_ike_state_up(ike->state))
			c->up = true;
		if (!c->best || ike_better(ike, c->best))
			c->best = ike;
		for (uint32_t j = 0; j < ike->n_children; j++) {
			const struct snap_child *sc = &ike->children[j];
			struct sa_view_child *ch = view_child(v, &b, c, sc->name);

			if (!ch)
				goto out;
			ch->n_sas++;
			if (snap_child_state_up(sc->state))
				ch->up = true;
			if (!ch->best || child_better(sc, ch->best))
				ch->best = sc;
			ch->use_in = min_age(ch->use_in, sc->use_in);
			ch->use_out = min_age(ch->use_out, sc->use_out);
		}
	}
	group_children(v, &b);
	err = 0;
out:
	ixmap_done(&b.idx);
	free(b.meta);
	free(b.ends);
	if (err < 0)
		sa_view_done(v);
	return err;
}
