// SPDX-License-Identifier: Apache-2.0
/*
 * charon's own health as doctor evidence (see doctor_daemon.h). The parsers are the exporter's
 * (daemon_stats.c, ike_counters.c, addr_pools.c): doctor and serve read the same answers the
 * same way. Thresholds follow the mixin defaults (half_open_max, pool_full_ratio in
 * mixin/config.libsonnet).
 */
#include "doctor/doctor_daemon.h"

#include "exporter/addr_pools.h"
#include "exporter/ike_counters.h"
#include "vici/vici_conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define HALF_OPEN_MAX 25
#define POOL_FULL_PERCENT 90

static void take_counters(struct doctor_daemon_facts *d, const struct ike_counters *c, double now)
{
	uint64_t spi = c->global.v[IKE_CTR_INVALID_SPI], inv = c->global.v[IKE_CTR_INVALID];
	uint64_t init = c->global.v[IKE_CTR_INIT_IN_REQ];

	if (d->counters_read && spi >= d->invalid_spi && inv >= d->invalid && init >= d->init_in) {
		d->delta = true;
		d->delta_s = now - d->counters_at;
		d->d_invalid_spi = spi - d->invalid_spi;
		d->d_invalid = inv - d->invalid;
		d->d_init_in = init - d->init_in;
	} else {
		d->counters_at = now;
	}
	d->counters_read = true;
	d->invalid_spi = spi;
	d->invalid = inv;
	d->init_in = init;
}

void doctor_daemon_gather(const char *vici_socket, unsigned timeout_ms, double now,
                          struct doctor_daemon_facts *d)
{
	struct vici_conn *vc = vici_conn_new(vici_socket, timeout_ms);
	struct vici_msg m = {0};
	struct ike_counters c;
	struct addr_pools p = {0};

	if (!vc)
		return;
	ike_counters_init(&c);
	if (vici_conn_simple(vc, "stats", NULL, NULL, NULL, &m) == 0 &&
	    daemon_stats_parse(&m, now, &d->stats) == 0)
		d->stats_read = true;
	if (vici_conn_simple(vc, "get-counters", NULL, NULL, NULL, &m) == 0 &&
	    ike_counters_add(&c, &m) == 0 && c.have_global)
		take_counters(d, &c, now);
	if (vici_conn_simple(vc, "get-pools", NULL, NULL, NULL, &m) == 0 &&
	    addr_pools_add(&p, &m) == 0) {
		d->n_pools = 0;
		for (size_t i = 0; i < p.n && d->n_pools < DOCTOR_POOLS_MAX; i++) {
			struct doctor_pool_facts *o = &d->pools[d->n_pools++];

			snprintf(o->name, sizeof(o->name), "%s", p.pools[i].name);
			o->size = p.pools[i].size;
			o->online = p.pools[i].online;
			o->offline = p.pools[i].offline;
		}
	}
	addr_pools_done(&p);
	ike_counters_done(&c);
	vici_msg_done(&m);
	vici_conn_free(vc);
}

static void check_workers(struct doctor_report *r, const struct daemon_stats *s)
{
	uint64_t busy = daemon_stats_busy(s), queued = daemon_stats_queued(s);
	struct doctor_finding *d;

	if (s->workers_idle > 0)
		return;
	d = doctor_add(r, "daemon_saturated", "", queued ? DOCTOR_SEV_CRIT : DOCTOR_SEV_WARN,
	               queued ? 85 : 40,
	               queued ? "charon's worker threads are all busy and jobs are waiting: IKE "
	                        "messages, rekeys and DPDs are delayed"
	                      : "charon has no idle worker thread left");
	doctor_evidence(d, "workers %" PRIu64 " of %" PRIu64 " busy, %" PRIu64 " jobs queued", busy,
	                s->workers_total, queued);
	doctor_evidence(d,
	                "busy by priority: critical %" PRIu64 ", high %" PRIu64 ", medium %" PRIu64
	                ", low %" PRIu64 "; %" PRIu64 " scheduled jobs",
	                s->workers_active[DAEMON_PRIO_CRITICAL],
	                s->workers_active[DAEMON_PRIO_HIGH], s->workers_active[DAEMON_PRIO_MEDIUM],
	                s->workers_active[DAEMON_PRIO_LOW], s->scheduled);
	doctor_next(d, "swanctl --stats");
	doctor_next(d, "raise charon.threads, or find what blocks the workers (RADIUS, CRL/OCSP "
	               "fetches, updown scripts)");
}

