// SPDX-License-Identifier: Apache-2.0
/*
 * doctor --prometheus without I/O (src/doctor/doctor_prom_read.c): the answers a real
 * Prometheus gave in the lab (tests/fixtures/prometheus/, recorded by
 * tests/integration/test_doctor_prom.sh with DOCPROM_RECORD: serve on both gateways scraped
 * every second, doctor's 200 probes from gateway A) find the two targets by SPI and, judged
 * around the recorded run, name each fault's segment as doctor --peer does. Altered copies are
 * the lying Prometheus: one target holding both ends, the peer's SA with other SPIs, two
 * targets claiming the peer's end, no sample after the run. A synthetic matrix checks the skew
 * between two targets scraped half a second apart under steady other traffic: no false drop,
 * while a real outage still shows. The far reflector's per-sender counts (doctor_peer.c) are
 * read with and without the sender's row.
 */
#include "test.h"

#include "fixture.h"

#include "doctor/doctor_checks.h"
#include "doctor/doctor_path_checks.h"
#include "doctor/doctor_peer.h"
#include "doctor/doctor_prom_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A "192.0.2.1"
#define B "198.51.100.1"

static struct doctor_facts F;
static struct doctor_report R;

/* The fixture @name as a NUL-terminated string, with every @from replaced by @to. */
static char *load(const char *name, const char *from, const char *to)
{
	char path[128];
	uint8_t *raw;
	size_t len;
	struct buf b;
	const char *p;

	snprintf(path, sizeof(path), "../prometheus/%s", name);
	if (fixture_load(path, &raw, &len) < 0)
		return NULL;
	buf_init(&b, 1 << 24);
	buf_append(&b, raw, len);
	buf_putc(&b, '\0');
	free(raw);
	if (!from)
		return buf_steal(&b, &len);
	{
		struct buf o;
		size_t flen = strlen(from);

		buf_init(&o, 1 << 24);
		for (p = b.data; *p;) {
			if (strncmp(p, from, flen) == 0) {
				buf_puts(&o, to);
				p += flen;
			} else {
				buf_putc(&o, *p++);
			}
		}
		buf_putc(&o, '\0');
		buf_done(&b);
		return buf_steal(&o, &len);
	}
}

static int parse(struct prom_api_result *r, const char *text)
{
	prom_api_init(r);
	return text ? prom_api_parse(r, text, strlen(text), NULL) : -ENOENT;
}

/* The run times the recording noted: the instant query (just before the run) and the first
 * range query (just after it). */
static void run_times(const char *name, double *t0, double *t1)
{
	char *runs = load("runs.txt", NULL, NULL);
	const char *p = runs ? strstr(runs, name) : NULL;
	char *end;

	*t0 = *t1 = 0;
	if (!p)
		goto out;
	p += strlen(name) + 1;
	*t0 = strtod(p, &end);
	*t1 = strtod(end, NULL);
out:
	free(runs);
}

/* Our SPIs: those of the target at A's address in the instant answer. */
static bool our_spis(const struct prom_api_result *r, struct doctor_peer_facts *pf)
{
	for (size_t i = 0; i < r->n; i++) {
		const char *inst = prom_api_label(&r->series[i], "instance");

		if (inst && strncmp(inst, A ":", strlen(A) + 1) == 0)
			return peer_parse_spi(prom_api_label(&r->series[i], "spi_in"),
			                      &pf->spi_in) == 0 &&
			       peer_parse_spi(prom_api_label(&r->series[i], "spi_out"),
			                      &pf->spi_out) == 0;
	}
	return false;
}

/* A fresh a-b with @sent probes, @received answered; the peer from Prometheus. */
static struct doctor_conn_facts *conn(uint32_t sent, uint32_t received)
{
	struct doctor_conn_facts *c;
	struct doctor_child_facts *ch;

