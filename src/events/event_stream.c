// SPDX-License-Identifier: Apache-2.0
/*
 * The VICI event stream (see event_stream.h). Event layouts are those of strongSwan 5.9.8's
 * vici_query.c and vici_logger.c:
 *   ike-updown   [up = yes] <ike-name> { ...list_ike... }
 *   ike-rekey    <ike-name> { old { ... } new { ... } }
 *   child-updown [up = yes] <ike-name> { ... child-sas { <child>-<uid> { name, bytes-in, ... } } }
 *   child-rekey  <ike-name> { ... child-sas { <child> { old { ... } new { ... } } } }
 *   log          group, level, thread, [ikesa-name, ikesa-uniqueid], msg
 * A down event carries no "up" key. charon raises child-updown (down) for each CHILD SA of an
 * IKE SA that goes down (bus.c ike_updown), so final counters are carried on every path.
 */
#include "events/event_stream.h"

#include "common/clock.h"
#include "common/limits.h"
#include "common/stopper.h"
#include "exporter/sa_snapshot.h"
#include "common/log.h"
#include "logs/log_classify.h"
#include "prom/prom_writer.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EV_IKE_UPDOWN, EV_IKE_REKEY, EV_CHILD_UPDOWN, EV_CHILD_REKEY, EV_LOG, EV_COUNT };

static const char *const event_names[EV_COUNT] = {
    "ike-updown", "ike-rekey", "child-updown", "child-rekey", "log",
};

struct event_stream {
	char *socket;
	bool with_log;
	unsigned backoff_min_ms, backoff_max_ms;
	struct event_counters *ec;
	struct sa_counters *sac;
	pthread_t thread;
	bool started;
	struct stopper stop;
	atomic_bool up;
	atomic_uint_fast64_t connects;
	atomic_uint_fast64_t events[EV_COUNT];
	atomic_uint_fast64_t malformed;
};

static int event_index(const struct vici_msg *m)
{
	for (int i = 0; i < EV_COUNT; i++)
		if (m->name_len == strlen(event_names[i]) &&
		    memcmp(m->name, event_names[i], m->name_len) == 0)
			return i;
	return -1;
}

static bool is_section(const struct vici_msg *m, uint32_t i)
{
	return m->elems[i].type == VICI_ELEM_SECTION_START;
}

static bool has_up(const struct vici_msg *m)
{
	uint32_t i = vici_find(m, 0, "up");

	return i && m->elems[i].type == VICI_ELEM_KEY_VALUE && vici_value_is(&m->elems[i], "yes");
}

/* Count one CHILD SA event of the IKE SA section @ike; a CHILD SA that ended is retired into
 * @sac with the final counters the event reports, so ipsec_child_sa_*_total lose nothing. */
/* A CHILD SA ended: its final counters go to the SA counter store (NULL: none kept). */
static void retire_child(struct sa_counters *sac, struct sa_snapshot *scratch,
                         const struct vici_msg *m, uint32_t ike, const struct snap_child *ch)
{
	const struct vici_elem *e = &m->elems[ike];
	const char *conn;

	if (!sac)
		return;
	conn = arena_strndup(&scratch->arena, e->name, e->name_len);
	if (conn)
		sa_counters_retire(sac, conn, ch->name, ch->uniqueid, &ch->totals);
}

static void child_event(struct event_counters *ec, struct sa_counters *sac,
                        struct sa_snapshot *scratch, const struct vici_msg *m, uint32_t ike,
                        const struct snap_child *ch, enum log_event ev)
{
	const struct vici_elem *e = &m->elems[ike];

	event_counters_child_event(ec, e->name, e->name_len, ch->name, strlen(ch->name), ev);
	if (ev != LOG_EV_CHILD_INSTALLED)
		retire_child(sac, scratch, m, ike, ch);
}

static int dispatch_ike(struct event_counters *ec, const struct vici_msg *m, enum log_event ev)
{
	int n = 0;

	vici_foreach_child(m, 0, ike)
	{
		if (!is_section(m, ike))
			continue;
		event_counters_ike_event(ec, m->elems[ike].name, m->elems[ike].name_len, ev);
		n++;
	}
	return n ? 0 : -EBADMSG;
}

/* The CHILD SA sections are read by the snapshot's parser (one reader of CHILD SA keys), into
 * a scratch snapshot that lives for one event. */
static int dispatch_child_updown(struct event_counters *ec, const struct vici_msg *m,
                                 struct sa_counters *sac)
{
	struct sa_snapshot scratch;
	bool up = has_up(m);
	int n = 0;

