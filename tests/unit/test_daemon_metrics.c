// SPDX-License-Identifier: Apache-2.0
/*
 * charon's own metrics (src/exporter/daemon_stats.c, ike_counters.c, addr_pools.c) from answers
 * recorded from a real charon (tests/fixtures/vici: stats.*, get-counters.*, get-pools.*), and
 * from built answers that lack a key, carry a non-number, or are otherwise malformed.
 */
#include "test.h"

#include "exporter/addr_pools.h"
#include "exporter/daemon_stats.h"
#include "exporter/ike_counters.h"
#include "fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct loaded {
	struct vici_msg m;
	uint8_t *pkt;
};

static int load(const char *name, struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	return fixture_decode(name, &l->m, &l->pkt);
}

static void unload(struct loaded *l)
{
	vici_msg_done(&l->m);
	free(l->pkt);
}

/* Decode what a builder made, as charon's answer (the bytes are kept in l->pkt). */
static int built(struct vici_builder *b, struct loaded *l)
{
	size_t len;
	int err;

	memset(l, 0, sizeof(*l));
	if ((err = vici_build_finish(b, &l->pkt, &len)) < 0)
		return err;
	return vici_msg_decode(&l->m, l->pkt + 4, len - 4);
}

typedef void (*write_fn)(struct prom_writer *w, const void *what);

static char *render(write_fn fn, const void *what)
{
	struct prom_writer w;
	struct buf out;
	size_t len;

	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	fn(&w, what);
	if (out.err || w.dropped) {
		buf_done(&out);
		return NULL;
	}
	if (out.len == 0) {
		buf_done(&out);
		return strdup("");
	}
	return buf_steal(&out, &len);
}

static void w_stats(struct prom_writer *w, const void *s)
{
	daemon_stats_write(w, s);
}

static void w_counters(struct prom_writer *w, const void *c)
{
	ike_counters_write(w, c);
}

static void w_pools(struct prom_writer *w, const void *p)
{
	addr_pools_write(w, p);
}

/* since = "Nov 23 07:39:22 2026", charon's local time */
static double since_a(void)
{
	struct tm tm = {.tm_year = 126,
	                .tm_mon = 10,
	                .tm_mday = 23,
	                .tm_hour = 7,
	                .tm_min = 39,
	                .tm_sec = 22,
	                .tm_isdst = -1};

	return (double)mktime(&tm);
}

static void stats_recorded(void)
{
	struct loaded l;
	struct daemon_stats s;
	char *t;

	T_EQ_INT(load("stats.a.0002.rx-cmd-response.bin", &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, since_a() + 3.5, &s), 0);
	unload(&l);
	T_ASSERT(s.uptime_s == 3.5);
	T_EQ_INT(s.workers_total, 16);
	T_EQ_INT(s.workers_idle, 6);
	T_EQ_INT(daemon_stats_busy(&s), 10);
	T_EQ_INT(s.workers_active[DAEMON_PRIO_CRITICAL], 5);
	T_EQ_INT(s.workers_active[DAEMON_PRIO_MEDIUM], 5);
	T_EQ_INT(daemon_stats_queued(&s), 0);
	T_EQ_INT(s.scheduled, 5);
	T_EQ_INT(s.ike_sas, 1);
	T_EQ_INT(s.ike_sas_half_open, 0);
	T_EQ_INT(s.n_plugins, 21);
	T_EQ_STR(s.plugins[0], "charon");
	T_EQ_STR(s.plugins[20], "vici");
	t = render(w_stats, &s);
	T_ASSERT(t);
	T_CONTAINS(t, "\nipsec_daemon_uptime_seconds 3.5\n");
	T_CONTAINS(t, "ipsec_daemon_workers{state=\"idle\"} 6\n");
	T_CONTAINS(t, "ipsec_daemon_workers{state=\"busy\"} 10\n");
	T_CONTAINS(t, "ipsec_daemon_workers_active{priority=\"critical\"} 5\n");
	T_CONTAINS(t, "ipsec_daemon_queued_jobs{priority=\"low\"} 0\n");
	T_CONTAINS(t, "ipsec_daemon_scheduled_jobs 5\n");
	T_CONTAINS(t, "ipsec_daemon_ike_sas 1\n");
	T_CONTAINS(t, "ipsec_daemon_ike_sas_half_open 0\n");
	T_CONTAINS(t, "ipsec_daemon_plugin_info{plugin=\"kernel-libipsec\"} 1\n");
	T_NOT_CONTAINS(t, "mallinfo");
	free(t);
}

