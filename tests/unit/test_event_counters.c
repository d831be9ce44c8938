// SPDX-License-Identifier: Apache-2.0
/*
 * The event counter store (src/events/event_counters.c): recorded lab logs in, exposition out.
 * Each fault's fixture must move exactly the right counter by the right amount; a healthy lab
 * with forced rekeys must count rekeys and no failure; VICI events and CHILD SA final counters;
 * cardinality limits; and concurrent feeding from several threads.
 */
#include "test.h"

#include "common/buf.h"
#include "common/limits.h"
#include "events/event_counters.h"
#include "logs/log_classify.h"
#include "prom/prom_parse.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define FIXTURE(name) "../fixtures/logs/" name

static int feed_file(struct event_counters *ec, const char *path, bool lifecycle)
{
	FILE *f = fopen(path, "r");
	char line[LOGLINE_MAX + 2];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct log_class c;

		if (log_classify_line(line, strlen(line), &c) == 0) {
			event_counters_note_line(ec, c.truncated);
			event_counters_feed_log(ec, &c, lifecycle, 1700000000.5);
		}
	}
	fclose(f);
	return 0;
}

/* The split families (docs/metrics.md, "Which series exist when"): per connection a total that
 * is always there, and a breakdown whose series exist only once non-zero. */
static const char *const split[][2] = {
    {"ipsec_conn_ike_sa_events_total", "ipsec_ike_sa_events_total"},
    {"ipsec_conn_failures_total", "ipsec_failures_total"},
    {"ipsec_conn_retransmits_total", "ipsec_retransmits_total"},
};

/* Checks what holds for every exposition of the store: per split family and connection, the
 * breakdown's series are all non-zero and add up to the total, and no breakdown series belongs
 * to a connection without a total. Both are written in the store's connection order. */
static bool split_adds_up(const char *m)
{
	struct prom_scrape sc;
	bool ok = true;

	prom_scrape_init(&sc);
	if (prom_parse(&sc, m, strlen(m), NULL, NULL) < 0) {
		test_fail(__FILE__, __LINE__, "the exposition does not parse");
		ok = false;
	}
	for (size_t f = 0; ok && f < sizeof(split) / sizeof(split[0]); f++) {
		size_t b = 0;

		for (size_t t = 0; ok && t < sc.n; t++) {
			const char *conn = prom_sample_label(&sc.samples[t], "conn");
			double sum = 0;

			if (strcmp(sc.samples[t].name, split[f][0]) != 0)
				continue;
			while (b < sc.n && strcmp(sc.samples[b].name, split[f][1]) != 0)
				b++;
			for (; b < sc.n && strcmp(sc.samples[b].name, split[f][1]) == 0 &&
			       strcmp(prom_sample_label(&sc.samples[b], "conn"), conn) == 0;
			     b++) {
				if (sc.samples[b].value <= 0) {
					test_fail(__FILE__, __LINE__,
					          "%s{conn=\"%s\"}: a zero series", split[f][1],
					          conn);
					ok = false;
				}
				sum += sc.samples[b].value;
			}
			if (sum != sc.samples[t].value) {
				test_fail(__FILE__, __LINE__,
				          "%s{conn=\"%s\"} %g, its breakdown adds to %g",
				          split[f][0], conn, sc.samples[t].value, sum);
				ok = false;
			}
		}
		for (; ok && b < sc.n; b++)
			if (strcmp(sc.samples[b].name, split[f][1]) == 0) {
				test_fail(__FILE__, __LINE__,
				          "%s{conn=\"%s\"} out of order or without a total",
				          split[f][1], prom_sample_label(&sc.samples[b], "conn"));
				ok = false;
			}
	}
	prom_scrape_done(&sc);
	return ok;
}

/* Render into a NUL-terminated string the caller frees; NULL also when split_adds_up() fails. */
static char *render(struct event_counters *ec)
{
	struct buf b;
	struct prom_writer w;
	char *m;

	buf_init(&b, 16u << 20);
	prom_writer_init(&w, &b);
	event_counters_write_metrics(ec, &w);
	if (b.err || !b.data) {
		buf_done(&b);
		return NULL;
	}
	m = buf_steal(&b, NULL);
	if (!split_adds_up(m)) {
		free(m);
		return NULL;
	}
	return m;
}

/* Every series of @before is in @after with a value not smaller: a series once written stays,
 * and counters never go back. */
static bool never_back(const char *before, const char *after)
{
	struct prom_scrape a, b;
	bool ok = true;

	prom_scrape_init(&a);
	prom_scrape_init(&b);
	if (prom_parse(&a, before, strlen(before), NULL, NULL) < 0 ||
	    prom_parse(&b, after, strlen(after), NULL, NULL) < 0)
		ok = false;
	for (size_t i = 0; ok && i < a.n; i++) {
		const struct prom_parsed_sample *s = &a.samples[i];
		bool found = false;

		if (s->type != PROM_COUNTER)
			continue;
		for (size_t k = 0; !found && k < b.n; k++) {
			const struct prom_parsed_sample *t = &b.samples[k];
			bool same = strcmp(s->name, t->name) == 0 && s->nlabels == t->nlabels;

			for (size_t l = 0; same && l < s->nlabels; l++)
				same = strcmp(s->labels[l].name, t->labels[l].name) == 0 &&
				       strcmp(s->labels[l].value, t->labels[l].value) == 0;
			if (same) {
				found = true;
				if (t->value < s->value)
					ok = false;
			}
		}
		if (!found)
			ok = false;
		if (!ok)
			test_fail(__FILE__, __LINE__, "%s (%zu labels, %g) gone or smaller",
			          s->name, s->nlabels, s->value);
	}
	prom_scrape_done(&a);
	prom_scrape_done(&b);
	return ok;
}

