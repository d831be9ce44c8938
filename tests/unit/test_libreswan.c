// SPDX-License-Identifier: Apache-2.0
/*
 * Libreswan's whack output into the snapshot (src/libreswan/lsw_parse.c), driven by the
 * recordings of Libreswan 4.10 in tests/fixtures/libreswan (IKE SA up, half-open, the
 * --globalstatus counters after the lab's faults) and by the CHILD SA vectors in the 4.x and 5.x
 * shapes (*.synth.txt: written from Libreswan's documented format, because this kernel cannot
 * install a CHILD SA; see tests/fixtures/libreswan/README.md). Malformed, cut and hostile input
 * must be skipped, never misread.
 */
#include "test.h"

#include "common/file_read.h"
#include "libreswan/lsw_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DIR "../fixtures/libreswan/"
#define NOW 1796536160.0 /* 7 s after the synthesized add_time */

static char *load(const char *name, size_t *len)
{
	char *text = NULL;

	if (file_read_all(name, 1u << 24, &text, len) < 0)
		return NULL;
	return text;
}

static const struct snap_ike *ike_of(const struct sa_snapshot *s, const char *conn)
{
	for (uint32_t i = 0; i < s->n_ikes; i++)
		if (strcmp(s->ikes[i].conn, conn) == 0)
			return &s->ikes[i];
	return NULL;
}

static void status_ike_up(void)
{
	struct sa_snapshot s;
	struct lsw_info info;
	const struct snap_ike *ike;
	size_t len;
	char *text = load(DIR "status-ike-up.txt", &len);

	T_ASSERT(text);
	sa_snapshot_init(&s);
	s.now = NOW;
	T_EQ_INT(lsw_parse_status(&s, text, len, &info), 0);
	T_EQ_STR(info.version, "4.10");
	T_EQ_INT(s.n_conns, 2);
	T_EQ_STR(s.conns[0].name, "a-b");
	T_EQ_STR(s.conns[0].remote_addrs, "198.51.100.1");
	T_EQ_STR(s.conns[0].children[0], "a-b");
	T_EQ_STR(s.conns[0].children_remote_ts[0], "203.0.113.128/25");
	T_EQ_STR(s.conns[1].name, "a-c");
	T_EQ_INT(s.n_ikes, 1);
	ike = ike_of(&s, "a-b");
	T_ASSERT(ike);
	T_EQ_INT(ike->uniqueid, 1);
	T_EQ_STR(ike->state, "ESTABLISHED");
	T_EQ_STR(ike->version, "IKEv2");
	T_EQ_STR(ike->local_host, "192.0.2.1");
	T_EQ_STR(ike->remote_host, "198.51.100.1");
	T_EQ_STR(ike->local_id, "@gw-a.lab");
	T_EQ_STR(ike->remote_id, "@gw-b.lab");
	T_EQ_STR(ike->encr, "AES_CBC_128");
	T_EQ_STR(ike->integ, "HMAC_SHA2_256");
	T_EQ_STR(ike->dh_group, "MODP2048");
	/* REPLACE in 28794s of an ike_life of 28800s: established 6 s ago */
	T_EQ_INT(ike->established, 6);
	T_EQ_INT(ike->rekey_time, 28524);
	T_EQ_INT(ike->n_children, 0);
	sa_snapshot_done(&s);
	free(text);
}

static void status_halfopen(void)
{
	struct sa_snapshot s;
	const struct snap_ike *ike;
	size_t len;
	char *text = load(DIR "status-halfopen.txt", &len);

	T_ASSERT(text);
	sa_snapshot_init(&s);
	s.now = NOW;
	T_EQ_INT(lsw_parse_status(&s, text, len, NULL), 0);
	T_EQ_INT(s.n_ikes, 2);
	ike = ike_of(&s, "a-c");
	T_ASSERT(ike);
	T_EQ_STR(ike->state, "CONNECTING");
	T_EQ_INT(ike->established, SNAP_NONE);
	T_EQ_STR(ike->remote_host, "198.51.100.3");
	T_EQ_STR(ike_of(&s, "a-b")->state, "ESTABLISHED");
	sa_snapshot_done(&s);
	free(text);
}

/* --showstates alone (no connection lines): states still parse, with what they say. */
static void showstates_alone(void)
{
	struct sa_snapshot s;
	size_t len;
	char *text = load(DIR "showstates-halfopen.txt", &len);

	T_ASSERT(text);
	sa_snapshot_init(&s);
	T_EQ_INT(lsw_parse_status(&s, text, len, NULL), 0);
	T_EQ_INT(s.n_conns, 0);
	T_EQ_INT(s.n_ikes, 2);
	T_EQ_STR(s.ikes[0].conn, "a-b");
	T_EQ_INT(s.ikes[0].uniqueid, 4);
	T_EQ_INT(s.ikes[0].rekey_time, 28146);
	T_EQ_STR(s.ikes[1].state, "CONNECTING");
	sa_snapshot_done(&s);
	free(text);
}

