// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for pluto's lines in the log classifier (src/logs/log_classify_pluto.c): lines
 * recorded from Libreswan 4.10 in the lab (tests/fixtures/libreswan/pluto.log) in the log-file,
 * syslog and journal-MESSAGE shapes, an instance of a template, and lines that only look like
 * pluto's. The whole recording is classified too, and its counts per kind are checked against
 * what the lab did (one PSK mismatch each way, one proposal mismatch each way, a killed peer, a
 * dead peer that never answered, two CHILD SAs the kernel could not install), so that a row that
 * stops matching real pluto output fails the build. The recording also goes through the event
 * counters as serve feeds them, for what the peer_silent forecast needs of each unanswered
 * request: its first send (pluto's announced wait), the retransmit or give-up it announces, and
 * the give-up when the model of pluto's schedule (exporter/sa_foresee.h) says.
 */
#include "test.h"

#include "common/file_read.h"
#include "common/num.h"
#include "events/event_counters.h"
#include "exporter/sa_foresee.h"
#include "logs/log_classify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pvec {
	const char *line;
	enum log_cat cat;
	int code; /* failure or event; -1 do not check */
	uint16_t notify;
	const char *conn; /* NULL: none */
	uint32_t ike_id;
	enum log_exchange exchange;
	uint32_t count;
};

#define F(kind) LOG_CAT_FAILURE, LOG_FAIL_##kind
#define E(cat, ev) LOG_CAT_##cat, LOG_EV_##ev
#define NONE LOG_CAT_NONE, -1

