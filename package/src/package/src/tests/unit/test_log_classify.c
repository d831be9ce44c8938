// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for the charon log classifier (src/logs/log_classify.c): one row per line type in
 * the filelog, syslog and bare-message (VICI `log`, journal MESSAGE) shapes; malformed,
 * truncated, overlong and non-UTF-8 lines; and the recorded lab fixtures in tests/fixtures/logs,
 * whose per-fault failure counts are checked here so that a pattern that stops matching real
 * charon output fails the build.
 */
#include "test.h"

#include "common/limits.h"
#include "logs/log_classify.h"

#include <errno.h>
#include <stdlib.h>

struct vector {
	const char *line;
	enum log_cat cat;
	int code; /* failure or event, -1 = do not check */
	uint16_t notify;
	const char *conn;  /* NULL: no conn span */
	const char *child; /* NULL: do not check */
	enum log_exchange exchange;
	long msgid; /* -1: no msgid */
	uint32_t count;
};

#define F(kind) LOG_CAT_FAILURE, LOG_FAIL_##kind
#define E(cat, ev) LOG_CAT_##cat, LOG_EV_##ev
#define NONE LOG_CAT_NONE, -1

static const struct vector vectors[] = {
    /* retransmits and their end */
    {"Nov 23 07:40:01 11[IKE] <a-b|1> retransmit 1 of request with message ID 2",
     LOG_CAT_RETRANSMIT, -1, 0, "a-b", NULL, LOG_EXCH_UNKNOWN, 2, 1},
    {"Nov 23 07:40:01 05[IKE] <a-b|7> retransmit 3 of request with message ID 0",
     LOG_CAT_RETRANSMIT, -1, 0, "a-b", NULL, LOG_EXCH_UNKNOWN, 0, 3},
    {"Nov 23 07:40:09 16[IKE] <a-b|1> giving up after 3 retransmits", F(DPD_TIMEOUT), 0, "a-b",
     NULL, LOG_EXCH_UNKNOWN, -1, 3},
    {"Nov 23 07:40:09 16[IKE] <a-b|1> establishing IKE_SA failed, peer not responding", NONE, 0,
     "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:40:09 16[IKE] <a-b|1> peer not responding, trying again (2/0)", NONE, 0, "a-b",
     NULL, 0, -1, 0},
    {"Nov 23 07:40:09 16[IKE] <gw|3> unable to resolve vpn.example, initiate aborted",
     F(PEER_UNREACHABLE), 0, "gw", NULL, 0, -1, 0},
    /* notify errors from the peer */
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received AUTHENTICATION_FAILED notify error", F(AUTH_FAILED),
     24, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received NO_PROPOSAL_CHOSEN notify error", F(NO_PROPOSAL), 14,
     "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received TS_UNACCEPTABLE notify, no CHILD_SA built",
     F(TS_UNACCEPTABLE), 38, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received INVALID_SELECTORS notify error", F(TS_UNACCEPTABLE),
     39, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received INTERNAL_ADDRESS_FAILURE notify error", F(OTHER), 36,
     "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received (46) notify error", F(OTHER), 46, "a-b", NULL, 0, -1,
     0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received WEIRD_NAME notify error", F(OTHER), 0, "a-b", NULL,
     0, -1, 0},
    {"Nov 23 07:41:00 09[IKE] <a-b|2> received TEMPORARY_FAILURE notify, will retry later", NONE, 0,
     "a-b", NULL, 0, -1, 0},
    /* local verdicts */
    {"Nov 23 07:41:00 12[IKE] <a-b|2> tried 1 shared key for 'gw-b' - 'gw-a', but MAC mismatched",
     F(AUTH_FAILED), 24, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[CFG] <3> no matching peer config found", F(AUTH_FAILED), 24, NULL, NULL, 0,
     -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|2> no trusted RSA public key found for 'CN=b'", F(CERT_INVALID),
     24, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|2> peer certificate invalid (valid from Jan 01 00:00:00 2020 "
     "to Jan 01 00:00:00 2021)",
     F(CERT_INVALID), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <4> no acceptable proposal found", F(NO_PROPOSAL), 14, NULL, NULL, 0,
     -1, 0},
    {"Nov 23 07:41:00 12[IKE] <4> received proposals unacceptable", F(NO_PROPOSAL), 14, NULL, NULL,
     0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> DH group MODP_2048 unacceptable, requesting MODP_3072",
     F(INVALID_KE), 17, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> peer didn't accept DH group MODP_2048, it requested "
     "MODP_3072",
     F(INVALID_KE), 17, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> traffic selectors 203.0.113.0/25 === 203.0.113.128/25 "
     "unacceptable",
     F(TS_UNACCEPTABLE), 38, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> no acceptable traffic selectors found", F(TS_UNACCEPTABLE),
     38, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> unable to install inbound and outbound IPsec SA (SAD) in "
     "kernel",
     F(INSTALL_FAILED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> unable to install IPsec policies (SPD) in kernel",
     F(INSTALL_FAILED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> CHILD_SA rekeying failed, trying again in 13 seconds",
     F(REKEY_FAILED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> IKE_SA rekeying failed, trying again in 25 seconds",
     F(REKEY_FAILED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> failed to establish CHILD_SA, keeping IKE_SA", NONE, 0, "a-b",
     NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> message parsing failed", F(OTHER), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:41:00 12[IKE] <a-b|4> something new failed in 6.1", F(OTHER), 0, "a-b", NULL, 0, -1,
     0},
    /* "failed" outside the IKE group is not ours to count */
    {"Nov 23 07:41:00 12[KNL] <a-b|4> unable to add SAD entry: failed", NONE, 0, "a-b", NULL, 0, -1,
     0},
    /* lifecycle */
    {"Nov 23 07:42:00 13[IKE] <a-b|1> IKE_SA a-b[1] established between 192.0.2.1[gw-a]..."
     "198.51.100.1[gw-b]",
     E(IKE_EVENT, IKE_ESTABLISHED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:42:00 13[IKE] <a-b|1> IKE_SA a-b[2] rekeyed between 192.0.2.1[gw-a]..."
     "198.51.100.1[gw-b]",
     E(IKE_EVENT, IKE_REKEYED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:42:00 13[IKE] <a-b|1> deleting IKE_SA a-b[1] between 192.0.2.1[gw-a]..."
     "198.51.100.1[gw-b]",
     E(IKE_EVENT, IKE_DELETED), 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:42:00 13[IKE] <a-b|1> CHILD_SA net{1} established with SPIs c1a2b3c4_i "
     "c5d6e7f8_o and TS 203.0.113.0/25 === 203.0.113.128/25",
     E(CHILD_EVENT, CHILD_INSTALLED), 0, "a-b", "net", 0, -1, 0},
    {"Nov 23 07:42:00 13[IKE] <a-b|1> closing CHILD_SA net{1} with SPIs c1a2b3c4_i (84 bytes) "
     "c5d6e7f8_o (84 bytes) and TS 203.0.113.0/25 === 203.0.113.128/25",
     E(CHILD_EVENT, CHILD_DELETED), 0, "a-b", "net", 0, -1, 0},
    {"Nov 23 07:42:00 13[IKE] <a-b|1> outbound CHILD_SA net{2} established with SPIs c1a2b3c4_i "
     "c5d6e7f8_o and TS 203.0.113.0/25 === 203.0.113.128/25",
     NONE, 0, "a-b", NULL, 0, -1, 0},
    /* a name with brackets, and no ike_name prefix at all */
    {"Nov 23 07:42:00 13[IKE] IKE_SA x[y][12] established between 192.0.2.1[a]...192.0.2.2[b]",
     E(IKE_EVENT, IKE_ESTABLISHED), 0, "x[y]", NULL, 0, -1, 0},
    /* requests */
    {"Nov 23 07:42:00 13[ENC] <a-b|1> generating INFORMATIONAL request 5 [ ]", LOG_CAT_REQUEST, -1,
     0, "a-b", NULL, LOG_EXCH_INFORMATIONAL, 5, 0},
    {"Nov 23 07:42:00 13[ENC] <a-b|1> generating CREATE_CHILD_SA request 3 [ N(REKEY_SA) SA No KE "
     "TSi TSr ]",
     LOG_CAT_REQUEST, -1, 0, "a-b", NULL, LOG_EXCH_CREATE_CHILD_SA, 3, 0},
    {"Nov 23 07:42:00 13[ENC] <a-b|1> generating INFORMATIONAL response 5 [ ]", NONE, 0, "a-b",
     NULL, 0, -1, 0},
    /* syslog shape and log_level = yes */
    {"Nov 23 07:40:01 gw-a charon: 11[IKE] <a-b|1> retransmit 2 of request with message ID 9",
     LOG_CAT_RETRANSMIT, -1, 0, "a-b", NULL, LOG_EXCH_UNKNOWN, 9, 2},
    {"2026-11-23T07:40:01.123456+00:00 gw-a charon-systemd[812]: 11[IKE1] <a-b|1> giving up after "
     "5 retransmits",
     F(DPD_TIMEOUT), 0, "a-b", NULL, 0, -1, 5},
    /* ordinary lines */
    {"Nov 23 07:42:00 13[NET] <a-b|1> sending packet: from 192.0.2.1[4500] to "
     "198.51.100.1[4500] (80 bytes)",
     NONE, 0, "a-b", NULL, 0, -1, 0},
    {"Nov 23 07:42:00 00[DMN] Starting IKE charon daemon (strongSwan 5.9.8, Linux 6.18.0, x86_64)",
     NONE, 0, NULL, NULL, 0, -1, 0},
};

static void span_is(const struct log_span *s, const char *want, bool *ok)
{
	if (!want)
		*ok = s->p == NULL;
	else
		*ok = s->p && s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

static void vectors_classify(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		struct log_class c;
		bool ok;

		T_EQ_INT(log_classify_line(v->line, strlen(v->line), &c), 0);
		if (c.cat != v->cat)
			test_fail(__FILE__, __LINE__, "vector %zu: cat %d != %d: %s", i, c.cat,
			          v->cat, v->line);
		T_EQ_INT(c.cat, v->cat);
		if (v->code >= 0 && v->cat == LOG_CAT_FAILURE)
			T_EQ_INT(c.failure, v->code);
		if (v->code >= 0 && (v->cat == LOG_CAT_IKE_EVENT || v->cat == LOG_CAT_CHILD_EVENT))
			T_EQ_INT(c.event, v->code);
		T_EQ_INT(c.notify, v->notify);
		span_is(&c.conn, v->conn, &ok);
		if (!ok)
			test_fail(__FILE__, __LINE__, "vector %zu: conn '%.*s'", i, (int)c.conn.len,
			          c.conn.p ? c.conn.p : "");
		T_ASSERT(ok);
		if (v->child) {
			span_is(&c.child, v->child, &ok);
			T_ASSERT(ok);
		}
		if (v->cat == LOG_CAT_REQUEST || v->cat == LOG_CAT_RETRANSMIT)
			T_EQ_INT(c.exchange, v->exchange);
		T_EQ_INT(c.has_msgid, v->msgid >= 0);
		if (v->msgid >= 0)
			T_EQ_INT(c.msgid, v->msgid);
		T_EQ_INT(c.count, v->count);
		T_ASSERT(!c.truncated);
	}
}

static void rekey_request_flag(void)
{
	static const char rekey[] = "Nov 23 07:42:00 13[ENC] <a-b|1> generating CREATE_CHILD_SA "
	                            "request 3 [ N(REKEY_SA) SA No KE TSi TSr ]";
	static const char create[] = "Nov 23 07:42:00 13[ENC] <a-b|1> generating CREATE_CHILD_SA "
	                             "request 3 [ SA No KE TSi TSr ]";
	struct log_class c;

	T_EQ_INT(log_classify_line(rekey, strlen(rekey), &c), 0);
	T_ASSERT(c.rekey);
	T_EQ_INT(log_classify_line(create, strlen(create), &c), 0);
	T_ASSERT(!c.rekey);
	T_EQ_INT(c.cat, LOG_CAT_REQUEST);
}

static void ike_id_and_giveup(void)
{
	static const char l[] = "Nov 23 07:40:09 16[IKE] <a-b|42> giving up after 3 retransmits\n";
	struct log_class c;

	T_EQ_INT(log_classify_line(l, strlen(l), &c), 0);
	T_EQ_INT(c.ike_id, 42);
	T_ASSERT(c.giveup);
	T_EQ_INT(c.group, LOG_GROUP_IKE);
	T_EQ_INT(c.msg.len, strlen("giving up after 3 retransmits"));
}

/* The VICI `log` event and charon-systemd give the bare message plus group and name fields. */
static void bare_messages(void)
{
	static const char m1[] = "retransmit 2 of request with message ID 4";
	static const char m2[] = "received AUTHENTICATION_FAILED notify error";
	static const char m3[] = "<a-b|3> giving up after 3 retransmits";
	struct log_class c;

	T_EQ_INT(log_classify_msg("IKE", 3, m1, strlen(m1), "a-b", 3, &c), 0);
	T_EQ_INT(c.cat, LOG_CAT_RETRANSMIT);
	T_EQ_INT(c.msgid, 4);
	T_ASSERT(c.conn.len == 3 && memcmp(c.conn.p, "a-b", 3) == 0);
	/* the group decides which rows apply: an ENC message never matches IKE rows */
	T_EQ_INT(log_classify_msg("ENC", 3, m1, strlen(m1), NULL, 0, &c), 0);
	T_EQ_INT(c.cat, LOG_CAT_NONE);
	/* unknown group: every row is tried */
	T_EQ_INT(log_classify_msg(NULL, 0, m2, strlen(m2), NULL, 0, &c), 0);
	T_EQ_INT(c.cat, LOG_CAT_FAILURE);
	T_EQ_INT(c.failure, LOG_FAIL_AUTH_FAILED);
	T_ASSERT(c.conn.p == NULL);
	/* a bare message that still carries the <conn|id> prefix */
	T_EQ_INT(log_classify_msg("IKE", 3, m3, strlen(m3), NULL, 0, &c), 0);
	T_EQ_INT(c.failure, LOG_FAIL_DPD_TIMEOUT);
	T_ASSERT(c.conn.len == 3 && memcmp(c.conn.p, "a-b", 3) == 0);
	T_EQ_INT(c.ike_id, 3);
	/* a DMN-group message is never counted */
	T_EQ_INT(log_classify_msg("DMN", 3, m2, strlen(m2), NULL, 0, &c), 0);
	T_EQ_INT(c.cat, LOG_CAT_NONE);
	T_EQ_INT(log_classify_msg(NULL, 1, m2, 3, NULL, 0, &c), -EINVAL);
}

static void malformed_lines(void)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "no marker at all: retransmit 1 of request with message ID 2",
	    "Nov 23 07:40:01 [IKE] <a-b|1> retransmit 1 of request with message ID 2", /* no thread
	                                                                                */
	    "Nov 23 07:40:01 11[ike] <a-b|1> retransmit 1 of request with message ID 2",
	    "Nov 23 07:40:01 11[IKE]<a-b|1> retransmit 1 of request with message ID 2",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> retransmit x of request with message ID 2",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> retransmit 1 of request with message ID ",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> retransmit 1 of request with message ID 99999999999",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> giving up after  retransmits",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> received two words notify error",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> IKE_SA [1] established between x...y",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> IKE_SA a-b[x] established between x...y",
	    "Nov 23 07:40:01 11[IKE] <a-b|1> CHILD_SA net{} established with SPIs",
	    "Nov 23 07:40:01 11[ENC] <a-b|1> generating request 3 [ ]",
	    "[",
	    "1[",
	    "11[IK",
	    "11[IKE",
	    "11[IKE]",
	};
	struct log_class c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_INT(log_classify_line(bad[i], strlen(bad[i]), &c), 0);
		if (c.cat != LOG_CAT_NONE)
			test_fail(__FILE__, __LINE__, "bad[%zu] classified as %d", i, c.cat);
		T_EQ_INT(c.cat, LOG_CAT_NONE);
	}
	T_EQ_INT(log_classify_line(NULL, 0, &c), 0);
	T_EQ_INT(c.cat, LOG_CAT_NONE);
	T_EQ_INT(log_classify_line(NULL, 5, &c), -EINVAL);
	T_EQ_INT(log_classify_line("x", 1, NULL), -EINVAL);
}

/* Bad "<conn|id>" prefixes are not taken as names: the message then starts at the '<'. */
static void bad_name_prefix(void)
{
	static const char *const lines[] = {
	    "Nov 23 07:40:01 11[IKE] <a-b|x> giving up after 3 retransmits",
	    "Nov 23 07:40:01 11[IKE] <a-b|1>giving up after 3 retransmits",
	    "Nov 23 07:40:01 11[IKE] <a-b|1 giving up after 3 retransmits",
	    "Nov 23 07:40:01 11[IKE] <> giving up after 3 retransmits",
	};
	struct log_class c;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		T_EQ_INT(log_classify_line(lines[i], strlen(lines[i]), &c), 0);
		T_ASSERT(c.conn.p == NULL);
		T_EQ_INT(c.cat, LOG_CAT_NONE);
	}
}

/* Every prefix of every vector: no crash, no read past the length (ASan), and a cut retransmit
 * or request line never yields a message ID it does not contain. */
static void truncated_lines(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *l = vectors[i].line;
		size_t n = strlen(l);

		for (size_t k = 0; k < n; k++) {
			char *copy = malloc(k ? k : 1);
			struct log_class c;

			T_ASSERT(copy);
			memcpy(copy, l, k);
			T_EQ_INT(log_classify_line(copy, k, &c), 0);
			T_ASSERT(c.msg.p == NULL ||
			         (c.msg.p >= copy && c.msg.p + c.msg.len <= copy + k));
			T_ASSERT(c.conn.p == NULL ||
			         (c.conn.p >= copy && c.conn.p + c.conn.len <= copy + k));
			free(copy);
		}
	}
}

static void overlong_line(void)
{
	size_t n = LOGLINE_MAX * 2;
	char *l = malloc(n);
	static const char head[] = "Nov 23 07:40:01 11[IKE] <a-b|1> giving up after 3 retransmits ";
	static const char tail[] = "11[IKE] <a-b|1> received AUTHENTICATION_FAILED notify error";
	struct log_class c;

	T_ASSERT(l);
	memset(l, 'x', n);
	memcpy(l, head, strlen(head));
	T_EQ_INT(log_classify_line(l, n, &c), 0);
	T_ASSERT(c.truncated);
	T_EQ_INT(c.cat, LOG_CAT_FAILURE);
	T_EQ_INT(c.failure, LOG_FAIL_DPD_TIMEOUT);
	T_ASSERT(c.msg.p + c.msg.len <= l + LOGLINE_MAX);
	/* a marker beyond LOGLINE_MAX is not looked at */
	memset(l, 'x', n);
	memcpy(l + LOGLINE_MAX + 10, tail, strlen(tail));
	T_EQ_INT(log_classify_line(l, n, &c), 0);
	T_ASSERT(c.truncated);
	T_EQ_INT(c.cat, LOG_CAT_NONE);
	free(l);
}

static void non_utf8_and_nul(void)
{
	static const char l1[] = "Nov 23 07:40:01 11[IKE] <\xff\xfe\xc3|1> received "
	                         "AUTHENTICATION_FAILED notify error";
	static const char l2[] =
	    "Nov 23 07:40:01 11[IKE] <a\0b|1> received NO_PROPOSAL_CHOSEN notify "
	    "error";
	static const char l3[] = "Nov\0 23 11[IKE] <c|1> retransmit 1 of request with message ID 2";
	struct log_class c;

	T_EQ_INT(log_classify_line(l1, sizeof(l1) - 1, &c), 0);
	T_EQ_INT(c.failure, LOG_FAIL_AUTH_FAILED);
	T_EQ_INT(c.conn.len, 3);
	T_EQ_INT(log_classify_line(l2, sizeof(l2) - 1, &c), 0);
	T_EQ_INT(c.failure, LOG_FAIL_NO_PROPOSAL);
	T_EQ_INT(c.conn.len, 3); /* the span keeps the NUL; the exporter escapes it */
	T_EQ_INT(log_classify_line(l3, sizeof(l3) - 1, &c), 0);
	T_EQ_INT(c.cat, LOG_CAT_RETRANSMIT);
}

static void names(void)
{
	T_EQ_STR(log_failure_name(LOG_FAIL_DPD_TIMEOUT), "dpd_timeout");
	T_EQ_STR(log_failure_name(LOG_FAIL_PEER_UNREACHABLE), "peer_unreachable");
	T_EQ_STR(log_failure_name((enum log_failure)99), "other");
	T_EQ_STR(log_event_name(LOG_EV_CHILD_INSTALLED), "installed");
	T_EQ_STR(log_exchange_name(LOG_EXCH_CREATE_CHILD_SA), "create_child_sa");
	T_EQ_INT(log_notify_from_name("TS_UNACCEPTABLE", 15), 38);
	T_EQ_INT(log_notify_from_name("(70000)", 7), 0);
	T_EQ_INT(log_notify_from_name("()", 2), 0);
	for (int i = 0; i < LOG_FAIL_COUNT; i++)
		T_ASSERT(strcmp(log_failure_name((enum log_failure)i), "") != 0);
}

/* ---- recorded fixtures ------------------------------------------------------------------- */

struct tally {
	unsigned fail[LOG_FAIL_COUNT];
	unsigned retransmits, events[LOG_EV_COUNT], lines;
};

static int tally_file(const char *path, struct tally *t)
{
	FILE *f = fopen(path, "r");
	char line[LOGLINE_MAX + 2];

	memset(t, 0, sizeof(*t));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct log_class c;

		t->lines++;
		if (log_classify_line(line, strlen(line), &c) < 0)
			continue;
		if (c.cat == LOG_CAT_FAILURE)
			t->fail[c.failure]++;
		else if (c.cat == LOG_CAT_RETRANSMIT)
			t->retransmits++;
		else if (c.cat == LOG_CAT_IKE_EVENT || c.cat == LOG_CAT_CHILD_EVENT)
			t->events[c.event]++;
	}
	fclose(f);
	return 0;
}

