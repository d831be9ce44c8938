// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel SAs and policies against charon's CHILD SAs (see xfrm_metrics.h).
 *
 * A kernel SA belongs to the CHILD SA that lists its SPI as spi-in or spi-out (the direction
 * comes from which). Its counters restart with every rekey (a new SA), so, as for the VICI
 * counters, the last values of an SA that disappeared are added to its group's "ended" total and
 * the series stay monotonic. A policy with IPsec templates needs, for each mandatory template, a
 * kernel SA with the template's reqid and protocol; when none exists the kernel drops (or
 * acquires for) the traffic it matches: XfrmOutNoStates in /proc/net/xfrm_stat.
 */
#include "exporter/xfrm_metrics.h"

#include "common/ixmap.h"
#include "common/limits.h"
#include "exporter/xfrm_join.h"

#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ktot {
	uint64_t bytes, packets, replay_window, replay, integrity;
};

struct last_sa {
	char *group; /* key into a groups table */
	size_t group_len;
	struct ktot v;
};

/* A CHILD SA's SPI or reqid, with whose it is. */
/* 32 bytes, not 40 (the two 32-bit fields side by side): three arrays of them per render, 2 MB
 * at 10,000 SAs */
struct child_ref {
	uint32_t key;
	uint32_t reqid;
	const char *conn, *child;
	bool out;
	uint8_t proto; /* IPPROTO_ESP or IPPROTO_AH */
};

struct group {
	const char *key; /* "conn\0child\0in" */
	size_t key_len;
	struct ktot v;
	bool live;
};

struct conn_count {
	const char *conn;
	uint32_t pol_no_state, state_no_pol;
};

void xfrm_metrics_init(struct xfrm_metrics *x)
{
	strmap_init(&x->last);
	strmap_init(&x->ended);
}

static void free_values(struct strmap *m, bool last)
{
	strmap_foreach(m, slot)
	{
		if (last)
			free(((struct last_sa *)slot->value)->group);
		free(slot->value);
	}
}

void xfrm_metrics_done(struct xfrm_metrics *x)
{
	free_values(&x->last, true);
	free_values(&x->ended, false);
	strmap_done(&x->last);
	strmap_done(&x->ended);
}

static int cmp_ref(const void *a, const void *b)
{
	uint32_t x = ((const struct child_ref *)a)->key, y = ((const struct child_ref *)b)->key;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/*
 * Sort @a by key, stably (as glibc's merge sort did; find_spi() takes the first of equal keys
 * that fits): a radix sort, a byte a pass, skipping the bytes that all keys share. qsort()
 * with its comparison callback was 2.5 % of a 1,000-SA scrape, for three refs per SA.
 * @tmp has room for @n refs. Returns @a or @tmp, whichever holds the result.
 */
static struct child_ref *sort_refs(struct child_ref *a, struct child_ref *tmp, size_t n)
{
	/* a few refs (a small gateway): an insertion sort, stable too, costs less than the
	 * radix sort's four 256-entry counts */
	if (n < 32) {
		for (size_t i = 1; i < n; i++) {
			struct child_ref r = a[i];
			size_t j = i;

			for (; j > 0 && a[j - 1].key > r.key; j--)
				a[j] = a[j - 1];
			a[j] = r;
		}
		return a;
	}
	for (unsigned shift = 0; shift < 32; shift += 8) {
		size_t count[256] = {0}, pos = 0;
		struct child_ref *t;

		for (size_t i = 0; i < n; i++)
			count[(a[i].key >> shift) & 0xff]++;
		if (n == 0 || count[(a[0].key >> shift) & 0xff] == n)
			continue; /* one value of this byte: the order stands */
		for (size_t b = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i].key >> shift) & 0xff]++] = a[i];
		t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

/* The CHILD SAs of @s by SPI (@by_spi, two per SA) and by reqid. Caller frees both. */
static int index_children(const struct sa_snapshot *s, struct child_ref **ret_spi, size_t *ret_n,
                          struct child_ref **ret_reqid, size_t *ret_nr)
{
	size_t n = 0, cap = 0, nr = 0;
	struct child_ref *spi = NULL, *req = NULL, *tmp = NULL, *sorted;