static void child_up(const char *status, const char *traffic)
{
	struct sa_snapshot s;
	const struct snap_child *c;
	size_t len, tlen;
	char *text = load(status, &len), *tr = load(traffic, &tlen);

	T_ASSERT(text && tr);
	sa_snapshot_init(&s);
	s.now = NOW;
	T_EQ_INT(lsw_parse_status(&s, text, len, NULL), 0);
	lsw_parse_traffic(&s, tr, tlen);
	T_EQ_INT(s.n_ikes, 1);
	T_EQ_INT(s.ikes[0].n_children, 1);
	c = &s.ikes[0].children[0];
	T_EQ_STR(c->name, "a-b");
	T_EQ_INT(c->uniqueid, 2);
	T_EQ_STR(c->state, "INSTALLED");
	T_EQ_STR(c->spi_out, "c8e1a1f3");
	T_EQ_STR(c->spi_in, "5d4c2b1a");
	T_EQ_STR(c->encr, "AES_CBC_128");
	T_EQ_STR(c->integ, "HMAC_SHA2_256_128");
	T_EQ_STR(c->local_ts, "203.0.113.0/25");
	T_EQ_STR(c->remote_ts, "203.0.113.128/25");
	T_EQ_INT(c->totals.bytes_in, 168);
	T_EQ_INT(c->totals.bytes_out, 252);
	T_EQ_INT(c->install_time, 7);
	T_EQ_INT(c->rekey_time, 28003);
	T_EQ_INT(c->life_time, 28793);
	T_ASSERT(snap_child_state_up(c->state));
	sa_snapshot_done(&s);
	free(text);
	free(tr);
}

static void child_up_4x(void)
{
	child_up(DIR "status-child-up.synth.txt", DIR "trafficstatus-child-up.synth.txt");
}

static void child_up_5x(void)
{
	child_up(DIR "status-child-up-5x.synth.txt", DIR "trafficstatus-child-up-5x.synth.txt");
}

/* A CHILD state names its IKE SA; listed before it, or under an IKE SA pluto does not list. */
static void child_order_and_orphans(void)
{
	static const char text[] =
	    "#7: \"x\":500 ESTABLISHED_CHILD_SA (established Child SA); REKEY in 10s; IKE SA #8;\n"
	    "#8: \"x\":500 ESTABLISHED_IKE_SA (established IKE SA); REKEY in 20s; newest;\n"
	    "#9: \"x\":500 ESTABLISHED_CHILD_SA (established Child SA); IKE SA #99;\n"
	    "#10: \"x\"[3] 192.1.3.33:500 ESTABLISHED_CHILD_SA (established Child SA); IKE SA "
	    "#8;\n";
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	T_EQ_INT(lsw_parse_status(&s, text, sizeof(text) - 1, NULL), 0);
	T_EQ_INT(s.n_ikes, 1);
	T_EQ_INT(s.ikes[0].n_children, 2);
	T_EQ_INT(s.ikes[0].children[0].uniqueid, 7);
	T_EQ_INT(s.ikes[0].children[1].uniqueid, 10);
	T_EQ_STR(s.ikes[0].children[1].name, "x");
	sa_snapshot_done(&s);
}

static void malformed_status(void)
{
	static const char *const bad[] = {
	    "",
	    "\n\n\n",
	    "000",
	    "#",
	    "#: \"a\":500 ESTABLISHED_IKE_SA (x);",
	    "#1 \"a\":500 ESTABLISHED_IKE_SA (x);",
	    "#1: a:500 ESTABLISHED_IKE_SA (x);",
	    "#1: \"a:500 ESTABLISHED_IKE_SA (x);",
	    "#1: \"\":500 ESTABLISHED_IKE_SA (x);",
	    "#1: \"a\":500 ESTABLISHED_IKE_SA",
	    "#99999999999: \"a\":500 ESTABLISHED_IKE_SA (x);",
	    "#1: \"a\":500 ESTABLISHED_CHILD_SA (x); IKE SA #;",
	    "#1: \"a\":500 ESTABLISHED_CHILD_SA (x); IKE SA #-1;",
	    "\"a\": ...",
	    "\"a\": x...y",
	    "\"a\":   ike_life: 99999999999999999999999s;",
	    ("pluto_version=4.10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	     "0"),
	};
	struct sa_snapshot s;
	struct lsw_info info;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sa_snapshot_init(&s);
		T_EQ_INT(lsw_parse_status(&s, bad[i], strlen(bad[i]), &info), 0);
		/* only the one well-formed half ("a": x...y) yields anything */
		T_ASSERT(s.n_ikes == 0);
		T_ASSERT(strlen(info.version) < sizeof(info.version));
		sa_snapshot_done(&s);
	}
	/* the version that does not fit is left out, not cut */
	T_EQ_STR(info.version, "");
	sa_snapshot_init(&s);
	T_EQ_INT(lsw_parse_status(&s, NULL, 0, NULL), 0);
	sa_snapshot_done(&s);
}