static void healthy_rekeys_count_rekeys_only(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_EQ_INT(feed_file(ec, FIXTURE("healthy_rekey.a.log"), true), 0);
	m = render(ec);
	T_ASSERT(m);
	/* A rekeyed its CHILD SA twice (once started by A, once by B) and its IKE SA twice */
	T_CONTAINS(m,
	           "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"rekeyed\"} 2\n");
	T_CONTAINS(
	    m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"installed\"} 0\n");
	T_CONTAINS(m,
	           "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"deleted\"} 0\n");
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"rekeyed\"} 2\n");
	T_NOT_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"deleted\"} ");
	T_NOT_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"rekey_failed\"} ");
	T_CONTAINS(m, "ipsec_conn_failures_total{conn=\"a-b\"} 0\n");
	T_CONTAINS(m, "ipsec_conn_ike_sa_events_total{conn=\"a-b\"} 2\n");
	T_NOT_CONTAINS(m, "kind=\"other\"} 1");
	T_NOT_CONTAINS(m, "ipsec_ike_last_error_code{");
	T_NOT_CONTAINS(m, "ipsec_retransmits_total{conn=\"a-b\",exchange=\"informational\"} ");
	free(m);
	event_counters_free(ec);
}

static void without_lifecycle_only_failures_count(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_EQ_INT(feed_file(ec, FIXTURE("healthy_rekey.a.log"), false), 0);
	m = render(ec);
	T_ASSERT(m);
	T_NOT_CONTAINS(m, "event=\"rekeyed\"} 2");
	T_NOT_CONTAINS(m, "ipsec_child_sa_events_total{");
	free(m);
	event_counters_free(ec);
}

static void dpd_fixture(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_EQ_INT(feed_file(ec, FIXTURE("dpd.a.log"), true), 0);
	m = render(ec);
	T_ASSERT(m);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"dpd_timeout\"} 1\n");
	T_NOT_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"peer_unreachable\"} ");
	/* DPD is an empty INFORMATIONAL request (RFC 7296 2.4) */
	T_CONTAINS(m, "ipsec_retransmits_total{conn=\"a-b\",exchange=\"informational\"} 3\n");
	T_NOT_CONTAINS(m, "ipsec_retransmits_total{conn=\"a-b\",exchange=\"ike_sa_init\"} ");
	T_CONTAINS(m, "ipsec_conn_retransmits_total{conn=\"a-b\"} 3\n");
	T_CONTAINS(m, "ipsec_conn_failures_total{conn=\"a-b\"} 1\n");
	free(m);
	event_counters_free(ec);
}

static void psk_fixture_sets_last_error(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	T_EQ_INT(feed_file(ec, FIXTURE("psk.a.log"), true), 0);
	m = render(ec);
	T_ASSERT(m);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"auth_failed\"} 1\n");
	T_CONTAINS(m, "ipsec_ike_last_error_code{conn=\"a-b\"} 24\n");
	T_CONTAINS(m, "ipsec_ike_last_error_timestamp_seconds{conn=\"a-b\"} 1700000000.5\n");
	free(m);
	event_counters_free(ec);
}

