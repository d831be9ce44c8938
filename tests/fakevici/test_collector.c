// SPDX-License-Identifier: Apache-2.0
/*
 * The collector against fakevici (a replay of the recorded charon): while charon is down the
 * probes' lookups keep the last known conn/child of their target (so probe series keep their
 * labels), the status page's read never waits for a charon that hangs, a charon restart
 * between two scrapes is not an outage, and each VICI failure shows up once, as ipsec_up 0
 * and one scrape error.
 */
#include "../unit/test.h"
#include "fake_run.h"

#include "common/clock.h"
#include "exporter/collector.h"
#include "prom/prom_writer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *scrape(struct collector *c)
{
	struct prom_writer w;
	struct buf b;

	buf_init(&b, 1u << 22);
	prom_writer_init(&w, &b);
	if (collector_scrape(c, &w) < 0 || b.err) {
		buf_done(&b);
		return strdup("");
	}
	return buf_steal(&b, NULL);
}

static struct collector *collector_on(const struct fake *f, unsigned timeout_ms)
{
	return collector_new(&(struct collector_config){
	    .vici_socket = f->sock, .vici_timeout_ms = timeout_ms, .cert_interval_s = 3600});
}

/* 203.0.113.200 is behind a-b/net (remote ts 203.0.113.128/25 in the recording); the probe's
 * source 203.0.113.1 is in its local ts. */
static void lookup(struct collector *c, int want_err, const char *want_conn, const char *want_child)
{
	struct sockaddr_in t = {.sin_family = AF_INET}, src = {.sin_family = AF_INET};
	char conn[64] = "", child[64] = "";

	inet_pton(AF_INET, "203.0.113.200", &t.sin_addr);
	inet_pton(AF_INET, "203.0.113.1", &src.sin_addr);
	T_EQ_INT(collector_find_child(c, (struct sockaddr *)&t, conn, sizeof(conn), child,
	                              sizeof(child)),
	         want_err);
	if (want_err)
		return;
	T_EQ_STR(conn, want_conn);
	T_EQ_STR(child, want_child);
	T_EQ_INT(collector_source_in_local_ts(c, want_conn, want_child, (struct sockaddr *)&src),
	         1);
}

struct last_seen {
	bool called, up, have_snap;
	char error[200];
	uint32_t n_conns;
};

static void take_last(void *ctx, const struct collector_last *l)
{
	struct last_seen *s = ctx;

	s->called = true;
	s->up = l->up;
	s->have_snap = l->snap != NULL;
	s->n_conns = l->view ? l->view->n_conns : 0;
	snprintf(s->error, sizeof(s->error), "%s", l->error);
}

static void labels_kept_while_charon_is_down(void)
{
	struct fake f = {0};
	struct collector *c;
	struct last_seen last = {0};
	char *m;

	T_ASSERT(fake_start(&f, NULL));
	c = collector_on(&f, 2000);
	T_ASSERT(c);
	/* before any scrape the lookup reads charon itself */
	lookup(c, 0, "a-b", "net");
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 1\n");
	free(m);
	fake_stop(&f);

	/* charon gone: one failure, reported once, and the lookups answer from the last
	 * snapshot charon gave */
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 0\n");
	T_CONTAINS(m, "\nikewatch_scrape_errors_total 1\n");
	T_NOT_CONTAINS(m, "ipsec_ike_sa_up{");
	free(m);
	lookup(c, 0, "a-b", "net");
	m = scrape(c);
	T_CONTAINS(m, "\nikewatch_scrape_errors_total 2\n");
	free(m);
	lookup(c, 0, "a-b", "net");
	/* the status page sees charon down, with the last snapshot and why */
	T_EQ_INT(collector_with_last(c, take_last, &last), 0);
	T_ASSERT(last.called && !last.up && last.have_snap);
	T_ASSERT(last.n_conns >= 2);
	T_ASSERT(last.error[0]);
	/* a probe refresh fails the same way, and is not a scrape error */
	{
		uint64_t out, in;

		T_ASSERT(collector_child_packets(c, "a-b", "net", &out, &in) < 0);
		m = scrape(c);
		T_CONTAINS(m, "\nikewatch_scrape_errors_total 3\n");
		free(m);
	}
	collector_free(c);
}