	sa_snapshot_init(&scratch);
	vici_foreach_child(m, 0, ike)
	{
		uint32_t children;

		if (!is_section(m, ike))
			continue;
		children = vici_find(m, ike, "child-sas");
		if (!children || !is_section(m, children))
			continue;
		vici_foreach_child(m, children, sa)
		{
			struct snap_child ch;

			if (!is_section(m, sa))
				continue;
			sa_snapshot_parse_child(&scratch, m, sa, sa, &ch);
			child_event(ec, sac, &scratch, m, ike, &ch,
			            up ? LOG_EV_CHILD_INSTALLED : LOG_EV_CHILD_DELETED);
			n++;
		}
	}
	sa_snapshot_done(&scratch);
	return n ? 0 : -EBADMSG;
}

static int dispatch_child_rekey(struct event_counters *ec, const struct vici_msg *m,
                                struct sa_counters *sac)
{
	struct sa_snapshot scratch;
	int n = 0;

	sa_snapshot_init(&scratch);
	vici_foreach_child(m, 0, ike)
	{
		uint32_t children;

		if (!is_section(m, ike))
			continue;
		children = vici_find(m, ike, "child-sas");
		if (!children || !is_section(m, children))
			continue;
		vici_foreach_child(m, children, pair)
		{
			uint32_t old = is_section(m, pair) ? vici_find(m, pair, "old") : 0;
			struct snap_child ch;

			if (!old || !is_section(m, old))
				continue;
			/* the pair's section is named after the CHILD SA; "old" has the final
			 * counters of the SA that the rekey replaced */
			sa_snapshot_parse_child(&scratch, m, old, pair, &ch);
			n++;
			/* a won rekey collision repeats the event for the same old SA: counted
			 * once (its final counters are keyed by unique id, so they are too) */
			if (event_counters_child_rekeyed(ec, m->elems[ike].name,
			                                 m->elems[ike].name_len, ch.name,
			                                 strlen(ch.name), ch.uniqueid) == -EALREADY)
				continue;
			retire_child(sac, &scratch, m, ike, &ch);
		}
	}
	sa_snapshot_done(&scratch);
	return n ? 0 : -EBADMSG;
}

static int dispatch_log(struct event_counters *ec, const struct vici_msg *m, double now_s)
{
	const char *group = NULL, *msg, *conn = NULL;
	size_t group_len = 0, msg_len, conn_len = 0;
	uint64_t id = 0;
	struct log_class c;

	if (vici_get_str(m, 0, "msg", &msg, &msg_len) < 0)
		return -EBADMSG;
	vici_get_str(m, 0, "group", &group, &group_len);
	vici_get_str(m, 0, "ikesa-name", &conn, &conn_len);
	if (log_classify_msg(group, group_len, msg, msg_len, conn, conn_len, &c) < 0)
		return -EBADMSG;
	if (vici_get_u64(m, 0, "ikesa-uniqueid", &id) == 0 && id <= UINT32_MAX)
		c.ike_id = (uint32_t)id;
	event_counters_note_line(ec, c.truncated);
	/* lifecycle comes from the updown/rekey events on this same connection */
	event_counters_feed_log(ec, &c, false, now_s);
	return 0;
}

int event_stream_dispatch(struct event_counters *ec, const struct vici_msg *m, double now_s,
                          struct sa_counters *sac)
{
	if (!ec || !m || m->n_elems == 0)
		return -EINVAL;
	switch (event_index(m)) {
	case EV_IKE_UPDOWN:
		return dispatch_ike(ec, m, has_up(m) ? LOG_EV_IKE_ESTABLISHED : LOG_EV_IKE_DELETED);
	case EV_IKE_REKEY:
		return dispatch_ike(ec, m, LOG_EV_IKE_REKEYED);
	case EV_CHILD_UPDOWN:
		return dispatch_child_updown(ec, m, sac);
	case EV_CHILD_REKEY:
		return dispatch_child_rekey(ec, m, sac);
	case EV_LOG:
		return dispatch_log(ec, m, now_s);
	default:
		return -ENOENT;
	}
}

struct event_stream *event_stream_new(const struct event_stream_opts *o, struct event_counters *ec)
{
	struct event_stream *es;

	if (!o || !o->socket || !ec)
		return NULL;
	es = calloc(1, sizeof(*es));
	if (!es)
		return NULL;
	es->socket = strdup(o->socket);
	if (!es->socket) {
		free(es);
		return NULL;
	}
	es->with_log = o->with_log;
	es->backoff_min_ms = o->backoff_min_ms ? o->backoff_min_ms : 500;
	es->backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms : 30000;
	if (es->backoff_max_ms < es->backoff_min_ms)
		es->backoff_max_ms = es->backoff_min_ms;
	es->ec = ec;
	es->sac = o->sa_counters;
	if (stopper_init(&es->stop) < 0) {
		stopper_done(&es->stop);
		free(es->socket);
		free(es);
		return NULL;
	}
	return es;
}

