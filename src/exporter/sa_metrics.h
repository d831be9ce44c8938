/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Renders the tunnel metrics (docs/metrics.md, "Tunnel state") of one snapshot: IKE and CHILD
 * SA state per loaded connection, timestamps, monotonic traffic counters, the _info series, and
 * certificate expiry. Pure: snapshot and counters in, exposition text out.
 */
#ifndef IKEWATCH_SA_METRICS_H
#define IKEWATCH_SA_METRICS_H

#include "exporter/sa_counters.h"
#include "exporter/sa_snapshot.h"
#include "exporter/sa_view.h"
#include "prom/prom_writer.h"

/* Options that change what is exported. */
struct sa_metrics_opts {
	bool redact_ids; /* replace the peer's identity (remote_id, remote_host) by a short hash;
	                  * our own local_id is not the peer's and stays */
};

/* 0 or -ENOMEM. Series beyond the label-cardinality limits are dropped and counted in
 * *ret_dropped. */
int sa_metrics_write(struct prom_writer *w, const struct sa_snapshot *s, const struct sa_view *v,
                     struct sa_counters *ctr, const struct sa_metrics_opts *opts,
                     uint64_t *ret_dropped);

/* Certificate expiry, from a snapshot filled by list-certs (refreshed less often than SAs). */
void sa_metrics_write_certs(struct prom_writer *w, const struct sa_snapshot *certs);

/* Expected rekey failures one end can tell alone (exporter/sa_foresee.h); @certs is the
 * list-certs snapshot, @silence where unanswered IKE requests are known (both may be NULL). */
struct sa_silence_source;
void sa_metrics_write_foresee(struct prom_writer *w, const struct sa_snapshot *s,
                              const struct sa_view *v, const struct sa_snapshot *certs,
                              const struct sa_silence_source *silence);

#endif
