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
	struct event_hooks hooks;
	pthread_t thread;
	bool started;
	atomic_bool stop;
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

/* A CHILD SA section's final counters; absent keys count as 0 (charon omits none, but a
 * missing key must not stop the event from being counted). */
static void child_totals(const struct vici_msg *m, uint32_t sa, struct event_child_totals *t)
{
	memset(t, 0, sizeof(*t));
	vici_get_u64(m, sa, "bytes-in", &t->bytes_in);
	vici_get_u64(m, sa, "bytes-out", &t->bytes_out);
	vici_get_u64(m, sa, "packets-in", &t->packets_in);
	vici_get_u64(m, sa, "packets-out", &t->packets_out);
}

/* The CHILD SA's configured name: its "name" key, else the section name without "-<uid>". */
static void child_name(const struct vici_msg *m, uint32_t sa, const char **ret, size_t *ret_len)
{
	const struct vici_elem *e = &m->elems[sa];
	size_t n = e->name_len;

	if (vici_get_str(m, sa, "name", ret, ret_len) == 0 && *ret_len)
		return;
	for (size_t k = n; k > 0; k--)
		if (e->name[k - 1] == '-') {
			n = k - 1;
			break;
		}
	*ret = e->name;
	*ret_len = n;
}

/* Hand a CHILD SA's final counters to the collector's hook, with NUL-terminated names. */
static void call_child_final(const struct event_hooks *hooks, const struct vici_msg *m,
                             uint32_t ike, uint32_t sa, const char *child, size_t child_len,
                             const struct event_child_totals *t)
{
	char conn_z[LABEL_VALUE_MAX + 1], child_z[LABEL_VALUE_MAX + 1];
	size_t conn_len = m->elems[ike].name_len;
	uint64_t uid = 0;

	if (!hooks || !hooks->child_final)
		return;
	if (conn_len > LABEL_VALUE_MAX)
		conn_len = LABEL_VALUE_MAX;
	if (child_len > LABEL_VALUE_MAX)
		child_len = LABEL_VALUE_MAX;
	memcpy(conn_z, m->elems[ike].name, conn_len);
	conn_z[conn_len] = '\0';
	memcpy(child_z, child, child_len);
	child_z[child_len] = '\0';
	if (vici_get_u64(m, sa, "uniqueid", &uid) < 0 || uid > UINT32_MAX)
		uid = 0;
	hooks->child_final(hooks->ctx, conn_z, child_z, (uint32_t)uid, t);
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

static int dispatch_child_updown(struct event_counters *ec, const struct vici_msg *m,
                                 const struct event_hooks *hooks)
{
	bool up = has_up(m);
	int n = 0;

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
			struct event_child_totals t;
			const char *name;
			size_t len;

			if (!is_section(m, sa))
				continue;
			child_name(m, sa, &name, &len);
			child_totals(m, sa, &t);
			event_counters_child_event(
			    ec, m->elems[ike].name, m->elems[ike].name_len, name, len,
			    up ? LOG_EV_CHILD_INSTALLED : LOG_EV_CHILD_DELETED, up ? NULL : &t);
			if (!up)
				call_child_final(hooks, m, ike, sa, name, len, &t);
			n++;
		}
	}
	return n ? 0 : -EBADMSG;
}

static int dispatch_child_rekey(struct event_counters *ec, const struct vici_msg *m,
                                const struct event_hooks *hooks)
{
	int n = 0;

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
			struct event_child_totals t;
			uint64_t uid;
			const char *name;
			size_t len;

			if (!old || !is_section(m, old))
				continue;
			/* the pair's section is named after the CHILD SA; "old" has the final
			 * counters of the SA that the rekey replaced */
			if (vici_get_str(m, old, "name", &name, &len) < 0 || !len) {
				name = m->elems[pair].name;
				len = m->elems[pair].name_len;
			}
			child_totals(m, old, &t);
			n++;
			if (vici_get_u64(m, old, "uniqueid", &uid) < 0 || uid > UINT32_MAX)
				uid = 0;
			/* a won rekey collision repeats the event for the same old SA */
			if (event_counters_child_rekeyed(ec, m->elems[ike].name,
			                                 m->elems[ike].name_len, name, len,
			                                 (uint32_t)uid, &t) == -EALREADY)
				continue;
			call_child_final(hooks, m, ike, old, name, len, &t);
		}
	}
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
                          const struct event_hooks *hooks)
{
	if (!ec || !m || m->n_elems == 0)
		return -EINVAL;
	switch (event_index(m)) {
	case EV_IKE_UPDOWN:
		return dispatch_ike(ec, m, has_up(m) ? LOG_EV_IKE_ESTABLISHED : LOG_EV_IKE_DELETED);
	case EV_IKE_REKEY:
		return dispatch_ike(ec, m, LOG_EV_IKE_REKEYED);
	case EV_CHILD_UPDOWN:
		return dispatch_child_updown(ec, m, hooks);
	case EV_CHILD_REKEY:
		return dispatch_child_rekey(ec, m, hooks);
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
	es->hooks = o->hooks;
	return es;
}

/* Sleep @ms in slices, returning early on stop. */
static void nap(struct event_stream *es, unsigned ms)
{
	while (ms && !atomic_load(&es->stop)) {
		unsigned s = ms < 100 ? ms : 100;
		struct timespec ts = {0, (long)s * 1000000L};

		nanosleep(&ts, NULL);
		ms -= s;
	}
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
	while (!atomic_load(&es->stop)) {
		int r;

		if (!atomic_load(&es->up)) {
			r = subscribe(es, c);
			if (r < 0) {
				if (r != last_err)
					log_warn("event stream: %s: %s; retrying", es->socket,
					         vici_conn_last_error(c));
				last_err = r;
				vici_conn_close(c);
				nap(es, backoff);
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
		r = vici_conn_next_event(c, 250, &msg);
		if (r == -EAGAIN)
			continue;
		if (r < 0) {
			log_warn("event stream: %s: %s; reconnecting", es->socket,
			         vici_conn_last_error(c));
			atomic_store(&es->up, false);
			last_err = r;
			vici_conn_close(c);
			nap(es, es->backoff_min_ms);
			continue;
		}
		r = event_index(&msg);
		if (r >= 0)
			atomic_fetch_add(&es->events[r], 1);
		if (event_stream_dispatch(es->ec, &msg, clock_real_s(), &es->hooks) == -EBADMSG)
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
	atomic_store(&es->stop, false);
	r = pthread_create(&es->thread, NULL, stream_main, es);
	if (r != 0)
		return -r;
	es->started = true;
	return 0;
}

void event_stream_stop(struct event_stream *es)
{
	if (!es || !es->started)
		return;
	atomic_store(&es->stop, true);
	pthread_join(es->thread, NULL);
	es->started = false;
}

void event_stream_free(struct event_stream *es)
{
	if (!es)
		return;
	event_stream_stop(es);
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
