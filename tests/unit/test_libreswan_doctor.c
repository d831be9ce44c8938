// SPDX-License-Identifier: Apache-2.0
/*
 * The doctor and the diag bundle on a Libreswan gateway, from the recordings of Libreswan 4.10
 * in tests/fixtures/libreswan: whack's answers come from fake_whack.sh through the real
 * gathering path (lsw_doctor_source, lsw_diag_daemon), and pluto's log from slices of the
 * recorded pluto.log, one per fault the lab produces. The first finding must name the fault by
 * the same rules as for charon: auth_failed, proposal_mismatch, peer_unreachable, pluto_down,
 * and nothing critical with a CHILD SA up.
 */
#include "test.h"
#include "tmpdir.h"

#include "common/file_read.h"
#include "diag/diag_bundle.h"
#include "doctor/doctor_checks.h"
#include "doctor/doctor_log.h"
#include "libreswan/lsw_diag.h"
#include "libreswan/lsw_doctor.h"
#include "libreswan/lsw_parse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "../fixtures/libreswan/"

static char *load(const char *name, size_t *len)
{
	char *text = NULL;

	if (file_read_all(name, 1u << 24, &text, len) < 0)
		return NULL;
	return text;
}

/* Lines @from..@to (1-based, inclusive) of the recorded pluto.log into the file @name of the
 * scratch directory; its path into @out. */
static bool log_slice(int from, int to, const char *name, char *out, size_t cap)
{
	size_t len;
	char *text = load(DIR "pluto.log", &len);
	FILE *fp;
	int line = 1;

	if (!text || !tmpdir_path(name, out, cap) || !(fp = fopen(out, "w"))) {
		free(text);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (line >= from && line <= to)
			fputc(text[i], fp);
		if (text[i] == '\n')
			line++;
	}
	free(text);
	return fclose(fp) == 0;
}

/* ctl: a file that exists (fake_whack.sh's "pluto runs") or not. */
static struct lsw_source *fake_pluto(bool running)
{
	char ctl[PATH_MAX], whack[PATH_MAX];
	FILE *fp;

	if (!realpath(DIR "fake_whack.sh", whack) || !tmpdir_path("pluto.ctl", ctl, sizeof(ctl)))
		return NULL;
	if (running) {
		if (!(fp = fopen(ctl, "w")))
			return NULL;
		fclose(fp);
	} else {
		remove(ctl);
	}
	return lsw_source_new(ctl, whack, 5000);
}

/* doctor CONN with pluto answering @suffix's recordings and the log slice @from..@to: the
 * report into @r (the caller's, initialised). */
static void doctor_on(const char *suffix, bool running, int from, int to, const char *conn,
                      struct doctor_report *r)
{
	struct doctor_options o = {.conn = conn, .vici_socket = "/nonexistent/charon.vici"};
	struct doctor_daemon_source ds;
	struct doctor_facts *f = calloc(1, sizeof(*f));
	struct lsw_source *l = fake_pluto(running);
	char logp[PATH_MAX];

	T_ASSERT(f && l);
	if (from)
		T_ASSERT(log_slice(from, to, "slice.log", logp, sizeof(logp)));
	o.log_file = from ? logp : NULL;
	setenv("FAKE_WHACK_SUFFIX", suffix, 1);
	lsw_doctor_source(l, &ds);
	o.daemon = &ds;
	doctor_facts_init(f);
	T_EQ_INT(doctor_gather(&o, f), 0);
	T_EQ_STR(f->daemon_name, "pluto");
	doctor_diagnose(f, conn, r);
	doctor_facts_done(f);
	free(f);
	lsw_source_free(l);
}

/* The retransmission settings the doctor judges peer_silent with: pluto's own (whack --status
 * per connection), not charon's. */
static void pluto_retransmits(void)
{
	struct doctor_options o = {.vici_socket = "/nonexistent/charon.vici"};
	struct doctor_daemon_source ds;
	struct doctor_facts *f = calloc(1, sizeof(*f));
	struct lsw_source *l = fake_pluto(true);
	const struct doctor_conn_facts *c;

	T_ASSERT(f && l);
	setenv("FAKE_WHACK_SUFFIX", "-child-up.synth.txt", 1);
	lsw_doctor_source(l, &ds);
	o.daemon = &ds;
	doctor_facts_init(f);
	T_EQ_INT(doctor_gather(&o, f), 0);
	T_EQ_INT(f->retx.model, SA_RETX_PLUTO);
	T_ASSERT(f->retx.timeout == 0.5 && f->retx.limit == 60 && !f->retx.configured);
	c = doctor_facts_find(f, "a-b");
	T_ASSERT(c);
	if (c) {
		T_EQ_INT(c->retx.model, SA_RETX_PLUTO);
		T_ASSERT(c->retx.timeout == 0.5 && c->retx.limit == 60 && c->retx.configured);
		T_ASSERT(sa_retx_giveup_s(&c->retx) == 64);
	}
	doctor_facts_done(f);
	free(f);
	lsw_source_free(l);
}