	doctor_facts_done(&F);
	doctor_report_done(&R);
	doctor_facts_init(&F);
	doctor_report_init(&R);
	F.charon_up = true;
	F.now = 1796533665;
	F.log_read = true;
	F.probe_configured = true;
	c = doctor_facts_conn(&F, "a-b", 3);
	ch = doctor_conn_child(c, "net");
	c->configured = c->up = ch->configured = ch->up = true;
	memcpy(c->ike_state, "ESTABLISHED", 12);
	memcpy(ch->state, "INSTALLED", 10);
	memcpy(c->local_host, A, sizeof(A));
	memcpy(c->remote_host, B, sizeof(B));
	c->probed = true;
	memcpy(c->probe_target, "203.0.113.129", 14);
	memcpy(c->probe_child, "net", 4);
	c->probe_sent = sent;
	c->probe_received = received;
	F.peer.source = DOCTOR_PEER_SRC_PROMETHEUS;
	memcpy(F.peer.url, "http://127.0.0.1:9090", 22);
	memcpy(F.peer.sender, "203.0.113.1", 12);
	return c;
}

/*
 * The recorded case @name, its answers altered by @from -> @to: the status of finding the
 * targets, then (when OK) of judging the run, with F.peer filled.
 */
static void recorded(const char *name, const char *from, const char *to, bool *ret_ready,
                     enum doctor_peer_status *ret)
{
	char file[64];
	char *text;
	struct prom_api_result r;
	struct doctor_prom_state st;
	double t0, t1;
	enum doctor_peer_status s;

	*ret_ready = false;
	*ret = DOCTOR_PEER_NONE;
	run_times(name, &t0, &t1);
	T_ASSERT(t0 > 0 && t1 > t0);
	snprintf(file, sizeof(file), "%s.instant.json", name);
	text = load(file, from, to);
	T_EQ_INT(parse(&r, text), 0);
	T_ASSERT(our_spis(&r, &F.peer));
	/* the instant query's samples carry its evaluation time: our clock is the same here */
	s = doctor_prom_find(&r, NULL, t0, &F.peer, &st);
	T_ASSERT(st.offset > -1 && st.offset < 1);
	st.t0 = t0 + st.offset;
	prom_api_done(&r);
	free(text);
	*ret = s;
	if (s != DOCTOR_PEER_OK)
		return;
	snprintf(file, sizeof(file), "%s.range.json", name);
	text = load(file, from, to);
	T_EQ_INT(parse(&r, text), 0);
	*ret = doctor_prom_judge(&r, &st, t1 + st.offset, &F.peer, ret_ready);
	prom_api_done(&r);
	free(text);
}

static const char *first_id(void)
{
	return R.n ? R.f[0].id : "";
}

static bool has_evidence(const struct doctor_finding *f, const char *needle)
{
	for (uint32_t i = 0; i < f->n_evidence; i++)
		if (strstr(f->evidence[i], needle))
			return true;
	return false;
}