static int subscribe(struct event_stream *es, struct vici_conn *c)
{
	int r = vici_conn_connect(c);

	for (int i = 0; r == 0 && i < EV_COUNT; i++) {
		if (i == EV_LOG && !es->with_log)
			continue;
		r = vici_conn_register(c, event_names[i]);
	}
	return r;
}

static void *stream_main(void *arg)
{
	struct event_stream *es = arg;
	struct vici_conn *c = vici_conn_new(es->socket, VICI_TIMEOUT_MS);
	struct vici_msg msg = {0};
	unsigned backoff = es->backoff_min_ms;
	int last_err = 0;

	if (!c) {
		log_err("event stream: out of memory");
		return NULL;
	}
	vici_conn_set_wake_fd(c, stopper_fd(&es->stop));
	while (!stopper_stopped(&es->stop)) {
		int r;

		if (!atomic_load(&es->up)) {
			r = subscribe(es, c);
			if (r < 0) {
				if (r != last_err)
					log_warn("event stream: %s: %s; retrying", es->socket,
					         vici_conn_last_error(c));
				last_err = r;
				vici_conn_close(c);
				stopper_nap(&es->stop, (int)backoff);
				backoff = backoff * 2 > es->backoff_max_ms ? es->backoff_max_ms
				                                           : backoff * 2;
				continue;
			}
			if (last_err)
				log_info("event stream: connected to %s", es->socket);
			last_err = 0;
			backoff = es->backoff_min_ms;
			atomic_fetch_add(&es->connects, 1);
			atomic_store(&es->up, true);
		}
		/* no timeout: an idle stream sleeps until charon speaks or stop wakes it */
		r = vici_conn_next_event(c, -1, &msg);
		if (r == -EAGAIN || r == -EINTR)
			continue;
		if (r < 0) {
			log_warn("event stream: %s: %s; reconnecting", es->socket,
			         vici_conn_last_error(c));
			atomic_store(&es->up, false);
			last_err = r;
			vici_conn_close(c);
			stopper_nap(&es->stop, (int)es->backoff_min_ms);
			continue;
		}
		r = event_index(&msg);
		if (r >= 0)
			atomic_fetch_add(&es->events[r], 1);
		if (event_stream_dispatch(es->ec, &msg, clock_real_s(), es->sac) == -EBADMSG)
			atomic_fetch_add(&es->malformed, 1);
	}
	atomic_store(&es->up, false);
	vici_msg_done(&msg);
	vici_conn_free(c);
	return NULL;
}

int event_stream_start(struct event_stream *es)
{
	int r;

	if (!es || es->started)
		return -EINVAL;
	stopper_rearm(&es->stop);
	r = pthread_create(&es->thread, NULL, stream_main, es);
	if (r != 0)
		return -r;
	pthread_setname_np(es->thread, "vici-events"); /* top -H; the idle test finds it so */
	es->started = true;
	return 0;
}

void event_stream_stop(struct event_stream *es)
{
	if (!es || !es->started)
		return;
	stopper_stop(&es->stop);
	pthread_join(es->thread, NULL);
	es->started = false;
}

void event_stream_free(struct event_stream *es)
{
	if (!es)
		return;
	event_stream_stop(es);
	stopper_done(&es->stop);
	free(es->socket);
	free(es);
}

bool event_stream_connected(const struct event_stream *es)
{
	return es && atomic_load(&es->up);
}

void event_stream_write_metrics(struct event_stream *es, struct prom_writer *w)
{
	if (!es || !w)
		return;
	prom_family(w, "ikewatch_event_stream_up", PROM_GAUGE,
	            "1 while the VICI event connection is up and registered.");
	prom_sample_u64(w, NULL, 0, atomic_load(&es->up) ? 1 : 0);
	prom_family(w, "ikewatch_event_stream_connects_total", PROM_COUNTER,
	            "Successful (re)connections of the VICI event connection.");
	prom_sample_u64(w, NULL, 0, atomic_load(&es->connects));
	prom_family(w, "ikewatch_vici_events_total", PROM_COUNTER,
	            "VICI events received, by event name.");
	for (int i = 0; i < EV_COUNT; i++) {
		struct prom_label l = PROM_LABEL("event", event_names[i]);

		if (i == EV_LOG && !es->with_log)
			continue;
		prom_sample_u64(w, &l, 1, atomic_load(&es->events[i]));
	}
	prom_family(w, "ikewatch_vici_events_malformed_total", PROM_COUNTER,
	            "VICI events that lacked the structure charon gives them (not counted).");
	prom_sample_u64(w, NULL, 0, atomic_load(&es->malformed));
}
