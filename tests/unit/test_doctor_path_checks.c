// SPDX-License-Identifier: Apache-2.0
/*
 * doctor --peer judged on facts (no I/O): each fault of the data plane, seen from both ends,
 * must rank the finding that names its segment and direction first, with the counters of both
 * ends as evidence; partial loss is a warning apart from an outage; without a peer the finding
 * says what one end cannot tell; a peer that could not be read, is not ikewatch or holds no SA
 * with our SPIs is said so and never changes the verdict into one about a segment it did not
 * see. The answer bodies (outside input) are judged by doctor_peer_judge(), malformed ones too.
 */
#include "test.h"

#include "doctor/doctor_checks.h"
#include "doctor/doctor_path_checks.h"
#include "doctor/doctor_peer_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct doctor_facts F;
static struct doctor_report R;

#define A "192.0.2.1"
#define B "198.51.100.1"

/* a-b probed with @n probes; ends A and B; the peer's SA a-b/net paired */
static struct doctor_conn_facts *probed(uint32_t n, enum doctor_peer_status peer)
{
	struct doctor_conn_facts *c;
	struct doctor_child_facts *ch;

	doctor_facts_done(&F);
	doctor_report_done(&R);
	doctor_facts_init(&F);
	doctor_report_init(&R);
	F.charon_up = true;
	F.now = 1700000000;
	F.log_read = true;
	F.probe_configured = true;
	c = doctor_facts_conn(&F, "a-b", 3);
	ch = doctor_conn_child(c, "net");
	c->configured = c->up = true;
	ch->configured = ch->up = true;
	memcpy(c->ike_state, "ESTABLISHED", 12);
	memcpy(ch->state, "INSTALLED", 10);
	memcpy(c->local_host, A, sizeof(A));
	memcpy(c->remote_host, B, sizeof(B));
	c->probed = true;
	memcpy(c->probe_target, "203.0.113.129", 14);
	memcpy(c->probe_child, "net", 4);
	c->probe_sent = n;
	c->probe_counters = true;
	F.peer.status = peer;
	memcpy(F.peer.url, "http://" B ":9918/metrics", sizeof("http://" B ":9918/metrics"));
	memcpy(F.peer.conn, "a-b", 4);
	memcpy(F.peer.child, "net", 4);
	return c;
}

/* the counts of one run: our SA out, peer in, peer out, our SA in, received */
static void counts(struct doctor_conn_facts *c, uint64_t out, uint64_t pin, uint64_t pout,
                   uint64_t in, uint32_t recv)
{
	c->probe_out_delta = out;
	F.peer.in_delta = pin;
	F.peer.out_delta = pout;
	c->probe_in_delta = in;
	c->probe_received = recv;
	doctor_diagnose(&F, NULL, &R);
}

static bool has_evidence(const struct doctor_finding *f, const char *needle)
{
	for (uint32_t i = 0; i < f->n_evidence; i++)
		if (strstr(f->evidence[i], needle))
			return true;
	return false;
}

static void test_healthy(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_OK);

	counts(c, 400, 400, 400, 400, 400);
	T_EQ_STR(R.f[0].id, "path_clean");
	T_CONTAINS(R.f[0].title, "all is well");
	T_CONTAINS(R.f[0].title, "both ends counted them");
	T_ASSERT(has_evidence(&R.f[0], B " CHILD SA a-b/net"));
	for (uint32_t i = 0; i < R.n; i++)
		T_ASSERT(R.f[i].severity != DOCTOR_SEV_CRIT);
}

/* each total fault, named by its segment and direction, with both ends' counters */
static void test_segments(void)
{
	static const struct {
		uint64_t out, pin, pout, in;
		uint32_t recv;
		const char *id, *title;
	} m[] = {
	    {400, 0, 0, 0, 0, "esp_out_lost",
	     "ESP from " A " to " B " is lost: " A " sent 400 packets, " B " received 0"},
	    {400, 400, 400, 0, 0, "esp_back_lost",
	     "ESP from " B " to " A " is lost: " B " sent 400 packets, " A " received 0"},
	    {400, 400, 0, 0, 0, "beyond_peer",
	     "traffic reaches " B " through the tunnel, but nothing behind " B " answers (" B
	     " received 400, sent 0)"},
	    {0, 0, 0, 0, 0, "before_our_sa", "probes do not enter the CHILD SA at " A},
	    {400, 400, 400, 400, 0, "after_our_sa", "do not reach the prober (after our SA)"},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_OK);

		counts(c, m[i].out, m[i].pin, m[i].pout, m[i].in, m[i].recv);
		T_EQ_STR(R.f[0].id, m[i].id);
		T_EQ_INT(R.f[0].severity, DOCTOR_SEV_CRIT);
		T_CONTAINS(R.f[0].title, m[i].title);
		T_ASSERT(has_evidence(&R.f[0], "0 of 400 probes"));
	}
}

