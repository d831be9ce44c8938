// SPDX-License-Identifier: Apache-2.0
/*
 * The VICI event stream (src/events/event_stream.c). Recorded event sessions of a real charon
 * (tests/fixtures/vici/events.*.bin: lifecycle events plus `log` events) are replayed through
 * event_stream_dispatch() and must move exactly the right counters; malformed events count
 * nothing; and the thread, against a small VICI server in this test, registers for the five
 * events, counts what it is sent, and reconnects after the server drops it.
 */
#include "test.h"
#include "thread_stat.h"

#include "common/clock.h"

#include "common/buf.h"
#include "events/event_counters.h"
#include "events/event_stream.h"
#include "prom/prom_writer.h"
#include "vici/vici_msg.h"

#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define VICI_FIXTURES "../fixtures/vici/"

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n);
		if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		}
		*ret_len = (size_t)n;
	}
	fclose(f);
	return d;
}

/* Dispatch every recorded EVENT of @recording as gateway @side ("a" or "b") saw it, in wire
 * order; returns how many were dispatched (negative on a decode failure). */
static int replay_side(struct event_counters *ec, const char *recording, const char *side,
                       struct sa_counters *sac)
{
	char pattern[256];
	glob_t g;
	int n = 0;

	snprintf(pattern, sizeof(pattern), VICI_FIXTURES "events.%s.%s.*.rx-event.bin", recording,
	         side);
	if (glob(pattern, 0, NULL, &g) != 0)
		return -ENOENT;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct vici_msg m = {0};
		size_t len = 0;
		uint8_t *pkt = slurp(g.gl_pathv[i], &len);

		if (!pkt || len < 4 || vici_msg_decode(&m, pkt + 4, len - 4) < 0) {
			free(pkt);
			globfree(&g);
			return -EBADMSG;
		}
		if (event_stream_dispatch(ec, &m, 1700000000.0, sac) == 0)
			n++;
		vici_msg_done(&m);
		free(pkt);
	}
	globfree(&g);
	return n;
}

static int replay(struct event_counters *ec, const char *recording, struct sa_counters *sac)
{
	return replay_side(ec, recording, "a", sac);
}

static char *render(struct event_counters *ec, struct event_stream *es)
{
	struct buf b;
	struct prom_writer w;

	buf_init(&b, 1u << 20);
	prom_writer_init(&w, &b);
	if (ec)
		event_counters_write_metrics(ec, &w);
	if (es)
		event_stream_write_metrics(es, &w);
	return buf_steal(&b, NULL);
}

/* A scrape that lists one CHILD SA a-b/net with unique id @uid and counters @t. */
static void scrape_one(struct sa_counters *sac, uint32_t uid, const struct sa_totals *t)
{
	struct snap_child ch = {.name = "net", .uniqueid = uid, .state = "INSTALLED", .totals = *t};
	struct snap_ike ike = {
	    .conn = "a-b", .state = "ESTABLISHED", .children = &ch, .n_children = 1};
	struct sa_snapshot s = {.ikes = &ike, .n_ikes = 1};

	T_EQ_INT(sa_counters_update(sac, &s), 0);
}

static void recorded_child_rekey(void)
{
	struct event_counters *ec = event_counters_new();
	struct sa_counters *sac = sa_counters_new();
	struct sa_totals t, again;
	char *m;

	T_ASSERT(ec && sac);
	T_ASSERT(replay(ec, "child-rekey", sac) > 10);
	/* the SA counter store has the replaced SA's final counters under a-b/net ... */
	T_EQ_INT(sa_counters_tracked(sac), 1);
	sa_counters_get(sac, "a-b", "net", &t);
	T_ASSERT(t.bytes_in > 0 && t.packets_out > 0);
	/* ... retired under its unique id 1: a scrape that still lists SA 1 with those values
	 * (charon keeps a rekeyed SA for a while) adds nothing */
	scrape_one(sac, 1, &t);
	sa_counters_get(sac, "a-b", "net", &again);
	T_EQ_INT(again.bytes_in, t.bytes_in);
	T_EQ_INT(again.packets_out, t.packets_out);
	m = render(ec, NULL);
	T_CONTAINS(m,
	           "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"rekeyed\"} 1\n");
	T_CONTAINS(
	    m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"installed\"} 0\n");
	T_NOT_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"rekeyed\"} ");
	T_NOT_CONTAINS(m, "kind=\"rekey_failed\"} 1");
	free(m);
	sa_counters_free(sac);
	event_counters_free(ec);
}