static void fault_fixtures_move_one_counter(void)
{
	static const struct {
		const char *file, *want;
	} cases[] = {
	    {FIXTURE("psk.b.log"), "kind=\"auth_failed\"} 1\n"},
	    {FIXTURE("proposal.a.log"), "kind=\"no_proposal\"} 1\n"},
	    {FIXTURE("proposal.b.log"), "kind=\"no_proposal\"} 1\n"},
	    {FIXTURE("ts.a.log"), "kind=\"ts_unacceptable\"} 1\n"},
	    {FIXTURE("ts.b.log"), "kind=\"ts_unacceptable\"} 1\n"},
	    {FIXTURE("install_failed.a.log"), "kind=\"install_failed\"} 1\n"},
	    {FIXTURE("drop_ike.a.log"), "kind=\"dpd_timeout\"} 1\n"},
	    /* a rekey whose retransmits ran out: no DPD ran on A (B's DPD did time out) */
	    {FIXTURE("child_rekey_timeout.a.log"), "kind=\"rekey_failed\"} 1\n"},
	    {FIXTURE("ike_rekey_timeout.a.log"), "kind=\"rekey_failed\"} 1\n"},
	    {FIXTURE("child_rekey_timeout.b.log"), "kind=\"dpd_timeout\"} 1\n"},
	    {FIXTURE("ike_rekey_timeout.b.log"), "kind=\"dpd_timeout\"} 1\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct event_counters *ec = event_counters_new();
		char *m, *p;
		int ones = 0;

		T_ASSERT(ec);
		T_EQ_INT(feed_file(ec, cases[i].file, true), 0);
		m = render(ec);
		T_ASSERT(m);
		T_CONTAINS(m, cases[i].want);
		/* and no other failure kind moved */
		for (p = m; (p = strstr(p, "ipsec_failures_total{")); p++) {
			const char *eol = strchr(p, '\n');

			if (eol && eol[-1] != '0' && eol[-2] == ' ')
				ones++;
		}
		if (ones != 1)
			test_fail(__FILE__, __LINE__, "%s: %d failure series moved", cases[i].file,
			          ones);
		free(m);
		event_counters_free(ec);
		T_EQ_INT(ones, 1);
	}
}

/* The peer never answers IKE_SA_INIT: that is an unreachable peer, not a DPD timeout. */
static void giveup_in_ike_sa_init_is_unreachable(void)
{
	static const char *const lines[] = {
	    "Nov 23 08:00:00 05[ENC] <a-c|4> generating IKE_SA_INIT request 0 [ SA KE No ]",
	    "Nov 23 08:00:01 06[IKE] <a-c|4> retransmit 1 of request with message ID 0",
	    "Nov 23 08:00:03 07[IKE] <a-c|4> retransmit 2 of request with message ID 0",
	    "Nov 23 08:00:08 08[IKE] <a-c|4> giving up after 2 retransmits",
	    "Nov 23 08:00:08 08[IKE] <a-c|4> establishing IKE_SA failed, peer not responding",
	    /* and an IKE_AUTH that the peer never answers (e.g. lost fragments) */
	    "Nov 23 08:01:00 05[ENC] <a-c|5> generating IKE_AUTH request 1 [ IDi AUTH SA TSi TSr ]",
	    "Nov 23 08:01:01 06[IKE] <a-c|5> retransmit 1 of request with message ID 1",
	    "Nov 23 08:01:08 08[IKE] <a-c|5> giving up after 1 retransmits",
	};
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct log_class c;

		T_EQ_INT(log_classify_line(lines[i], strlen(lines[i]), &c), 0);
		event_counters_feed_log(ec, &c, true, 1.0);
	}
	m = render(ec);
	T_ASSERT(m);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"a-c\",kind=\"peer_unreachable\"} 2\n");
	T_NOT_CONTAINS(m, "ipsec_failures_total{conn=\"a-c\",kind=\"dpd_timeout\"} ");
	T_CONTAINS(m, "ipsec_retransmits_total{conn=\"a-c\",exchange=\"ike_sa_init\"} 2\n");
	T_CONTAINS(m, "ipsec_retransmits_total{conn=\"a-c\",exchange=\"ike_auth\"} 1\n");
	free(m);
	event_counters_free(ec);
}

/* A recorded CHILD rekey collision (A won it, B lost): one rekey on each side, no install or
 * delete, although two new CHILD SAs were established and one of them closed again. */
static void rekey_collision_counts_one_rekey(void)
{
	static const char *const files[] = {FIXTURE("rekey_collision.a.log"),
	                                    FIXTURE("rekey_collision.b.log")};

	for (size_t i = 0; i < 2; i++) {
		struct event_counters *ec = event_counters_new();
		char *m;

		T_ASSERT(ec);
		T_EQ_INT(feed_file(ec, files[i], true), 0);
		m = render(ec);
		T_ASSERT(m);
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"rekeyed\"} 1\n");
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"installed\"} 0\n");
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"deleted\"} 0\n");
		free(m);
		event_counters_free(ec);
	}
}

/* A CHILD rekey that failed (PFS mismatch, recorded on both sides) leaves no rekey pending:
 * the CHILD SA established next is an install, and its close a delete. */
static void failed_rekey_leaves_nothing_pending(void)
{
	static const char *const files[] = {FIXTURE("pfs_rekey.a.log"), FIXTURE("pfs_rekey.b.log")};
	static const char *const after[] = {
	    "Nov 23 07:41:00 08[IKE] <a-b|2> CHILD_SA net{9} established with SPIs c1_i c2_o and "
	    "TS "
	    "10.1.0.0/16 === 10.2.0.0/16",
	    "Nov 23 07:42:00 08[IKE] <a-b|2> closing CHILD_SA net{9} with SPIs c1_i (0 bytes) c2_o "
	    "(0 bytes) and TS 10.1.0.0/16 === 10.2.0.0/16",
	};

	for (size_t i = 0; i < 2; i++) {
		struct event_counters *ec = event_counters_new();
		char *m;

		T_ASSERT(ec);
		T_EQ_INT(feed_file(ec, files[i], true), 0);
		for (size_t k = 0; k < 2; k++) {
			struct log_class c;

			T_EQ_INT(log_classify_line(after[k], strlen(after[k]), &c), 0);
			event_counters_feed_log(ec, &c, true, 1.0);
		}
		m = render(ec);
		T_ASSERT(m);
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"installed\"} 1\n");
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"deleted\"} 1\n");
		T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
		              "event=\"rekeyed\"} 0\n");
		free(m);
		event_counters_free(ec);
	}
}

/* Synthetic: a give-up is named by the request whose retransmits ran out. */
/* The outstanding request (peer_silent): from its first send, counted per retransmit, ended by
 * the peer's response, a give-up or the IKE SA going down. */