/* other traffic in the tunnel does not hide the drop: ESP directions compare raw counts */
static void test_other_traffic(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_OK);

	counts(c, 430, 430, 30, 30, 0);
	T_EQ_STR(R.f[0].id, "beyond_peer");
	c = probed(400, DOCTOR_PEER_OK);
	counts(c, 430, 12, 12, 12, 0);
	T_EQ_STR(R.f[0].id, "esp_out_lost");
	T_CONTAINS(R.f[0].title, A " sent 430 packets, " B " received 12");
}

/*
 * The tunnel carries the peer's probes and our answers too (fault matrix, loss-a-b-10 and
 * loss-b-a-3): the loss in the title is the probes', and a fall of our SA's counters that the
 * other traffic explains is no segment verdict.
 */
static void test_probes_not_counters(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_NONE);

	/* 10 % lost A->B: 36 other packets each way */
	counts(c, 436, 0, 0, 391, 356);
	T_EQ_STR(R.f[0].id, "dataplane_loss");
	T_CONTAINS(R.f[0].title, "loses 11.0 %");
	T_ASSERT(!doctor_find(&R, "after_our_sa", NULL));
	/* 3 % lost B->A */
	c = probed(400, DOCTOR_PEER_NONE);
	counts(c, 436, 0, 0, 423, 387);
	T_EQ_STR(R.f[0].id, "dataplane_loss");
	T_CONTAINS(R.f[0].title, "loses 3.2 %");
	T_ASSERT(!doctor_find(&R, "after_our_sa", NULL));
	/* a fall beyond what the other traffic explains is still named */
	c = probed(400, DOCTOR_PEER_NONE);
	counts(c, 436, 0, 0, 436, 300);
	T_EQ_STR(R.f[0].id, "after_our_sa");
	T_CONTAINS(R.f[0].title, "SA decrypted 436, prober received 300");
	/* with the peer: the ESP direction from the raw counts, the loss from the probes */
	c = probed(400, DOCTOR_PEER_OK);
	counts(c, 440, 406, 409, 409, 370);
	T_EQ_STR(R.f[0].id, "esp_out_lost");
	T_CONTAINS(R.f[0].title, "loses 7.5 %");
	T_CONTAINS(R.f[0].title, A " sent 440 packets, " B " received 406");
}

/* our CHILD SA rekeyed during the run (fault matrix, healthy): its counters miss what the old SA
 * carried, so they name no segment */
static void test_rekey_during_run(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_NONE);

	c->probe_sa_changed = true;
	counts(c, 212, 0, 0, 212, 400);
	T_ASSERT(doctor_find(&R, "path_clean", NULL) != NULL);
	T_ASSERT(doctor_find(&R, "probe_sa_changed", NULL) != NULL);
	T_ASSERT(!doctor_find(&R, "before_our_sa", NULL));
	T_ASSERT(!doctor_find(&R, "after_our_sa", NULL));
	/* probes lost as well: the one-end verdict from the probes, no segment */
	c = probed(400, DOCTOR_PEER_NONE);
	c->probe_sa_changed = true;
	counts(c, 212, 0, 0, 150, 300);
	T_EQ_STR(R.f[0].id, "dataplane_loss");
	T_CONTAINS(R.f[0].title, "loses 25.0 %");
	T_ASSERT(doctor_find(&R, "probe_sa_changed", NULL) != NULL);
}

