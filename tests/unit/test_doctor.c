// SPDX-License-Identifier: Apache-2.0
/*
 * ikewatch doctor: the recorded lab logs of each fault (tests/fixtures/logs) folded into facts
 * must make the right cause rank first; synthetic facts cover the data-plane, MTU, certificate,
 * kernel and daemon rules; ranking, rendering (text and JSON, with escaping) and the limits.
 */
#include "test.h"

#include "common/file_read.h"
#include "doctor/doctor_checks.h"
#include "doctor/doctor_proposals.h"
#include "doctor/doctor_gather.h"
#include "doctor/doctor_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define LOGS "../fixtures/logs/"

static struct doctor_facts F;

/* charon's log has local times: read them as UTC, whatever the machine's zone */
static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

static struct doctor_report R;

static void reset(void)
{
	doctor_facts_done(&F);
	doctor_report_done(&R);
	doctor_facts_init(&F);
	doctor_report_init(&R);
	F.charon_up = true;
	F.now = 1700000000;
	F.log_read = true;
	F.probe_configured = true;
}

/* a-b as the lab loads it, with or without an IKE SA */
static struct doctor_conn_facts *lab_conn(bool up)
{
	struct doctor_conn_facts *c = doctor_facts_conn(&F, "a-b", 3);
	struct doctor_child_facts *ch = doctor_conn_child(c, "net");

	c->configured = true;
	c->up = up;
	memcpy(c->remote_addrs, "198.51.100.1", 13);
	if (up) {
		memcpy(c->ike_state, "ESTABLISHED", 12);
		memcpy(ch->state, "INSTALLED", 10);
	}
	ch->configured = true;
	ch->up = up;
	return c;
}

static int feed_fixture(const char *name)
{
	char *text;
	size_t len;
	int r =
	    file_read_tail_lines(name, DOCTOR_LOG_TAIL_BYTES, DOCTOR_LOG_TAIL_LINES, &text, &len);

	if (r < 0)
		return r;
	doctor_log_feed_text(&F, text, len);
	free(text);
	return 0;
}

/* Each recorded lab fault: the gateway's log, the state list-sas showed, the expected cause. */
static const struct {
	const char *log;
	bool up;
	const char *first;
} fault_vectors[] = {
    {LOGS "psk.a.log", false, "auth_failed"},
    {LOGS "psk.b.log", false, "auth_failed"},
    {LOGS "proposal.a.log", false, "proposal_mismatch"},
    {LOGS "proposal.b.log", false, "proposal_mismatch"},
    {LOGS "dpd.a.log", false, "peer_unreachable"},
    {LOGS "drop_ike.a.log", false, "peer_unreachable"},
    {LOGS "ts.a.log", true, "ts_mismatch"},
    {LOGS "healthy_rekey.a.log", true, "state"},
};

static void test_lab_fault_logs(void)
{
	for (size_t i = 0; i < sizeof(fault_vectors) / sizeof(fault_vectors[0]); i++) {
		struct doctor_conn_facts *c;

		reset();
		c = lab_conn(fault_vectors[i].up);
		if (strcmp(fault_vectors[i].first, "ts_mismatch") == 0) {
			c->children[0].up = false;
			c->children[0].state[0] = '\0';
		}
		F.probe_configured = true;
		T_EQ_INT(feed_fixture(fault_vectors[i].log), 0);
		T_ASSERT(F.log_lines > 0);
		doctor_diagnose(&F, "a-b", &R);
		T_ASSERT(R.n > 0);
		if (strcmp(R.f[0].id, fault_vectors[i].first) != 0)
			test_fail(__FILE__, __LINE__, "%s: first finding %s, expected %s",
			          fault_vectors[i].log, R.f[0].id, fault_vectors[i].first);
		T_EQ_STR(R.f[0].id, fault_vectors[i].first);
	}
}

static void test_proposals_in_evidence(void)
{
	const struct doctor_finding *d;
	bool found = false;

	reset();
	lab_conn(false);
	T_EQ_INT(feed_fixture(LOGS "proposal.a.log"), 0);
	doctor_diagnose(&F, NULL, &R);
	d = doctor_find(&R, "proposal_mismatch", "a-b");
	T_ASSERT(d);
	for (uint32_t i = 0; i < d->n_evidence; i++)
		found |= strstr(d->evidence[i], "IKE:AES_CBC_128/HMAC_SHA2_256_128") != NULL;
	T_ASSERT(found);
}