static void never_answered_no_labels(void)
{
	struct fake f = {0};
	struct collector *c;
	struct last_seen last = {0};

	/* a socket path where nothing listens */
	snprintf(f.sock, sizeof(f.sock), "/nonexistent-iw/charon.vici");
	c = collector_on(&f, 500);
	T_ASSERT(c);
	lookup(c, -ENOENT, NULL, NULL);
	T_EQ_INT(collector_with_last(c, take_last, &last), 0);
	T_ASSERT(last.called && !last.up && !last.have_snap);
	T_ASSERT(!collector_ready(c));
	collector_free(c);
}

/* A collector that scraped fakevici once with a-b up, and fakevici restarted on the same
 * socket with @args; NULL on failure. */
static struct collector *scraped_then_restarted(struct fake *f, const char *const *args)
{
	struct collector *c;
	char *m;
	bool up;

	if (!fake_start(f, NULL) || !(c = collector_on(f, 2000)))
		return NULL;
	m = scrape(c);
	up = strstr(m, "\nipsec_ike_sa_up{conn=\"a-b\"} 1\n") != NULL;
	free(m);
	fake_stop_keep(f, true);
	if (!up || !fake_start(f, args)) {
		collector_free(c);
		return NULL;
	}
	return c;
}

static void restart_is_not_an_outage(void)
{
	struct fake f = {0};
	struct collector *c;
	char *m;

	/* charon restarts between two scrapes: the kept connection is dead, a new one works */
	c = scraped_then_restarted(&f, NULL);
	T_ASSERT(c);
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 1\n");
	T_CONTAINS(m, "\nikewatch_scrape_errors_total 0\n");
	T_CONTAINS(m, "\nikewatch_vici_connects_total 2\n");
	free(m);
	collector_free(c);
	fake_stop(&f);
}

struct bg {
	struct collector *c;
	char *out;
};

static void *bg_scrape(void *arg)
{
	struct bg *b = arg;

	b->out = scrape(b->c);
	return NULL;
}

static void status_read_never_waits(void)
{
	static const char *const hang[] = {"--hang", NULL};
	struct fake f = {0};
	struct last_seen last = {0};
	struct bg b;
	pthread_t t;
	uint64_t t0, waited;

	T_ASSERT(fake_start(&f, hang));
	b.c = collector_on(&f, 1500);
	T_ASSERT(b.c);
	T_EQ_INT(pthread_create(&t, NULL, bg_scrape, &b), 0);
	usleep(300 * 1000); /* the scrape now waits for a list-sas that never comes */
	t0 = clock_mono_ms();
	T_EQ_INT(collector_with_last(b.c, take_last, &last), 0);
	waited = clock_mono_ms() - t0;
	pthread_join(t, NULL);
	T_ASSERT(last.called);
	T_ASSERT(waited < 200);
	T_CONTAINS(b.out, "\nipsec_up 0\n");
	free(b.out);
	collector_free(b.c);
	fake_stop(&f);
}

struct timed_bg {
	struct bg b;
	uint64_t took_ms;
};

static void *timed_scrape(void *arg)
{
	struct timed_bg *tb = arg;
	uint64_t t0 = clock_mono_ms();

	bg_scrape(&tb->b);
	tb->took_ms = clock_mono_ms() - t0;
	return NULL;
}

/* The list-sas requests fakevici received (its --count-file), -1 if unreadable. */
static long vici_requests(const char *path)
{
	char line[32] = "";
	FILE *f = fopen(path, "re");
	long n = -1;

	if (f) {
		if (fgets(line, sizeof(line), f))
			n = strtol(line, NULL, 10);
		fclose(f);
	}
	return n;
}

/* Three scrapes at once while charon takes 5 s to answer list-sas: all three are answered in
 * about 5 s from one VICI read (they used to queue: 5, 10 and 15 s), and the status page's read
 * and readiness answer at once meanwhile. */