	for (uint32_t i = 0; i < s->n_ikes; i++)
		cap += s->ikes[i].n_children;
	spi = calloc(2 * cap + 1, sizeof(*spi));
	req = calloc(cap + 1, sizeof(*req));
	tmp = malloc((2 * cap + 1) * sizeof(*tmp));
	if (!spi || !req || !tmp) {
		free(spi);
		free(req);
		free(tmp);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->n_ikes; i++)
		for (uint32_t j = 0; j < s->ikes[i].n_children; j++) {
			const struct snap_child *c = &s->ikes[i].children[j];
			const char *spis[2] = {c->spi_in, c->spi_out};

			for (int d = 0; d < 2; d++) {
				uint32_t v = xfrm_child_spi(spis[d]);

				if (!v)
					continue;
				spi[n++] =
				    (struct child_ref){.key = v,
				                       .conn = s->ikes[i].conn,
				                       .child = c->name,
				                       .out = d == 1,
				                       .reqid = c->reqid,
				                       .proto = xfrm_child_proto(c->protocol)};
			}
			if (c->reqid)
				req[nr++] = (struct child_ref){.key = c->reqid,
				                               .conn = s->ikes[i].conn,
				                               .child = c->name,
				                               .reqid = c->reqid};
		}
	/* each result ends where it is: the other buffer of the pair is freed */
	if ((sorted = sort_refs(spi, tmp, n)) != spi) {
		tmp = spi;
		spi = sorted;
	}
	if ((sorted = sort_refs(req, tmp, nr)) != req)
		memcpy(req, sorted, nr * sizeof(*req));
	free(tmp);
	*ret_spi = spi;
	*ret_n = n;
	*ret_reqid = req;
	*ret_nr = nr;
	return 0;
}

/* The CHILD SA of a kernel SA: by SPI and protocol (an AH or IPComp SA may share the number
 * of an ESP SA's SPI), preferring one whose reqid matches. */
static const struct child_ref *find_spi(const struct child_ref *idx, size_t n,
                                        const struct xfrm_state_info *st)
{
	struct child_ref key = {.key = st->spi};
	const struct child_ref *hit = n ? bsearch(&key, idx, n, sizeof(*idx), cmp_ref) : NULL;
	const struct child_ref *best = NULL;

	if (!hit)
		return NULL;
	while (hit > idx && hit[-1].key == st->spi)
		hit--;
	for (; hit < idx + n && hit->key == st->spi; hit++) {
		if (hit->proto != st->proto)
			continue;
		if (st->reqid && hit->reqid == st->reqid)
			return hit;
		if (!best)
			best = hit;
	}
	return best;
}

static const struct child_ref *find_reqid(const struct child_ref *idx, size_t n, uint32_t reqid)
{
	struct child_ref key = {.key = reqid};

	return n ? bsearch(&key, idx, n, sizeof(*idx), cmp_ref) : NULL;
}

static bool has(const uint64_t *set, size_t n, uint64_t v)
{
	return n && bsearch(&v, set, n, sizeof(*set), cmp_u64);
}

static uint64_t reqid_proto(uint32_t reqid, uint8_t proto)
{
	return (uint64_t)reqid << 8 | proto;
}

static void ktot_add(struct ktot *a, const struct ktot *b)
{
	a->bytes += b->bytes;
	a->packets += b->packets;
	a->replay_window += b->replay_window;
	a->replay += b->replay;
	a->integrity += b->integrity;
}

