// SPDX-License-Identifier: Apache-2.0
/*
 * Log sink -> classifier -> counters (see event_feed.h). Wall-clock time is taken once per
 * counted failure only, for ipsec_ike_last_error_timestamp_seconds.
 */
#include "events/event_feed.h"

#include "common/clock.h"

static void count(struct event_feed *f, const struct log_class *c)
{
	event_counters_note_line(f->ec, c->truncated);
	if (c->cat != LOG_CAT_NONE)
		event_counters_feed_log(f->ec, c, f->lifecycle,
		                        c->cat == LOG_CAT_FAILURE ? clock_real_s() : 0.0);
}

void event_feed_line(void *feed, const char *line, size_t len)
{
	struct event_feed *f = feed;
	struct log_class c;

	if (log_classify_line(line, len, &c) == 0)
		count(f, &c);
}

void event_feed_msg(void *feed, const char *group, size_t group_len, const char *msg, size_t len,
                    const char *conn, size_t conn_len)
{
	struct event_feed *f = feed;
	struct log_class c;

	if (log_classify_msg(group, group_len, msg, len, conn, conn_len, &c) == 0)
		count(f, &c);
}

struct log_sink event_feed_sink(struct event_feed *f)
{
	return (struct log_sink){event_feed_line, event_feed_msg, f};
}
