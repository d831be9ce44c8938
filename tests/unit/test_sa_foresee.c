// SPDX-License-Identifier: Apache-2.0
/*
 * Single-end rekey failure forecasts (src/exporter/sa_foresee.c) on hand-made SAs: lifetimes
 * that end before the rekey, overdue rekeys and reauthentications, SAs already replaced, and
 * certificates of ours that expire before the next reauthentication (or rekey without reauth);
 * then the exported series of sa_metrics_write_foresee().
 */
#include "test.h"

#include "tmpdir.h"

#include "exporter/charon_retx.h"
#include "exporter/sa_foresee.h"
#include "exporter/sa_metrics.h"

#include <errno.h>
#include <stdio.h>

#include <string.h>

#define NOW 1000000.0

static struct snap_child child(const char *state, int64_t rekey, int64_t life)
{
	return (struct snap_child){
	    .name = "net", .state = state, .rekey_time = rekey, .life_time = life};
}

static void child_forecasts(void)
{
	static const struct {
		const char *state;
		int64_t rekey, life;
		enum sa_foresee_reason want;
		double fail_at;
	} rows[] = {
	    {"INSTALLED", 30, 90, SA_FORESEE_NONE, 0},            /* healthy: rekeys first */
	    {"INSTALLED", 60, 40, SA_FORESEE_LIFETIME, NOW + 40}, /* life_time < rekey_time */
	    {"INSTALLED", 40, 40, SA_FORESEE_LIFETIME, NOW + 40}, /* equal: expiry wins */
	    {"INSTALLED", SNAP_NONE, 40, SA_FORESEE_LIFETIME, NOW + 40}, /* no rekey at all */
	    {"INSTALLED", SNAP_NONE, SNAP_NONE, SA_FORESEE_NONE, 0},     /* never expires */
	    {"INSTALLED", -12, 50, SA_FORESEE_REKEY_OVERDUE, NOW + 50},  /* rekey failing */
	    {"REKEYING", -3, 70, SA_FORESEE_REKEY_OVERDUE, NOW + 70},
	    {"REKEYING", 0, 70, SA_FORESEE_NONE, 0}, /* due this second: not yet overdue */
	    {"REKEYED", -1, 4, SA_FORESEE_NONE, 0},  /* replaced: its times mean nothing */
	    {"DELETED", -1, -1, SA_FORESEE_NONE, 0},
	    {"", 10, 5, SA_FORESEE_NONE, 0},
	};
	struct sa_snapshot s = {.now = NOW + 0.7};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct snap_child c = child(rows[i].state, rows[i].rekey, rows[i].life);
		struct sa_forecast f;

		T_EQ_INT(sa_foresee_child(&s, &c, &f), rows[i].want != SA_FORESEE_NONE);
		T_EQ_INT(f.reason, rows[i].want);
		if (rows[i].want != SA_FORESEE_NONE)
			T_ASSERT(f.fail_at == rows[i].fail_at);
	}
}