static unsigned fail_sum(const struct tally *t)
{
	unsigned s = 0;

	for (int i = 0; i < LOG_FAIL_COUNT; i++)
		s += t->fail[i];
	return s;
}

#define FIXTURE(name) "../fixtures/logs/" name

static void fixture_healthy_rekey_has_no_failure(void)
{
	static const char *const files[] = {
	    FIXTURE("healthy_rekey.a.log"),
	    FIXTURE("healthy_rekey.b.log"),
	    FIXTURE("auto_rekey.a.log"),
	    FIXTURE("auto_rekey.b.log"),
	};
	struct tally t;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		T_EQ_INT(tally_file(files[i], &t), 0);
		T_ASSERT(t.lines > 10);
		if (fail_sum(&t))
			test_fail(__FILE__, __LINE__, "%s: %u failures", files[i], fail_sum(&t));
		T_EQ_INT(fail_sum(&t), 0);
	}
	/* forced rekeys on a healthy lab never retransmit (auto_rekey's re-establishment may
	 * collide with the peer's, which is real and not a failure) */
	T_EQ_INT(tally_file(FIXTURE("healthy_rekey.b.log"), &t), 0);
	T_EQ_INT(t.retransmits, 0);
	/* the forced rekeys are visible as lifecycle lines */
	T_EQ_INT(tally_file(FIXTURE("healthy_rekey.a.log"), &t), 0);
	T_ASSERT(t.events[LOG_EV_IKE_REKEYED] >= 1);
	T_ASSERT(t.events[LOG_EV_CHILD_INSTALLED] >= 2);
	T_ASSERT(t.events[LOG_EV_CHILD_DELETED] >= 2);
}

