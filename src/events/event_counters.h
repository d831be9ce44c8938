/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event counter store of issue 3: per connection (and per CHILD SA name) counts of
 * lifecycle events, failures by kind, retransmits by exchange, and the last IKEv2 error notify.
 *
 * Fed by the log classifier (any log source) and by VICI events (event_stream.c); read by the
 * exporter at scrape time. Every function is thread-safe (one mutex; each call is short and does
 * no I/O). Cardinality is bounded: at most EXPORT_CONNS_MAX connections and EXPORT_CHILDREN_MAX
 * CHILD names; beyond that, events go to conn="_other" / child="_other" and the overflow is
 * counted in ikewatch_event_series_overflow_total.
 */
#ifndef IKEWATCH_EVENT_COUNTERS_H
#define IKEWATCH_EVENT_COUNTERS_H

#include "common/limits.h"
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

/* VICI child-updown / child-rekey: @ev is LOG_EV_CHILD_INSTALLED, _DELETED or _REKEYED. (The
 * final counters these events carry go to the SA counter store, exporter/sa_counters.h.) */
void event_counters_child_event(struct event_counters *ec, const char *conn, size_t conn_len,
                                const char *child, size_t child_len, enum log_event ev);

/*
 * VICI child-rekey: the CHILD SA with unique id @old_uid (0: unknown) was replaced. A rekey
 * collision that this side won (RFC 7296 2.8.1) makes charon raise child-rekey twice for the same
 * old SA (once for the peer's redundant SA, once for ours): the second is not counted. 0 when
 * counted, -EALREADY for such a repeat, -EINVAL or -ENOMEM.
 */
int event_counters_child_rekeyed(struct event_counters *ec, const char *conn, size_t conn_len,
                                 const char *child, size_t child_len, uint32_t old_uid);

/* Make a configured connection appear with zero counters before its first event, so that
 * rate() and increase() see the first one. 0, or -ENOSPC past EXPORT_CONNS_MAX. */
int event_counters_touch_conn(struct event_counters *ec, const char *conn, size_t conn_len);

/* How many connections the store holds, and how many of them have the parts allocated at
 * their first use: request tracking (sent requests, the outstanding retransmit, rekey
 * replacements: at the first request, retransmit or rekey line) and failure counts (at the
 * first failure or retransmit). */
struct event_counters_alloc {
	size_t conns, tracked, faults;
};
void event_counters_allocated(struct event_counters *ec, struct event_counters_alloc *ret);

/* The newest IKE request of a connection that charon retransmits and the peer has not
 * answered yet (no "parsed ... response", no give-up, no IKE SA up/down event since). */
struct event_retx {
	bool active;
	uint32_t ike_id, msgid;
	uint32_t count;             /* the newest retransmit's number */
	enum log_exchange exchange; /* of the request, LOG_EXCH_UNKNOWN when not seen */
	double first_sent; /* wall clock of its first send (else of its first retransmit) */
	double last_retx;  /* wall clock of the newest retransmit */
	double next_by;    /* when the daemon said it would retransmit again or give up (pluto's
	                    * "will wait N seconds"), 0 unknown; see struct sa_silence */
};
/* @conn's outstanding request into *ret: true, or false when there is none. */
bool event_counters_retx(struct event_counters *ec, const char *conn, size_t conn_len,
                         struct event_retx *ret);

/* One connection's failures and last IKE error, as the status page shows them. */
struct event_conn_errors {
	char conn[LABEL_VALUE_MAX + 1];
	uint64_t failures[LOG_FAIL_COUNT];
	bool has_error;
	uint16_t last_error; /* IKEv2 notify type */
	double last_error_ts;
};
/* The first @cap connections (first-seen order) into @ret; returns the number of connections. */
size_t event_counters_conn_errors(struct event_counters *ec, struct event_conn_errors *ret,
                                  size_t cap);

/* A failure as counted, kept among the last EVENT_RECENT_MAX. */
#define EVENT_RECENT_MAX 16
struct event_failure {
	char conn[LABEL_VALUE_MAX + 1];
	enum log_failure kind;
	uint16_t notify; /* 0 if none */
	double at;       /* wall clock */
};
/* The last failures, newest first, up to @cap; returns how many were written. */
size_t event_counters_recent_failures(struct event_counters *ec, struct event_failure *ret,
                                      size_t cap);

/* Write every family this store owns (see docs/metrics-events.md). */
void event_counters_write_metrics(struct event_counters *ec, struct prom_writer *w);

#endif