static const struct pvec vectors[] = {
    {"Dec  6 05:00:14.608680: \"a-b\" #9: authentication failed: computed hash does not match "
     "hash received from peer ID_FQDN '@gw-b.lab'",
     F(AUTH_FAILED), 24, "a-b", 9, LOG_EXCH_UNKNOWN, 0},
    /* the same through syslog, and as the journal's MESSAGE */
    {"Dec  6 05:00:14 gw-a pluto[812]: \"a-b\" #9: authentication failed: computed hash does not "
     "match hash received from peer ID_FQDN '@gw-b.lab'",
     F(AUTH_FAILED), 24, "a-b", 9, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #13: IKE SA authentication request rejected by peer: AUTHENTICATION_FAILED",
     F(AUTH_FAILED), 24, "a-b", 13, LOG_EXCH_UNKNOWN, 0},
    {"Dec  6 05:00:14.735514: \"a-b\" #10: no local proposal matches remote proposals "
     "1:IKE:ENCR=AES_CBC_256;INTEG=HMAC_SHA2_384_192;PRF=HMAC_SHA2_384;DH=MODP3072",
     F(NO_PROPOSAL), 14, "a-b", 10, LOG_EXCH_UNKNOWN, 0},
    {"Dec  6 05:00:20.609932: \"a-b\" #15: dropping unexpected IKE_SA_INIT message containing "
     "NO_PROPOSAL_CHOSEN notification; message payloads: N; missing payloads: SA,KE,Ni",
     F(NO_PROPOSAL), 14, "a-b", 15, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #15: dropping unexpected IKE_SA_INIT message containing INVALID_KE_PAYLOAD "
     "notification",
     F(INVALID_KE), 17, "a-b", 15, LOG_EXCH_UNKNOWN, 0},
    {"ERROR: \"a-b\" #2: netlink response for Add SA esp.e0206246@198.51.100.1: Protocol not "
     "supported (errno 93)",
     F(INSTALL_FAILED), 0, "a-b", 2, LOG_EXCH_UNKNOWN, 0},
    {"Dec  6 05:00:07.762694: \"a-b\" #4: STATE_V2_ESTABLISHED_IKE_SA: 6 second timeout exceeded "
     "after 4 retransmits.  No response (or no acceptable response) to our IKEv2 message",
     F(DPD_TIMEOUT), 0, "a-b", 4, LOG_EXCH_UNKNOWN, 4},
    {"Dec  6 04:59:41.923064: \"a-c\" #5: STATE_V2_PARENT_I1: 6 second timeout exceeded after 4 "
     "retransmits.  No response (or no acceptable response) to our first IKEv2 message",
     F(PEER_UNREACHABLE), 0, "a-c", 5, LOG_EXCH_UNKNOWN, 4},
    /* 5.x names states without the prefix */
    {"\"a-c\" #5: IKE_SA_INIT_I: 60 second timeout exceeded after 7 retransmits.  No response",
     F(PEER_UNREACHABLE), 0, "a-c", 5, LOG_EXCH_UNKNOWN, 7},
    {"Dec  6 04:59:34.414542: \"a-c\" #5: STATE_V2_PARENT_I1: retransmission; will wait 0.5 "
     "seconds for response",
     LOG_CAT_RETRANSMIT, -1, 0, "a-c", 5, LOG_EXCH_IKE_SA_INIT, 0},
    {"\"a-b\" #4: STATE_V2_ESTABLISHED_IKE_SA: retransmission; will wait 1 seconds for response",
     LOG_CAT_RETRANSMIT, -1, 0, "a-b", 4, LOG_EXCH_UNKNOWN, 0},
    {"Dec  6 04:59:31.882652: \"a-b\" #3: responder established IKE SA; authenticated peer "
     "using authby=secret and ID_FQDN '@gw-b.lab'",
     E(IKE_EVENT, IKE_ESTABLISHED), 0, "a-b", 3, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #4: initiator rekeyed IKE SA #3 {cipher=AES_CBC_128 integ=HMAC_SHA2_256_128}",
     E(IKE_EVENT, IKE_REKEYED), 0, "a-b", 4, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #3: deleting state (STATE_V2_ESTABLISHED_IKE_SA) aged 1.020513s and sending "
     "notification",
     E(IKE_EVENT, IKE_DELETED), 0, "a-b", 3, LOG_EXCH_UNKNOWN, 0},
    {"\"north-any-east\"[1] 192.1.3.33 #2: responder established Child SA using #1; IPsec tunnel "
     "[192.0.2.0/24===192.0.2.101/32] {ESP/ESN=>0xESPESP <0xESPESP xfrm=AES_GCM_16_256-NONE}",
     E(CHILD_EVENT, CHILD_INSTALLED), 0, "north-any-east", 2, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #6: initiator rekeyed Child SA #2 using #1", E(CHILD_EVENT, CHILD_REKEYED), 0, "a-b",
     6, LOG_EXCH_UNKNOWN, 0},
    /* follow-ups and noise: nothing to count */
    {"\"a-b\" #9: responding to IKE_AUTH message (ID 1) from 198.51.100.1:4500 with encrypted "
     "notification AUTHENTICATION_FAILED",
     NONE, 0, "a-b", 9, LOG_EXCH_UNKNOWN, 0},
    {"\"a-c\" #5: deleting state (STATE_V2_PARENT_I1) aged 8.010553s and NOT sending "
     "notification",
     NONE, 0, "a-c", 5, LOG_EXCH_UNKNOWN, 0},
    {"\"a-c\" #5: ERROR: asynchronous network error report on wan (192.0.2.1:500), complainant "
     "192.0.2.254: No route to host",
     NONE, 0, "a-c", 5, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #2: setup_half_ipsec_sa() hit fail:", NONE, 0, "a-b", 2, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #7: something else failed badly", F(OTHER), 0, "a-b", 7, LOG_EXCH_UNKNOWN, 0},
    /* not pluto's */
    {"Dec  6 05:00:14.608680: \"a-b\": added IKEv2 connection", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN,
     0},
    {"packet from 198.51.100.1:4500: INFORMATIONAL request has no corresponding IKE SA", NONE, 0,
     NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"a b\" #1: authentication failed", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #: authentication failed", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #99999999999: authentication failed", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\"[ #1: authentication failed", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #1:authentication failed", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"\" #1: authentication failed", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #1: STATE_X: 6 second timeout exceeded after x retransmits", NONE, 0, "a-b", 1,
     LOG_EXCH_UNKNOWN, 0},
    {"\"a-b\" #1: dropping message containing NOT_A_NOTIFY notification", NONE, 0, "a-b", 1,
     LOG_EXCH_UNKNOWN, 0},
    {"\"", NONE, 0, NULL, 0, LOG_EXCH_UNKNOWN, 0},
};

static bool span_is(struct log_span s, const char *want)
{
	if (!want)
		return s.p == NULL;
	return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void vectors_classify(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct pvec *v = &vectors[i];
		struct log_class c;

		T_EQ_INT(log_classify_line(v->line, strlen(v->line), &c), 0);
		if (c.cat != v->cat)
			test_fail(__FILE__, __LINE__, "vector %zu: cat %d, want %d", i, c.cat,
			          v->cat);
		if (v->code >= 0 && c.cat == LOG_CAT_FAILURE && (int)c.failure != v->code)
			test_fail(__FILE__, __LINE__, "vector %zu: failure %s", i,
			          log_failure_name(c.failure));
		if (v->code >= 0 && c.cat != LOG_CAT_FAILURE && c.cat != LOG_CAT_NONE &&
		    c.cat != LOG_CAT_RETRANSMIT && (int)c.event != v->code)
			test_fail(__FILE__, __LINE__, "vector %zu: event %d", i, c.event);
		if (c.notify != v->notify)
			test_fail(__FILE__, __LINE__, "vector %zu: notify %u", i, c.notify);
		if (!span_is(c.conn, v->conn) || c.ike_id != v->ike_id)
			test_fail(__FILE__, __LINE__, "vector %zu: conn %.*s id %u", i,
			          (int)c.conn.len, c.conn.p ? c.conn.p : "", c.ike_id);
		if (c.exchange != v->exchange || c.count != v->count)
			test_fail(__FILE__, __LINE__, "vector %zu: exchange %d count %u", i,
			          c.exchange, c.count);
		if (c.cat == LOG_CAT_CHILD_EVENT && !span_is(c.child, v->conn))
			test_fail(__FILE__, __LINE__, "vector %zu: child", i);
	}
}

/* The recording, line by line: what the lab did, counted. */
static void recording_counts(void)
{
	unsigned fail[LOG_FAIL_COUNT] = {0}, ev[LOG_EV_COUNT] = {0}, retx = 0, req = 0;
	char *text;
	size_t len, pos = 0;

	T_EQ_INT(file_read_all("../fixtures/libreswan/pluto.log", 1u << 22, &text, &len), 0);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		struct log_class c;

		T_EQ_INT(log_classify_line(text + pos, n, &c), 0);
		if (c.cat == LOG_CAT_FAILURE)
			fail[c.failure]++;
		else if (c.cat == LOG_CAT_IKE_EVENT || c.cat == LOG_CAT_CHILD_EVENT)
			ev[c.event]++;
		else if (c.cat == LOG_CAT_RETRANSMIT)
			retx++;
		else if (c.cat == LOG_CAT_REQUEST)
			req++;
		pos += n + 1;
	}
	free(text);
	T_EQ_INT(fail[LOG_FAIL_AUTH_FAILED], 2); /* PSK mismatch as responder and as initiator */
	/* proposal mismatch: once as responder, and as initiator once per answer to each
	 * retransmission of IKE_SA_INIT (pluto logs every refused answer) */
	T_EQ_INT(fail[LOG_FAIL_NO_PROPOSAL], 8);
	T_EQ_INT(fail[LOG_FAIL_DPD_TIMEOUT], 1);      /* the killed peer */
	T_EQ_INT(fail[LOG_FAIL_PEER_UNREACHABLE], 3); /* a-c twice, a-b's refused set-up once */
	T_EQ_INT(fail[LOG_FAIL_INSTALL_FAILED], 2);   /* no ESP in this kernel */
	T_EQ_INT(fail[LOG_FAIL_OTHER], 0);
	T_EQ_INT(ev[LOG_EV_IKE_ESTABLISHED], 3);
	T_EQ_INT(ev[LOG_EV_IKE_REKEYED], 1);
	T_EQ_INT(ev[LOG_EV_IKE_DELETED], 4);
	T_EQ_INT(ev[LOG_EV_CHILD_INSTALLED], 0);
	T_EQ_INT(retx, 21);
	T_EQ_INT(req, 2);
}