static void ike_forecasts(void)
{
	struct snap_cert certs_arr[] = {
	    {.has_privkey = false, .not_after = (int64_t)NOW + 10}, /* a CA: not ours */
	    {.has_privkey = true, .not_after = (int64_t)NOW + 3000},
	    {.has_privkey = true, .not_after = SNAP_NONE},
	};
	struct sa_snapshot certs = {.certs = certs_arr, .n_certs = 3};
	struct sa_snapshot s = {.now = NOW};
	struct snap_conn pubkey = {.name = "a-b", .local_pubkey = true};
	struct snap_conn psk = {.name = "a-b"};
	static const struct {
		const char *state;
		int64_t rekey, reauth;
		bool use_pubkey;
		enum sa_foresee_reason want;
		double fail_at;
	} rows[] = {
	    {"ESTABLISHED", 1000, SNAP_NONE, true, SA_FORESEE_NONE, 0},
	    /* the certificate ends at +3000, the reauthentication is at +3600 */
	    {"ESTABLISHED", 1000, 3600, true, SA_FORESEE_CERT_EXPIRY, NOW + 3600},
	    {"ESTABLISHED", 1000, 2000, true, SA_FORESEE_NONE, 0},
	    /* no reauthentication: the next rekey is what authenticates again */
	    {"ESTABLISHED", 4000, SNAP_NONE, true, SA_FORESEE_CERT_EXPIRY, NOW + 4000},
	    /* a PSK connection does not care about certificates */
	    {"ESTABLISHED", 4000, 5000, false, SA_FORESEE_NONE, 0},
	    {"ESTABLISHED", -5, SNAP_NONE, false, SA_FORESEE_REKEY_OVERDUE, NOW},
	    {"REKEYING", 100, -2, false, SA_FORESEE_REKEY_OVERDUE, NOW},
	    {"CONNECTING", -5, SNAP_NONE, false, SA_FORESEE_NONE, 0},
	    {"DELETING", 4000, 5000, true, SA_FORESEE_NONE, 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct snap_ike ike = {.conn = "a-b",
		                       .state = rows[i].state,
		                       .rekey_time = rows[i].rekey,
		                       .reauth_time = rows[i].reauth};
		struct sa_forecast f;

		T_EQ_INT(sa_foresee_ike(&s, &ike, rows[i].use_pubkey ? &pubkey : &psk, &certs, &f),
		         rows[i].want != SA_FORESEE_NONE);
		T_EQ_INT(f.reason, rows[i].want);
		if (rows[i].want != SA_FORESEE_NONE)
			T_ASSERT(f.fail_at == rows[i].fail_at);
		if (rows[i].want == SA_FORESEE_CERT_EXPIRY)
			T_ASSERT(f.cert_not_after == NOW + 3000);
		/* without the certificates or the connection, no certificate verdict */
		sa_foresee_ike(&s, &ike, NULL, &certs, &f);
		T_ASSERT(f.reason != SA_FORESEE_CERT_EXPIRY);
		sa_foresee_ike(&s, &ike, &pubkey, NULL, &f);
		T_ASSERT(f.reason != SA_FORESEE_CERT_EXPIRY);
	}
	T_EQ_STR(sa_foresee_reason_name(SA_FORESEE_NONE), "");
	T_EQ_STR(sa_foresee_reason_name(SA_FORESEE_CERT_EXPIRY), "cert_expiry");
}

/* The series: one per CHILD config / connection expected to fail, none for healthy ones. */
static void series(void)
{
	struct snap_child kids[] = {child("INSTALLED", 60, 40), child("INSTALLED", 30, 90)};
	struct snap_ike ike = {.conn = "a-b",
	                       .state = "ESTABLISHED",
	                       .rekey_time = -3,
	                       .reauth_time = SNAP_NONE,
	                       .children = kids,
	                       .n_children = 2};
	struct sa_view_child vc[] = {{.name = "net", .best = &kids[0]},
	                             {.name = "ok", .best = &kids[1]},
	                             {.name = "down", .best = NULL}};
	struct sa_view_conn vconn = {.name = "a-b", .best = &ike, .children = vc, .n_children = 3};
	struct sa_view v = {.conns = &vconn, .n_conns = 1};
	struct sa_snapshot s = {.now = NOW};
	struct buf out;
	struct prom_writer w;

	kids[1].name = "ok";
	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	sa_metrics_write_foresee(&w, &s, &v, NULL, NULL);
	T_EQ_INT(out.err, 0);
	buf_append(&out, "", 1);
	T_CONTAINS(out.data, "ipsec_child_sa_rekey_failure_expected_timestamp_seconds{conn=\"a-b\","
	                     "child=\"net\",reason=\"lifetime\"} 1000040\n");
	T_NOT_CONTAINS(out.data, "child=\"ok\"");
	T_NOT_CONTAINS(out.data, "child=\"down\"");
	T_CONTAINS(out.data, "ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{conn=\"a-b\","
	                     "reason=\"rekey_overdue\"} 1000000\n");
	T_CONTAINS(out.data,
	           "# TYPE ipsec_child_sa_rekey_failure_expected_timestamp_seconds gauge");
	buf_done(&out);
}

/* The peer is silent on IKE while its ESP still arrives: the IKE SA fails when charon gives up,
 * or at its next rekey if that comes first; no forecast without ESP since the first send. */
static void peer_silent(void)
{
	struct sa_retx_timing def = SA_RETX_TIMING_DEFAULT, fast = {1.0, 1.5, 3, true};
	struct snap_child ch = {.name = "net", .state = "INSTALLED", .use_in = 2};
	struct snap_ike ike = {.conn = "a-b",
	                       .uniqueid = 7,
	                       .state = "ESTABLISHED",
	                       .rekey_time = SNAP_NONE,
	                       .reauth_time = SNAP_NONE,
	                       .children = &ch,
	                       .n_children = 1};
	struct sa_snapshot s = {.now = NOW};
	struct sa_silence q = {7, NOW - 9, 4};
	struct sa_forecast f;

	/* 4 s * (1 + 1.8 + ... + 1.8^5): the 165 s of notes/lab.md; 1 + 1.5 + 2.25 + 3.375 */
	T_ASSERT(sa_retx_giveup_s(&def) > 165.0 && sa_retx_giveup_s(&def) < 165.1);
	T_ASSERT(sa_retx_giveup_s(&fast) == 8.125);
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &def, &f));
	T_EQ_INT(f.reason, SA_FORESEE_PEER_SILENT);
	T_EQ_STR(sa_foresee_reason_name(f.reason), "peer_silent");
	T_ASSERT(f.fail_at > NOW - 9 + 165.0 && f.fail_at < NOW - 9 + 165.1);
	/* an IKE rekey due first is when it fails */
	ike.rekey_time = 30;
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &def, &f));
	T_ASSERT(f.fail_at == NOW + 30);
	ike.rekey_time = SNAP_NONE;
	/* no ESP since the request left: the peer may be dead, that is not this forecast */
	ch.use_in = 20;
	T_ASSERT(!sa_foresee_silent(&s, &ike, &q, &def, &f));
	T_EQ_INT(f.reason, SA_FORESEE_NONE);
	ch.use_in = SNAP_NONE;
	T_ASSERT(!sa_foresee_silent(&s, &ike, &q, &def, &f));
	ch.use_in = 0;
	/* another IKE SA's request, or an SA that is not up */
	q.ike_id = 8;
	T_ASSERT(!sa_foresee_silent(&s, &ike, &q, &def, &f));
	q.ike_id = 0;
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &def, &f));
	ike.state = "CONNECTING";
	T_ASSERT(!sa_foresee_silent(&s, &ike, &q, &def, &f));
	T_ASSERT(!sa_foresee_silent(&s, &ike, NULL, &def, &f));
}