/* Trouble before the last establishment was overcome and must not be blamed now. */
static void test_history_forgotten_after_establish(void)
{
	static const char *lines[] = {
	    "Nov 23 07:40:10 08[IKE] <a-b|2> received AUTHENTICATION_FAILED notify error",
	    "Nov 23 07:41:10 08[IKE] <a-b|3> IKE_SA a-b[3] established between "
	    "192.0.2.1[gw-a.lab]...198.51.100.1[gw-b.lab]",
	};

	reset();
	lab_conn(true);
	for (size_t i = 0; i < 2; i++)
		doctor_log_feed(&F, lines[i], strlen(lines[i]));
	T_EQ_INT(F.conns[0].log.last_fail, -1);
	T_EQ_INT(F.conns[0].log.established, 1);
	doctor_diagnose(&F, "a-b", &R);
	T_ASSERT(!doctor_find(&R, "auth_failed", NULL));
}

/* fault matrix, pfs-rekey: the log says why the CHILD rekey is overdue, and the cause ranks
 * above the symptom */
static void test_rekey_cause_first(void)
{
	static const char *lines[] = {
	    "Dec  6 05:22:06 10[IKE] <a-b|2> received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built",
	    "Dec  6 05:22:06 10[IKE] <a-b|2> failed to establish CHILD_SA, keeping IKE_SA",
	    "Dec  6 05:22:06 10[IKE] <a-b|2> CHILD_SA rekeying failed, trying again in 14 seconds",
	};
	struct doctor_conn_facts *c;

	reset();
	c = lab_conn(true);
	c->children[0].rekey_time = -7;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		doctor_log_feed(&F, lines[i], strlen(lines[i]));
	doctor_diagnose(&F, "a-b", &R);
	T_ASSERT(doctor_find(&R, "rekey_overdue", NULL) != NULL);
	T_EQ_STR(R.f[0].id, "rekey_failed");
	T_CONTAINS(R.f[0].title, "check the PFS group");
	/* overdue without a failure in the log: the symptom alone */
	reset();
	c = lab_conn(true);
	c->children[0].rekey_time = -7;
	doctor_diagnose(&F, "a-b", &R);
	T_EQ_STR(R.f[0].id, "rekey_overdue");
	T_ASSERT(!doctor_find(&R, "rekey_failed", NULL));
}

/* fault matrix, b-terminates: the peer deleted the IKE SA, which our log shows; an
 * establishment after it forgets it */
static void test_peer_deleted(void)
{
	static const char *lines[] = {
	    "Nov 14 22:12:56 14[IKE] <a-b|1> received DELETE for ESP CHILD_SA with SPI 04fd1090",
	    "Nov 14 22:13:10 10[IKE] <a-b|1> received DELETE for IKE_SA a-b[1]",
	    "Nov 14 22:13:10 10[IKE] <a-b|1> deleting IKE_SA a-b[1] between "
	    "192.0.2.1[gw-a.lab]...198.51.100.1[gw-b.lab]",
	    "Nov 14 22:13:12 10[IKE] <a-b|2> IKE_SA a-b[2] established between "
	    "192.0.2.1[gw-a.lab]...198.51.100.1[gw-b.lab]",
	};
	const struct doctor_finding *d;

	utc();
	reset();
	lab_conn(false);
	for (size_t i = 0; i < 3; i++)
		doctor_log_feed(&F, lines[i], strlen(lines[i]));
	doctor_diagnose(&F, "a-b", &R);
	d = doctor_find(&R, "conn_down", "a-b");
	T_ASSERT(d != NULL);
	T_EQ_STR(R.f[0].id, "conn_down");
	T_CONTAINS(d->title, "the peer deleted the IKE SA");
	T_ASSERT(strstr(d->title, "no attempt") == NULL);
	T_ASSERT(d->n_evidence > 0);
	T_CONTAINS(d->evidence[0], "10 s ago: received DELETE for IKE_SA a-b[1]");
	/* established again afterwards, and down again for another reason: not the peer's DELETE */
	reset();
	lab_conn(false);
	for (size_t i = 0; i < 4; i++)
		doctor_log_feed(&F, lines[i], strlen(lines[i]));
	doctor_diagnose(&F, "a-b", &R);
	d = doctor_find(&R, "conn_down", "a-b");
	T_ASSERT(d != NULL);
	T_ASSERT(strstr(d->title, "peer deleted") == NULL);
}