/*
 * Both gateways rekeyed net at once (recorded). Gateway B won the collision: charon raised
 * child-rekey twice for the same old SA (new SAs 3 and 2). One rekey, its final counters
 * carried and retired once; A, which lost, saw one event.
 */
static void recorded_rekey_collision(void)
{
	static const char *const sides[] = {"a", "b"};

	for (size_t i = 0; i < 2; i++) {
		struct event_counters *ec = event_counters_new();
		struct sa_counters *sac = sa_counters_new();
		char *m;

		T_ASSERT(ec && sac);
		T_ASSERT(replay_side(ec, "rekey-collision", sides[i], sac) >= 1);
		/* the old SA's final counters are kept once, under its unique id */
		T_EQ_INT(sa_counters_tracked(sac), 1);
		m = render(ec, NULL);
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"rekeyed\"} 1\n");
		free(m);
		sa_counters_free(sac);
		event_counters_free(ec);
	}
}

/* Synthetic: the same old SA twice is one rekey; another old SA is the next rekey, also
 * after several others have passed through the ring. */
static void repeated_rekey_of_one_sa_counts_once(void)
{
	struct event_counters *ec = event_counters_new();

	T_ASSERT(ec);
	T_EQ_INT(event_counters_child_rekeyed(ec, "a-b", 3, "net", 3, 7), 0);
	T_EQ_INT(event_counters_child_rekeyed(ec, "a-b", 3, "net", 3, 7), -EALREADY);
	/* the same unique id under another CHILD name is another SA */
	T_EQ_INT(event_counters_child_rekeyed(ec, "a-b", 3, "voice", 5, 7), 0);
	for (uint32_t uid = 8; uid < 20; uid++)
		T_EQ_INT(event_counters_child_rekeyed(ec, "a-b", 3, "net", 3, uid), 0);
	/* without a unique id nothing can be matched: every event counts */
	T_EQ_INT(event_counters_child_rekeyed(ec, "a-b", 3, "net", 3, 0), 0);
	T_EQ_INT(event_counters_child_rekeyed(ec, "a-b", 3, "net", 3, 0), 0);
	T_EQ_INT(event_counters_child_rekeyed(NULL, "a-b", 3, "net", 3, 1), -EINVAL);
	event_counters_free(ec);
}

static void recorded_ike_rekey(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_ASSERT(replay(ec, "ike-rekey", NULL) > 10);
	m = render(ec, NULL);
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"rekeyed\"} 1\n");
	T_NOT_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"deleted\"} ");
	T_NOT_CONTAINS(m, "} 1\nipsec_failures_total");
	free(m);
	event_counters_free(ec);
}

/* B killed: DPD (an INFORMATIONAL with message ID 0 on a rekeyed IKE SA) goes unanswered. */
static void recorded_peer_killed(void)
{
	struct event_counters *ec = event_counters_new();
	struct sa_counters *sac = sa_counters_new();
	char *m;

	T_ASSERT(ec && sac);
	T_ASSERT(replay(ec, "peer-killed", sac) > 5);
	/* child-updown (down) of "net" when the IKE SA died retired it */
	T_EQ_INT(sa_counters_tracked(sac), 1);
	m = render(ec, NULL);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"dpd_timeout\"} 1\n");
	T_NOT_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"peer_unreachable\"} ");
	T_CONTAINS(m, "ipsec_retransmits_total{conn=\"a-b\",exchange=\"informational\"} 3\n");
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"deleted\"} 1\n");
	T_CONTAINS(m,
	           "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"deleted\"} 1\n");
	free(m);
	sa_counters_free(sac);
	event_counters_free(ec);
}