/* On a pluto gateway: the schedule is the connection's own (whack --status, snap_conn.retx),
 * charon's settings stay for a connection without one; a request past the retransmit or give-up
 * pluto announced, with neither logged, was answered (pluto does not log a liveness answer). */
static void peer_silent_pluto(void)
{
	struct sa_retx_timing charon = SA_RETX_TIMING_DEFAULT;
	struct snap_child ch = {.name = "a-b", .state = "INSTALLED", .use_in = 1};
	struct snap_ike ike = {.conn = "a-b",
	                       .uniqueid = 4,
	                       .state = "ESTABLISHED",
	                       .rekey_time = SNAP_NONE,
	                       .reauth_time = SNAP_NONE,
	                       .children = &ch,
	                       .n_children = 1};
	struct snap_conn conns[2] = {{.name = "a-c"}, {.name = "a-b"}};
	struct sa_snapshot s = {.now = NOW, .conns = conns, .n_conns = 2};
	/* the recording's #4: first sent 4 s ago, its 4th retransmit says "will wait 4 seconds" */
	struct sa_silence q = {4, NOW - 4, 0, NOW + 4};
	struct sa_forecast f;

	conns[1].retx = SA_RETX_TIMING_PLUTO;
	conns[1].retx.limit = 6; /* the lab's retransmit-timeout=6s: given up 8 s after */
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &charon, &f));
	T_ASSERT(f.fail_at == NOW - 4 + 8);
	/* pluto's defaults (500 ms, 60 s): 64 s */
	conns[1].retx = SA_RETX_TIMING_PLUTO;
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &charon, &f));
	T_ASSERT(f.fail_at == NOW - 4 + 64);
	/* no schedule for the connection (charon, or a line whack did not print): the source's */
	memset(&conns[1].retx, 0, sizeof(conns[1].retx));
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &charon, &f));
	T_ASSERT(f.fail_at > NOW - 4 + 165.0 && f.fail_at < NOW - 4 + 165.1);
	conns[1].retx = SA_RETX_TIMING_PLUTO;
	/* the announced time passed, within the slack of a log read: still outstanding */
	s.now = NOW + 4 + SA_SILENCE_SLACK_S;
	ch.use_in = 0;
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &charon, &f));
	/* past it, with no retransmit and no give-up logged: answered */
	s.now = NOW + 4 + SA_SILENCE_SLACK_S + 1;
	T_ASSERT(!sa_foresee_silent(&s, &ike, &q, &charon, &f));
	T_EQ_INT(f.reason, SA_FORESEE_NONE);
	/* charon announces nothing (0): only its log's answer or give-up ends the request */
	q.next_by = 0;
	T_ASSERT(sa_foresee_silent(&s, &ike, &q, &charon, &f));
}