/* 2 % lost on the way back: a warning with the direction and a stated confidence */
static void test_partial(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_OK);

	counts(c, 400, 400, 400, 392, 392);
	T_EQ_STR(R.f[0].id, "esp_back_lost");
	T_EQ_INT(R.f[0].severity, DOCTOR_SEV_WARN);
	T_CONTAINS(R.f[0].title, "ESP from " B " to " A " loses 2.0 % (95 % interval 1.0-3.9 %)");
	T_ASSERT(has_evidence(&R.f[0], "392 of 400 probes"));
	/* the same loss from one end: partial, direction not claimed */
	c = probed(400, DOCTOR_PEER_NONE);
	counts(c, 400, 0, 0, 392, 392);
	T_EQ_STR(R.f[0].id, "dataplane_loss");
	T_EQ_INT(R.f[0].severity, DOCTOR_SEV_WARN);
	T_CONTAINS(R.f[0].title, "loses 2.0 %");
	T_ASSERT(has_evidence(&R.f[0], "one cannot tell"));
	/* within timing slack: not loss */
	c = probed(400, DOCTOR_PEER_OK);
	counts(c, 400, 400, 400, 399, 399);
	T_EQ_STR(R.f[0].id, "path_clean");
}

/* fault matrix, serve-b-down (and esp-a-b-total, which reads the same from one end): no probe
 * answered while ESP from the peer still arrives: not "the data plane is down" */
static void test_inbound_alive(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_NONE);

	counts(c, 418, 0, 0, 18, 0);
	T_EQ_STR(R.f[0].id, "dataplane_down");
	T_ASSERT(strstr(R.f[0].title, "data plane broken") == NULL);
	T_CONTAINS(R.f[0].title, "ESP from " B " still arrives (in +18 during the run)");
	T_CONTAINS(R.f[0].title, "is the reflector there running?");
	T_ASSERT(has_evidence(&R.f[0], "one cannot tell"));
	/* nothing in either: the old verdict */
	c = probed(400, DOCTOR_PEER_NONE);
	c->probe_counters = false;
	counts(c, 0, 0, 0, 0, 0);
	T_EQ_STR(R.f[0].id, "dataplane_down");
	T_CONTAINS(R.f[0].title, "data plane broken while IKE is up");
}

/* serve-b-down with --peer: the peer's ikewatch does not answer either, while its gateway still
 * sends ESP: that one process being down explains both, and comes first */
static void test_peer_ikewatch_down(void)
{
	static const struct {
		enum doctor_peer_status st;
		const char *id;
	} m[] = {
	    {DOCTOR_PEER_UNREACHABLE, "peer_metrics_unreachable"},
	    {DOCTOR_PEER_TIMEOUT, "peer_metrics_timeout"},
	};
	struct doctor_conn_facts *c;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		c = probed(400, m[i].st);
		counts(c, 418, 0, 0, 18, 0);
		T_EQ_STR(R.f[0].id, m[i].id);
		T_EQ_INT(R.f[0].severity, DOCTOR_SEV_CRIT);
		T_ASSERT(has_evidence(&R.f[0], "ESP from " B " still arrives (in +18"));
		T_ASSERT(has_evidence(&R.f[0], "most likely that ikewatch"));
		T_ASSERT(!doctor_find(&R, "dataplane_down", NULL)); /* folded in, not twice */
		T_CONTAINS(R.f[0].next[R.f[0].n_next - 1], "systemctl status ikewatch");
	}
	/* the peer answered (here: refused our credentials), so it runs: the outage stands */
	c = probed(400, DOCTOR_PEER_AUTH);
	counts(c, 418, 0, 0, 18, 0);
	T_EQ_STR(R.f[0].id, "dataplane_down");
	/* nothing from the peer either: not a sign that the peer is up */
	c = probed(400, DOCTOR_PEER_UNREACHABLE);
	counts(c, 400, 0, 0, 0, 0);
	T_EQ_STR(R.f[0].id, "dataplane_one_way");
	T_ASSERT(doctor_find(&R, "peer_metrics_unreachable", "a-b")->severity == DOCTOR_SEV_WARN);
	/* some probes answered: no outage to explain */
	c = probed(400, DOCTOR_PEER_UNREACHABLE);
	counts(c, 400, 0, 0, 200, 200);
	T_ASSERT(doctor_find(&R, "peer_metrics_unreachable", "a-b")->severity == DOCTOR_SEV_WARN);
}