/* "conn\0child\0dir" into @buf; its length (with the last NUL excluded), 0 if it does not fit. */
static size_t group_key(char *buf, size_t cap, const struct child_ref *c)
{
	int n =
	    snprintf(buf, cap, "%s%c%s%c%s", c->conn, '\0', c->child, '\0', c->out ? "out" : "in");

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* The kernel SA's identity across dumps: protocol, SPI, destination. */
static size_t sa_key(char *buf, const struct xfrm_state_info *st)
{
	buf[0] = (char)st->proto;
	memcpy(buf + 1, &st->spi, 4);
	memcpy(buf + 5, st->daddr, 16);
	return 21;
}

/* Fold this dump into ->last/->ended and the live sums of @groups (a strmap of struct group). */
static int fold(struct xfrm_metrics *x, const struct xfrm_table *t, const struct child_ref *spi,
                size_t n_spi, struct strmap *groups, uint32_t *ret_orphans)
{
	struct strmap now;
	int err = 0;

	strmap_init(&now);
	for (size_t i = 0; i < t->n_states && !err; i++) {
		const struct xfrm_state_info *st = &t->states[i];
		const struct child_ref *c = find_spi(spi, n_spi, st);
		char gk[2 * 256 + 8], sk[21];
		size_t gl, sl = sa_key(sk, st);
		struct last_sa *l;
		struct group *g;

		if (!c) {
			(*ret_orphans)++;
			continue;
		}
		if (!(gl = group_key(gk, sizeof(gk), c)) || strmap_get(&now, sk, sl))
			continue;
		if (!(g = strmap_get(groups, gk, gl))) {
			if (!(g = calloc(1, sizeof(*g))) || strmap_put(groups, gk, gl, g) < 0) {
				free(g);
				err = -ENOMEM;
				break;
			}
		}
		g->live = true;
		if (!(l = calloc(1, sizeof(*l))) || !(l->group = malloc(gl))) {
			free(l);
			err = -ENOMEM;
			break;
		}
		memcpy(l->group, gk, gl);
		l->group_len = gl;
		l->v = (struct ktot){st->bytes, st->packets, st->replay_window, st->replay,
		                     st->integrity_failed};
		ktot_add(&g->v, &l->v);
		if (strmap_put(&now, sk, sl, l) < 0) {
			free(l->group);
			free(l);
			err = -ENOMEM;
		}
	}
	if (err) {
		free_values(&now, true);
		strmap_done(&now);
		return err;
	}
	/* kernel SAs that were there last time and are gone: their last counters are kept */
	strmap_foreach(&x->last, slot)
	{
		struct last_sa *l = slot->value;
		struct ktot *e;

		if (!strmap_get(&now, slot->key, slot->key_len)) {
			e = strmap_get(&x->ended, l->group, l->group_len);
			if (!e && x->ended.len < EXPORT_CHILDREN_MAX * 2 &&
			    (e = calloc(1, sizeof(*e))) &&
			    strmap_put(&x->ended, l->group, l->group_len, e) < 0) {
				free(e);
				e = NULL;
			}
			if (e)
				ktot_add(e, &l->v);
		}
	}
	free_values(&x->last, true);
	strmap_done(&x->last);
	x->last = now;
	return 0;
}

static void write_kernel_counters(struct prom_writer *w, const struct group *g, size_t n)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
	    {"ipsec_child_sa_kernel_bytes_total", "Bytes the kernel counted on the CHILD SAs.",
	     offsetof(struct ktot, bytes)},
	    {"ipsec_child_sa_kernel_packets_total", "Packets the kernel counted on the CHILD SAs.",
	     offsetof(struct ktot, packets)},
	    {"ipsec_child_sa_kernel_replay_window_drops_total",
	     "Inbound packets the kernel dropped as outside the replay window.",
	     offsetof(struct ktot, replay_window)},
	    {"ipsec_child_sa_kernel_replay_drops_total",
	     "Inbound packets the kernel dropped as replayed.", offsetof(struct ktot, replay)},
	    {"ipsec_child_sa_kernel_integrity_failures_total",
	     "Inbound packets the kernel dropped for a failed integrity check.",
	     offsetof(struct ktot, integrity)},
	};

	if (!n)
		return;
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_family(w, fam[f].name, PROM_COUNTER, fam[f].help);
		for (size_t i = 0; i < n; i++) {
			const char *conn = g[i].key, *child = conn + strlen(conn) + 1;
			const char *dir = child + strlen(child) + 1;
			struct prom_label l[3] = {PROM_LABEL("conn", conn),
			                          PROM_LABEL("child", child),
			                          PROM_LABEL("direction", dir)};
			uint64_t v;

			memcpy(&v, (const char *)&g[i].v + fam[f].off, sizeof(v));
			prom_sample_u64(w, l, 3, v);
		}
	}
}