/* The wait a retransmit announces: both of pluto's forms; a wait that cannot be read is 0
 * (unknown), the line still a retransmit. */
static void announced_waits(void)
{
	static const struct {
		const char *line;
		double wait;
	} v[] = {
	    {"\"a-c\" #5: STATE_V2_PARENT_I1: retransmission; will wait 0.5 seconds for response",
	     0.5},
	    {"\"a-b\" #4: STATE_V2_ESTABLISHED_IKE_SA: retransmission; will wait 32 seconds for "
	     "response",
	     32},
	    {"\"x\" #2: STATE_QUICK_I1: retransmission; will wait 20s for response", 20},
	    {"\"x\" #2: IKE_SA_INIT_I: retransmission; will wait 0.25 seconds for response", 0.25},
	    {"\"x\" #2: S: retransmission; will wait 0.5 parsecs for response", 0},
	    {"\"x\" #2: S: retransmission; will wait x seconds for response", 0},
	    {"\"x\" #2: S: retransmission; will wait 1.5.2 seconds for response", 0},
	    {"\"x\" #2: S: retransmission; will wait 0 seconds for response", 0},
	    {"\"x\" #2: S: retransmission; will wait 100000 seconds for response", 0},
	    {"\"x\" #2: S: retransmission; will wait 12345678901234567890 seconds", 0},
	    {"\"x\" #2: S: retransmission; will wait 0.5", 0},
	    {"\"x\" #2: S: retransmission; will wait ", 0},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct log_class c;

		T_EQ_INT(log_classify_line(v[i].line, strlen(v[i].line), &c), 0);
		if (c.cat != LOG_CAT_RETRANSMIT || c.wait_s != v[i].wait)
			test_fail(__FILE__, __LINE__, "vector %zu: cat %d wait %g", i, c.cat,
			          c.wait_s);
	}
}