/* the target answered the probes with ICMP port unreachable: the reflector is gone, the path
 * works */
static void test_reflector_refused(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_NONE);

	c->probe_refused = 20;
	counts(c, 418, 0, 0, 38, 0);
	T_EQ_STR(R.f[0].id, "reflector_not_listening");
	T_EQ_INT(R.f[0].severity, DOCTOR_SEV_WARN);
	T_CONTAINS(R.f[0].title, "20 of 400 probes were answered with ICMP port unreachable");
	T_ASSERT(!doctor_find(&R, "dataplane_down", NULL));
	/* some probes answered: the refusals are not the verdict */
	c = probed(400, DOCTOR_PEER_NONE);
	c->probe_refused = 3;
	counts(c, 400, 0, 0, 400, 400);
	T_EQ_STR(R.f[0].id, "path_clean");
}

/* one end alone: what it cannot tell and how to find out */
static void test_without_peer(void)
{
	struct doctor_conn_facts *c = probed(400, DOCTOR_PEER_NONE);

	counts(c, 400, 0, 0, 0, 0);
	T_EQ_STR(R.f[0].id, "dataplane_one_way");
	T_ASSERT(has_evidence(&R.f[0], "one cannot tell whether ESP is lost on the way to " B));
	T_ASSERT(has_evidence(&R.f[0], "no --peer given"));
	T_CONTAINS(R.f[0].next[0], "--peer");
	T_ASSERT(!doctor_find(&R, "esp_out_lost", NULL));
	/* before our SA is visible from one end */
	c = probed(400, DOCTOR_PEER_NONE);
	counts(c, 0, 0, 0, 0, 0);
	T_EQ_STR(R.f[0].id, "before_our_sa");
}

/* a peer that could not be used: a finding that says why, and the one-end verdict */
static void test_peer_trouble(void)
{
	static const struct {
		enum doctor_peer_status st;
		const char *id;
	} m[] = {
	    {DOCTOR_PEER_UNREACHABLE, "peer_metrics_unreachable"},
	    {DOCTOR_PEER_TIMEOUT, "peer_metrics_timeout"},
	    {DOCTOR_PEER_AUTH, "peer_metrics_auth"},
	    {DOCTOR_PEER_HTTP, "peer_metrics_http"},
	    {DOCTOR_PEER_OVERSIZED, "peer_metrics_oversized"},
	    {DOCTOR_PEER_MALFORMED, "peer_metrics_malformed"},
	    {DOCTOR_PEER_NOT_IKEWATCH, "peer_not_ikewatch"},
	    {DOCTOR_PEER_NO_MATCH, "peer_sa_mismatch"},
	    {DOCTOR_PEER_NO_COUNTERS, "peer_no_counters"},
	    {DOCTOR_PEER_REKEYED, "peer_sa_changed"},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct doctor_conn_facts *c = probed(400, m[i].st);

		/* the peer's (unusable) counters would say "beyond B": they must not be used */
		counts(c, 400, 400, 0, 0, 0);
		T_ASSERT(doctor_find(&R, m[i].id, "a-b") != NULL);
		T_EQ_STR(R.f[0].id, "dataplane_one_way");
		T_ASSERT(has_evidence(&R.f[0], "the peer could not be read"));
		T_ASSERT(!doctor_find(&R, "beyond_peer", NULL));
		/* healthy with an unusable peer: still no critical verdict */
		c = probed(400, m[i].st);
		counts(c, 400, 0, 0, 400, 400);
		T_EQ_STR(R.f[0].id, m[i].id);
		T_ASSERT(R.f[0].severity != DOCTOR_SEV_CRIT);
	}
}

/* the answer bodies, outside input */
static enum doctor_peer_status judge(const char *text, struct doctor_peer_reading *rd)
{
	struct doctor_peer_facts pf = {0};

	*rd = (struct doctor_peer_reading){0};
	return doctor_peer_judge(text, strlen(text), 0xdc108123, 0x0fb08200, &pf, rd);
}

#define INFO "ikewatch_build_info{version=\"1\"} 1\n"
#define SA(in, out)                                                                                \
	"ipsec_child_sa_info{conn=\"a-b\",child=\"net\","                                          \
	"spi_in=\"" in "\",spi_out=\"" out "\"} 1\n"
