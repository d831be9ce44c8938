/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event counter store of issue 3: per connection (and per CHILD SA name) counts of
 * lifecycle events, failures by kind, retransmits by exchange, the last IKEv2 error notify, and
 * the "final counters" of CHILD SAs that went away (rekeyed or deleted), which the SA collector
 * adds to the live SA counters so that ipsec_child_sa_*_total lose nothing across rekeys.
 *
 * Fed by the log classifier (any log source) and by VICI events (event_stream.c); read by the
 * exporter at scrape time. Every function is thread-safe (one mutex; each call is short and does
 * no I/O). Cardinality is bounded: at most EXPORT_CONNS_MAX connections and EXPORT_CHILDREN_MAX
 * CHILD names; beyond that, events go to conn="_other" / child="_other" and the overflow is
 * counted in ikewatch_event_series_overflow_total.
 */
#ifndef IKEWATCH_EVENT_COUNTERS_H
#define IKEWATCH_EVENT_COUNTERS_H

#include "logs/log_classify.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom_writer;
struct event_counters;

/* Label value for lines that name no connection (e.g. "no matching peer config found"). */
#define EVENT_CONN_UNKNOWN "_unknown"
/* Label value that collects everything beyond the cardinality limits. */
#define EVENT_CONN_OTHER "_other"

struct event_child_totals {
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t packets_in;
	uint64_t packets_out;
};

struct event_counters *event_counters_new(void);
void event_counters_free(struct event_counters *ec);

/*
 * Count one classified log line. @lifecycle: also count IKE/CHILD lifecycle events from log
 * lines (set it when no VICI event stream is running; with one, the VICI events are the
 * authoritative source and counting both would count twice). @now_s is wall-clock time for
 * ipsec_ike_last_error_timestamp_seconds.
 */
void event_counters_feed_log(struct event_counters *ec, const struct log_class *c, bool lifecycle,
                             double now_s);

/* A line seen by a log source, classified or not (ikewatch_log_lines_total). */
void event_counters_note_line(struct event_counters *ec, bool truncated);

/* VICI ike-updown / ike-rekey: @ev is LOG_EV_IKE_ESTABLISHED, _DELETED or _REKEYED. */
void event_counters_ike_event(struct event_counters *ec, const char *conn, size_t conn_len,
                              enum log_event ev);

/*
 * VICI child-updown / child-rekey: @ev is LOG_EV_CHILD_INSTALLED, _DELETED or _REKEYED. @final
 * (may be NULL) holds the counters the event reports for the CHILD SA that went away (the old
 * SA of a rekey, the SA of a down event); they are added to the carried totals of (conn, child).
 */
void event_counters_child_event(struct event_counters *ec, const char *conn, size_t conn_len,
                                const char *child, size_t child_len, enum log_event ev,
                                const struct event_child_totals *final);

/*
 * VICI child-rekey: the CHILD SA with unique id @old_uid (0: unknown) was replaced; @final as for
 * event_counters_child_event(). A rekey collision that this side won (RFC 7296 2.8.1) makes
 * charon raise child-rekey twice for the same old SA (once for the peer's redundant SA, once for
 * ours): the second is neither counted nor carried. 0 when counted, -EALREADY for such a
 * repeat, -EINVAL or -ENOMEM.
 */
int event_counters_child_rekeyed(struct event_counters *ec, const char *conn, size_t conn_len,
                                 const char *child, size_t child_len, uint32_t old_uid,
                                 const struct event_child_totals *final);

/*
 * The totals carried over from CHILD SAs of (conn, child) that no longer exist. The collector
 * renders ipsec_child_sa_bytes_in_total etc. as live value + carried value, summing live values
 * only of SAs that are not REKEYED/DELETED (a rekeyed SA stays listed for
 * charon.delete_rekeyed_delay and its final counters are already carried).
 * Returns 0 and *ret, or -ENOENT (nothing carried: add 0).
 */
int event_counters_child_carry(struct event_counters *ec, const char *conn, const char *child,
                               struct event_child_totals *ret);

/* Make a configured connection appear with zero counters before its first event, so that
 * rate() and increase() see the first one. 0, or -ENOSPC past EXPORT_CONNS_MAX. */
int event_counters_touch_conn(struct event_counters *ec, const char *conn, size_t conn_len);

/* Write every family this store owns (see docs/metrics-events.md). */
void event_counters_write_metrics(struct event_counters *ec, struct prom_writer *w);

#endif
