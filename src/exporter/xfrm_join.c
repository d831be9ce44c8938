// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel SA counters into a daemon's CHILD SAs (see xfrm_join.h). The kernel's SAs are sorted
 * by (SPI, protocol) once per read, each CHILD SA direction looks its SPI up; an SPI shared by
 * two kernel SAs (another destination) is resolved by the CHILD SA's reqid when it has one.
 */
#include "exporter/xfrm_join.h"

#include "common/num.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* One CHILD SA of the last read: its identity and what was exported for it (last uses as
 * seconds since the epoch, 0 none). */
struct xfrm_join_seen {
	uint32_t uniqueid, spi_in, spi_out;
	struct sa_totals totals;
	int64_t in_at, out_at;
};

struct kref {
	uint32_t spi;
	uint8_t proto;
	const struct xfrm_state_info *st;
};

void xfrm_join_init(struct xfrm_join *j)
{
	memset(j, 0, sizeof(*j));
}

void xfrm_join_done(struct xfrm_join *j)
{
	free(j->seen);
	memset(j, 0, sizeof(*j));
}

static int cmp_kref(const void *a, const void *b)
{
	const struct kref *x = a, *y = b;

	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	return (x->proto > y->proto) - (x->proto < y->proto);
}

static int cmp_seen(const void *a, const void *b)
{
	const struct xfrm_join_seen *x = a, *y = b;

	if (x->uniqueid != y->uniqueid)
		return x->uniqueid < y->uniqueid ? -1 : 1;
	if (x->spi_in != y->spi_in)
		return x->spi_in < y->spi_in ? -1 : 1;
	return (x->spi_out > y->spi_out) - (x->spi_out < y->spi_out);
}

uint32_t xfrm_child_spi(const char *hex)
{
	uint64_t v;

	if (!hex || !*hex || num_parse_hex_u64(hex, strlen(hex), UINT32_MAX, &v) < 0)
		return 0;
	return (uint32_t)v;
}

uint8_t xfrm_child_proto(const char *protocol)
{
	return protocol && strcmp(protocol, "AH") == 0 ? IPPROTO_AH : IPPROTO_ESP;
}

static const struct xfrm_state_info *lookup(const struct kref *idx, size_t n, uint32_t spi,
                                            uint8_t proto, uint32_t reqid)
{
	struct kref key = {.spi = spi, .proto = proto};
	const struct kref *hit = n && spi ? bsearch(&key, idx, n, sizeof(*idx), cmp_kref) : NULL;
	const struct kref *first;

	if (!hit)
		return NULL;
	while (hit > idx && cmp_kref(&hit[-1], &key) == 0)
		hit--;
	for (first = hit; hit < idx + n && cmp_kref(hit, &key) == 0; hit++)
		if (reqid && hit->st->reqid == reqid)
			return hit->st;
	return first->st;
}

static void keep_max(uint64_t *now, uint64_t before)
{
	if (*now < before)
		*now = before;
}

/* *ago (seconds before @now, SNAP_NONE: never) becomes the newer of itself and a use at @at
 * (seconds since the epoch, 0: none); a kernel clock a moment ahead of ours gives 0. */
static void newest_use(int64_t *ago, uint64_t at, int64_t now)
{
	int64_t a;

	if (at == 0 || at > (uint64_t)INT64_MAX)
		return;
	a = (int64_t)at > now ? 0 : now - (int64_t)at;
	if (*ago == SNAP_NONE || *ago < 0 || a < *ago)
		*ago = a;
}

static int64_t use_at(int64_t ago, int64_t now)
{
	return ago == SNAP_NONE || ago < 0 || ago > now ? 0 : now - ago;
}

int xfrm_join_children(struct xfrm_join *j, const struct xfrm_table *t, struct sa_snapshot *s,
                       uint32_t *ret_joined)
{
	size_t nk = 0, n_children = 0, ns = 0;
	struct kref *idx = NULL;
	struct xfrm_join_seen *seen;
	uint32_t joined = 0;
	int64_t now = (int64_t)floor(s->now);

	for (uint32_t i = 0; i < s->n_ikes; i++)
		n_children += s->ikes[i].n_children;
	seen = calloc(n_children + 1, sizeof(*seen));
	if (t)
		idx = calloc(t->n_states + 1, sizeof(*idx));
	if (!seen || (t && !idx)) {
		free(seen);
		free(idx);
		xfrm_join_done(j);
		return -ENOMEM;
	}
	for (size_t i = 0; t && i < t->n_states; i++)
		idx[nk++] = (struct kref){t->states[i].spi, t->states[i].proto, &t->states[i]};
	if (nk)
		qsort(idx, nk, sizeof(*idx), cmp_kref);
	for (uint32_t i = 0; i < s->n_ikes; i++)
		for (uint32_t k = 0; k < s->ikes[i].n_children; k++) {
			struct snap_child *c = &s->ikes[i].children[k];
			uint8_t proto = xfrm_child_proto(c->protocol);
			struct xfrm_join_seen *me = &seen[ns++], *before;
			const struct xfrm_state_info *in, *out;

			*me = (struct xfrm_join_seen){c->uniqueid,
			                              xfrm_child_spi(c->spi_in),
			                              xfrm_child_spi(c->spi_out),
			                              {0}};
			in = lookup(idx, nk, me->spi_in, proto, c->reqid);
			out = lookup(idx, nk, me->spi_out, proto, c->reqid);
			if (in) {
				c->totals.packets_in = in->packets;
				joined++;
			}
			if (out) {
				c->totals.packets_out = out->packets;
				joined++;
			}
			if (!c->reqid)
				c->reqid = in && in->reqid ? in->reqid : out ? out->reqid : 0;
			/* the kernel's newest packet on each SA, where the daemon says nothing
			 * newer (whack shows no inbound use, and its "used Ns ago" can be older) */
			newest_use(&c->use_in, in ? in->last_used : 0, now);
			newest_use(&c->use_out, out ? out->last_used : 0, now);
			/* the same SA as last time: nothing it counted goes back */
			before = j->n_seen ? bsearch(me, j->seen, j->n_seen, sizeof(*me), cmp_seen)
			                   : NULL;
			if (before) {
				keep_max(&c->totals.bytes_in, before->totals.bytes_in);
				keep_max(&c->totals.bytes_out, before->totals.bytes_out);
				keep_max(&c->totals.packets_in, before->totals.packets_in);
				keep_max(&c->totals.packets_out, before->totals.packets_out);
				newest_use(&c->use_in, (uint64_t)before->in_at, now);
				newest_use(&c->use_out, (uint64_t)before->out_at, now);
			}
			me->totals = c->totals;
			me->in_at = use_at(c->use_in, now);
			me->out_at = use_at(c->use_out, now);
		}
	if (ns)
		qsort(seen, ns, sizeof(*seen), cmp_seen);
	free(idx);
	free(j->seen);
	j->seen = seen;
	j->n_seen = ns;
	if (ret_joined)
		*ret_joined = joined;
	return 0;
}