/* The slot of @conn, added when new; @idx finds a name's slot (a linear search here made a
 * scrape quadratic in the connections: 10,000 of them cost 50 million strcmp), without a copy
 * of the name: the slots point to the snapshot's own strings. */
struct conn_want {
	const struct conn_count *cc;
	const char *conn;
};

static bool conn_is(const void *ctx, uint32_t ix)
{
	const struct conn_want *w = ctx;

	return strcmp(w->cc[ix].conn, w->conn) == 0;
}

static struct conn_count *conn_slot(struct conn_count *cc, size_t *n, size_t cap, struct ixmap *idx,
                                    const char *conn)
{
	uint32_t h = (uint32_t)strmap_hash(conn, strlen(conn));
	uint32_t i = ixmap_get(idx, h, conn_is, &(struct conn_want){cc, conn});

	if (i)
		return &cc[i - 1];
	if (*n == cap || ixmap_add(idx, h, (uint32_t)*n) < 0)
		return NULL;
	cc[*n] = (struct conn_count){.conn = conn};
	return &cc[(*n)++];
}

/* Policies without a kernel SA, kernel SAs without a policy. */
static int check_policies(struct prom_writer *w, const struct xfrm_table *t,
                          const struct sa_snapshot *s, const struct child_ref *spi, size_t n_spi,
                          const struct child_ref *req, size_t n_req, uint32_t orphan_states,
                          struct xfrm_mismatch *m)
{
	size_t ns = 0, np = 0, ncc = 0, cap_cc = (size_t)s->n_conns + n_req + 1;
	uint64_t *states = calloc(t->n_states + 1, sizeof(*states));
	uint64_t *tmpls = calloc(t->n_policies * XFRM_INFO_TMPL_MAX + 1, sizeof(*tmpls));
	struct conn_count *cc = calloc(cap_cc, sizeof(*cc));
	struct ixmap idx;