static void fixture_psk(void)
{
	struct tally a, b;

	T_EQ_INT(tally_file(FIXTURE("psk.a.log"), &a), 0);
	T_EQ_INT(tally_file(FIXTURE("psk.b.log"), &b), 0);
	T_EQ_INT(a.fail[LOG_FAIL_AUTH_FAILED], 1);
	T_EQ_INT(fail_sum(&a), 1);
	T_EQ_INT(b.fail[LOG_FAIL_AUTH_FAILED], 1);
	T_EQ_INT(fail_sum(&b), 1);
}

static void fixture_proposal(void)
{
	struct tally a, b;

	T_EQ_INT(tally_file(FIXTURE("proposal.a.log"), &a), 0);
	T_EQ_INT(tally_file(FIXTURE("proposal.b.log"), &b), 0);
	T_EQ_INT(a.fail[LOG_FAIL_NO_PROPOSAL], 1);
	T_EQ_INT(fail_sum(&a), 1);
	T_EQ_INT(b.fail[LOG_FAIL_NO_PROPOSAL], 1);
	T_EQ_INT(fail_sum(&b), 1);
}

static void fixture_ts(void)
{
	struct tally a, b;

	T_EQ_INT(tally_file(FIXTURE("ts.a.log"), &a), 0);
	T_EQ_INT(tally_file(FIXTURE("ts.b.log"), &b), 0);
	T_EQ_INT(a.fail[LOG_FAIL_TS_UNACCEPTABLE], 1);
	T_EQ_INT(fail_sum(&a), 1);
	T_EQ_INT(b.fail[LOG_FAIL_TS_UNACCEPTABLE], 1);
	T_EQ_INT(fail_sum(&b), 1);
}