static void check_half_open(struct doctor_report *r, const struct doctor_daemon_facts *dd)
{
	const struct daemon_stats *s = &dd->stats;
	struct doctor_finding *d;

	if (s->ike_sas_half_open < HALF_OPEN_MAX)
		return;
	d = doctor_add(r, "half_open_ike_sas", "", DOCTOR_SEV_WARN, 60,
	               "%" PRIu64 " half-open IKE SAs: a flood of IKE_SA_INIT, or peers that fail "
	               "before IKE_AUTH",
	               s->ike_sas_half_open);
	doctor_evidence(d, "%" PRIu64 " of %" PRIu64 " IKE SAs half-open", s->ike_sas_half_open,
	                s->ike_sas);
	if (dd->delta)
		doctor_evidence(d, "%" PRIu64 " IKE_SA_INIT requests in the last %.0f s",
		                dd->d_init_in, dd->delta_s);
	doctor_next(d, "tcpdump -ni any 'udp port 500' -c 200");
	doctor_next(d, "rate-limit UDP 500/4500 per source; keep COOKIEs on (cookie_threshold)");
}

static void check_pools(struct doctor_report *r, const struct doctor_daemon_facts *dd)
{
	for (uint32_t i = 0; i < dd->n_pools; i++) {
		const struct doctor_pool_facts *p = &dd->pools[i];
		struct doctor_finding *d;
		bool full = p->online >= p->size;

		if (!p->size || p->online * 100 < p->size * POOL_FULL_PERCENT)
			continue;
		d = doctor_add(r, full ? "pool_full" : "pool_nearly_full", "",
		               full ? DOCTOR_SEV_CRIT : DOCTOR_SEV_WARN, full ? 70 : 45,
		               full ? "virtual-IP pool %s is full: the next client gets no address"
		                    : "virtual-IP pool %s is nearly full",
		               p->name);
		doctor_evidence(
		    d, "pool %s %" PRIu64 " of %" PRIu64 " leases online (%" PRIu64 " offline)",
		    p->name, p->online, p->size, p->offline);
		doctor_next(d, "swanctl --list-pools --leases");
		doctor_next(d, "enlarge the pool, or unique = replace against stale leases");
	}
}

static void check_invalid(struct doctor_report *r, const struct doctor_daemon_facts *dd)
{
	struct doctor_finding *d;

	if (!dd->counters_read || (dd->delta ? dd->d_invalid_spi + dd->d_invalid == 0
	                                     : dd->invalid_spi + dd->invalid == 0))
		return;
	d = doctor_add(r, "invalid_ike_messages", "", dd->delta ? DOCTOR_SEV_WARN : DOCTOR_SEV_INFO,
	               dd->delta ? 45 : 5,
	               dd->delta ? "charon drops IKE messages for unknown SPIs or as invalid"
	                         : "charon dropped IKE messages for unknown SPIs or as invalid "
	                           "since it started");
	if (dd->delta)
		doctor_evidence(d,
		                "%" PRIu64 " invalid SPIs and %" PRIu64
		                " invalid messages in the last %.0f s",
		                dd->d_invalid_spi, dd->d_invalid, dd->delta_s);
	doctor_evidence(
	    d, "%" PRIu64 " invalid SPIs, %" PRIu64 " invalid messages since charon started",
	    dd->invalid_spi, dd->invalid);
	doctor_next(d, "swanctl --counters --all");
	doctor_next(d, "a peer that still uses deleted IKE SAs recovers at its next DPD");
}

void doctor_daemon_check(struct doctor_report *r, const struct doctor_daemon_facts *d)
{
	if (d->stats_read)
		check_workers(r, &d->stats);
	if (d->stats_read || d->sas_read)
		check_half_open(r, d);
	check_pools(r, d);
	check_invalid(r, d);
}