#define SLOW_MS 5000
static void concurrent_scrapes_share_one_read(void)
{
	char count[128], slow[16];
	const char *args[] = {"--slow", slow, "--count-file", count, NULL};
	struct fake f = {0};
	struct last_seen last = {0};
	struct timed_bg tb[3];
	pthread_t t[3];
	struct collector *c;
	uint64_t t0, waited;

	snprintf(slow, sizeof(slow), "%d", SLOW_MS);
	/* fake_start makes f.dir only as it starts fakevici: the count file is named here */
	snprintf(count, sizeof(count), "/tmp/iw-count.%d", (int)getpid());
	T_ASSERT(fake_start(&f, args));
	c = collector_on(&f, 4 * SLOW_MS);
	T_ASSERT(c);
	for (int i = 0; i < 3; i++) {
		tb[i] = (struct timed_bg){.b = {.c = c}};
		T_EQ_INT(pthread_create(&t[i], NULL, timed_scrape, &tb[i]), 0);
	}
	usleep(500 * 1000); /* the first scrape now waits for list-sas, the others for it */
	T_EQ_INT(vici_requests(count), 1);
	t0 = clock_mono_ms();
	T_EQ_INT(collector_with_last(c, take_last, &last), 0);
	T_ASSERT(!collector_ready(c)); /* charon has not answered yet, and we did not wait */
	waited = clock_mono_ms() - t0;
	T_ASSERT(last.called);
	T_ASSERT(waited < 200);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		T_CONTAINS(tb[i].b.out, "\nipsec_up 1\n");
		T_CONTAINS(tb[i].b.out, "\nipsec_ike_sa_up{conn=\"a-b\"} 1\n");
		T_CONTAINS(tb[i].b.out, "\nikewatch_scrape_errors_total 0\n");
		free(tb[i].b.out);
		/* queued behind each other they took 5, 10 and 15 s */
		T_ASSERT(tb[i].took_ms >= SLOW_MS - 100 && tb[i].took_ms < SLOW_MS * 3 / 2);
	}
	T_EQ_INT(vici_requests(count), 1);
	T_ASSERT(collector_ready(c));
	collector_free(c);
	fake_stop(&f);
	unlink(count);
}

/* A scrape's list-sas that skips a busy IKE SA (fakevici --busy-every N lists none on every
 * Nth noblock one) does not make its connection read down: the collector asks again for the
 * connection by name. The first scrape has no earlier list to tell a skipped SA by, so it
 * waits for busy SAs (a blocking list-sas, which the fake never answers short): with every
 * noblock list short, it still reads up. */
static void busy_sa_keeps_its_state(void)
{
	for (int every = 1; every <= 2; every++) {
		char n[8];
		const char *const busy[] = {"--busy-every", n, NULL};
		struct fake f = {0};
		struct collector *c;
		char *m;

		snprintf(n, sizeof(n), "%d", every);
		T_ASSERT(fake_start(&f, busy));
		c = collector_on(&f, 2000);
		T_ASSERT(c);
		for (int i = 1; i <= 4; i++) {
			char want[64];

			m = scrape(c);
			T_CONTAINS(m, "\nipsec_ike_sa_up{conn=\"a-b\"} 1\n");
			T_CONTAINS(m, "\nipsec_child_sa_up{conn=\"a-b\",child=\"net\"} 1\n");
			/* the noblock lists are scrapes 2 to 4 */
			snprintf(want, sizeof(want), "\nikewatch_ike_sas_relisted_total %d\n",
			         (i - 1) / every);
			T_CONTAINS(m, want);
			free(m);
		}
		collector_free(c);
		fake_stop(&f);
	}
}

/* An IKE SA that is really gone reads down at once, though it is asked about again. */
static void gone_sa_reads_down(void)
{
	static const char *const none[] = {"--list-sas-rec", "list-sas.none.a", NULL};
	struct fake f = {0};
	struct collector *c;
	char *m;

	c = scraped_then_restarted(&f, none); /* the SA did not come back */
	T_ASSERT(c);
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 1\n");
	T_CONTAINS(m, "\nipsec_ike_sa_up{conn=\"a-b\"} 0\n");
	T_CONTAINS(m, "\nikewatch_ike_sas_relisted_total 0\n");
	free(m);
	collector_free(c);
	fake_stop(&f);
}