static void outstanding_request(void)
{
	static const char *const ends[] = {
	    "Dec  6 01:46:09 14[ENC] <a-b|1> parsed INFORMATIONAL response 5 [ ]",
	    "Dec  6 01:46:09 10[IKE] <a-b|1> giving up after 2 retransmits",
	    ("Dec  6 01:46:09 10[IKE] <a-b|1> deleting IKE_SA a-b[1] between "
	     "192.0.2.1...198.51.100.1"),
	};

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		const char *lines[] = {
		    "Dec  6 01:46:00 14[ENC] <a-b|1> generating INFORMATIONAL request 5 [ ]",
		    "Dec  6 01:46:04 14[IKE] <a-b|1> retransmit 1 of request with message ID 5",
		    "Dec  6 01:46:08 14[IKE] <a-b|1> retransmit 2 of request with message ID 5",
		};
		struct event_counters *ec = event_counters_new();
		struct event_retx r;
		struct log_class c;

		T_ASSERT(ec != NULL);
		T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));
		for (size_t k = 0; k < 3; k++) {
			T_EQ_INT(log_classify_line(lines[k], strlen(lines[k]), &c), 0);
			event_counters_feed_log(ec, &c, true, 1000.0 + (double)k);
		}
		T_ASSERT(event_counters_retx(ec, "a-b", 3, &r));
		T_EQ_INT(r.ike_id, 1);
		T_EQ_INT(r.msgid, 5);
		T_EQ_INT(r.count, 2);
		T_EQ_INT(r.exchange, LOG_EXCH_INFORMATIONAL);
		T_ASSERT(r.first_sent ==
		         1000.0); /* the "generating" line, not the first retransmit */
		T_ASSERT(r.last_retx == 1002.0);
		T_ASSERT(!event_counters_retx(ec, "b-c", 3, &r));
		T_EQ_INT(log_classify_line(ends[i], strlen(ends[i]), &c), 0);
		event_counters_feed_log(ec, &c, false, 1003.0);
		T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));
		event_counters_free(ec);
	}
}

/* Two connections' outstanding requests end one at a time, in every way, and start again: the
 * count that lets event_counters_retx() skip the lookup when none is outstanding must follow. */
static void outstanding_two_conns(void)
{
	static const char *const retx[2] = {
	    "Dec  6 01:46:04 14[IKE] <a-b|1> retransmit 1 of request with message ID 5",
	    "Dec  6 01:46:04 14[IKE] <c-d|2> retransmit 1 of request with message ID 7",
	};
	static const char *const answer = "Dec  6 01:46:09 14[ENC] <a-b|1> parsed INFORMATIONAL "
	                                  "response 5 [ ]";
	struct event_counters *ec = event_counters_new();
	struct event_retx r;
	struct log_class c;

	T_ASSERT(ec != NULL);
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < 2; k++) {
			/* twice: a second retransmit of the same request counts no second time */
			for (int again = 0; again < 2; again++) {
				T_EQ_INT(log_classify_line(retx[k], strlen(retx[k]), &c), 0);
				event_counters_feed_log(ec, &c, true, 1000.0);
			}
		}
		T_ASSERT(event_counters_retx(ec, "a-b", 3, &r));
		T_ASSERT(event_counters_retx(ec, "c-d", 3, &r));
		T_EQ_INT(r.msgid, 7);
		T_EQ_INT(log_classify_line(answer, strlen(answer), &c), 0);
		event_counters_feed_log(ec, &c, true, 1001.0);
		T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));
		T_ASSERT(event_counters_retx(ec, "c-d", 3, &r));
		/* an SA established again (a VICI event), twice: the second ends nothing */
		event_counters_ike_event(ec, "c-d", 3, LOG_EV_IKE_ESTABLISHED);
		event_counters_ike_event(ec, "c-d", 3, LOG_EV_IKE_ESTABLISHED);
		T_ASSERT(!event_counters_retx(ec, "c-d", 3, &r));
		T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));
	}
	event_counters_free(ec);
}

/* Request tracking (sent requests, the outstanding retransmit, rekey replacements) is allocated
 * at a connection's first request, retransmit or rekey line and freed once its requests are
 * answered, given up or their SA gone; failure counts at its first failure or retransmit. Not
 * for every connection: touched connections, VICI events and CHILD SAs from the log leave none;
 * the lines after the first are matched to their request and counted as before, and the
 * connections without read zeros. */