/* --peer: the peer's ikewatch answers and says whether its charon is up, which tells a path that
 * drops IKE from a dead peer (fault matrix, ike-both and ike-b-a; charon-b-killed) */
static void test_peer_charon_tells_path(void)
{
	static const struct {
		const char *body;
		const char *title;
	} m[] = {
	    {"ikewatch_build_info{version=\"1\"} 1\nipsec_up 1\n",
	     "the path drops IKE (UDP 500/4500)"},
	    {"ikewatch_build_info{version=\"1\"} 1\nipsec_up 0\n", "the peer's charon is down"},
	    {"ipsec_up 1\n", "it is down"}, /* not ikewatch */
	    {NULL, "it is down"},           /* no --peer */
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		const struct doctor_finding *d;

		reset();
		lab_conn(false);
		T_EQ_INT(feed_fixture(LOGS "drop_ike.a.log"), 0);
		F.proposals = calloc(1, sizeof(*F.proposals));
		T_ASSERT(F.proposals != NULL);
		F.proposals->peer_charon_up = -1;
		if (m[i].body) {
			snprintf(F.proposals->peer_url, sizeof(F.proposals->peer_url),
			         "http://198.51.100.1:9917/metrics");
			F.proposals->peer =
			    doctor_proposals_judge_peer(m[i].body, strlen(m[i].body), F.proposals);
		}
		doctor_diagnose(&F, "a-b", &R);
		T_EQ_STR(R.f[0].id, "peer_unreachable");
		d = &R.f[0];
		T_CONTAINS(d->title, m[i].title);
	}
}

static void test_one_way_dataplane(void)
{
	struct doctor_conn_facts *c;

	reset();
	c = lab_conn(true);
	c->probed = true;
	memcpy(c->probe_target, "203.0.113.129", 14);
	c->probe_sent = 5;
	c->probe_counters = true;
	c->probe_out_delta = 5;
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "dataplane_one_way");
	T_CONTAINS(R.f[0].evidence[1], "out +5, in +0");

	/* no counters: the data plane is down, direction unknown */
	reset();
	c = lab_conn(true);
	c->probed = true;
	c->probe_sent = 5;
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "dataplane_down");

	/* every probe answered: nothing critical */
	reset();
	c = lab_conn(true);
	c->probed = true;
	c->probe_sent = c->probe_received = 5;
	doctor_diagnose(&F, NULL, &R);
	T_EQ_INT(R.f[0].severity, DOCTOR_SEV_INFO);
}

/* A dying peer: IKE still ESTABLISHED but its DPD request is being retransmitted. */
static void test_peer_dying_beats_dataplane(void)
{
	static const char *lines[] = {
	    "Nov 23 07:39:55 16[ENC] <a-b|1> generating INFORMATIONAL request 2 [ ]",
	    "Nov 23 07:39:56 10[IKE] <a-b|1> retransmit 1 of request with message ID 2",
	};
	struct doctor_conn_facts *c;

	utc();
	reset();
	F.now = 1700725205; /* Nov 23 07:40:05 2023 UTC */
	c = lab_conn(true);
	c->probed = true;
	c->probe_sent = 5;
	for (size_t i = 0; i < 2; i++)
		doctor_log_feed(&F, lines[i], strlen(lines[i]));
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "peer_unreachable");
	/* the evidence says what charon is doing, not a bare "in flight" */
	T_CONTAINS(R.f[0].evidence[1],
	           "peer silent for 10 s: DPD request (message ID 2) retransmitted 1 times");
	T_ASSERT(!doctor_find(&R, "tasks_in_flight", NULL));
}