/*
 * A scrape's requests are pipelined (list-conns and list-sas together, then stats,
 * get-counters and get-pools): a failure in the middle, with answers still owed, fails that
 * scrape only. Once charon answers again, the next scrape reads every answer in full on a new
 * connection (no answer of the broken one mistaken for another's). The failures: list-sas past
 * the deadline with the rest queued behind it, and charon hanging up after the fourth command
 * (version, list-conns, list-sas, stats answered; get-counters never).
 */
static void pipeline_broken_midway_recovers(void)
{
	static const char *const slow[] = {"--slow", "1500", NULL};
	static const char *const close_after[] = {"--close-after", "4", NULL};
	const char *const *faults[] = {slow, close_after};

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct fake f = {0};
		struct collector *c;
		char *m;

		T_ASSERT(fake_start(&f, faults[i]));
		c = collector_on(&f, 300);
		T_ASSERT(c);
		m = scrape(c);
		T_CONTAINS(m, "\nipsec_up 0\n");
		T_CONTAINS(m, "\nikewatch_scrape_errors_total 1\n");
		free(m);
		fake_stop_keep(&f, true);
		T_ASSERT(fake_start(&f, NULL));
		m = scrape(c);
		T_CONTAINS(m, "\nipsec_up 1\n");
		T_CONTAINS(m, "\nipsec_ike_sa_up{conn=\"a-b\"} 1\n");
		T_CONTAINS(m, "\nipsec_ike_sa_up{conn=\"a-c\"} 0\n"); /* list-conns read */
		T_CONTAINS(m, "\nipsec_daemon_workers{state=\"idle\"} 6\n");
		T_CONTAINS(m, "\nikewatch_scrape_errors_total 1\n");
		free(m);
		collector_free(c);
		fake_stop(&f);
	}
}

/* charon's own answers ride on the scrape's connection: stats is read, and the commands this
 * charon does not know (fakevici answers get-counters and get-pools with CMD_UNKNOWN, as a
 * charon without them would) cost only their families, not the scrape or the connection. */
static void daemon_answers_optional(void)
{
	struct fake f = {0};
	struct collector *c;
	char *m;

	T_ASSERT(fake_start(&f, (const char *const[]){NULL}));
	c = collector_on(&f, 2000);
	T_ASSERT(c);
	for (int i = 0; i < 2; i++) {
		m = scrape(c);
		T_CONTAINS(m, "\nipsec_up 1\n");
		T_CONTAINS(m, "\nipsec_daemon_workers{state=\"idle\"} 6\n");
		T_CONTAINS(m, "\nipsec_daemon_ike_sas_half_open 0\n");
		T_NOT_CONTAINS(m, "ipsec_daemon_ike_messages_total");
		T_NOT_CONTAINS(m, "ipsec_pool_");
		T_CONTAINS(m, "\nikewatch_scrape_errors_total 0\n");
		T_CONTAINS(m, "\nikewatch_vici_connects_total 1\n");
		free(m);
	}
	collector_free(c);
	fake_stop(&f);
}

/* on_conn hears of a connection when it is new or changed, once, not at every scrape. */
struct touched {
	unsigned n;
	char last[64];
};

static void count_touch(void *ctx, const char *conn)
{
	struct touched *t = ctx;

	t->n++;
	snprintf(t->last, sizeof(t->last), "%s", conn);
}

#define A_C_REKEY "\nipsec_ike_sa_rekey_config_seconds{conn=\"a-c\"} "

/* list-conns decoded only where it changed (exporter/snap_conns.h), seen from the scrape: the
 * same answer again, after charon restarted with the same configuration too, shows the same
 * connections and tells on_conn nothing; another configuration (gateway B's: a-b changed, a-c
 * gone) shows at once, and on_conn hears of the changed connection only. */