static bool any_critical(const struct doctor_report *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->f[i].severity == DOCTOR_SEV_CRIT)
			return true;
	return false;
}

/* A CHILD SA up (the synthesized 4.x recording) and a log that ends in an establishment:
 * nothing critical, and the state names pluto's commands. */
static void healthy_child_up(void)
{
	struct doctor_report r;

	doctor_report_init(&r);
	/* lines 157-161: an IKE SA established as responder */
	doctor_on("-child-up.synth.txt", true, 157, 161, "a-b", &r);
	T_ASSERT(r.n > 0);
	T_ASSERT(!any_critical(&r));
	T_ASSERT(doctor_find(&r, "state", "a-b"));
	T_CONTAINS(doctor_find(&r, "state", "a-b")->title, "ESTABLISHED");
	doctor_report_done(&r);
}

/* Our configured lists come from whack --status (no swanctl.conf on a Libreswan gateway):
 * without --peer, what this end alone can say about the next CHILD rekey, in pluto's words. */
static void pluto_proposals(void)
{
	struct doctor_report r;
	const struct doctor_finding *d;

	doctor_report_init(&r);
	doctor_on("-child-up.synth.txt", true, 157, 161, "a-b", &r);
	d = doctor_find(&r, "proposals_one_end", "a-b");
	T_ASSERT(d != NULL);
	if (d) {
		T_EQ_STR(d->title,
		         "our PFS groups for a-b/a-b are modp2048; the peer's are unknown: "
		         "run with --peer");
		T_EQ_STR(d->evidence[0], "our esp= (whack --status): "
		                         "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048");
	}
	T_ASSERT(!doctor_find(&r, "proposals_unreadable", ""));
	doctor_report_done(&r);
}

/* The lab's IKE SA up without a CHILD SA (this kernel has no ESP): the IKE SA is fine, the
 * CHILD SA pluto has configured is missing, and the doctor says so rather than "healthy". */
static void ike_up_child_missing(void)
{
	struct doctor_report r;

	doctor_report_init(&r);
	doctor_on("", true, 157, 161, "a-b", &r);
	T_ASSERT(r.n > 0);
	T_EQ_STR(r.f[0].id, "child_down");
	/* the remote traffic selector pluto configures, from --status */
	T_CONTAINS(r.f[0].evidence[0], "=== 203.0.113.128/25");
	T_ASSERT(!doctor_find(&r, "auth_failed", NULL));
	T_ASSERT(!doctor_find(&r, "peer_unreachable", NULL));
	doctor_report_done(&r);
}

static void pluto_gone(void)
{
	struct doctor_report r;

	doctor_report_init(&r);
	doctor_on("", false, 0, 0, NULL, &r);
	T_ASSERT(r.n > 0);
	T_EQ_STR(r.f[0].id, "pluto_down");
	T_CONTAINS(r.f[0].evidence[0], "Pluto is not running");
	doctor_report_done(&r);
}

/* The faults as facts: a-b configured and down (what --status shows after them), the recorded
 * log slice of each. */
static const char *first_down(int from, int to)
{
	static char id[48];
	struct doctor_facts *f = calloc(1, sizeof(*f));
	struct doctor_conn_facts *c;
	struct doctor_report r;
	size_t len, pos = 0;
	char *text = load(DIR "pluto.log", &len);
	int line = 1;

	id[0] = '\0';
	if (!f || !text) {
		free(f);
		free(text);
		return "?";
	}
	doctor_facts_init(f);
	doctor_report_init(&r);
	snprintf(f->daemon_name, sizeof(f->daemon_name), "pluto");
	f->charon_up = f->log_read = f->probe_configured = true;
	c = doctor_facts_conn(f, "a-b", 3);
	c->configured = true;
	snprintf(c->remote_addrs, sizeof(c->remote_addrs), "198.51.100.1");
	while (pos < len) {
		char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (line >= from && line <= to)
			doctor_log_feed(f, text + pos, end - pos);
		pos = end + 1;
		line++;
	}
	doctor_diagnose(f, "a-b", &r);
	if (r.n)
		snprintf(id, sizeof(id), "%s", r.f[0].id);
	doctor_report_done(&r);
	doctor_facts_done(f);
	free(f);
	free(text);
	return id;
}

