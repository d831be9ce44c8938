/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What charon says about itself: `stats` (always), read alone before anything else of a
 * scrape, and `get-counters` (when the counters plugin is loaded) and `get-pools`, read in the
 * scrape's round trip after list-conns and list-sas. An optional answer that charon cannot give (no
 * counters plugin, an older charon without the command, an answer we cannot parse) drops only its
 * own families and is logged once; only a transport error (charon gone, timeout, a malformed
 * packet) fails the scrape. Not thread-safe: the collector calls it under its lock.
 */
#ifndef IKEWATCH_DAEMON_COLLECT_H
#define IKEWATCH_DAEMON_COLLECT_H

#include "exporter/addr_pools.h"
#include "exporter/daemon_stats.h"
#include "exporter/ike_counters.h"
#include "vici/vici_conn.h"

#include <stdbool.h>

struct daemon_collect {
	struct daemon_stats stats;
	bool have_stats;
	struct ike_counters counters;
	bool have_counters;
	struct addr_pools pools;
	bool have_pools;
	bool asked_all;  /* get-counters all = yes was sent with the last daemon_collect_send() */
	unsigned logged; /* bit per optional source whose absence was logged */
};

void daemon_collect_init(struct daemon_collect *d);
void daemon_collect_done(struct daemon_collect *d);

/*
 * `stats` over @v, sent alone: its answer must be read (daemon_collect_recv_stats()) before the
 * scrape sends anything else. charon counts the jobs waiting for a worker
 * (ipsec_daemon_queued_jobs) at the moment it runs `stats`, and every VICI message or answer in
 * flight makes such jobs (the watcher's read and write callbacks, the request queue's
 * processor): asked in the middle of a pipelined scrape, charon counted the scrape's own
 * requests, and 4-8 % of the scrapes of an idle charon showed a job queued. Both return 0 or a
 * VICI transport error; an answer we cannot use drops only the stats families (logged once).
 */
int daemon_collect_send_stats(struct vici_conn *v);
int daemon_collect_recv_stats(struct daemon_collect *d, struct vici_conn *v, struct vici_msg *msg,
                              double now);

/* Send the other commands over @v without waiting (vici_conn_send(): behind any other requests
 * still unanswered, whose answers the caller reads first); @n_conns, the loaded connections,
 * decides whether per-connection IKE counters are asked for (IKE_COUNTERS_CONNS_MAX). Then read
 * their answers with daemon_collect_recv() (decode space @msg). 0 or a VICI transport
 * error. */
int daemon_collect_send(struct daemon_collect *d, struct vici_conn *v, uint32_t n_conns);
int daemon_collect_recv(struct daemon_collect *d, struct vici_conn *v, struct vici_msg *msg);

void daemon_collect_write(struct prom_writer *w, const struct daemon_collect *d);

#endif