/* A NUL inside a line is data, not the end of a token: the fuzzer found a state line with one
 * that made the state-name scan loop for ever. */
static void nul_bytes(void)
{
	static const char text[] = "#1: \"a\":500 \0ESTABLISHED_IKE_SA (x);\n"
	                           "#2: \"a\"\0 ESTABLISHED_IKE_SA (x);\n"
	                           "#3: \"a\" x\0y ESTABLISHED_IKE_SA (x);\n";
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	T_EQ_INT(lsw_parse_status(&s, text, sizeof(text) - 1, NULL), 0);
	T_EQ_INT(s.n_ikes, 3);
	T_EQ_STR(s.ikes[0].state, "ESTABLISHED");
	sa_snapshot_done(&s);
}

/* The recorded file cut at every byte: never more than the whole gives, never a crash. */
static void cut_anywhere(void)
{
	size_t len;
	char *text = load(DIR "status-child-up.synth.txt", &len);

	T_ASSERT(text);
	for (size_t cut = 0; cut <= len; cut += 7) {
		struct sa_snapshot s;

		sa_snapshot_init(&s);
		T_EQ_INT(lsw_parse_status(&s, text, cut, NULL), 0);
		T_ASSERT(s.n_ikes <= 1 && s.n_conns <= 2);
		sa_snapshot_done(&s);
	}
	free(text);
}

static void traffic_malformed(void)
{
	static const char text[] =
	    "#2: \"a-b\", type=ESP, add_time=1796536153, inBytes=168, outBytes=252\n"
	    "#2: \"a-b\", type=ESP, inBytes=-1, outBytes=18446744073709551616\n"
	    "#3: \"zz\", type=ESP, inBytes=5\n"
	    "#2 \"a-b\", type=ESP, inBytes=9\n"
	    "#2: \"a-b\", type=ESP, add_time=99999999999999, inBytes=\n";
	static const char st[] = "#1: \"a-b\":500 ESTABLISHED_IKE_SA (established IKE SA);\n"
	                         "#2: \"a-b\":500 ESTABLISHED_CHILD_SA (established Child SA); IKE "
	                         "SA #1;\n";
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	s.now = NOW;
	T_EQ_INT(lsw_parse_status(&s, st, sizeof(st) - 1, NULL), 0);
	lsw_parse_traffic(&s, text, sizeof(text) - 1);
	T_EQ_INT(s.ikes[0].children[0].totals.bytes_in, 168);
	T_EQ_INT(s.ikes[0].children[0].totals.bytes_out, 252);
	/* an add_time in the future is no install time */
	T_EQ_INT(s.ikes[0].children[0].install_time, 7);
	lsw_parse_traffic(&s, NULL, 0);
	sa_snapshot_done(&s);
}