static void tracking_allocated_at_first_request(void)
{
	static const char *const quiet[] = {
	    "Dec  6 01:45:00 10[IKE] <a-b|1> IKE_SA a-b[1] established between "
	    "192.0.2.1[a]...198.51.100.1[b]",
	    "Dec  6 01:45:01 08[IKE] <a-b|1> CHILD_SA net{9} established with SPIs c1_i c2_o and "
	    "TS 10.1.0.0/16 === 10.2.0.0/16",
	    "Dec  6 01:45:02 08[IKE] <a-b|1> closing CHILD_SA net{9} with SPIs c1_i (0 bytes) "
	    "c2_o (0 bytes) and TS 10.1.0.0/16 === 10.2.0.0/16",
	    "Dec  6 01:45:03 14[ENC] <a-b|1> parsed INFORMATIONAL response 4 [ ]",
	    "Dec  6 01:45:04 14[ENC] <c-d|2> parsed INFORMATIONAL request 9 [ ]",
	};
	static const char *const busy[] = {
	    /* a DPD answered: tracked only while in flight */
	    "Dec  6 01:45:58 16[ENC] <a-b|1> generating INFORMATIONAL request 4 [ ]",
	    "Dec  6 01:45:59 16[ENC] <a-b|1> generating INFORMATIONAL request 5 [ ]",
	    "Dec  6 01:45:59 14[ENC] <a-b|1> parsed INFORMATIONAL response 4 [ ]",
	    /* a request of another IKE SA ends with its SA */
	    "Dec  6 01:46:00 16[ENC] <g-h|7> generating INFORMATIONAL request 2 [ ]",
	    ("Dec  6 01:46:00 10[IKE] <g-h|7> deleting IKE_SA g-h[7] between "
	     "192.0.2.1...198.51.100.1"),
	    "Dec  6 01:46:01 14[ENC] <a-b|1> parsed INFORMATIONAL response 5 [ ]",
	    /* a DPD that is retransmitted and given up: kept until the give-up names it */
	    "Dec  6 01:46:01 16[ENC] <a-b|1> generating INFORMATIONAL request 6 [ ]",
	    "Dec  6 01:46:02 14[IKE] <a-b|1> retransmit 1 of request with message ID 6",
	    /* no request line: tracked from its retransmit until answered */
	    "Dec  6 01:46:03 14[IKE] <c-d|2> retransmit 1 of request with message ID 7",
	    "Dec  6 01:46:10 10[IKE] <a-b|1> giving up after 1 retransmits",
	    "Dec  6 01:46:11 09[IKE] <e-f|3> received AUTHENTICATION_FAILED notify error",
	};
	static const char c_d_answer[] =
	    "Dec  6 01:46:12 14[ENC] <c-d|2> parsed INFORMATIONAL response 7 [ ]";
	static const size_t busy_tracked[] = {1, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1};
	static const size_t busy_faults[] = {0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 3};
	struct event_counters *ec = event_counters_new();
	struct event_counters_alloc a;
	struct event_conn_errors errs[120];
	struct event_retx r;
	struct log_class c;
	char name[16], *m;

	T_ASSERT(ec);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "conn-%d", i);
		T_EQ_INT(event_counters_touch_conn(ec, name, strlen(name)), 0);
	}
	event_counters_ike_event(ec, "conn-1", 6, LOG_EV_IKE_ESTABLISHED);
	event_counters_child_event(ec, "conn-1", 6, "net", 3, LOG_EV_CHILD_INSTALLED);
	T_EQ_INT(event_counters_child_rekeyed(ec, "conn-1", 6, "net", 3, 4), 0);
	for (size_t k = 0; k < sizeof(quiet) / sizeof(quiet[0]); k++) {
		T_EQ_INT(log_classify_line(quiet[k], strlen(quiet[k]), &c), 0);
		event_counters_feed_log(ec, &c, true, 1.0);
	}
	event_counters_allocated(ec, &a);
	T_EQ_INT(a.conns, 102); /* and a-b, c-d */
	T_EQ_INT(a.tracked, 0);
	T_EQ_INT(a.faults, 0);
	T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));

	for (size_t k = 0; k < sizeof(busy) / sizeof(busy[0]); k++) {
		T_EQ_INT(log_classify_line(busy[k], strlen(busy[k]), &c), 0);
		event_counters_feed_log(ec, &c, true, 2.0 + (double)k);
		event_counters_allocated(ec, &a);
		T_EQ_INT(a.tracked, busy_tracked[k]);
		T_EQ_INT(a.faults, busy_faults[k]);
	}
	T_EQ_INT(event_counters_conn_errors(ec, errs, 120), 104);
	for (size_t i = 0; i < 104; i++) {
		bool ef = strcmp(errs[i].conn, "e-f") == 0;
		bool ab = strcmp(errs[i].conn, "a-b") == 0;

		T_EQ_INT(errs[i].failures[LOG_FAIL_AUTH_FAILED], ef);
		T_EQ_INT(errs[i].failures[LOG_FAIL_DPD_TIMEOUT], ab);
		T_EQ_INT(errs[i].has_error, ef);
		if (ef)
			T_EQ_INT(errs[i].last_error, 24); /* AUTHENTICATION_FAILED */
	}
	T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r)); /* given up */
	T_ASSERT(event_counters_retx(ec, "c-d", 3, &r));
	T_EQ_INT(r.msgid, 7);
	T_ASSERT(r.first_sent == 10.0); /* no request line: its first retransmit */
	m = render(ec);
	T_ASSERT(m);
	/* the give-up is named by the tracked request: a DPD */
	T_CONTAINS(m, "\nipsec_failures_total{conn=\"a-b\",kind=\"dpd_timeout\"} 1\n");
	T_CONTAINS(m, "\nipsec_conn_retransmits_total{conn=\"a-b\"} 1\n");
	T_CONTAINS(m, "\nipsec_conn_retransmits_total{conn=\"c-d\"} 1\n");
	T_CONTAINS(m, "\nipsec_conn_ike_sa_events_total{conn=\"conn-1\"} 1\n");
	T_CONTAINS(m, "\nipsec_conn_ike_sa_events_total{conn=\"conn-99\"} 0\n");
	T_CONTAINS(m, "\nipsec_ike_sa_events_total{conn=\"g-h\",event=\"deleted\"} 1\n");
	T_CONTAINS(m, "\nipsec_conn_failures_total{conn=\"conn-99\"} 0\n");
	T_CONTAINS(m, "\nipsec_conn_retransmits_total{conn=\"conn-99\"} 0\n");
	T_CONTAINS(m, "\nipsec_failures_total{conn=\"e-f\",kind=\"auth_failed\"} 1\n");
	T_CONTAINS(m, "\nipsec_ike_last_error_code{conn=\"e-f\"} 24\n");
	T_NOT_CONTAINS(m, "\nipsec_ike_last_error_code{conn=\"a-b\"}");
	T_NOT_CONTAINS(m, "\nipsec_ike_last_error_code{conn=\"conn-1\"}");
	T_NOT_CONTAINS(m, "\nipsec_failures_total{conn=\"conn-");
	/* the CHILD SA closed with no rekey tracked: a delete */
	T_CONTAINS(m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\","
	              "event=\"deleted\"} 1\n");
	free(m);
	T_ASSERT(!event_counters_retx(ec, "a-b", 3, &r));
	T_EQ_INT(log_classify_line(c_d_answer, strlen(c_d_answer), &c), 0);
	event_counters_feed_log(ec, &c, true, 20.0);
	event_counters_allocated(ec, &a);
	T_EQ_INT(a.tracked, 0);
	T_ASSERT(!event_counters_retx(ec, "c-d", 3, &r));
	event_counters_free(ec);
}