/* charon's filelog time ("%b %e %T", local time, no year), and what is not one */
static void test_log_time(void)
{
	static const char *bad[] = {
	    "",
	    "Nov 23 07:40",
	    "Xyz 23 07:40:01 x",
	    "Nov 32 07:40:01 x",
	    "Nov 23 24:40:01 x",
	    "Nov 23 07:60:01 x",
	    "Nov 2a 07:40:01 x",
	    "Nov  0 07:40:01 x",
	    "nov 23 07:40:01 x",
	    "Nov 23 07-40-01 x",
	    "00[IKE] <a-b|1> retransmit 1 of request with message ID 2",
	    "2023-11-23T07:40:01 00[IKE] x",
	};
	double now = 1700725205; /* Nov 23 07:40:05 2023 UTC */

	utc();

	T_ASSERT(doctor_log_time("Nov 23 07:40:01 10[IKE] x", 25, now) == 1700725201);
	T_ASSERT(doctor_log_time("Nov  3 07:40:01 10[IKE] x", 25, now) == 1700725201 - 20 * 86400);
	/* a line from December read in January is last year's */
	T_ASSERT(doctor_log_time("Dec 31 23:59:59 x", 17, 1704067199 + 3600) == 1704067199);
	T_ASSERT(doctor_log_time("Nov 23 07:40:01", 15, now) == 1700725201);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_ASSERT(doctor_log_time(bad[i], strlen(bad[i]), now) == -1);
	T_ASSERT(doctor_log_time(NULL, 0, now) == -1);
	/* a retransmit line without its request: silent for an unknown time, not a made-up one */
	reset();
	F.now = now;
	lab_conn(true);
	doctor_log_feed(&F, bad[10], strlen(bad[10]));
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "peer_unreachable");
	T_CONTAINS(R.f[0].evidence[1], "peer silent: its request (message ID 2)");
}

/* Without a log, doctor does not claim what the log shows. */
static void test_no_log_no_claims(void)
{
	struct doctor_conn_facts *c;

	reset();
	F.log_read = false;
	c = lab_conn(false);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "conn_down");
	T_NOT_CONTAINS(R.f[0].title, "log read shows");
	T_CONTAINS(R.f[0].title, "log was not read");
	reset();
	c = lab_conn(true);
	c->tasks_pending = true;
	doctor_diagnose(&F, NULL, &R);
	T_CONTAINS(doctor_find(&R, "tasks_in_flight", NULL)->evidence[0], "no retransmit");
	F.log_read = false;
	doctor_report_done(&R);
	doctor_report_init(&R);
	doctor_diagnose(&F, NULL, &R);
	T_CONTAINS(doctor_find(&R, "tasks_in_flight", NULL)->evidence[0], "not known");
	(void)c;
}

static void test_mtu_blackhole(void)
{
	struct doctor_conn_facts *c;

	reset();
	c = lab_conn(true);
	c->probed = true;
	c->probe_sent = c->probe_received = 5;
	c->mtu_ran = c->mtu_blackhole = true;
	c->path_mtu = 1022;
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "mtu_blackhole");
	T_CONTAINS(R.f[0].title, "1022");
}

static void test_certs_and_clock(void)
{
	reset();
	doctor_facts_add_cert(&F, "CN=old", 1600000000, 1690000000);
	doctor_facts_add_cert(&F, "CN=soon", 1600000000, 1700000000 + 86400);
	doctor_facts_add_cert(&F, "CN=fine", 1600000000, 1800000000);
	doctor_diagnose(&F, NULL, &R);
	T_ASSERT(doctor_find(&R, "cert_expired", NULL));
	T_ASSERT(doctor_find(&R, "cert_expiring", NULL));
	T_EQ_STR(R.f[0].id, "cert_expired");

	reset();
	doctor_facts_add_cert(&F, "CN=a", 1710000000, 1800000000);
	doctor_facts_add_cert(&F, "CN=b", 1720000000, 1800000000);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "clock_suspect");
	T_ASSERT(doctor_find(&R, "cert_not_yet_valid", NULL));
}

static void test_xfrm_policies_without_states(void)
{
	reset();
	lab_conn(true);
	F.xfrm_read = true;
	F.xfrm_policies = 4;
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "policies_without_states");

	/* kernel-libipsec keeps ESP in user space: an empty SAD is normal there */
	reset();
	lab_conn(true);
	F.xfrm_read = true;
	F.xfrm_policies = 4;
	F.libipsec = true;
	doctor_diagnose(&F, NULL, &R);
	T_ASSERT(!doctor_find(&R, "policies_without_states", NULL));
}