/* A start time that is in the future of @now (clocks or time zones that disagree) falls back
 * to "running"; so does a "since" we cannot read. */
static void stats_uptime_fallback(void)
{
	struct loaded l;
	struct daemon_stats s;

	T_EQ_INT(load("stats.a.0002.rx-cmd-response.bin", &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, since_a() - 3600, &s), 0);
	unload(&l);
	T_ASSERT(s.uptime_s == 3); /* running = 3 seconds */
}

static void build_stats(struct vici_builder *b, const char *since, const char *running,
                        const char *idle, bool plugins)
{
	static const char *const prios[] = {"critical", "high", "medium", "low"};

	vici_build_init(b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_section_start(b, "uptime");
	if (running)
		vici_build_kv_str(b, "running", running);
	if (since)
		vici_build_kv_str(b, "since", since);
	vici_build_section_end(b);
	vici_build_section_start(b, "workers");
	vici_build_kv_str(b, "total", "16");
	if (idle)
		vici_build_kv_str(b, "idle", idle);
	vici_build_section_start(b, "active");
	for (int i = 0; i < 4; i++)
		vici_build_kv_str(b, prios[i], "4");
	vici_build_section_end(b);
	vici_build_section_end(b);
	vici_build_section_start(b, "queues");
	for (int i = 0; i < 4; i++)
		vici_build_kv_str(b, prios[i], i == 2 ? "212" : "0");
	vici_build_section_end(b);
	vici_build_kv_str(b, "scheduled", "7");
	vici_build_section_start(b, "ikesas");
	vici_build_kv_str(b, "total", "40");
	vici_build_kv_str(b, "half-open", "31");
	vici_build_section_end(b);
	if (plugins) {
		char name[80];

		vici_build_list_start(b, "plugins");
		for (int i = 0; i < DAEMON_PLUGINS_MAX + 10; i++) {
			snprintf(name, sizeof(name), "p%d", i);
			vici_build_list_item(b, name, strlen(name));
		}
		/* too long for a plugin name: left out, not cut */
		memset(name, 'x', sizeof(name) - 1);
		vici_build_list_item(b, name, sizeof(name) - 1);
		vici_build_list_end(b);
	}
}

static void stats_built(void)
{
	static const struct {
		const char *since, *running;
		double now, want;
	} up[] = {
	    {"Jan 01 00:00:10 UTC 2026", NULL, 1767225610.0 + 5, 5},
	    /* to the millisecond: "since" is exact to the second, the rest is our clock */
	    {"Jan 01 00:00:10 UTC 2026", NULL, 1767225610.0 + 12345.6789012, 12345.679},
	    /* the text read last is remembered: another one is read anew */
	    {"Jan 01 00:00:20 UTC 2026", NULL, 1767225610.0 + 15, 5},
	    {"Jan 01 00:00:30 UTC 2026", NULL, 1767225630.0 + 7, 7}, /* one byte apart */
	    {"Jan 01 00:00:20 UTC 2026", NULL, 1767225620.0 + 3, 3},
	    {NULL, "5 minutes", 0, 300},
	    {NULL, "1 minute", 0, 60},
	    {NULL, "3 hours", 0, 10800},
	    {NULL, "2 days", 0, 172800},
	    {NULL, "1 second", 0, 1},
	    {"Foo 01 00:00:10 2026", "7 seconds", 1e9, 7},
	    {"Jan 32 00:00:10 2026", "7 seconds", 1e9, 7},
	    {"Jan 01 24:00:10 2026", "7 seconds", 1e9, 7},
	    {"Jan 01 00:00:10 UTC", "7 seconds", 1e9, 7},
	    {"Jan 01 00:00:10 2026 extra", "7 seconds", 1e9, 7},
	    {NULL, "7 fortnights", 0, -1},
	    {NULL, "seconds", 0, -1},
	    {NULL, "-3 seconds", 0, -1},
	    {NULL, NULL, 0, -1},
	};

	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		struct vici_builder b;
		struct loaded l;
		struct daemon_stats s;

		build_stats(&b, up[i].since, up[i].running, "0", false);
		T_EQ_INT(built(&b, &l), 0);
		T_EQ_INT(daemon_stats_parse(&l.m, up[i].now, &s), 0);
		unload(&l);
		if (s.uptime_s != up[i].want) {
			test_fail(__FILE__, __LINE__, "uptime case %zu: %g != %g", i, s.uptime_s,
			          up[i].want);
			return;
		}
	}
}