static void recorded_psk_mismatch(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_ASSERT(replay(ec, "psk-mismatch", NULL) > 5);
	m = render(ec, NULL);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"auth_failed\"} 1\n");
	T_CONTAINS(m, "ipsec_ike_last_error_code{conn=\"a-b\"} 24\n");
	T_CONTAINS(m, "ipsec_ike_last_error_timestamp_seconds{conn=\"a-b\"} 1700000000\n");
	free(m);
	event_counters_free(ec);
}

static void recorded_pfs_rekey_fails(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_ASSERT(replay(ec, "pfs-rekey-fails", NULL) > 5);
	m = render(ec, NULL);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"rekey_failed\"} 1\n");
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"no_proposal\"} 1\n");
	T_CONTAINS(m, "ipsec_ike_last_error_code{conn=\"a-b\"} 14\n");
	free(m);
	event_counters_free(ec);
}

/* Build and decode an event; the message keeps pointing into *ret_pkt (free it after). */
static int build_event(const char *name, void (*fill)(struct vici_builder *), struct vici_msg *m,
                       uint8_t **ret_pkt)
{
	struct vici_builder b;
	size_t len;

	vici_build_init(&b, VICI_PKT_EVENT, name);
	if (fill)
		fill(&b);
	if (vici_build_finish(&b, ret_pkt, &len) < 0)
		return -EINVAL;
	return vici_msg_decode(m, *ret_pkt + 4, len - 4);
}

static void fill_up_only(struct vici_builder *b)
{
	vici_build_kv_str(b, "up", "yes");
}

static void fill_log_no_msg(struct vici_builder *b)
{
	vici_build_kv_str(b, "group", "IKE");
}

static void fill_child_no_children(struct vici_builder *b)
{
	vici_build_section_start(b, "a-b");
	vici_build_kv_str(b, "uniqueid", "1");
	vici_build_section_end(b);
}

static void fill_child_down(struct vici_builder *b)
{
	vici_build_section_start(b, "a-b");
	vici_build_section_start(b, "child-sas");
	vici_build_section_start(b, "net-7");
	vici_build_kv_str(b, "bytes-in", "1000");
	vici_build_kv_str(b, "bytes-out", "2000");
	vici_build_kv_str(b, "packets-in", "10");
	vici_build_kv_str(b, "packets-out", "x"); /* not a number: counted as 0 */
	vici_build_section_end(b);
	vici_build_section_end(b);
	vici_build_section_end(b);
}

static void malformed_events(void)
{
	struct event_counters *ec = event_counters_new();
	struct sa_counters *sac = sa_counters_new();
	struct sa_totals t;
	struct vici_msg m = {0};
	uint8_t *pkt = NULL;
	char *out;

	T_ASSERT(ec);
	T_EQ_INT(build_event("ike-updown", fill_up_only, &m, &pkt), 0);
	T_EQ_INT(event_stream_dispatch(ec, &m, 1.0, NULL), -EBADMSG);
	free(pkt);
	T_EQ_INT(build_event("log", fill_log_no_msg, &m, &pkt), 0);
	T_EQ_INT(event_stream_dispatch(ec, &m, 1.0, NULL), -EBADMSG);
	free(pkt);
	T_EQ_INT(build_event("child-updown", fill_child_no_children, &m, &pkt), 0);
	T_EQ_INT(event_stream_dispatch(ec, &m, 1.0, NULL), -EBADMSG);
	free(pkt);
	T_EQ_INT(build_event("ike-update", fill_child_no_children, &m, &pkt), 0);
	T_EQ_INT(event_stream_dispatch(ec, &m, 1.0, NULL), -ENOENT);
	free(pkt);
	out = render(ec, NULL);
	T_NOT_CONTAINS(out, "conn=");
	free(out);
	/* a down event without a "name" key: the name comes from "<name>-<uid>" */
	T_EQ_INT(build_event("child-updown", fill_child_down, &m, &pkt), 0);
	T_EQ_INT(event_stream_dispatch(ec, &m, 1.0, sac), 0);
	free(pkt);
	sa_counters_get(sac, "a-b", "net", &t);
	T_EQ_INT(t.bytes_in, 1000);
	T_EQ_INT(t.bytes_out, 2000);
	T_EQ_INT(t.packets_in, 10);
	T_EQ_INT(t.packets_out, 0);
	vici_msg_done(&m);
	T_EQ_INT(event_stream_dispatch(NULL, &m, 1.0, NULL), -EINVAL);
	sa_counters_free(sac);
	event_counters_free(ec);
}

