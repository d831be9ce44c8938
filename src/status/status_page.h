/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The status page at `/`: at least what `ikewatch status` shows (each connection and CHILD SA
 * with state, age, time to rekey, traffic), plus each probe's loss, RTT p50/p99, path MTU and
 * in-tunnel proof, each connection's last IKE error and failures, the recent failures, the
 * ikewatch version and the time of the snapshot. Plain HTML that refreshes itself (meta
 * refresh), needs no JavaScript, escapes every value (html.h) and wraps on a narrow screen.
 *
 * Rendering is a pure function of struct status_page_data (unit-tested on hand-made data);
 * status_page_write() gathers that data from the running services without waiting for charon:
 * the collector hands over its last snapshot (collector_with_last()).
 */
#ifndef IKEWATCH_STATUS_PAGE_H
#define IKEWATCH_STATUS_PAGE_H

#include "common/buf.h"
#include "events/event_counters.h"
#include "exporter/collector.h"
#include "probe/probe_set.h"

#include <stddef.h>

/* Seconds between the page's own reloads. */
#define STATUS_PAGE_REFRESH_S 10

struct status_page_data {
	const struct collector_last *daemon;
	const struct probe_summary *probes;
	size_t n_probes;
	const struct event_conn_errors *errors; /* per connection, first-seen order */
	size_t n_errors;
	const struct event_failure *recent; /* newest first */
	size_t n_recent;
	double now; /* wall clock of the rendering */
	const char *version, *revision;
};

void status_page_render(struct buf *out, const struct status_page_data *d);

/* Gather and render. @probes and @ec may be NULL (no probes, no event counters). */
void status_page_write(struct buf *out, struct collector *c, struct probe_set *probes,
                       struct event_counters *ec);

/* The @q quantile (0..1) of an RTT histogram (cumulative counts over @n_buckets finite
 * buckets with upper @bounds, @count observations in all), interpolated linearly within its
 * bucket as Prometheus' histogram_quantile() does; the top finite bound when the quantile lies
 * beyond it. Returns false when there is no observation. */
bool status_rtt_quantile(const uint64_t *cum, const double *bounds, size_t n_buckets,
                         uint64_t count, double q, double *ret);

#endif