/* pluto's schedule (programs/pluto/retransmit.c): retransmit-interval twice, then doubling while
 * below retransmit-timeout, given up once the waits reach it or after 12 retransmits. */
static void pluto_giveup(void)
{
	struct sa_retx_timing def = SA_RETX_TIMING_PLUTO, t = def;

	/* 0.5 + 0.5 + 1 + 2 + 4 + 8 + 16 + 32: 7 retransmits ("60 second timeout exceeded after 7
	 * retransmits") */
	T_ASSERT(sa_retx_giveup_s(&def) == 64.0);
	/* the lab's retransmit-timeout=6s: 0.5 + 0.5 + 1 + 2 + 4, as recorded in
	 * tests/fixtures/libreswan/pluto.log (first send 04:59:33.9, gave up at 04:59:41.9 "after 4
	 * retransmits") */
	t.limit = 6;
	T_ASSERT(sa_retx_giveup_s(&t) == 8.0);
	/* the waits always add up to twice the last one, so a doubled wait never passes the
	 * timeout before the total does: 1 s interval, 10 s timeout: 1 1 2 4 8 */
	t = def;
	t.timeout = 1;
	t.limit = 10;
	T_ASSERT(sa_retx_giveup_s(&t) == 16.0);
	/* the cap of 12 retransmits: 0.1 s interval, 1000 s timeout */
	t.timeout = 0.125;
	t.limit = 1000;
	T_ASSERT(sa_retx_giveup_s(&t) ==
	         0.125 * 2 + 0.25 + 0.5 + 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128 + 256);
	/* nonsense gives no time rather than a loop or a negative one */
	t.limit = 0;
	T_ASSERT(sa_retx_giveup_s(&t) == 0);
	t = def;
	t.timeout = -1;
	T_ASSERT(sa_retx_giveup_s(&t) == 0);
	/* charon's model is unchanged by the new fields */
	t = SA_RETX_TIMING_DEFAULT;
	T_ASSERT(sa_retx_giveup_s(&t) > 165.0);
}

/* charon's retransmit settings from strongswan.conf (its includes too); what is missing or out of
 * range stays the default, and an unreadable file says why. */
static void retx_from_strongswan_conf(void)
{
	char path[512], inc[512], err[300], what[120];
	struct sa_retx_timing t;
	FILE *f;

	T_ASSERT(tmpdir_path("strongswan.conf", path, sizeof(path)));
	T_ASSERT(tmpdir_path("retx.conf", inc, sizeof(inc)));
	f = fopen(path, "w");
	T_ASSERT(f != NULL);
	fputs("charon {\n  retransmit_timeout = 1.0\n  include retx.conf\n"
	      "  retransmit_tries = 300\n}\n",
	      f);
	T_ASSERT(fclose(f) == 0);
	f = fopen(inc, "w");
	T_ASSERT(f != NULL);
	fputs("retransmit_base = 1.5\n", f);
	T_ASSERT(fclose(f) == 0);
	T_EQ_INT(charon_retx_load(path, &t, err, sizeof(err)), 0);
	T_ASSERT(t.configured);
	T_ASSERT(t.timeout == 1.0 && t.base == 1.5);
	T_EQ_INT(t.tries, 5); /* 300 is out of range: charon's default stays */
	charon_retx_describe(&t, what, sizeof(what));
	T_EQ_STR(what, "retransmit_timeout 1 s, base 1.5, 5 tries (strongswan.conf)");
	T_ASSERT(tmpdir_path("none.conf", path, sizeof(path)));
	T_EQ_INT(charon_retx_load(path, &t, err, sizeof(err)), -ENOENT);
	T_ASSERT(!t.configured && t.timeout == 4.0 && t.base == 1.8 && t.tries == 5);
	T_CONTAINS(err, "none.conf");
	charon_retx_describe(&t, what, sizeof(what));
	T_EQ_STR(what, "retransmit_timeout 4 s, base 1.8, 5 tries (charon's defaults)");
}

TEST_MAIN("sa_foresee", TEST(child_forecasts), TEST(ike_forecasts), TEST(series), TEST(peer_silent),
          TEST(peer_silent_pluto), TEST(pluto_giveup), TEST(retx_from_strongswan_conf))