/* "Dec  6 05:00:03.760900: ...": seconds of the day, -1 when the line has no such time. */
static double line_time(const char *l, size_t n)
{
	uint64_t h, m;
	double sec;

	if (n < 23 || l[22] != ':' || num_parse_u64(l + 7, 2, 23, &h) < 0 ||
	    num_parse_u64(l + 10, 2, 59, &m) < 0 || num_parse_double(l + 13, 9, 0, 60, &sec) < 0)
		return -1;
	return (double)(h * 3600 + m * 60) + sec;
}

/* Every retransmit of the recording, through the event counters: the outstanding request's
 * first send is the time of the "sent ... request" line it repeats (pluto logs none for a
 * liveness request, so it cannot come from there), its next_by is the wait announced, and each
 * give-up comes when pluto said and when the model of its schedule (the lab's 500 ms, 6 s)
 * says; after the dead peer's IKE SA is deleted, nothing is outstanding. */
static void recording_silence(void)
{
	struct event_counters *ec = event_counters_new();
	struct sa_retx_timing lab = SA_RETX_TIMING_PLUTO;
	double sent[2] = {-1, -1}; /* a-b, a-c: the newest "sent ... request" */
	struct event_retx r, last[2] = {{0}};
	unsigned checked = 0, giveups = 0;
	char *text;
	size_t len, pos = 0;

	T_ASSERT(ec);
	lab.limit = 6;
	if (file_read_all("../fixtures/libreswan/pluto.log", 1u << 22, &text, &len) < 0 || !text) {
		test_fail(__FILE__, __LINE__, "pluto.log not read");
		event_counters_free(ec);
		return;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		char l[1024];
		double t;
		struct log_class c;
		int k;

		T_ASSERT(n < sizeof(l));
		memcpy(l, text + pos, n < sizeof(l) ? n : 0);
		l[n < sizeof(l) ? n : 0] = '\0';
		n = strlen(l);
		pos += (nl ? (size_t)(nl - text - pos) : len - pos) + 1;
		t = line_time(l, n);
		T_EQ_INT(log_classify_line(l, n, &c), 0);
		if (t < 0 || !c.conn.p || c.conn.len != 3)
			continue;
		k = memcmp(c.conn.p, "a-b", 3) == 0 ? 0 : memcmp(c.conn.p, "a-c", 3) == 0 ? 1 : -1;
		if (k < 0)
			continue;
		if (strstr(l, ": sent IKE_SA_INIT request") ||
		    strstr(l, ": sent CREATE_CHILD_SA request"))
			sent[k] = t;
		event_counters_feed_log(ec, &c, true, t);
		if (c.cat == LOG_CAT_RETRANSMIT) {
			T_ASSERT(event_counters_retx(ec, c.conn.p, c.conn.len, &r));
			if (r.ike_id != c.ike_id || fabs(r.first_sent - sent[k]) > 0.02 ||
			    fabs(r.next_by - (t + c.wait_s)) > 1e-6 || c.wait_s <= 0)
				test_fail(__FILE__, __LINE__, "%.*s: first sent %.3f, sent %.3f",
				          (int)n, l, r.first_sent, sent[k]);
			last[k] = r;
			checked++;
		}
		if (c.cat == LOG_CAT_FAILURE && strstr(l, "timeout exceeded")) {
			/* as announced, and as modelled */
			if (fabs(t - last[k].next_by) > 0.05 ||
			    fabs(t - (last[k].first_sent + sa_retx_giveup_s(&lab))) > 0.05)
				test_fail(__FILE__, __LINE__, "%.*s: expected at %.3f / %.3f",
				          (int)n, l, last[k].next_by,
				          last[k].first_sent + sa_retx_giveup_s(&lab));
			giveups++;
		}
		if (strstr(l, "\"a-b\" #4: deleting state (STATE_V2_ESTABLISHED_IKE_SA)"))
			T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));
	}
	free(text);
	T_EQ_INT(checked, 21);
	T_EQ_INT(giveups, 4); /* a-c #5 and #6, the dead peer's #4, a-b's refused #15 */
	event_counters_free(ec);
}

/* Cut lines: never a read past the end (ASan), never a span outside the line. */
static void cut_lines(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *l = vectors[i].line;
		size_t n = strlen(l);

		for (size_t cut = 0; cut <= n; cut++) {
			char *copy = malloc(cut ? cut : 1);
			struct log_class c;

			T_ASSERT(copy);
			memcpy(copy, l, cut);
			T_EQ_INT(log_classify_line(copy, cut, &c), 0);
			T_ASSERT(!c.conn.p ||
			         (c.conn.p >= copy && c.conn.p + c.conn.len <= copy + cut));
			T_ASSERT(!c.msg.p ||
			         (c.msg.p >= copy && c.msg.p + c.msg.len <= copy + cut));
			free(copy);
		}
	}
}

TEST_MAIN("log_classify_pluto", TEST(vectors_classify), TEST(recording_counts),
          TEST(announced_waits), TEST(recording_silence), TEST(cut_lines))