#define PKTS                                                                                       \
	"ipsec_child_sa_packets_in_total{conn=\"a-b\",child=\"net\"} 7\n"                          \
	"ipsec_child_sa_packets_out_total{conn=\"a-b\",child=\"net\"} 9\n"

/* counters that are not counts */
#define NOT_COUNTS                                                                                 \
	"ipsec_child_sa_packets_in_total{conn=\"a-b\",child=\"net\"} -1\n"                         \
	"ipsec_child_sa_packets_out_total{conn=\"a-b\",child=\"net\"} NaN\n"

static void test_bodies(void)
{
	struct doctor_peer_reading rd;

	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") PKTS, &rd), DOCTOR_PEER_OK);
	T_EQ_STR(rd.conn, "a-b");
	T_EQ_INT(rd.in, 7);
	T_EQ_INT(rd.out, 9);
	/* our own end (A pointed at itself): the SPIs are ours, not reversed */
	T_EQ_INT(judge(INFO SA("dc108123", "0fb08200") PKTS, &rd), DOCTOR_PEER_NO_MATCH);
	/* another gateway */
	T_EQ_INT(judge(INFO SA("11111111", "22222222") PKTS, &rd), DOCTOR_PEER_NO_MATCH);
	T_EQ_INT(judge(INFO, &rd), DOCTOR_PEER_NO_MATCH);
	T_EQ_INT(judge(SA("0fb08200", "dc108123") PKTS, &rd), DOCTOR_PEER_NOT_IKEWATCH);
	T_EQ_INT(judge("", &rd), DOCTOR_PEER_NOT_IKEWATCH);
	T_EQ_INT(judge("<html><body>login</body></html>\n", &rd), DOCTOR_PEER_MALFORMED);
	T_EQ_INT(judge(INFO "ipsec_child_sa_info{conn=\"a-b\" 1\n", &rd), DOCTOR_PEER_MALFORMED);
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123"), &rd), DOCTOR_PEER_NO_COUNTERS);
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") NOT_COUNTS, &rd), DOCTOR_PEER_NO_COUNTERS);
	T_EQ_INT(judge(INFO SA("zz", "dc108123") PKTS, &rd), DOCTOR_PEER_NO_MATCH);
	/* NUL bytes and a truncated last line */
	{
		static const char nul[] = "ikewatch_build_info 1\n\0\0garbage";
		struct doctor_peer_facts pf = {0};

		T_ASSERT(doctor_peer_judge(nul, sizeof(nul) - 1, 1, 2, &pf, &rd) != DOCTOR_PEER_OK);
	}
}

/* The peer's own probes through the paired SA (lan-a-silent): read from its body, turned into
 * deltas over the run, and behind_us only when ours came back and none of its was answered */
#define PEER_PROBES(sent, recv, ok)                                                                \
	"ipsec_probe_sent_total{target=\"203.0.113.1\",conn=\"a-b\",child=\"net\",module="         \
	"\"icmp\"} " sent "\n"                                                                     \
	"ipsec_probe_received_total{target=\"203.0.113.1\",conn=\"a-b\",child=\"net\",module="     \
	"\"icmp\"} " recv "\n"                                                                     \
	"ipsec_probe_success{target=\"203.0.113.1\",conn=\"a-b\",child=\"net\",module=\"icmp\"}"   \
	" " ok "\n"                                                                                \
	"ipsec_probe_sent_total{target=\"10.9.9.9\",conn=\"other\",child=\"net\",module=\"icmp\"}" \
	" 99\n"