static void giveup_named_by_request(void)
{
	static const struct {
		const char *request, *kind;
	} cases[] = {
	    {"generating INFORMATIONAL request 5 [ ]", "dpd_timeout"},
	    {"generating CREATE_CHILD_SA request 5 [ N(REKEY_SA) SA No TSi TSr ]", "rekey_failed"},
	    {"generating CREATE_CHILD_SA request 5 [ SA No KE ]", "rekey_failed"},
	    /* a new CHILD SA, a delete: the peer is unreachable, neither DPD nor rekey */
	    {"generating CREATE_CHILD_SA request 5 [ SA No TSi TSr ]", "peer_unreachable"},
	    {"generating INFORMATIONAL request 5 [ D ]", "peer_unreachable"},
	    /* no request line for this message ID: nothing tells */
	    {"generating INFORMATIONAL request 4 [ ]", "peer_unreachable"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char req[200], want[200];
		const char *lines[] = {
		    req,
		    "Dec  6 01:46:02 14[IKE] <a-b|1> retransmit 1 of request with message ID 5",
		    "Dec  6 01:46:10 10[IKE] <a-b|1> giving up after 1 retransmits",
		};
		struct event_counters *ec = event_counters_new();
		char *m;

		T_ASSERT(ec);
		snprintf(req, sizeof(req), "Dec  6 01:46:01 16[ENC] <a-b|1> %s", cases[i].request);
		for (size_t k = 0; k < 3; k++) {
			struct log_class c;

			T_EQ_INT(log_classify_line(lines[k], strlen(lines[k]), &c), 0);
			event_counters_feed_log(ec, &c, true, 1.0);
		}
		m = render(ec);
		T_ASSERT(m);
		snprintf(want, sizeof(want), "ipsec_failures_total{conn=\"a-b\",kind=\"%s\"} 1\n",
		         cases[i].kind);
		if (!strstr(m, want))
			test_fail(__FILE__, __LINE__, "%s: want %s", cases[i].request,
			          cases[i].kind);
		free(m);
		event_counters_free(ec);
	}
}

static void vici_events(void)
{
	struct event_counters *ec = event_counters_new();
	char *m;

	T_ASSERT(ec);
	event_counters_ike_event(ec, "a-b", 3, LOG_EV_IKE_ESTABLISHED);
	event_counters_child_event(ec, "a-b", 3, "net", 3, LOG_EV_CHILD_INSTALLED);
	event_counters_child_event(ec, "a-b", 3, "net", 3, LOG_EV_CHILD_REKEYED);
	event_counters_child_event(ec, "a-b", 3, "net", 3, LOG_EV_CHILD_DELETED);
	m = render(ec);
	T_ASSERT(m);
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"established\"} 1\n");
	T_CONTAINS(
	    m, "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"installed\"} 1\n");
	T_CONTAINS(m,
	           "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"rekeyed\"} 1\n");
	T_CONTAINS(m,
	           "ipsec_child_sa_events_total{conn=\"a-b\",child=\"net\",event=\"deleted\"} 1\n");
	free(m);
	event_counters_free(ec);
}

/* What the status page reads: per connection its failures and last error, and the last
 * EVENT_RECENT_MAX failures newest first (a ring that wraps). */