static void stats_bounded_and_malformed(void)
{
	struct vici_builder b;
	struct loaded l;
	struct daemon_stats s;
	char *t;

	build_stats(&b, NULL, "3 seconds", "0", true);
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, 0, &s), 0);
	unload(&l);
	T_EQ_INT(s.n_plugins, DAEMON_PLUGINS_MAX);
	T_EQ_INT(daemon_stats_busy(&s), 16);
	T_EQ_INT(daemon_stats_queued(&s), 212);
	t = render(w_stats, &s);
	T_ASSERT(t);
	T_CONTAINS(t, "ipsec_daemon_queued_jobs{priority=\"medium\"} 212\n");
	T_CONTAINS(t, "ipsec_daemon_ike_sas_half_open 31\n");
	T_NOT_CONTAINS(t, "xxxxxxxx");
	free(t);

	/* a required key missing, or not a number */
	build_stats(&b, NULL, NULL, NULL, false);
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, 0, &s), -EBADMSG);
	unload(&l);
	build_stats(&b, NULL, NULL, "many", false);
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, 0, &s), -EBADMSG);
	unload(&l);
	/* an error reply */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, "success", "no");
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, 0, &s), -EBADMSG);
	unload(&l);
	/* workers as a list instead of a section */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_list_start(&b, "workers");
	vici_build_list_end(&b);
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(daemon_stats_parse(&l.m, 0, &s), -EBADMSG);
	unload(&l);
}

static void counters_recorded(void)
{
	struct ike_counters c;
	struct loaded l;
	const struct ike_counter_set *ab;
	char *t;

	ike_counters_init(&c);
	T_EQ_INT(load("get-counters.global.a.0002.rx-cmd-response.bin", &l), 0);
	T_EQ_INT(ike_counters_add(&c, &l.m), 0);
	unload(&l);
	T_EQ_INT(load("get-counters.all.a.0002.rx-cmd-response.bin", &l), 0);
	T_EQ_INT(ike_counters_add(&c, &l.m), 0);
	unload(&l);
	T_ASSERT(c.have_global);
	T_EQ_INT(c.global.v[IKE_CTR_INIT_IN_REQ + 2], 5);
	T_EQ_INT(c.n_conns, 5);
	T_EQ_STR(c.conns[0].name, "a-b");
	T_EQ_STR(c.conns[4].name, "rw4");
	ab = ike_counters_find(&c, "a-b");
	T_ASSERT(ab);
	T_EQ_INT(ab->v[IKE_CTR_AUTH_IN_REQ + 1], 1); /* ike-auth-in-resp */
	T_EQ_INT(ab->v[IKE_CTR_INFO_IN_REQ], 5);
	T_ASSERT(!ike_counters_find(&c, "a-c"));
	t = render(w_counters, &c);
	T_ASSERT(t);
	T_CONTAINS(t, "ipsec_daemon_ike_messages_total{exchange=\"ike_sa_init\",direction=\"out\","
	              "message=\"request\"} 5\n");
	T_CONTAINS(t, "ipsec_ike_messages_total{conn=\"a-b\",exchange=\"informational\","
	              "direction=\"in\",message=\"request\"} 5\n");
	T_CONTAINS(t, "ipsec_daemon_ike_invalid_spi_messages_total 0\n");
	T_CONTAINS(t, "ipsec_ike_invalid_messages_total{conn=\"rw4\"} 0\n");
	T_CONTAINS(t, "ipsec_ike_sa_rekeys_total{conn=\"a-b\",role=\"responder\"} 0\n");
	T_CONTAINS(t, "ipsec_ike_child_sa_rekeys_total{conn=\"rw1\"} 0\n");
	/* 16 message series per connection and 16 daemon-wide */
	{
		size_t n = 0;

		for (const char *p = t; (p = strstr(p, "_ike_messages_total{")); p++)
			n++;
		T_EQ_INT(n, 16 * 6);
	}
	free(t);
	ike_counters_done(&c);
}