static void test_daemon_and_filter(void)
{
	reset();
	F.charon_up = false;
	memcpy(F.charon_error, "Connection refused", 19);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(R.f[0].id, "charon_down");
	T_CONTAINS(R.f[0].evidence[0], "Connection refused");

	reset();
	lab_conn(true);
	doctor_diagnose(&F, "nope", &R);
	T_EQ_STR(R.f[0].id, "unknown_conn");

	/* a connection only the log names is not triaged */
	reset();
	doctor_log_feed(&F,
	                "Nov 23 07:40:10 08[IKE] <gone|2> received AUTHENTICATION_FAILED "
	                "notify error",
	                76);
	doctor_diagnose(&F, NULL, &R);
	T_ASSERT(!doctor_find(&R, "auth_failed", NULL));

	reset();
	F.probe_configured = false;
	doctor_diagnose(&F, NULL, &R);
	T_ASSERT(doctor_find(&R, "no_probe_target", NULL));
}

static void test_rank_and_render(void)
{
	struct doctor_finding *a, *b;
	struct buf out;

	reset();
	a = doctor_add(&R, "low", "x", DOCTOR_SEV_INFO, 10, "low one");
	doctor_evidence(a, "quote \" backslash \\ newline \n end");
	b = doctor_add(&R, "high", "x", DOCTOR_SEV_CRIT, 90, "high one");
	doctor_next(b, "do %s", "this");
	doctor_add(&R, "tie", "", DOCTOR_SEV_WARN, 10, "tie one");
	doctor_rank(&R);
	T_EQ_STR(R.f[0].id, "high");
	T_EQ_STR(R.f[1].id, "tie"); /* same score: the higher severity first */
	T_EQ_STR(R.f[2].id, "low");
	buf_init(&out, 1 << 20);
	doctor_render_json(&R, &out);
	T_EQ_INT(out.err, 0);
	T_CONTAINS(out.data, "\"findings\"");
	T_CONTAINS(out.data, "\"id\":\"high\"");
	T_CONTAINS(out.data, "quote \\\" backslash \\\\ newline \\n end");
	T_ASSERT(strstr(out.data, "\"high\"") < strstr(out.data, "\"low\""));
	buf_reset(&out);
	doctor_render_text(&R, &out);
	T_CONTAINS(out.data, "1. [critical] x: high one (high, likelihood 90%)");
	T_CONTAINS(out.data, "next:     do this");
	buf_done(&out);
}

static void test_limits(void)
{
	reset();
	for (int i = 0; i < DOCTOR_FINDINGS_MAX + 5; i++)
		doctor_add(&R, "x", "", DOCTOR_SEV_INFO, 200, "x");
	T_EQ_INT(R.n, DOCTOR_FINDINGS_MAX);
	T_EQ_INT(R.dropped, 5);
	T_EQ_INT(R.f[0].score, 100);
	for (int i = 0; i < DOCTOR_EVIDENCE_MAX + 3; i++)
		doctor_evidence(&R.f[0], "e%d", i);
	T_EQ_INT(R.f[0].n_evidence, DOCTOR_EVIDENCE_MAX);
	doctor_evidence(NULL, "ignored");

	reset();
	for (int i = 0; i < DOCTOR_CONNS_MAX + 3; i++) {
		char name[16];
		int n = snprintf(name, sizeof(name), "c%d", i);

		doctor_facts_conn(&F, name, (size_t)n);
	}
	T_EQ_INT(F.n_conns, DOCTOR_CONNS_MAX);
	/* names that do not fit are refused, not cut */
	T_ASSERT(!doctor_facts_conn(
	    &F, "0123456789012345678901234567890123456789012345678901234567890123456789", 70));
}