/* ---- a VICI server that confirms registrations, sends one ike-updown, then hangs up ---- */

struct server {
	char path[108];
	int lfd;
	atomic_int registered; /* registrations seen, all sessions */
	int sessions;
	long hold_ms; /* how long the last session stays open after its event (0: 300 ms) */
};

static int read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	static const uint8_t confirm[] = {0, 0, 0, 1, VICI_PKT_EVENT_CONFIRM};
	uint8_t *ev = NULL;
	size_t ev_len = 0;
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_EVENT, "ike-updown");
	vici_build_kv_str(&b, "up", "yes");
	vici_build_section_start(&b, "a-b");
	vici_build_kv_str(&b, "uniqueid", "1");
	vici_build_section_end(&b);
	if (vici_build_finish(&b, &ev, &ev_len) < 0)
		return NULL;
	for (int session = 0; session < s->sessions; session++) {
		int fd = accept(s->lfd, NULL, NULL);
		int regs = 0;

		if (fd < 0)
			break;
		/* five EVENT_REGISTER packets, each answered */
		while (regs < 5) {
			uint8_t hdr[4], body[300];
			uint32_t len;

			if (read_full(fd, hdr, 4) < 0)
				break;
			len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
			      (uint32_t)hdr[2] << 8 | hdr[3];
			if (len == 0 || len > sizeof(body) || read_full(fd, body, len) < 0)
				break;
			if (body[0] == VICI_PKT_EVENT_REGISTER) {
				regs++;
				atomic_fetch_add(&s->registered, 1);
				if (write(fd, confirm, sizeof(confirm)) != (ssize_t)sizeof(confirm))
					break;
			}
		}
		if (write(fd, ev, ev_len) != (ssize_t)ev_len)
			break;
		if (session + 1 < s->sessions) {
			close(fd); /* drop the client: it must come back */
		} else {
			long ms = s->hold_ms ? s->hold_ms : 300;
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

			nanosleep(&ts, NULL);
			close(fd);
		}
	}
	free(ev);
	return NULL;
}

/* Listen at /tmp/iw-test-@tag.PID.sock and serve from a thread. 0 or -1. */
static int server_start(struct server *s, const char *tag, pthread_t *th)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(s->path, sizeof(s->path), "/tmp/iw-test-%s.%ld.sock", tag, (long)getpid());
	unlink(s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s->lfd, 4) < 0 ||
	    pthread_create(th, NULL, server_main, s) != 0) {
		close(s->lfd);
		return -1;
	}
	return 0;
}