static void recorded_faults_name_their_segment(void)
{
	static const struct {
		const char *name;
		uint32_t received;
		const char *first;
	} cases[] = {
	    {"healthy", 200, "path_clean"},
	    {"esp-a-to-b", 0, "esp_out_lost"},
	    {"esp-b-to-a", 0, "esp_back_lost"},
	    {"reflector-down", 0, "beyond_peer"},
	    {"replies-lost", 0, "reflector_replies_lost"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct doctor_conn_facts *c = conn(200, cases[i].received);
		bool ready;

		recorded(cases[i].name, NULL, NULL, &ready, &F.peer.status);
		T_EQ_INT(F.peer.status, DOCTOR_PEER_OK);
		T_ASSERT(ready);
		T_ASSERT(F.peer.self_known);
		T_EQ_STR(F.peer.conn, "a-b");
		T_ASSERT(F.peer.self_out_delta >= 200);
		T_ASSERT(F.peer.window_s >= 4 && F.peer.window_s < 10);
		/* the reflector was read: it counted our probes unless they never reached it */
		T_ASSERT(F.peer.reflector_known);
		if (strcmp(cases[i].name, "reflector-down") != 0 &&
		    strncmp(cases[i].name, "esp-a", 5) != 0)
			T_ASSERT(F.peer.reflector_delta >= 200);
		c->probe_counters = true;
		c->probe_out_delta = F.peer.self_out_delta;
		c->probe_in_delta = F.peer.self_in_delta;
		doctor_diagnose(&F, NULL, &R);
		if (strcmp(first_id(), cases[i].first) != 0)
			fprintf(stderr, "# %s: first %s (%s)\n", cases[i].name, first_id(),
			        R.n ? R.f[0].title : "");
		T_EQ_STR(first_id(), cases[i].first);
		T_ASSERT(has_evidence(&R.f[0], "read from Prometheus at http://127.0.0.1:9090"));
	}
	/* in words */
	conn(200, 0);
	{
		bool ready;

		recorded("esp-a-to-b", NULL, NULL, &ready, &F.peer.status);
		doctor_diagnose(&F, NULL, &R);
		T_CONTAINS(R.f[0].title, "ESP from " A " to " B " is lost: " A " sent");
		T_CONTAINS(R.f[0].title, B " received 0");
	}
}

/* A Prometheus whose series are not what they claim: said so, never a verdict. */
static void lying_prometheus(void)
{
	char *text = load("healthy.instant.json", NULL, NULL);
	char peer_inst[64] = "", self_inst[64] = "";
	const char *p;
	bool ready;

	T_ASSERT(text);
	p = strstr(text, "\"instance\":\"" B ":");
	T_ASSERT(p);
	p += strlen("\"instance\":\"");
	memcpy(peer_inst, p, strcspn(p, "\""));
	p = strstr(text, "\"instance\":\"" A ":");
	T_ASSERT(p);
	p += strlen("\"instance\":\"");
	memcpy(self_inst, p, strcspn(p, "\""));
	free(text);

	/* one target holds both ends */
	conn(200, 200);
	recorded("healthy", peer_inst, self_inst, &ready, &F.peer.status);
	T_EQ_INT(F.peer.status, DOCTOR_PEER_NO_MATCH);
	T_CONTAINS(F.peer.error, "holds both ends");
	/* the peer's SA has other SPIs: another gateway (its spi_in is our spi_out) */
	{
		char from[40], to[40];
		struct prom_api_result r;
		char *t = load("healthy.instant.json", NULL, NULL);

		T_EQ_INT(parse(&r, t), 0);
		T_ASSERT(our_spis(&r, &F.peer));
		prom_api_done(&r);
		free(t);
		snprintf(from, sizeof(from), "\"spi_in\":\"%08x\"", F.peer.spi_out);
		snprintf(to, sizeof(to), "\"spi_in\":\"c0ffee01\"");
		conn(200, 200);
		recorded("healthy", from, to, &ready, &F.peer.status);
		T_EQ_INT(F.peer.status, DOCTOR_PEER_NO_MATCH);
		T_CONTAINS(F.peer.error, "none has SPIs");
	}
	/* the job is part of the target, whatever it is called */
	conn(200, 200);
	recorded("healthy", "\"job\":\"ikewatch\"", "\"job\":\"other\"", &ready, &F.peer.status);
	T_EQ_INT(F.peer.status, DOCTOR_PEER_OK);
	T_ASSERT(ready);
	/* a judgement on a check that failed does not reach the ledger */
	conn(50, 50);
	F.peer.status = DOCTOR_PEER_NO_MATCH;
	memcpy(F.peer.error, "x", 2);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(first_id(), "prometheus_no_peer");
	T_EQ_STR(R.f[1].id, "path_clean");
	T_ASSERT(!has_evidence(&R.f[1], "both ends"));

	/* a run judged after the last sample: not ready (doctor asks again until --wait) */
	{
		char *inst = load("healthy.instant.json", NULL, NULL);
		char *rng = load("healthy.range.json", NULL, NULL);
		struct prom_api_result r;
		struct doctor_prom_state st;
		double t0, t1;

		conn(200, 200);
		run_times("healthy", &t0, &t1);
		T_EQ_INT(parse(&r, inst), 0);
		T_ASSERT(our_spis(&r, &F.peer));
		T_EQ_INT(doctor_prom_find(&r, NULL, t0, &F.peer, &st), DOCTOR_PEER_OK);
		prom_api_done(&r);
		st.t0 = t0;
		T_EQ_INT(parse(&r, rng), 0);
		T_EQ_INT(doctor_prom_judge(&r, &st, t1 + 3600, &F.peer, &ready), DOCTOR_PEER_OK);
		T_ASSERT(!ready);
		/* nothing before the run: stale */
		st.t0 = t0 - 3600;
		T_EQ_INT(doctor_prom_judge(&r, &st, t1, &F.peer, &ready), DOCTOR_PEER_STALE);
		T_ASSERT(ready);
		/* a vector where a matrix belongs */
		prom_api_done(&r);
		T_EQ_INT(parse(&r, inst), 0);
		T_EQ_INT(doctor_prom_judge(&r, &st, t1, &F.peer, &ready), DOCTOR_PEER_MALFORMED);
		prom_api_done(&r);
		free(inst);
		free(rng);
	}
}

/* --prometheus.instance names ours; two targets with our SA need it. */
static void our_instance(void)
{
	char *text = load("healthy.instant.json", NULL, NULL);
	struct prom_api_result r;
	struct doctor_prom_state st;

	conn(200, 200);
	T_EQ_INT(parse(&r, text), 0);
	T_ASSERT(our_spis(&r, &F.peer));
	T_EQ_INT(doctor_prom_find(&r, "192.0.2.99:1", 0, &F.peer, &st), DOCTOR_PEER_NO_SELF);
	T_CONTAINS(F.peer.error, "as instance 192.0.2.99:1");
	prom_api_done(&r);
	free(text);
}

/* Two targets claiming the peer's end (or ours): ambiguous, said so. */
static void duplicated_targets(void)
{
	static const char doc[] =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"__name__\":\"ipsec_child_sa_info\",\"instance\":\"a:1\",\"job\":\"j\","
	    "\"conn\":\"a-b\",\"child\":\"net\",\"spi_in\":\"0000000a\",\"spi_out\":\"0000000b\"},"
	    "\"value\":[100,\"1\"]},"
	    "{\"metric\":{\"__name__\":\"ipsec_child_sa_info\",\"instance\":\"b:1\",\"job\":\"j\","
	    "\"conn\":\"b-a\",\"child\":\"net\",\"spi_in\":\"0000000b\",\"spi_out\":\"0000000a\"},"
	    "\"value\":[100,\"1\"]},"
	    "{\"metric\":{\"__name__\":\"ipsec_child_sa_info\",\"instance\":\"b:1\",\"job\":\"k\","
	    "\"conn\":\"b-a\",\"child\":\"net\",\"spi_in\":\"0x0000000B\",\"spi_out\":\"a\"},"
	    "\"value\":[100,\"1\"]}]}}";
	struct prom_api_result r;
	struct doctor_prom_state st;

	conn(10, 10);
	F.peer.spi_in = 0xa;
	F.peer.spi_out = 0xb;
	T_EQ_INT(parse(&r, doc), 0);
	T_EQ_INT(doctor_prom_find(&r, NULL, 99.5, &F.peer, &st), DOCTOR_PEER_NO_MATCH);
	T_CONTAINS(F.peer.error, "2 targets hold the peer's end");
	/* seen from the other end, ours is the ambiguous one */
	F.peer.spi_in = 0xb;
	F.peer.spi_out = 0xa;
	T_EQ_INT(doctor_prom_find(&r, NULL, 99.5, &F.peer, &st), DOCTOR_PEER_NO_SELF);
	T_CONTAINS(F.peer.error, "--prometheus.instance");
	/* ... unless it is named */
	T_EQ_INT(doctor_prom_find(&r, "b:1", 99.5, &F.peer, &st), DOCTOR_PEER_NO_SELF);
	prom_api_done(&r);
}

/*
 * A matrix of two targets: A scraped at whole seconds, B half a second later, over 0..@n s;
 * @bg packets a second of other traffic both ways, @probes packets a second from @from to
 * @to, of which B receives a share @b_in and A a share @a_in.
 */
static int matrix_peer_probes; /* b's own probes through the pair: 0 none, 1 answered, 2 lost */

static char *matrix(int n, double bg, double probes, int from, int to, double b_in, double a_in)
{
	struct buf b;
	size_t len;
	static const char *const ends[2] = {"a:1", "b:1"};

	buf_init(&b, 1 << 22);
	buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
	for (int e = 0; e < 2; e++) {
		double off = e ? 0.5 : 0;

		buf_printf(
		    &b,
		    "%s{\"metric\":{\"__name__\":\"ikewatch_build_info\",\"instance\":\"%s\","
		    "\"job\":\"j\"},\"values\":[",
		    e ? "," : "", ends[e]);
		for (int t = 0; t <= n; t++)
			buf_printf(&b, "%s[%.1f,\"1\"]", t ? "," : "", t + off);
		buf_printf(
		    &b,
		    "]},{\"metric\":{\"__name__\":\"ipsec_child_sa_info\",\"instance\":\"%s\","
		    "\"job\":\"j\",\"conn\":\"c\",\"child\":\"net\",\"spi_in\":\"%s\","
		    "\"spi_out\":\"%s\"},\"values\":[",
		    ends[e], e ? "b" : "a", e ? "a" : "b");
		for (int t = 0; t <= n; t++)
			buf_printf(&b, "%s[%.1f,\"1\"]", t ? "," : "", t + off);
		for (int dir = 0; dir < 2; dir++) {
			buf_printf(
			    &b,
			    "]},{\"metric\":{\"__name__\":\"ipsec_child_sa_packets_%s_total\","
			    "\"instance\":\"%s\",\"job\":\"j\",\"conn\":\"c\",\"child\":\"net\"},"
			    "\"values\":[",
			    dir ? "out" : "in", ends[e]);
			for (int t = 0; t <= n; t++) {
				double at = t + off, v = bg * at;
				double in_run = at < from ? 0 : (at > to ? to - from : at - from);

				/* a sends probes (out), b receives b_in of them and sends them back
				 * (out), a receives a_in of the sent */
				if (e == 0)
					v += dir ? probes * in_run : probes * a_in * in_run;
				else
					v += probes * b_in * in_run;
				buf_printf(&b, "%s[%.1f,\"%.0f\"]", t ? "," : "", at, v);
			}
		}
		for (int k = 0; e == 1 && matrix_peer_probes && k < 3; k++) {
			static const char *const fam[3] = {"sent_total", "received_total",
			                                   "success"};

			buf_printf(
			    &b,
			    "]},{\"metric\":{\"__name__\":\"ipsec_probe_%s\",\"instance\":\"%s\","
			    "\"job\":\"j\",\"target\":\"203.0.113.1\",\"conn\":\"c\","
			    "\"child\":\"net\",\"module\":\"icmp\"},\"values\":[",
			    fam[k], ends[e]);
			for (int t = 0; t <= n; t++) {
				double v = k == 0   ? 5 * t
				           : k == 1 ? (matrix_peer_probes == 1 ? 5 * t : 20)
				                    : matrix_peer_probes == 1;

				buf_printf(&b, "%s[%.1f,\"%.0f\"]", t ? "," : "", t + off, v);
			}
		}
		buf_puts(&b, "]}");
	}
	buf_puts(&b, "]}}");
	buf_putc(&b, '\0');
	return buf_steal(&b, &len);
}

/* Judge @doc (from matrix(), freed here) as a run of @sent probes with @received back between
 * a:1 (ours) and b:1, with our counters read from it, and diagnose: F and R hold the outcome. */
static void judge_matrix(char *doc, uint32_t sent, uint32_t received)
{
	struct doctor_prom_state st = {.t0 = 10.2};
	struct prom_api_result r;
	struct doctor_conn_facts *c;
	bool ready;

	memcpy(st.self_instance, "a:1", 4);
	memcpy(st.self_job, "j", 2);
	memcpy(st.peer_instance, "b:1", 4);
	memcpy(st.peer_job, "j", 2);
	c = conn(sent, received);
	F.peer.spi_in = 0xa;
	F.peer.spi_out = 0xb;
	T_EQ_INT(parse(&r, doc), 0);
	F.peer.status = doctor_prom_judge(&r, &st, 14.3, &F.peer, &ready);
	T_EQ_INT(F.peer.status, DOCTOR_PEER_OK);
	T_ASSERT(ready);
	c->probe_counters = true;
	c->probe_out_delta = F.peer.self_out_delta;
	c->probe_in_delta = F.peer.self_in_delta;
	doctor_diagnose(&F, NULL, &R);
	prom_api_done(&r);
	free(doc);
}

static void skew_between_targets(void)
{
	/* 100 packets/s of other traffic, 50 probes/s from 10.2 s to 14.2 s, all answered */
	judge_matrix(matrix(20, 100, 50, 10, 14, 1, 1), 200, 200);
	/* a's window 9..15, b's 9.5..15.5: the edges differ by half a second each */
	T_ASSERT(F.peer.self_out_delta > F.peer.in_delta + 20);
	T_ASSERT(F.peer.skew_out >= 100);
	T_EQ_STR(first_id(), "path_clean");
	/* the same traffic, but nothing reaches b: an outage in spite of the slack */
	judge_matrix(matrix(20, 0, 50, 10, 14, 0, 0), 200, 0);
	T_EQ_STR(first_id(), "esp_out_lost");
}

/* --prometheus reads the peer's own probes through the pair too: lost behind us while ours
 * came back is behind_us, answered is nothing (lan-a-silent through Prometheus) */
static void peer_probes_through_prometheus(void)
{
	for (int mode = 1; mode <= 2; mode++) {
		matrix_peer_probes = mode;
		judge_matrix(matrix(20, 10, 50, 10, 14, 1, 1), 200, 200);
		T_ASSERT(F.peer.probes_known);
		T_ASSERT(F.peer.probes_sent_delta >= 20);
		T_EQ_INT(F.peer.probes_received_delta, mode == 1 ? F.peer.probes_sent_delta : 0);
		T_EQ_STR(first_id(), mode == 1 ? "path_clean" : "behind_us");
	}
	matrix_peer_probes = 0;
}

/* The far reflector's rows, as serve exports them (docs/metrics.md). */
static void reflector_counts(void)
{
	static const char before[] =
	    "ipsec_reflector_packets_total{result=\"reflected\"} 10\n"
	    "ipsec_reflector_sender_packets_total{sender=\"203.0.113.1\",result=\"reflected\"} 7\n"
	    "ipsec_reflector_sender_packets_total{sender=\"203.0.113.1\",result=\"rate_limited\"} "
	    "1\n";
	static const char after[] = "ipsec_reflector_packets_total{result=\"reflected\"} 410\n"
	                            "ipsec_reflector_sender_packets_total{sender=\"203.0.113.1\","
	                            "result=\"reflected\"} 395\n"
	                            "ipsec_reflector_sender_packets_total{sender=\"203.0.113.1\","
	                            "result=\"rate_limited\"} 13\n";
	static const char no_row[] = "ipsec_reflector_packets_total{result=\"reflected\"} 10\n";
	static const char no_row_moved[] =
	    "ipsec_reflector_packets_total{result=\"reflected\"} 30\n";
	struct prom_scrape s0, s1, s2, s3;
	struct peer_reflector r0, r1, r2, r3, none;
	uint64_t rx, refl;

	prom_scrape_init(&s0);
	prom_scrape_init(&s1);
	prom_scrape_init(&s2);
	prom_scrape_init(&s3);
	T_EQ_INT(prom_parse(&s0, before, strlen(before), NULL, NULL), 0);
	T_EQ_INT(prom_parse(&s1, after, strlen(after), NULL, NULL), 0);
	T_EQ_INT(prom_parse(&s2, no_row, strlen(no_row), NULL, NULL), 0);
	T_EQ_INT(prom_parse(&s3, no_row_moved, strlen(no_row_moved), NULL, NULL), 0);
	peer_reflector_read(&s0, "203.0.113.1", &r0);
	peer_reflector_read(&s1, "203.0.113.1", &r1);
	peer_reflector_read(&s2, "203.0.113.1", &r2);
	peer_reflector_read(&s3, "203.0.113.1", &r3);
	T_EQ_INT(r0.state, PEER_REFL_ROW);
	T_ASSERT(r0.rx == 8 && r0.reflected == 7);
	T_ASSERT(peer_reflector_delta(&r0, &r1, &rx, &refl));
	T_EQ_INT(rx, 400);
	T_EQ_INT(refl, 388);
	/* the row appeared during the run: everything in it is of the run */
	T_ASSERT(peer_reflector_delta(&r2, &r1, &rx, &refl) && rx == 408);
	/* no row before or after: none received only when the reflector counted nobody */
	T_EQ_INT(r2.state, PEER_REFL_NO_ROW);
	T_ASSERT(peer_reflector_delta(&r2, &r2, &rx, &refl) && rx == 0 && refl == 0);
	T_ASSERT(!peer_reflector_delta(&r2, &r3, &rx, &refl));
	/* a restart (counters back), no sender, no reflector: not known */
	T_ASSERT(!peer_reflector_delta(&r1, &r0, &rx, &refl));
	peer_reflector_read(&s1, NULL, &none);
	T_EQ_INT(none.state, PEER_REFL_NONE);
	T_ASSERT(!peer_reflector_delta(&none, &r1, &rx, &refl));
	peer_reflector_read(&s1, "203.0.113.2", &none);
	T_EQ_INT(none.state, PEER_REFL_NO_ROW);
	prom_scrape_done(&s0);
	prom_scrape_done(&s1);
	prom_scrape_done(&s2);
	prom_scrape_done(&s3);
}

/* The reflector's point in the ledger tells "never reached it" from "its answers were lost". */
static void reflector_point(void)
{
	struct doctor_conn_facts *c;

	c = conn(400, 0);
	F.peer.source = DOCTOR_PEER_SRC_METRICS;
	F.peer.status = DOCTOR_PEER_OK;
	c->probe_counters = true;
	c->probe_out_delta = 400;
	F.peer.in_delta = 400;
	F.peer.reflector_known = true;
	F.peer.reflector_delta = 400;
	F.peer.reflected_delta = 400;
	F.peer.out_delta = 0;
	c->probe_in_delta = 0;
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(first_id(), "reflector_replies_lost");
	T_CONTAINS(R.f[0].title, "the reflector received 400, " B " sent 0");
	T_ASSERT(has_evidence(&R.f[0], "the reflector behind " B " counted 400 packets from "
	                               "203.0.113.1"));
	F.peer.reflector_delta = F.peer.reflected_delta = 0;
	doctor_report_done(&R);
	doctor_report_init(&R);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(first_id(), "beyond_peer");
	T_CONTAINS(R.f[0].title, "never the reflector behind " B);
	/* without the reflector's count, both read as before: beyond the far gateway */
	F.peer.reflector_known = false;
	doctor_report_done(&R);
	doctor_report_init(&R);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(first_id(), "beyond_peer");
	T_CONTAINS(R.f[0].title, "nothing behind " B " answers");

	/* a reflector that is not the probe target (it counted none of ours while answers came
	 * back): not a point of the path, whatever else is lost */
	F.peer.reflector_known = true;
	F.peer.reflector_delta = F.peer.reflected_delta = 0;
	F.peer.out_delta = 400;
	c->probe_in_delta = 400;
	c->probe_received = 400;
	doctor_report_done(&R);
	doctor_report_init(&R);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(first_id(), "path_clean");
	c->probe_in_delta = 0;
	c->probe_received = 0;
	doctor_report_done(&R);
	doctor_report_init(&R);
	doctor_diagnose(&F, NULL, &R);
	T_EQ_STR(first_id(), "esp_back_lost");
}

static void teardown(void)
{
	doctor_facts_done(&F);
	doctor_report_done(&R);
}

TEST_MAIN_TEARDOWN("doctor_prom", teardown, TEST(recorded_faults_name_their_segment),
                   TEST(lying_prometheus), TEST(our_instance), TEST(duplicated_targets),
                   TEST(skew_between_targets), TEST(reflector_counts), TEST(reflector_point),
                   TEST(peer_probes_through_prometheus))