static void faults_from_log(void)
{
	/* PSK mismatch as responder (146-152) and as initiator (172-178) */
	T_EQ_STR(first_down(146, 152), "auth_failed");
	T_EQ_STR(first_down(172, 178), "auth_failed");
	/* proposal mismatch as responder (153-156) */
	T_EQ_STR(first_down(153, 156), "proposal_mismatch");
	/* killed peer found at an IKE rekey (137-145): retransmits, then the timeout */
	T_EQ_STR(first_down(137, 145), "peer_unreachable");
	/* an establishment after a fault forgets it (146-161: PSK, proposal, then up again) */
	T_EQ_STR(first_down(146, 161), "conn_down");
	/* no line at all: down and no attempt seen */
	T_EQ_STR(first_down(0, -1), "conn_down");
}

/* pluto's retransmits name the exchange by the state: IKE_SA_INIT ones are set-up retransmits
 * (the peer never answered), and the give-up ends the outstanding one. */
static void retransmits_from_log(void)
{
	static const char *const lines[] = {
	    "Dec  6 05:00:20.607786: \"a-b\" #15: initiating IKEv2 connection",
	    "Dec  6 05:00:21.109761: \"a-b\" #15: STATE_V2_PARENT_I1: retransmission; will wait "
	    "0.5 seconds for response",
	    "Dec  6 05:00:21.610745: \"a-b\" #15: STATE_V2_PARENT_I1: retransmission; will wait 1 "
	    "seconds for response",
	};
	static const char giveup[] = "Dec  6 05:00:27.6: \"a-b\" #15: STATE_V2_PARENT_I1: 6 second "
	                             "timeout exceeded after 4 retransmits.  No response";
	struct doctor_facts *f = calloc(1, sizeof(*f));
	struct doctor_conn_facts *c;

	T_ASSERT(f);
	doctor_facts_init(f);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		doctor_log_feed(f, lines[i], strlen(lines[i]));
	c = doctor_facts_find(f, "a-b");
	T_ASSERT(c);
	T_EQ_INT(c->log.retransmits, 2);
	T_EQ_INT(c->log.setup_retransmits, 2);
	T_EQ_INT(c->log.retx_exchange, LOG_EXCH_IKE_SA_INIT);
	T_ASSERT(c->log.retx_outstanding);
	doctor_log_feed(f, giveup, strlen(giveup));
	T_ASSERT(!c->log.retx_outstanding);
	T_EQ_INT(c->log.giveups, 1);
	T_EQ_INT(c->log.last_fail, LOG_FAIL_PEER_UNREACHABLE);
	doctor_facts_done(f);
	free(f);
}

static void global_daemon_facts(void)
{
	static const char halfopen[] =
	    "current.states.ike=40\ncurrent.states.iketype.halfopen=30\n";
	struct doctor_daemon_facts d = {0};
	struct doctor_report r;
	struct lsw_global g;
	size_t len;
	char *text = load(DIR "globalstatus-ike-up.txt", &len);

	T_ASSERT(text);
	lsw_global_init(&g);
	T_EQ_INT(lsw_parse_global(&g, text, len), 0);
	lsw_doctor_daemon_facts(&g, &d);
	T_ASSERT(d.sas_read && !d.stats_read);
	T_EQ_INT(d.stats.ike_sas, 1);
	T_EQ_INT(d.stats.ike_sas_half_open, 0);
	/* a flood of half-open IKE SAs: charon's check, from pluto's counters */
	lsw_global_reset(&g);
	T_EQ_INT(lsw_parse_global(&g, halfopen, sizeof(halfopen) - 1), 0);
	memset(&d, 0, sizeof(d));
	lsw_doctor_daemon_facts(&g, &d);
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	T_ASSERT(doctor_find(&r, "half_open_ike_sas", NULL));
	T_ASSERT(!doctor_find(&r, "daemon_saturated", NULL));
	doctor_report_done(&r);
	/* without current.states.ike nothing is known */
	lsw_global_reset(&g);
	T_EQ_INT(lsw_parse_global(&g, "x=1\n", 4), 0);
	memset(&d, 0, sizeof(d));
	lsw_doctor_daemon_facts(&g, &d);
	T_ASSERT(!d.sas_read);
	lsw_global_done(&g);
	free(text);
}