/* lab.sh's lab_ts_mismatch narrows to a range without a local address: kernel-libipsec cannot
 * route it, and the initiator's CHILD SA fails to install. */
static void fixture_install_failed(void)
{
	struct tally a, b;

	T_EQ_INT(tally_file(FIXTURE("install_failed.a.log"), &a), 0);
	T_EQ_INT(tally_file(FIXTURE("install_failed.b.log"), &b), 0);
	T_EQ_INT(a.fail[LOG_FAIL_INSTALL_FAILED], 1);
	T_EQ_INT(fail_sum(&a), 1);
	T_EQ_INT(fail_sum(&b), 0);
}

static void fixture_dpd(void)
{
	struct tally a;

	T_EQ_INT(tally_file(FIXTURE("dpd.a.log"), &a), 0);
	T_EQ_INT(a.fail[LOG_FAIL_DPD_TIMEOUT], 1);
	T_EQ_INT(fail_sum(&a), 1);
	T_EQ_INT(a.retransmits, 3); /* retransmit_tries = 3 in the lab */
}

static void fixture_drop_ike(void)
{
	struct tally a, b;

	T_EQ_INT(tally_file(FIXTURE("drop_ike.a.log"), &a), 0);
	T_EQ_INT(tally_file(FIXTURE("drop_ike.b.log"), &b), 0);
	/* both sides send DPDs into the void and give up */
	T_ASSERT(a.retransmits + b.retransmits >= 3);
	T_ASSERT(a.fail[LOG_FAIL_DPD_TIMEOUT] + b.fail[LOG_FAIL_DPD_TIMEOUT] >= 1);
	T_EQ_INT(fail_sum(&a), a.fail[LOG_FAIL_DPD_TIMEOUT]);
	T_EQ_INT(fail_sum(&b), b.fail[LOG_FAIL_DPD_TIMEOUT]);
}

