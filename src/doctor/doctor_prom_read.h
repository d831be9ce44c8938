/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading both ends of a CHILD SA from Prometheus for `doctor --prometheus` (the I/O half;
 * the judgement is doctor_peer's). Before the probe run one instant query of
 * ipsec_child_sa_info finds the two scrape targets (job, instance): ours holds our SPIs, the
 * peer's holds them reversed (or ours is named with --prometheus.instance). After the run one
 * range query returns both targets' samples around it: the last sample before the run and the
 * first after it are two scrapes of each end, turned into the same parsed scrapes that --peer
 * reads from /metrics, so that pairing, counters, the reflector's per-sender counts and every
 * verdict are doctor_peer's. Both ends' deltas come from Prometheus, so their windows both hold
 * the whole run. Whatever goes wrong (no answer, too slow, an error, no series for either end,
 * a target that holds both ends, no scrape after the run within --prometheus.wait) ends as a
 * status in the facts, never as a verdict on counters that were not read.
 */
#ifndef IKEWATCH_DOCTOR_PROM_READ_H
#define IKEWATCH_DOCTOR_PROM_READ_H

#include "doctor/doctor_facts.h"
#include "http/http_client.h"
#include "prom/prom_api.h"

#include <stdint.h>

/* How far back the range query looks for the sample before the run: Prometheus' own
 * staleness period, so any scrape interval up to it works. */
#define DOCTOR_PROM_LOOKBACK_S 300
/* A sample must be this much older than the run's start to be "before" it: the scrape's
 * timestamp is taken when it starts, the counters a moment later. */
#define DOCTOR_PROM_MARGIN_S 0.5

struct doctor_prom_options {
	const char *url;      /* NULL: no Prometheus */
	const char *instance; /* our own instance label; NULL: found by our SPIs */
	struct http_client_opts http;
	unsigned wait_ms; /* for a scrape of both ends after the run */
};

/* What the query before the run found, for the one after it. */
struct doctor_prom_state {
	char self_job[64], self_instance[96], peer_job[64], peer_instance[96];
	char self_conn[64], self_child[64], peer_conn[64], peer_child[64];
	double offset; /* Prometheus' clock minus ours, seconds */
	double t0;     /* the run's start on Prometheus' clock */
};

/* Before the run. @pf->spi_in/spi_out are ours. Returns the status (DOCTOR_PEER_OK: go on). */
enum doctor_peer_status doctor_prom_before(const struct doctor_prom_options *o,
                                           struct doctor_peer_facts *pf,
                                           struct doctor_prom_state *st);

/* After the run: both ends' deltas into @pf. */
enum doctor_peer_status doctor_prom_after(const struct doctor_prom_options *o,
                                          struct doctor_peer_facts *pf,
                                          const struct doctor_prom_state *st);

/*
 * The pure halves, for tests and the fuzzer. Find the two targets in an instant-vector answer
 * of ipsec_child_sa_info (answered at local time @t_local); then judge a range answer given
 * the run's start and end on Prometheus' clock. @ready is false when a sample of either end
 * after the run is still missing (then ask again).
 */
enum doctor_peer_status doctor_prom_find(const struct prom_api_result *res, const char *instance,
                                         double t_local, struct doctor_peer_facts *pf,
                                         struct doctor_prom_state *st);
enum doctor_peer_status doctor_prom_judge(const struct prom_api_result *res,
                                          const struct doctor_prom_state *st, double t1,
                                          struct doctor_peer_facts *pf, bool *ret_ready);

/* The range query of doctor_prom_after() at Prometheus time @now. 0 or -ENOMEM. */
int doctor_prom_range_expr(struct buf *out, const struct doctor_prom_state *st, const char *sender,
                           double now);

#endif