static void test_peer_probes(void)
{
	struct doctor_peer_reading r0, r1;
	struct doctor_peer_facts pf = {0};
	struct doctor_conn_facts *c;

	/* read: only the paired SA's streams (conn "other" is not summed) */
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") PKTS PEER_PROBES("100", "95", "1"), &r0),
	         DOCTOR_PEER_OK);
	T_ASSERT(r0.probes.known);
	T_ASSERT(r0.probes.sent == 100 && r0.probes.received == 95);
	T_ASSERT(r0.probes.streams == 1 && r0.probes.succeeding == 1);
	T_EQ_STR(r0.probes.target, "203.0.113.1");
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") PKTS PEER_PROBES("140", "95", "0"), &r1),
	         DOCTOR_PEER_OK);
	T_EQ_INT(doctor_peer_delta(&pf, &r0, &r1), DOCTOR_PEER_OK);
	T_ASSERT(pf.probes_known);
	T_EQ_INT(pf.probes_sent_delta, 40);
	T_EQ_INT(pf.probes_received_delta, 0);
	T_EQ_INT(pf.probe_streams_succeeding, 0);
	/* counters that went back (a restarted peer) or are not counts: not known */
	T_EQ_INT(doctor_peer_delta(&pf, &r1, &r0), DOCTOR_PEER_OK);
	T_ASSERT(!pf.probes_known);
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") PKTS PEER_PROBES("NaN", "1", "0"), &r1),
	         DOCTOR_PEER_OK);
	T_ASSERT(!r1.probes.known);
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") PKTS PEER_PROBES("5", "1", "7"), &r1),
	         DOCTOR_PEER_OK);
	T_ASSERT(!r1.probes.known);
	/* a peer without probes on that SA */
	T_EQ_INT(judge(INFO SA("0fb08200", "dc108123") PKTS, &r1), DOCTOR_PEER_OK);
	T_ASSERT(!r1.probes.known);

	/* the finding: ours clean, the peer's all lost */
	c = probed(400, DOCTOR_PEER_OK);
	F.peer.probes_known = true;
	F.peer.probes_sent_delta = 40;
	F.peer.probe_streams = 1;
	memcpy(F.peer.probe_target, "203.0.113.1", 12);
	counts(c, 440, 440, 400, 440, 400);
	T_EQ_STR(R.f[0].id, "behind_us");
	T_EQ_INT(R.f[0].severity, DOCTOR_SEV_CRIT);
	T_CONTAINS(R.f[0].title, "the peer's probes to 203.0.113.1 come through the tunnel and get "
	                         "no answer behind " A ": " B " sent 40");
	T_ASSERT(has_evidence(&R.f[0], "0 of " B "'s 1 probe stream through a-b/net succeeds"));
	T_ASSERT(has_evidence(&R.f[0], "decrypted 40 packets besides the answers to our probes, "
	                               "and encrypted 40 besides our probes"));
	T_ASSERT(doctor_find(&R, "path_clean", "a-b") != NULL);
	/* one of its probes answered, or a stream succeeding: not this */
	c = probed(400, DOCTOR_PEER_OK);
	F.peer.probes_known = true;
	F.peer.probes_sent_delta = 40;
	F.peer.probes_received_delta = 1;
	F.peer.probe_streams = 1;
	counts(c, 440, 440, 400, 440, 400);
	T_EQ_STR(R.f[0].id, "path_clean");
	T_ASSERT(!doctor_find(&R, "behind_us", NULL));
	c = probed(400, DOCTOR_PEER_OK);
	F.peer.probes_known = true;
	F.peer.probes_sent_delta = 40;
	F.peer.probe_streams = 2;
	F.peer.probe_streams_succeeding = 1;
	counts(c, 440, 440, 400, 440, 400);
	T_ASSERT(!doctor_find(&R, "behind_us", NULL));
	/* our own probes lost too: the path verdict, not this */
	c = probed(400, DOCTOR_PEER_OK);
	F.peer.probes_known = true;
	F.peer.probes_sent_delta = 40;
	F.peer.probe_streams = 1;
	counts(c, 440, 0, 0, 0, 0);
	T_ASSERT(!doctor_find(&R, "behind_us", NULL));
	T_EQ_STR(R.f[0].id, "esp_out_lost");
}

static void teardown(void)
{
	doctor_facts_done(&F);
	doctor_report_done(&R);
}

TEST_MAIN_TEARDOWN("doctor_path_checks", teardown, TEST(test_healthy), TEST(test_segments),
                   TEST(test_other_traffic), TEST(test_probes_not_counters),
                   TEST(test_rekey_during_run), TEST(test_inbound_alive),
                   TEST(test_peer_ikewatch_down), TEST(test_reflector_refused), TEST(test_partial),
                   TEST(test_without_peer), TEST(test_peer_trouble), TEST(test_bodies),
                   TEST(test_peer_probes))