static void conns_decoded_when_changed(void)
{
	static const char *const conf_b[] = {"--list-conns-rec", "list-conns.b", NULL};
	struct touched t = {0};
	struct fake f = {0};
	struct collector *c;
	char *m;

	T_ASSERT(fake_start(&f, NULL));
	c = collector_on(&f, 2000);
	T_ASSERT(c);
	collector_on_conn(c, count_touch, &t);
	m = scrape(c);
	T_CONTAINS(m, A_C_REKEY);
	free(m);
	T_EQ_INT(t.n, 2);
	m = scrape(c);
	T_CONTAINS(m, A_C_REKEY);
	T_CONTAINS(m, "\nipsec_ike_sa_up{conn=\"a-c\"} 0\n");
	free(m);
	lookup(c, 0, "a-b", "net"); /* a-b/net's remote ts, from the table kept */
	T_EQ_INT(t.n, 2);
	/* charon restarted, same configuration */
	fake_stop_keep(&f, true);
	T_ASSERT(fake_start(&f, NULL));
	m = scrape(c);
	T_CONTAINS(m, "\nikewatch_vici_connects_total 2\n");
	T_CONTAINS(m, A_C_REKEY);
	free(m);
	T_EQ_INT(t.n, 2);
	/* restarted with another one */
	fake_stop_keep(&f, true);
	T_ASSERT(fake_start(&f, conf_b));
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 1\n");
	T_NOT_CONTAINS(m, A_C_REKEY);
	T_NOT_CONTAINS(m, "conn=\"a-c\"");
	free(m);
	T_EQ_INT(t.n, 3);
	T_EQ_STR(t.last, "a-b");
	/* a callback set anew hears of every connection */
	collector_on_conn(c, count_touch, &t);
	free(scrape(c));
	T_EQ_INT(t.n, 4);
	collector_free(c);
	fake_stop(&f);
}

/* A scrape that renders a generation (held by reference, streamed at its client's pace) while
 * charon's configuration changes and newer generations are published: what it renders is the
 * configuration of its own read, whole, and the connections' table it uses stays alive until
 * it is done (ASan); then the scrapes after it show the new configuration. */
struct held {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool paused, go;
	struct collector *c;
	struct buf got; /* what the sink took */
	char *out;
};