static void summaries_for_the_status_page(void)
{
	struct event_counters *ec = event_counters_new();
	struct event_conn_errors errs[4];
	struct event_failure recent[EVENT_RECENT_MAX + 2];

	T_ASSERT(ec);
	T_EQ_INT(event_counters_conn_errors(ec, errs, 4), 0);
	T_EQ_INT(event_counters_recent_failures(ec, recent, EVENT_RECENT_MAX), 0);
	event_counters_touch_conn(ec, "quiet", 5);
	for (int i = 0; i < EVENT_RECENT_MAX + 3; i++) {
		struct log_class c = {.cat = LOG_CAT_FAILURE,
		                      .failure =
		                          i % 2 ? LOG_FAIL_AUTH_FAILED : LOG_FAIL_NO_PROPOSAL,
		                      .notify = (uint16_t)(i % 2 ? 24 : 0),
		                      .conn = {"a-b", 3}};

		event_counters_feed_log(ec, &c, false, 1000.0 + i);
	}
	T_EQ_INT(event_counters_conn_errors(ec, errs, 4), 2);
	T_EQ_STR(errs[0].conn, "quiet");
	T_ASSERT(!errs[0].has_error);
	T_EQ_INT(errs[0].failures[LOG_FAIL_AUTH_FAILED], 0);
	T_EQ_STR(errs[1].conn, "a-b");
	T_EQ_INT(errs[1].failures[LOG_FAIL_AUTH_FAILED], (EVENT_RECENT_MAX + 3) / 2);
	T_EQ_INT(errs[1].failures[LOG_FAIL_NO_PROPOSAL], (EVENT_RECENT_MAX + 4) / 2);
	T_ASSERT(errs[1].has_error);
	T_EQ_INT(errs[1].last_error, 24);
	/* a smaller buffer gets the first ones, and the count of all */
	T_EQ_INT(event_counters_conn_errors(ec, errs, 1), 2);
	/* the newest first, only the last EVENT_RECENT_MAX kept */
	T_EQ_INT(event_counters_recent_failures(ec, recent, EVENT_RECENT_MAX + 2),
	         EVENT_RECENT_MAX);
	for (int i = 0; i < EVENT_RECENT_MAX; i++) {
		int n = EVENT_RECENT_MAX + 2 - i; /* the failure fed as number n */

		T_ASSERT(recent[i].at == 1000.0 + n);
		T_EQ_STR(recent[i].conn, "a-b");
		T_EQ_INT(recent[i].kind, n % 2 ? LOG_FAIL_AUTH_FAILED : LOG_FAIL_NO_PROPOSAL);
		T_EQ_INT(recent[i].notify, n % 2 ? 24 : 0);
	}
	T_EQ_INT(event_counters_recent_failures(ec, recent, 3), 3);
	T_ASSERT(recent[0].at == 1000.0 + EVENT_RECENT_MAX + 2);
	T_EQ_INT(event_counters_recent_failures(NULL, recent, 3), 0);
	event_counters_free(ec);
}

/* A configured connection without any event reads 0 on its totals and has no breakdown series
 * (so an alert or rate() over the total sees the first event); the first event of a kind creates
 * its breakdown series with the count; nothing that was written goes away or back. */
static void touched_conn_reads_zero_until_first_event(void)
{
	static const char retx[] =
	    "Nov 23 08:00:01 06[IKE] <site-x|4> retransmit 1 of request with message ID 7";
	struct log_class dpd = {
	    .cat = LOG_CAT_FAILURE, .failure = LOG_FAIL_DPD_TIMEOUT, .conn = {"site-x", 6}};
	struct log_class rc;
	struct event_counters *ec = event_counters_new();
	char *m0, *m1, *m2;

	T_ASSERT(ec);
	T_EQ_INT(log_classify_line(retx, strlen(retx), &rc), 0);
	T_EQ_INT(event_counters_touch_conn(ec, "site-x", 6), 0);
	T_EQ_INT(event_counters_touch_conn(ec, "site-x", 6), 0);
	m0 = render(ec);
	T_ASSERT(m0);
	T_CONTAINS(m0, "\nipsec_conn_failures_total{conn=\"site-x\"} 0\n");
	T_CONTAINS(m0, "\nipsec_conn_retransmits_total{conn=\"site-x\"} 0\n");
	T_CONTAINS(m0, "\nipsec_conn_ike_sa_events_total{conn=\"site-x\"} 0\n");
	T_NOT_CONTAINS(m0, "\nipsec_failures_total{");
	T_NOT_CONTAINS(m0, "\nipsec_retransmits_total{");
	T_NOT_CONTAINS(m0, "\nipsec_ike_sa_events_total{");
	/* the families are still declared, so a reader knows their type */
	T_CONTAINS(m0, "# TYPE ipsec_failures_total counter\n");

	event_counters_feed_log(ec, &dpd, true, 1.0);
	event_counters_ike_event(ec, "site-x", 6, LOG_EV_IKE_DELETED);
	m1 = render(ec);
	T_ASSERT(m1);
	T_CONTAINS(m1, "\nipsec_conn_failures_total{conn=\"site-x\"} 1\n");
	T_CONTAINS(m1, "\nipsec_failures_total{conn=\"site-x\",kind=\"dpd_timeout\"} 1\n");
	T_NOT_CONTAINS(m1, "kind=\"peer_unreachable\"");
	T_CONTAINS(m1, "\nipsec_conn_ike_sa_events_total{conn=\"site-x\"} 1\n");
	T_CONTAINS(m1, "\nipsec_ike_sa_events_total{conn=\"site-x\",event=\"deleted\"} 1\n");
	T_CONTAINS(m1, "\nipsec_conn_retransmits_total{conn=\"site-x\"} 0\n");
	T_NOT_CONTAINS(m1, "\nipsec_retransmits_total{");
	T_ASSERT(never_back(m0, m1));

	event_counters_feed_log(ec, &rc, true, 2.0);
	event_counters_feed_log(ec, &rc, true, 3.0);
	event_counters_feed_log(ec, &dpd, true, 4.0);
	event_counters_ike_event(ec, "site-x", 6, LOG_EV_IKE_ESTABLISHED);
	m2 = render(ec);
	T_ASSERT(m2);
	T_CONTAINS(m2, "\nipsec_conn_retransmits_total{conn=\"site-x\"} 2\n");
	T_CONTAINS(m2, "\nipsec_retransmits_total{conn=\"site-x\",exchange=\"unknown\"} 2\n");
	T_CONTAINS(m2, "\nipsec_failures_total{conn=\"site-x\",kind=\"dpd_timeout\"} 2\n");
	T_CONTAINS(m2, "\nipsec_conn_ike_sa_events_total{conn=\"site-x\"} 2\n");
	T_CONTAINS(m2, "\nipsec_ike_sa_events_total{conn=\"site-x\",event=\"established\"} 1\n");
	T_ASSERT(never_back(m1, m2));
	T_ASSERT(never_back(m0, m2));
	free(m0);
	free(m1);
	free(m2);
	event_counters_free(ec);
}

