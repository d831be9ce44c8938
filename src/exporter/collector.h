/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VICI session of the exporter: asks charon over one persistent connection (list-conns,
 * list-sas with noblock=yes, and every cert_interval list-certs), renders the exporter's own
 * metrics plus the tunnel metrics, and keeps the last snapshot that charon answered for readers
 * that must not wait for charon (the probes' lookups, the status page). When charon is
 * unreachable or misbehaves the scrape still succeeds with ipsec_up 0, the last snapshot stays,
 * and the next exchange reconnects.
 * Thread-safe: the HTTP thread scrapes, the probe thread asks for fresh CHILD counters.
 */
#ifndef IKEWATCH_COLLECTOR_H
#define IKEWATCH_COLLECTOR_H

#include "exporter/sa_counters.h"
#include "exporter/sa_view.h"
#include "prom/prom_writer.h"

#include <stdbool.h>
#include <sys/socket.h>

struct xfrm_table;

/* A daemon other than charon (Libreswan's pluto), read by the layer that knows it: the
 * collector calls ->read where it would ask charon over VICI, and everything downstream (counter
 * store, metrics, status page) works on the snapshot it fills. */
struct collector_source {
	const char *implementation; /* ipsec_daemon_info's label value: "libreswan" */
	const char *where;          /* what the status page and the log name (the control socket) */
	/* Fill @into (reset, ->now set); its version into @version. 0, or -errno with @why set.
	 * @kernel: the kernel's SAs and policies, dumped just before (NULL: that dump failed). */
	int (*read)(void *ctx, struct sa_snapshot *into, const struct xfrm_table *kernel,
	            char *version, size_t version_len, char *why, size_t why_len);
	/* The daemon's own metrics after the tunnel metrics of a scrape; may be NULL */
	void (*write_metrics)(void *ctx, struct prom_writer *w);
	void *ctx;
};

struct collector_config {
	const struct collector_source *source; /* NULL: charon over VICI */
	const char *vici_socket;
	unsigned vici_timeout_ms;
	unsigned cert_interval_s; /* 0: every scrape */
	bool redact_ids;
	/* export the configured proposals (exporter/conn_proposals.h) read from swanctl_conf
	 * (NULL: swanctl's default path), again whenever the file changes */
	bool proposals;
	const char *swanctl_conf;
};

struct collector;

struct collector *collector_new(const struct collector_config *cfg);
void collector_free(struct collector *c);

/* Called with every loaded connection's name at each scrape (under the collector's lock; it
 * must not call back into the collector). serve uses it to show event counters at 0 for
 * connections that had no event yet, so rate() and increase() see their first event. */
void collector_on_conn(struct collector *c, void (*fn)(void *ctx, const char *conn), void *ctx);

/* Where unanswered IKE requests are known (serve: the event stream's log), for the peer_silent
 * forecast of ipsec_ike_sa_rekey_failure_expected_timestamp_seconds. Called under the
 * collector's lock; the lookup must not call back into the collector. */
struct sa_silence_source;
void collector_on_silence(struct collector *c, const struct sa_silence_source *src);

/* One scrape into @w. Returns 0 (VICI trouble is reported as ipsec_up 0) or -ENOMEM. */
int collector_scrape(struct collector *c, struct prom_writer *w);
/* True once charon has answered a scrape. */
bool collector_ready(struct collector *c);
/* The counter store that the event stream feeds final CHILD SA counters into. */
struct sa_counters *collector_counters(struct collector *c);

/* Refresh the snapshot now (list-sas) and give a CHILD config's monotonic packet counters;
 * 0 or -ENOENT (no such conn/child) or a VICI error. For the probes' in-tunnel check. */
/* The newest unique id of (@conn, @child)'s CHILD SAs in the last collector_child_packets()
 * refresh, 0 if none: a doctor run compares it before and after its probes (a rekey). */
uint32_t collector_child_newest(struct collector *c, const char *conn, const char *child);
int collector_child_packets(struct collector *c, const char *conn, const char *child,
                            uint64_t *ret_out, uint64_t *ret_in);
/* The CHILD SA (from the last snapshot charon answered, so that a probe keeps its tunnel while
 * charon is down) whose remote traffic selector holds @target; see sa_lookup_find_child(). */
int collector_find_child(struct collector *c, const struct sockaddr *target, char *ret_conn,
                         size_t conn_len, char *ret_child, size_t child_len);

/* Is @source inside the local traffic selectors of (conn, child) in the last snapshot charon
 * answered?
 * 1 yes, 0 no, -ENOENT no such CHILD SA known. */
int collector_source_in_local_ts(struct collector *c, const char *conn, const char *child,
                                 const struct sockaddr *source);

/* Read the daemon now and hand the result to @fn (under the collector's lock). Returns the VICI
 * error, if any, after calling @fn with up == false. */
typedef void (*collector_view_fn)(void *ctx, const struct sa_snapshot *s, const struct sa_view *v,
                                  bool up, const char *error);
int collector_with_view(struct collector *c, collector_view_fn fn, void *ctx);

/* What charon last told us, without asking it again (the status page). */
struct collector_last {
	const struct sa_snapshot *snap; /* the last complete snapshot, NULL before the first */
	const struct sa_view *view;     /* of ->snap, NULL with it */
	bool up;                        /* the last exchange with charon succeeded */
	double checked_at;              /* wall clock of that exchange; 0 never tried */
	const char *error;              /* why it failed ("" when up) */
	const char *daemon, *version;   /* charon's own words, "" unknown */
	const char *vici_path;
	bool redact_ids;
	/* export the configured proposals (exporter/conn_proposals.h) read from swanctl_conf
	 * (NULL: swanctl's default path), again whenever the file changes */
	bool proposals;
	const char *swanctl_conf;
};
typedef void (*collector_last_fn)(void *ctx, const struct collector_last *l);
/* Hand the last state to @fn (under a lock that no VICI exchange holds: this never waits for
 * charon). 0 or -ENOMEM (then ->snap is NULL). */
int collector_with_last(struct collector *c, collector_last_fn fn, void *ctx);

#endif