static bool wait_for(struct event_counters *ec, const char *needle, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		char *m = render(ec, NULL);
		bool ok = m && strstr(m, needle);
		struct timespec ts = {0, 20 * 1000000L};

		free(m);
		if (ok)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* A stream started on its thread against a fresh server @s (tag @tag), @o's socket set here:
 * *@ret, or NULL after a failed check. */
static void stream_to_server(struct server *s, const char *tag, struct event_stream_opts *o,
                             struct event_counters *ec, pthread_t *th, struct event_stream **ret)
{
	struct event_stream *es;

	*ret = NULL;
	T_ASSERT(ec);
	T_EQ_INT(server_start(s, tag, th), 0);
	o->socket = s->path;
	es = event_stream_new(o, ec);
	T_ASSERT(es);
	T_EQ_INT(event_stream_start(es), 0);
	*ret = es;
}

/* The server's thread joined, its socket gone. */
static void server_end(struct server *s, pthread_t th)
{
	pthread_join(th, NULL);
	close(s->lfd);
	unlink(s->path);
}

static void stream_thread_reconnects(void)
{
	struct server s = {.sessions = 2};
	struct event_counters *ec = event_counters_new();
	struct event_stream_opts o = {
	    .with_log = true, .backoff_min_ms = 50, .backoff_max_ms = 200};
	struct event_stream *es;
	pthread_t th;
	char *m;

	stream_to_server(&s, "evs", &o, ec, &th, &es);
	T_ASSERT(es);
	T_ASSERT(wait_for(ec, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"established\"} 2\n",
	                  5000));
	T_EQ_INT(atomic_load(&s.registered), 10);
	m = render(NULL, es);
	T_CONTAINS(m, "ikewatch_event_stream_connects_total 2\n");
	T_CONTAINS(m, "ikewatch_vici_events_total{event=\"ike-updown\"} 2\n");
	free(m);
	event_stream_stop(es);
	T_ASSERT(!event_stream_connected(es));
	event_stream_stop(es);
	event_stream_free(es);
	server_end(&s, th);
	event_counters_free(ec);
}

/* Connected to a charon that says nothing: the thread sleeps (no timeout wakes it to look at
 * a flag), and a stop ends its wait at once. */
static void stream_thread_idle_sleeps(void)
{
	struct server s = {.sessions = 1, .hold_ms = 3000};
	struct event_counters *ec = event_counters_new();
	struct event_stream_opts o = {.with_log = true, .backoff_min_ms = 50};
	struct event_stream *es;
	uint64_t t0;
	pthread_t th;

	stream_to_server(&s, "evi", &o, ec, &th, &es);
	T_ASSERT(es);
	T_ASSERT(wait_for(ec, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"established\"} 1\n",
	                  2000));
	T_ASSERT(thread_slept("vici-events", 1000));
	T_ASSERT(event_stream_connected(es));
	t0 = clock_mono_ms();
	event_stream_stop(es);
	T_ASSERT(clock_mono_ms() - t0 < 100);
	/* started again on the same object: the stop's wake-up is not left behind */
	T_EQ_INT(event_stream_start(es), 0);
	event_stream_free(es);
	server_end(&s, th);
	event_counters_free(ec);
}

/* No server at all: the thread keeps retrying and stops promptly when asked. */
static void stream_thread_no_server(void)
{
	struct event_counters *ec = event_counters_new();
	struct event_stream_opts o = {.socket = "/nonexistent-iw/charon.vici",
	                              .backoff_min_ms = 20};
	struct event_stream *es = event_stream_new(&o, ec);
	struct timespec ts = {0, 200 * 1000000L};
	char *m;

	T_ASSERT(es);
	T_EQ_INT(event_stream_start(es), 0);
	T_EQ_INT(event_stream_start(es), -EINVAL);
	nanosleep(&ts, NULL);
	T_ASSERT(!event_stream_connected(es));
	m = render(NULL, es);
	T_CONTAINS(m, "ikewatch_event_stream_up 0\n");
	T_NOT_CONTAINS(m, "event=\"log\"");
	free(m);
	event_stream_free(es);
	event_counters_free(ec);
	T_ASSERT(event_stream_new(NULL, ec) == NULL);
}

TEST_MAIN("event_stream", TEST(recorded_child_rekey), TEST(recorded_ike_rekey),
          TEST(recorded_rekey_collision), TEST(repeated_rekey_of_one_sa_counts_once),
          TEST(recorded_peer_killed), TEST(recorded_psk_mismatch), TEST(recorded_pfs_rekey_fails),
          TEST(malformed_events), TEST(stream_thread_reconnects), TEST(stream_thread_idle_sleeps),
          TEST(stream_thread_no_server))
