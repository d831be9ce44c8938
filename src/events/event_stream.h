/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VICI event stream of issue 3: a thread with its own VICI connection (never the one the
 * scrapes use, so an event burst or a stuck event socket cannot delay a scrape), registered for
 * ike-updown, ike-rekey, child-updown, child-rekey and optionally log. Lifecycle events feed the
 * event counters, `log` events go through the log classifier, and CHILD SAs that ended are
 * retired with their final counters into the SA counter store (exporter/sa_counters.h); their
 * sections are read by the snapshot's own CHILD SA parser (sa_snapshot_parse_child()). On any error
 * the connection is dropped and re-established with exponential backoff; a stop request is honoured
 * within about 250 ms.
 */
#ifndef IKEWATCH_EVENT_STREAM_H
#define IKEWATCH_EVENT_STREAM_H

#include "events/event_counters.h"
#include "exporter/sa_counters.h"
#include "vici/vici_msg.h"

#include <stdbool.h>
#include <stdint.h>

struct prom_writer;
struct event_stream;

struct event_stream_opts {
	const char *socket;      /* VICI socket path ("unix://" allowed) */
	bool with_log;           /* also register for `log` events (the default log source) */
	unsigned backoff_min_ms; /* 0: 500 */
	unsigned backoff_max_ms; /* 0: 30000 */
	/* optional: the store that CHILD SAs that ended (rekeyed away, or deleted) are retired
	 * into with their final counters (sa_counters_retire()) */
	struct sa_counters *sa_counters;
};

struct event_stream *event_stream_new(const struct event_stream_opts *o, struct event_counters *ec);
/* Start the thread. 0 or -errno. */
int event_stream_start(struct event_stream *es);
/* Ask the thread to stop and wait for it. Safe to call twice or without start. */
void event_stream_stop(struct event_stream *es);
void event_stream_free(struct event_stream *es);
bool event_stream_connected(const struct event_stream *es);

/* ikewatch_event_stream_up, ikewatch_event_stream_connects_total,
 * ikewatch_vici_events_total{event}, ikewatch_vici_events_malformed_total. */
void event_stream_write_metrics(struct event_stream *es, struct prom_writer *w);

/*
 * Count one decoded VICI event (no I/O; used by the thread and by tests on recorded packets).
 * @now_s stamps failures found in `log` events; CHILD SAs that ended are retired into @sac (may
 * be NULL). Returns 0, -ENOENT for an event name we do not
 * handle, or -EBADMSG when the event lacks the structure charon gives it (nothing is counted).
 */
int event_stream_dispatch(struct event_counters *ec, const struct vici_msg *m, double now_s,
                          struct sa_counters *sac);

#endif