	ixmap_init(&idx);
	if (!states || !tmpls || !cc) {
		free(states);
		free(tmpls);
		free(cc);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->n_conns; i++)
		conn_slot(cc, &ncc, cap_cc, &idx, s->conns[i].name);
	for (size_t i = 0; i < t->n_states; i++)
		states[ns++] = reqid_proto(t->states[i].reqid, t->states[i].proto);
	for (size_t i = 0; i < t->n_policies; i++)
		for (uint32_t k = 0; k < t->policies[i].n_tmpl; k++)
			tmpls[np++] = t->policies[i].tmpl[k].reqid;
	qsort(states, ns, sizeof(*states), cmp_u64);
	qsort(tmpls, np, sizeof(*tmpls), cmp_u64);
	m->orphan_states = orphan_states;
	for (size_t i = 0; i < t->n_policies; i++) {
		const struct xfrm_policy_info *p = &t->policies[i];

		if (p->action != XFRM_POLICY_ALLOW)
			continue;
		for (uint32_t k = 0; k < p->n_tmpl; k++) {
			const struct xfrm_tmpl_info *tm = &p->tmpl[k];
			const struct child_ref *c;
			struct conn_count *slot;

			if (tm->optional || has(states, ns, reqid_proto(tm->reqid, tm->proto)))
				continue;
			c = find_reqid(req, n_req, tm->reqid);
			if (c && (slot = conn_slot(cc, &ncc, cap_cc, &idx, c->conn)))
				slot->pol_no_state++;
			else
				m->orphan_policies++;
			m->policies_without_state++;
			break; /* one missing SA makes the policy unusable: counted once */
		}
	}
	for (size_t i = 0; i < t->n_states; i++) {
		const struct xfrm_state_info *st = &t->states[i];
		const struct child_ref *c;
		struct conn_count *slot;

		if (!st->reqid || has(tmpls, np, st->reqid))
			continue;
		m->states_without_policy++;
		if ((c = find_spi(spi, n_spi, st)) &&
		    (slot = conn_slot(cc, &ncc, cap_cc, &idx, c->conn)))
			slot->state_no_pol++;
	}
	prom_family(w, "ipsec_xfrm_policies_without_state", PROM_GAUGE,
	            "Kernel IPsec policies of the connection (by reqid) that no kernel SA serves.");
	for (size_t i = 0; i < ncc; i++) {
		struct prom_label l = PROM_LABEL("conn", cc[i].conn);

		prom_sample_u64(w, &l, 1, cc[i].pol_no_state);
	}
	prom_family(w, "ipsec_xfrm_states_without_policy", PROM_GAUGE,
	            "Kernel SAs of the connection (by SPI) whose reqid no kernel policy uses.");
	for (size_t i = 0; i < ncc; i++) {
		struct prom_label l = PROM_LABEL("conn", cc[i].conn);

		prom_sample_u64(w, &l, 1, cc[i].state_no_pol);
	}
	prom_family(w, "ipsec_xfrm_orphan_policies", PROM_GAUGE,
	            "Kernel IPsec policies without a kernel SA whose reqid is no CHILD SA's.");
	prom_sample_u64(w, NULL, 0, m->orphan_policies);
	prom_family(w, "ipsec_xfrm_orphan_states", PROM_GAUGE,
	            "Kernel SAs whose SPI is no CHILD SA's that the daemon lists.");
	prom_sample_u64(w, NULL, 0, m->orphan_states);
	ixmap_done(&idx);
	free(states);
	free(tmpls);
	free(cc);
	return 0;
}

int xfrm_metrics_write(struct prom_writer *w, struct xfrm_metrics *x, const struct xfrm_table *t,
                       const struct sa_snapshot *s, struct xfrm_mismatch *ret_total)
{
	struct child_ref *spi = NULL, *req = NULL;
	struct xfrm_mismatch m = {0};
	struct strmap groups;
	struct group *g = NULL;
	size_t n_spi, n_req, ng = 0;
	uint32_t orphans = 0;
	int err;

	strmap_init(&groups);
	if ((err = index_children(s, &spi, &n_spi, &req, &n_req)) < 0)
		return err;
	if ((err = fold(x, t, spi, n_spi, &groups, &orphans)) < 0)
		goto out;
	/* every group with live SAs or with ended ones, sorted for a stable exposition */
	strmap_foreach(&x->ended, slot) if (!strmap_get(&groups, slot->key, slot->key_len))
	{
		struct group *ng_ = calloc(1, sizeof(*ng_));

		if (!ng_ || strmap_put(&groups, slot->key, slot->key_len, ng_) < 0) {
			free(ng_);
			err = -ENOMEM;
			goto out;
		}
	}
	if (!(g = calloc(groups.len + 1, sizeof(*g)))) {
		err = -ENOMEM;
		goto out;
	}
	strmap_foreach(&groups, slot)
	{
		const struct ktot *e = strmap_get(&x->ended, slot->key, slot->key_len);

		g[ng] = *(struct group *)slot->value;
		g[ng].key = slot->key;
		g[ng].key_len = slot->key_len;
		if (e)
			ktot_add(&g[ng].v, e);
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	write_kernel_counters(w, g, ng);
	err = check_policies(w, t, s, spi, n_spi, req, n_req, orphans, &m);
	if (err == 0 && ret_total)
		*ret_total = m;
out:
	free(g);
	free_values(&groups, false);
	strmap_done(&groups);
	free(spi);
	free(req);
	return err;
}
