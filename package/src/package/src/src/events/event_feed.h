/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The glue between log sources and the counter store: a struct log_sink whose callbacks run the
 * classifier on each line or message and count the result. One per source; any number may share
 * one struct event_counters.
 */
#ifndef IKEWATCH_EVENT_FEED_H
#define IKEWATCH_EVENT_FEED_H

#include "events/event_counters.h"
#include "logs/log_source.h"

#include <stdbool.h>

struct event_feed {
	struct event_counters *ec;
	/* count IKE/CHILD lifecycle events from log lines too (no VICI event stream running) */
	bool lifecycle;
};

/* A sink that feeds @f (which must outlive it). */
struct log_sink event_feed_sink(struct event_feed *f);

/* The sink's callbacks, usable directly. */
void event_feed_line(void *feed, const char *line, size_t len);
void event_feed_msg(void *feed, const char *group, size_t group_len, const char *msg, size_t len,
                    const char *conn, size_t conn_len);

#endif