static int hold_sink(void *ctx, char **data, size_t *cap, size_t len, bool held)
{
	struct held *h = ctx;

	(void)cap;
	if (held)
		return -EAGAIN; /* a sink must not wait under a hold */
	buf_append(&h->got, *data, len);
	pthread_mutex_lock(&h->lock);
	h->paused = true;
	pthread_cond_broadcast(&h->cond);
	while (!h->go)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

static void *held_scrape(void *arg)
{
	struct held *h = arg;
	struct prom_writer w;
	struct buf b;

	buf_init(&b, 1u << 22);
	/* the first hand-over comes after a few lines: the render then waits in the sink */
	buf_set_sink(&b, 256, hold_sink, h);
	prom_writer_init(&w, &b);
	if (collector_scrape(h->c, &w) == 0 && buf_flush(&b) == 0 && !h->got.err)
		h->out = buf_steal(&h->got, NULL);
	buf_done(&b);
	return NULL;
}

static void old_generation_outlives_new_ones(void)
{
	static const char *const conf_b[] = {"--list-conns-rec", "list-conns.b", NULL};
	struct held h = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	struct bg more[3];
	pthread_t t, tm[3];
	struct fake f = {0};
	struct last_seen last = {0};
	char *m;

	T_ASSERT(fake_start(&f, NULL));
	h.c = collector_on(&f, 2000);
	T_ASSERT(h.c);
	free(scrape(h.c));
	buf_init(&h.got, 1u << 22);
	T_EQ_INT(pthread_create(&t, NULL, held_scrape, &h), 0);
	pthread_mutex_lock(&h.lock);
	while (!h.paused)
		pthread_cond_wait(&h.cond, &h.lock);
	pthread_mutex_unlock(&h.lock);
	/* the held render has configuration A; publish B, then A again, then B, three at once */
	for (int round = 0; round < 3; round++) {
		fake_stop_keep(&f, true);
		T_ASSERT(fake_start(&f, round % 2 ? NULL : conf_b));
		for (int i = 0; i < 3; i++) {
			more[i] = (struct bg){.c = h.c};
			T_EQ_INT(pthread_create(&tm[i], NULL, bg_scrape, &more[i]), 0);
		}
		for (int i = 0; i < 3; i++) {
			pthread_join(tm[i], NULL);
			T_CONTAINS(more[i].out, "\nipsec_up 1\n");
			if (round % 2)
				T_CONTAINS(more[i].out, A_C_REKEY);
			else
				T_NOT_CONTAINS(more[i].out, A_C_REKEY);
			free(more[i].out);
		}
		T_EQ_INT(collector_with_last(h.c, take_last, &last), 0);
		T_EQ_INT(last.n_conns, round % 2 ? 2 : 1);
	}
	pthread_mutex_lock(&h.lock);
	h.go = true;
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
	pthread_join(t, NULL);
	buf_done(&h.got);
	T_ASSERT(h.out);
	T_CONTAINS(h.out, A_C_REKEY);
	T_CONTAINS(h.out, "\nipsec_ike_sa_up{conn=\"a-c\"} 0\n");
	T_CONTAINS(h.out, "\nikewatch_scrape_duration_seconds ");
	free(h.out);
	m = scrape(h.c);
	T_NOT_CONTAINS(m, A_C_REKEY);
	free(m);
	collector_free(h.c);
	fake_stop(&f);
}

/* stats is asked alone: charon counts the jobs waiting for a worker when it runs stats, and a
 * request of ours queued behind it would be one (fakevici --stats-alone ends the connection
 * then). Every scrape, the first (two waits) and the later ones (one wait) alike. */
static void stats_asked_alone(void)
{
	struct fake f = {0};
	struct collector *c;
	char *m;

	T_ASSERT(fake_start(&f, (const char *const[]){"--stats-alone", "--sas", "3", NULL}));
	c = collector_on(&f, 2000);
	T_ASSERT(c);
	for (int i = 0; i < 20; i++) {
		m = scrape(c);
		T_CONTAINS(m, "\nipsec_up 1\n");
		T_CONTAINS(m, "\nipsec_daemon_workers{state=\"idle\"} 6\n");
		T_CONTAINS(m, "\nikewatch_scrape_errors_total 0\n");
		T_CONTAINS(m, "\nikewatch_vici_connects_total 1\n");
		free(m);
	}
	collector_free(c);
	fake_stop(&f);
}

/* The kernel's tables are read while charon answers a scrape's first request; when charon
 * cannot be reached at all, they are read all the same (ikewatch_xfrm_up 1: the tests run
 * with CAP_NET_ADMIN, and a read never tried would say 0). */
static void xfrm_read_with_and_without_charon(void)
{
	static const char *const gone = "/nonexistent/ikewatch-test.vici";
	struct fake f = {0};
	struct collector *c;
	char *m;

	T_ASSERT(fake_start(&f, NULL));
	c = collector_on(&f, 2000);
	T_ASSERT(c);
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 1\n");
	T_CONTAINS(m, "\nikewatch_xfrm_up 1\n");
	free(m);
	collector_free(c);
	fake_stop(&f);

	c = collector_new(&(struct collector_config){
	    .vici_socket = gone, .vici_timeout_ms = 500, .cert_interval_s = 3600});
	T_ASSERT(c);
	m = scrape(c);
	T_CONTAINS(m, "\nipsec_up 0\n");
	T_CONTAINS(m, "\nikewatch_xfrm_up 1\n");
	free(m);
	collector_free(c);
}

TEST_MAIN("collector", TEST(stats_asked_alone), TEST(xfrm_read_with_and_without_charon),
          TEST(conns_decoded_when_changed), TEST(old_generation_outlives_new_ones),
          TEST(daemon_answers_optional), TEST(busy_sa_keeps_its_state),
          TEST(concurrent_scrapes_share_one_read), TEST(gone_sa_reads_down),
          TEST(labels_kept_while_charon_is_down), TEST(never_answered_no_labels),
          TEST(pipeline_broken_midway_recovers), TEST(restart_is_not_an_outage),
          TEST(status_read_never_waits))