static void fixture_pfs_rekey(void)
{
	struct tally a, b;

	T_EQ_INT(tally_file(FIXTURE("pfs_rekey.a.log"), &a), 0);
	T_EQ_INT(tally_file(FIXTURE("pfs_rekey.b.log"), &b), 0);
	/* the initiator of the rekey sees its rekey fail, with the peer's reason */
	T_EQ_INT(a.fail[LOG_FAIL_REKEY_FAILED], 1);
	T_ASSERT(a.fail[LOG_FAIL_NO_PROPOSAL] + a.fail[LOG_FAIL_INVALID_KE] == 1);
	T_ASSERT(b.fail[LOG_FAIL_NO_PROPOSAL] + b.fail[LOG_FAIL_INVALID_KE] == 1);
}

TEST_MAIN("log_classify", TEST(vectors_classify), TEST(rekey_request_flag), TEST(ike_id_and_giveup),
          TEST(bare_messages), TEST(malformed_lines), TEST(bad_name_prefix), TEST(truncated_lines),
          TEST(overlong_line), TEST(non_utf8_and_nul), TEST(names),
          TEST(fixture_healthy_rekey_has_no_failure), TEST(fixture_psk), TEST(fixture_proposal),
          TEST(fixture_ts), TEST(fixture_install_failed), TEST(fixture_dpd), TEST(fixture_drop_ike),
          TEST(fixture_pfs_rekey))