static void counters_absent_and_malformed(void)
{
	struct ike_counters c;
	struct vici_builder b;
	struct loaded l;
	char *t;

	ike_counters_init(&c);
	T_EQ_INT(load("get-counters.no-plugin.b.0002.rx-cmd-response.bin", &l), 0);
	T_EQ_INT(ike_counters_add(&c, &l.m), -ENOENT);
	unload(&l);
	t = render(w_counters, &c);
	T_ASSERT(t);
	T_EQ_STR(t, ""); /* nothing known, nothing written */
	free(t);

	/* a set without one of the counters */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_section_start(&b, "counters");
	vici_build_section_start(&b, "x");
	vici_build_kv_str(&b, "invalid", "1");
	vici_build_section_end(&b);
	vici_build_section_end(&b);
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(ike_counters_add(&c, &l.m), -EBADMSG);
	unload(&l);
	/* counters as a key, and a reply that is neither */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, "counters", "1");
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(ike_counters_add(&c, &l.m), -EBADMSG);
	unload(&l);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, "success", "yes");
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(ike_counters_add(&c, &l.m), -EBADMSG);
	unload(&l);
	ike_counters_done(&c);
}

static void build_pool(struct vici_builder *b, const char *name, const char *size)
{
	vici_build_section_start(b, name);
	vici_build_kv_str(b, "base", "10.3.0.1");
	if (size)
		vici_build_kv_str(b, "size", size);
	vici_build_kv_str(b, "online", "250");
	vici_build_kv_str(b, "offline", "2");
	vici_build_section_end(b);
}

static void pools(void)
{
	struct addr_pools p = {0};
	struct vici_builder b;
	struct loaded l;
	char *t;

	T_EQ_INT(load("get-pools.leases.b.0002.rx-cmd-response.bin", &l), 0);
	T_EQ_INT(addr_pools_add(&p, &l.m), 0);
	unload(&l);
	T_EQ_INT(p.n, 1);
	T_EQ_STR(p.pools[0].name, "rw");
	T_EQ_INT(p.pools[0].size, 3);
	T_EQ_INT(p.pools[0].online, 3);
	T_EQ_INT(p.pools[0].offline, 0);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	build_pool(&b, "v\"6", "254");
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(addr_pools_add(&p, &l.m), 0);
	unload(&l);
	t = render(w_pools, &p);
	T_ASSERT(t);
	T_CONTAINS(t, "ipsec_pool_size_addresses{pool=\"rw\"} 3\n");
	T_CONTAINS(t, "ipsec_pool_leases{pool=\"rw\",state=\"online\"} 3\n");
	T_CONTAINS(t, "ipsec_pool_leases{pool=\"v\\\"6\",state=\"offline\"} 2\n");
	free(t);
	addr_pools_reset(&p);

	/* no pools: nothing written; a pool without its size is malformed */
	t = render(w_pools, &p);
	T_ASSERT(t);
	T_EQ_STR(t, "");
	free(t);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	build_pool(&b, "a", NULL);
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(addr_pools_add(&p, &l.m), -EBADMSG);
	unload(&l);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, "errmsg", "x");
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(addr_pools_add(&p, &l.m), -EBADMSG);
	unload(&l);
	/* bounded */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	for (int i = 0; i < EXPORT_POOLS_MAX + 1; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		build_pool(&b, name, "4");
	}
	T_EQ_INT(built(&b, &l), 0);
	T_EQ_INT(addr_pools_add(&p, &l.m), -E2BIG);
	unload(&l);
	T_EQ_INT(p.n, EXPORT_POOLS_MAX);
	addr_pools_done(&p);
}

TEST_MAIN("daemon_metrics", TEST(stats_recorded), TEST(stats_uptime_fallback), TEST(stats_built),
          TEST(stats_bounded_and_malformed), TEST(counters_recorded),
          TEST(counters_absent_and_malformed), TEST(pools))