static void config_paths(void)
{
	static const char *const bad[] = {
	    /* a key inside another key's name, a value too long, none */
	    "000 xconfigfile=/a, xipsecdir=/b\n",
	    "000 configfile=, ipsecdir=\n",
	};
	static const char v5[] = "configdir=/etc, configfile=/etc/ipsec.conf, "
	                         "secrets=/etc/ipsec.secrets, ipsecdir=/etc/ipsec.d\n";
	struct sa_snapshot s;
	struct lsw_info info;
	size_t len;
	char *text = load(DIR "status-ike-up.txt", &len), longer[600];

	T_ASSERT(text);
	sa_snapshot_init(&s);
	T_EQ_INT(lsw_parse_status(&s, text, len, &info), 0);
	T_EQ_STR(info.configfile, "/tmp/libreswan-runs/iwlab.rDw45G/lsw/ipsec.conf");
	T_EQ_STR(info.ipsecdir, "/tmp/libreswan-runs/iwlab.rDw45G/lsw");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sa_snapshot_reset(&s);
		T_EQ_INT(lsw_parse_status(&s, bad[i], strlen(bad[i]), &info), 0);
		T_EQ_STR(info.configfile, "");
		T_EQ_STR(info.ipsecdir, "");
	}
	memset(longer, 'a', sizeof(longer));
	memcpy(longer, "configfile=/", 12);
	sa_snapshot_reset(&s);
	T_EQ_INT(lsw_parse_status(&s, longer, sizeof(longer), &info), 0);
	T_EQ_STR(info.configfile, "");
	/* a 5.x line (no "000 ") */
	sa_snapshot_reset(&s);
	T_EQ_INT(lsw_parse_status(&s, v5, sizeof(v5) - 1, &info), 0);
	T_EQ_STR(info.configfile, "/etc/ipsec.conf");
	T_EQ_STR(info.ipsecdir, "/etc/ipsec.d");
	sa_snapshot_done(&s);
	free(text);
}

static void conf_names(void)
{
	T_ASSERT(lsw_diag_conf_name("a-b.conf"));
	T_ASSERT(lsw_diag_conf_name("ipsec.conf"));
	T_ASSERT(!lsw_diag_conf_name("ipsec.secrets"));
	T_ASSERT(!lsw_diag_conf_name("a.secrets"));
	T_ASSERT(!lsw_diag_conf_name("a.secrets.conf"));
	T_ASSERT(!lsw_diag_conf_name(".conf"));
	T_ASSERT(!lsw_diag_conf_name(".hidden.conf"));
	T_ASSERT(!lsw_diag_conf_name("cert9.db"));
	T_ASSERT(!lsw_diag_conf_name("a.conf~"));
}

/* The bundle's pluto items from the recordings: whack's three answers as files, the
 * configuration it names (here absent: the recording's lab is gone) listed as failed. */
static void diag_items(void)
{
	struct doctor_daemon_source ds;
	struct diag_options o = {0};
	struct diag_daemon dd;
	struct diag_bundle b;
	struct lsw_source *l = fake_pluto(true);

	T_ASSERT(l);
	setenv("FAKE_WHACK_SUFFIX", "", 1);
	lsw_doctor_source(l, &ds);
	lsw_diag_daemon(l, &ds, &dd);
	T_EQ_STR(dd.name, "pluto");
	diag_bundle_init(&b, 0);
	dd.items(dd.ctx, &o, &b);
	T_EQ_INT(b.n_items[DIAG_OK], 3);
	T_CONTAINS(b.manifest.data, "libreswan/status.txt");
	T_CONTAINS(b.manifest.data, "libreswan/trafficstatus.txt");
	T_CONTAINS(b.manifest.data, "libreswan/globalstatus.txt");
	T_CONTAINS(b.manifest.data, "config/ipsec.conf");
	T_EQ_INT(b.n_items[DIAG_FAILED], 1);
	diag_bundle_done(&b);
	lsw_source_free(l);
}

TEST_MAIN("libreswan_doctor", TEST(pluto_retransmits), TEST(pluto_proposals),
          TEST(healthy_child_up), TEST(ike_up_child_missing), TEST(pluto_gone),
          TEST(faults_from_log), TEST(retransmits_from_log), TEST(global_daemon_facts),
          TEST(config_paths), TEST(conf_names), TEST(diag_items))