static void unknown_conn_and_escaping(void)
{
	static const char l1[] = "Nov 23 08:00:00 05[CFG] <7> no matching peer config found";
	static const char l2[] = "Nov 23 08:00:00 05[IKE] <we\"ird|7> received TS_UNACCEPTABLE "
	                         "notify, no CHILD_SA built";
	struct event_counters *ec = event_counters_new();
	struct log_class c;
	char *m;

	T_ASSERT(ec);
	T_EQ_INT(log_classify_line(l1, strlen(l1), &c), 0);
	event_counters_feed_log(ec, &c, true, 1.0);
	T_EQ_INT(log_classify_line(l2, strlen(l2), &c), 0);
	event_counters_feed_log(ec, &c, true, 1.0);
	m = render(ec);
	T_ASSERT(m);
	T_CONTAINS(m, "ipsec_failures_total{conn=\"_unknown\",kind=\"auth_failed\"} 1\n");
	T_CONTAINS(m, "ipsec_failures_total{conn=\"we\\\"ird\",kind=\"ts_unacceptable\"} 1\n");
	T_CONTAINS(m, "ipsec_ike_last_error_code{conn=\"we\\\"ird\"} 38\n");
	free(m);
	event_counters_free(ec);
}

static void conn_limit_overflows_to_other(void)
{
	struct event_counters *ec = event_counters_new();
	char name[32], *m;

	T_ASSERT(ec);
	for (int i = 0; i < EXPORT_CONNS_MAX + 10; i++) {
		int n = snprintf(name, sizeof(name), "c%d", i);

		event_counters_ike_event(ec, name, (size_t)n, LOG_EV_IKE_ESTABLISHED);
	}
	/* existing names still count as themselves */
	event_counters_ike_event(ec, "c0", 2, LOG_EV_IKE_ESTABLISHED);
	m = render(ec);
	T_ASSERT(m);
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"_other\",event=\"established\"} 10\n");
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"c0\",event=\"established\"} 2\n");
	T_CONTAINS(m, "ikewatch_event_series_overflow_total 10\n");
	T_NOT_CONTAINS(m, "conn=\"c4096\"");
	T_EQ_INT(event_counters_touch_conn(ec, "new", 3), -ENOSPC);
	free(m);
	event_counters_free(ec);
}

#define THREADS 4
#define PER_THREAD 20000

static void *feeder(void *arg)
{
	struct event_counters *ec = arg;
	static const char l[] = "Nov 23 07:40:01 11[IKE] <a-b|1> retransmit 1 of request with "
	                        "message ID 2";
	struct log_class c;

	log_classify_line(l, strlen(l), &c);
	for (int i = 0; i < PER_THREAD; i++) {
		event_counters_feed_log(ec, &c, true, 1.0);
		event_counters_note_line(ec, false);
	}
	return NULL;
}

static void concurrent_feeding(void)
{
	struct event_counters *ec = event_counters_new();
	pthread_t th[THREADS];
	char want[128], *m;

	T_ASSERT(ec);
	for (int i = 0; i < THREADS; i++)
		T_EQ_INT(pthread_create(&th[i], NULL, feeder, ec), 0);
	for (int i = 0; i < THREADS; i++) {
		m = render(ec); /* scrapes while feeding */
		free(m);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	m = render(ec);
	T_ASSERT(m);
	snprintf(want, sizeof(want),
	         "ipsec_retransmits_total{conn=\"a-b\",exchange=\"unknown\"} %d\n",
	         THREADS * PER_THREAD);
	T_CONTAINS(m, want);
	snprintf(want, sizeof(want), "ikewatch_log_lines_total %d\n", THREADS * PER_THREAD);
	T_CONTAINS(m, want);
	free(m);
	event_counters_free(ec);
	event_counters_free(NULL);
}

TEST_MAIN("event_counters", TEST(healthy_rekeys_count_rekeys_only),
          TEST(without_lifecycle_only_failures_count), TEST(dpd_fixture),
          TEST(psk_fixture_sets_last_error), TEST(fault_fixtures_move_one_counter),
          TEST(giveup_in_ike_sa_init_is_unreachable), TEST(vici_events),
          TEST(summaries_for_the_status_page), TEST(rekey_collision_counts_one_rekey),
          TEST(giveup_named_by_request), TEST(outstanding_request), TEST(outstanding_two_conns),
          TEST(failed_rekey_leaves_nothing_pending), TEST(tracking_allocated_at_first_request),
          TEST(touched_conn_reads_zero_until_first_event), TEST(unknown_conn_and_escaping),
          TEST(conn_limit_overflows_to_other), TEST(concurrent_feeding))