/* retransmit-interval and retransmit-timeout of one connection (pluto's defaults otherwise). */
static void retransmit_settings(void)
{
	static const struct {
		const char *line;
		double interval, timeout;
		bool configured;
		int ret;
	} v[] = {
	    {"000 \"x\":   retransmit-interval: 500ms; retransmit-timeout: 60s; iketcp:no;", 0.5,
	     60, true, 0},
	    {"\"x\":   retransmit-interval: 2s; retransmit-timeout: 6s;", 2, 6, true, 0},
	    {"\"x\":   retransmit-interval:750ms; retransmit-timeout:90s", 0.75, 90, true, 0},
	    /* malformed: that value is pluto's default */
	    {"\"x\":   retransmit-interval: 0ms; retransmit-timeout: 6s;", 0.5, 6, false, 0},
	    {"\"x\":   retransmit-interval: 500xs; retransmit-timeout: -6s;", 0.5, 60, false, 0},
	    {"\"x\":   retransmit-interval: ms; retransmit-timeout: 99999999999999999999s;", 0.5,
	     60, false, 0},
	    {"\"x\":   retransmit-interval: 500", 0.5, 60, false, 0},
	    {"\"x\":   retransmit-interval: 500m", 0.5, 60, false, 0},
	    /* another connection, a prefix of the name, no quotes, nothing */
	    {"\"y\":   retransmit-interval: 2s; retransmit-timeout: 6s;", 0.5, 60, false, -ENOENT},
	    {"\"xx\":   retransmit-interval: 2s; retransmit-timeout: 6s;", 0.5, 60, false, -ENOENT},
	    {"x:   retransmit-interval: 2s; retransmit-timeout: 6s;", 0.5, 60, false, -ENOENT},
	    {"\"x\"[3]:   retransmit-interval: 2s;", 0.5, 60, false, -ENOENT},
	    {"", 0.5, 60, false, -ENOENT},
	};
	struct sa_retx_timing t;
	size_t len;
	char *text = load(DIR "status-ike-up.txt", &len);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_EQ_INT(lsw_parse_retx(v[i].line, strlen(v[i].line), "x", &t), v[i].ret);
		T_EQ_INT(t.model, SA_RETX_PLUTO);
		T_ASSERT(t.timeout == v[i].interval);
		T_ASSERT(t.limit == v[i].timeout);
		T_EQ_INT(t.configured, v[i].configured);
	}
	/* the same lines in a whole --status: each connection's schedule in the snapshot (serve's
	 * peer_silent), none (timeout 0) where whack shows no line for it */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char st[512];
		struct sa_snapshot s;

		snprintf(
		    st, sizeof(st),
		    "\"x\": 10.0.0.0/24===192.0.2.1...198.51.100.1===10.0.1.0/24; unrouted;\n%s\n",
		    v[i].line);
		sa_snapshot_init(&s);
		T_EQ_INT(lsw_parse_status(&s, st, strlen(st), NULL), 0);
		T_EQ_INT(s.n_conns, 1);
		if (v[i].ret == 0 && (s.conns[0].retx.model != SA_RETX_PLUTO ||
		                      s.conns[0].retx.timeout != v[i].interval ||
		                      s.conns[0].retx.limit != v[i].timeout ||
		                      s.conns[0].retx.configured != v[i].configured))
			test_fail(__FILE__, __LINE__, "vector %zu: %g %g", i,
			          s.conns[0].retx.timeout, s.conns[0].retx.limit);
		if (v[i].ret != 0 && s.conns[0].retx.timeout != 0)
			test_fail(__FILE__, __LINE__, "vector %zu: a schedule", i);
		sa_snapshot_done(&s);
	}
	/* the recording: both connections at pluto's defaults, as whack prints them */
	T_ASSERT(text);
	T_EQ_INT(lsw_parse_retx(text, len, "a-c", &t), 0);
	T_ASSERT(t.timeout == 0.5 && t.limit == 60 && t.configured);
	T_EQ_INT(lsw_parse_retx(NULL, 0, "a-c", &t), -ENOENT);
	{
		struct sa_snapshot s;

		sa_snapshot_init(&s);
		T_EQ_INT(lsw_parse_status(&s, text, len, NULL), 0);
		T_EQ_INT(s.n_conns, 2);
		for (uint32_t i = 0; i < s.n_conns; i++)
			T_ASSERT(s.conns[i].retx.timeout == 0.5 && s.conns[i].retx.limit == 60 &&
			         s.conns[i].retx.configured);
		sa_snapshot_done(&s);
	}
	free(text);
}

static void global_counters(void)
{
	static const char junk[] = "a=1\nb\n=3\nc d=4\ne=-5\nf=x\ng=18446744073709551615\n";
	struct lsw_global g;
	uint64_t v = 0;
	size_t len;
	char *text = load(DIR "globalstatus-final.txt", &len);

	T_ASSERT(text);
	lsw_global_init(&g);
	T_EQ_INT(lsw_parse_global(&g, text, len), 0);
	T_ASSERT(g.n > 500);
	T_EQ_INT(lsw_global_get(&g, "total.ike.ikev2.established", &v), 0);
	T_EQ_INT(v, 4);
	T_EQ_INT(lsw_global_get(&g, "total.ike.ikev2.failed", &v), 0);
	T_EQ_INT(v, 8);
	T_EQ_INT(lsw_global_get(&g, "total.ikev2.ike.finished.auth-failed", &v), 0);
	T_EQ_INT(v, 2);
	T_EQ_INT(lsw_global_get(&g, "total.ikev2.sent.notifies.error.NO_PROPOSAL_CHOSEN", &v), 0);
	T_EQ_INT(v, 1);
	T_EQ_INT(lsw_global_get(&g, "no.such", &v), -ENOENT);
	lsw_global_reset(&g);
	T_EQ_INT(lsw_parse_global(&g, junk, sizeof(junk) - 1), 0);
	T_EQ_INT(g.n, 2);
	T_EQ_INT(lsw_global_get(&g, "g", &v), 0);
	T_ASSERT(v == UINT64_MAX);
	lsw_global_done(&g);
	free(text);
}

TEST_MAIN("libreswan", TEST(status_ike_up), TEST(status_halfopen), TEST(showstates_alone),
          TEST(child_up_4x), TEST(child_up_5x), TEST(child_order_and_orphans),
          TEST(malformed_status), TEST(nul_bytes), TEST(cut_anywhere), TEST(traffic_malformed),
          TEST(retransmit_settings), TEST(global_counters))