/* Malformed and hostile log text: cut lines, CRLF, NUL bytes, no newline at all. */
static void test_malformed_log(void)
{
	static const char text[] =
	    "partial line without its head\r\n"
	    "Nov 23 07:40:10 08[IKE] <a-b|2> received AUTHENTICATION_FAILED "
	    "notify error\r\n"
	    "\0\0\0\n"
	    "Nov 23 07:40:10 08[IKE] <|2> received NO_PROPOSAL_CHOSEN notify error\n"
	    "no newline at the end";

	reset();
	lab_conn(false);
	/* the first line was cut by the byte window: file_read_tail_lines() drops it */
	size_t pos = text_tail_lines(text, sizeof(text) - 1, SIZE_MAX, true);

	T_EQ_INT(pos, 31);
	doctor_log_feed_text(&F, text + pos, sizeof(text) - 1 - pos);
	T_EQ_INT(F.conns[0].log.last_fail, LOG_FAIL_AUTH_FAILED);
	T_EQ_INT(F.n_conns, 1);
	doctor_log_feed_text(&F, "", 0);
	doctor_log_feed_text(&F, "no newline", 10);
	doctor_log_feed(&F, NULL, 0);
}

/* DPDs every 2 s, some retransmitted and all answered: one late answer among many is noise
 * below any real finding (a CI run's loaded lab saw one), a share of them is a lossy path. */
static void feed_dpds(unsigned n, unsigned every_nth_retransmitted)
{
	char line[160];

	for (unsigned id = 1; id <= n; id++) {
		snprintf(
		    line, sizeof(line),
		    "Dec  6 07:%02u:%02u 05[ENC] <a-b|2> generating INFORMATIONAL request %u [ ]",
		    id * 2 / 60, id * 2 % 60, id);
		doctor_log_feed(&F, line, strlen(line));
		if (every_nth_retransmitted && id % every_nth_retransmitted == 0) {
			snprintf(line, sizeof(line),
			         "Dec  6 07:%02u:%02u 12[IKE] <a-b|2> retransmit 1 of request with "
			         "message ID %u",
			         id * 2 / 60, id * 2 % 60, id);
			doctor_log_feed(&F, line, strlen(line));
		}
		snprintf(line, sizeof(line),
		         "Dec  6 07:%02u:%02u 10[ENC] <a-b|2> parsed INFORMATIONAL response %u [ ]",
		         id * 2 / 60, id * 2 % 60, id);
		doctor_log_feed(&F, line, strlen(line));
	}
}

static void test_answered_retransmits(void)
{
	const struct doctor_finding *d;

	reset();
	lab_conn(true);
	feed_dpds(48, 48);
	T_EQ_INT(F.conns[0].log.requests, 48);
	T_EQ_INT(F.conns[0].log.retransmits, 1);
	doctor_diagnose(&F, "a-b", &R);
	d = doctor_find(&R, "retransmits", NULL);
	T_ASSERT(d != NULL);
	T_EQ_INT(d->severity, DOCTOR_SEV_INFO);
	T_CONTAINS(d->title, "1 IKE retransmission in 48 requests");
	/* ranked below what a healthy tunnel's other findings say, e.g. an unusable --peer (35) */
	T_ASSERT(d->score < 35);

	reset();
	lab_conn(true);
	feed_dpds(40, 5); /* 8 of 40: 20 % */
	doctor_diagnose(&F, "a-b", &R);
	d = doctor_find(&R, "retransmits", NULL);
	T_ASSERT(d != NULL);
	T_EQ_INT(d->severity, DOCTOR_SEV_WARN);
	T_CONTAINS(d->title, "8 IKE retransmissions in 40 requests");

	/* the same count without the requests in the log (a lower log level): the count decides */
	reset();
	lab_conn(true);
	F.conns[0].log.retransmits = 2;
	doctor_diagnose(&F, "a-b", &R);
	T_EQ_INT(doctor_find(&R, "retransmits", NULL)->severity, DOCTOR_SEV_WARN);
}

TEST_MAIN("doctor", TEST(test_lab_fault_logs), TEST(test_proposals_in_evidence),
          TEST(test_rekey_cause_first), TEST(test_peer_deleted), TEST(test_peer_charon_tells_path),
          TEST(test_history_forgotten_after_establish), TEST(test_one_way_dataplane),
          TEST(test_peer_dying_beats_dataplane), TEST(test_no_log_no_claims), TEST(test_log_time),
          TEST(test_mtu_blackhole), TEST(test_certs_and_clock),
          TEST(test_xfrm_policies_without_states), TEST(test_daemon_and_filter),
          TEST(test_rank_and_render), TEST(test_limits), TEST(test_malformed_log),
          TEST(test_answered_retransmits))
