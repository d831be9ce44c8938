/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probes `serve` runs: one thread sends and receives for every configured target (poll
 * over their sockets), a second runs the periodic MTU searches (which wait for replies one at a
 * time). Metrics are rendered from a snapshot taken under each target's lock, so
 * probe_set_write_metrics() may be called from the HTTP thread at any time.
 *
 * ipsec_probe_in_tunnel: at the end of every window (the shortest `window` of the targets), 1
 * when the CHILD SA's outbound packet counter advanced by at least the probes sent in that
 * window and its inbound counter by at least the replies received, counting the probes of
 * every target that belongs to the same CHILD SA: the probes could not have gone around it.
 * The ledgers, their forgiveness across CHILD rekeys and the one window of grace are in
 * sa_ledger.h.
 */
#ifndef IKEWATCH_PROBE_SET_H
#define IKEWATCH_PROBE_SET_H

#include "probe/probe_config.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct prom_writer;

struct probe_child_ops { /* supplied by serve, called from the probe thread */
	/* Current packet counters of a CHILD SA (summed over its SAs, monotonic); 0 or -ENOENT. */
	int (*child_packets)(void *ctx, const char *conn, const char *child,
	                     uint64_t *ret_packets_out, uint64_t *ret_packets_in);
	/* Find the CHILD SA whose remote traffic selector holds @target; 0 or -ENOENT. */
	int (*find_child)(void *ctx, const struct sockaddr *target, char *ret_conn, size_t conn_len,
	                  char *ret_child, size_t child_len);
	void *ctx;
	/* Optional (may be NULL): whether @source lies in the CHILD's local traffic selector;
	 * 1 yes, 0 no (we warn once), -ENOENT unknown. */
	int (*source_in_local_ts)(void *ctx, const char *conn, const char *child,
	                          const struct sockaddr *source);
};

struct probe_set;

/* Opens every target's socket and starts the threads. 0 or -errno (the config is copied). */
int probe_set_start(const struct probe_config *cfg, const struct probe_child_ops *ops,
                    struct probe_set **ret);
/* All ipsec_probe_* families. Thread-safe. */
void probe_set_write_metrics(struct probe_set *s, struct prom_writer *w);
/* One target as the status page shows it, copied under the target's lock. */
struct probe_summary {
	char target[PROBE_NAME_MAX], conn[PROBE_NAME_MAX], child[PROBE_NAME_MAX];
	const char *module;
	uint64_t sent, received;
	double loss_ratio; /* over the last window, as ipsec_probe_loss_ratio */
	uint64_t rtt_count;
	uint64_t rtt_cum[PROBE_RTT_BUCKETS]; /* cumulative, bounds probe_stats_rtt_bounds() */
	bool have_mtu, blackhole;
	uint32_t path_mtu;
	int in_tunnel; /* as ipsec_probe_in_tunnel */
};
/* The first @cap targets' summaries into @ret, in configuration order; returns the number of
 * targets. Thread-safe. */
size_t probe_set_summaries(struct probe_set *s, struct probe_summary *ret, size_t cap);

/* Stops the threads and frees; NULL is a no-op. */
void probe_set_free(struct probe_set *s);

#endif
