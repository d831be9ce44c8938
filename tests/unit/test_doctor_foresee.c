// SPDX-License-Identifier: Apache-2.0
/*
 * The proposal comparison of src/doctor/doctor_foresee.c on vectors in strongSwan's syntax: PFS
 * group mismatches that only a CHILD rekey meets, ESP without a group (no PFS), IKE proposals
 * with and without an explicit PRF, aliases, several proposals per side, and lists that cannot
 * be compared (empty, "default", malformed, too many).
 */
#include "test.h"

#include "doctor/doctor_facts.h"
#include "doctor/doctor_foresee.h"
#include "doctor/doctor_report.h"

#include <stdio.h>
#include <string.h>

struct vec {
	enum foresee_exchange x;
	const char *ours, *theirs;
	enum foresee_verdict verdict;
	enum proposal_transform transform; /* for FAIL */
	const char *reason_has;
};

#define C FORESEE_CHILD_REKEY
#define I FORESEE_IKE_REKEY
#define AGREE FORESEE_AGREE, PROPOSAL_T_NONE
#define UNKNOWN FORESEE_UNKNOWN, PROPOSAL_T_NONE

static const struct vec vecs[] = {
    /* the lab: lab_pfs_mismatch B */
    {C, "aes128-sha256-modp2048", "aes128-sha256-modp3072", FORESEE_FAIL, PROPOSAL_T_KE,
     "no key-exchange group in common (we: modp2048, peer: modp3072)"},
    {C, "aes128-sha256-modp2048", "aes128-sha256-modp2048", AGREE, "agree"},
    /* the same lists for an IKE rekey: the groups are the IKE SA's, compared too */
    {I, "aes128-sha256-modp2048", "aes128-sha256-modp3072", FORESEE_FAIL, PROPOSAL_T_KE,
     "modp3072"},
    /* no group in esp_proposals means no PFS: matches only no PFS, or "none" */
    {C, "aes128-sha256", "aes128-sha256-modp2048", FORESEE_FAIL, PROPOSAL_T_KE,
     "(we: none (no PFS), peer: modp2048)"},
    {C, "aes128-sha256", "aes128-sha256", AGREE, ""},
    {C, "aes128-sha256", "aes128-sha256-modp2048-none", AGREE, ""},
    {C, "aes128-sha256-ecp256-modp2048", "aes128-sha256-modp2048", AGREE, ""},
    /* AEAD: no integrity on either side */
    {C, "aes256gcm16-ecp384", "aes256gcm128-ecp384", AGREE, ""},
    {C, "aes256gcm16-ecp384", "aes256gcm12-ecp384", FORESEE_FAIL, PROPOSAL_T_ENCR, "aes256gcm16"},
    {C, "aes128gcm-modp2048", "aes128gcm16-modp2048", AGREE, ""},
    {C, "aes128gcm16", "aes128-sha256", FORESEE_FAIL, PROPOSAL_T_ENCR, "encryption"},
    /* IKE: the PRF follows the integrity algorithm unless named */
    {I, "aes256gcm16-prfsha384-ecp384", "aes256gcm16-prfsha384-ecp384", AGREE, ""},
    {I, "aes256gcm16-prfsha384-ecp384", "aes256gcm16-prfsha256-ecp384", FORESEE_FAIL,
     PROPOSAL_T_PRF, "no PRF in common (we: prfsha384, peer: prfsha256)"},
    {I, "aes128-sha256-modp2048", "aes128-sha256-prfsha256-modp2048", AGREE, ""},
    {I, "aes128-sha256-modp2048", "aes128-sha1-modp2048", FORESEE_FAIL, PROPOSAL_T_INTEG,
     "no integrity algorithm in common (we: sha256, peer: sha1)"},
    /* lab_proposal_mismatch B */
    {I, "aes128-sha256-modp2048", "aes256-sha512-modp3072", FORESEE_FAIL, PROPOSAL_T_ENCR,
     "no encryption algorithm in common (we: aes128, peer: aes256)"},
    /* aliases and case */
    {I, "AES128-SHA2_256-MODP2048", "aes-sha256-modp2048", AGREE, ""},
    {C, "aes128-sha-x25519", "aes128-sha1-curve25519", AGREE, ""},
    {C, "aes128-sha256-modp2048!", "aes128-sha256-modp2048", AGREE, ""},
    /* ESN */
    {C, "aes128-sha256-esn", "aes128-sha256", FORESEE_FAIL, PROPOSAL_T_ESN, "ESN"},
    {C, "aes128-sha256-esn-noesn", "aes128-sha256", AGREE, ""},
    /* several proposals: a later pair agrees */
    {C, "aes256gcm16-ecp384,aes128-sha256-modp2048", "aes128-sha256-modp2048", AGREE, "proposal 2"},
    /* every type has something in common, but never in one pair */
    {C, "aes128-sha256-modp2048,aes256-sha384-ecp384",
     "aes128-sha384-ecp384,aes256-sha256-modp2048", FORESEE_FAIL, PROPOSAL_T_NONE,
     "no proposal of ours"},
    /* charon's notation, as its log prints "configured proposals", against either */
    {C, "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ", "aes128-sha256-modp3072",
     FORESEE_FAIL, PROPOSAL_T_KE, "(we: modp2048, peer: modp3072)"},
    {C, "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ", "aes128-sha256-modp2048", AGREE,
     ""},
    {I,
     "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384, IKE:AES_CBC_128/HMAC_SHA2_256_128/"
     "PRF_HMAC_SHA2_256/MODP_2048",
     "aes128-sha256-modp2048", AGREE, "proposal 2"},
    {I, "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384", "aes256gcm16-prfsha384-ecp384", AGREE, ""},
    {C, "ESP:AES_GCM_16_128/CURVE_25519/ECP_256_BP/EXT_SEQ", "aes128gcm16-ecp256bp-esn", AGREE, ""},
    {C, "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ", "aes128-sha256", FORESEE_FAIL, PROPOSAL_T_INTEG,
     "(we: sha1, peer: sha256)"},
    {C, "ESP:AES_CBC_128//MODP_2048", "aes128-sha256", UNKNOWN, "cannot be read"},
    /* cannot tell */
    {C, "", "aes128-sha256", UNKNOWN, "not known"},
    {C, NULL, "aes128-sha256", UNKNOWN, "not known"},
    {C, "aes128-sha256", "default", UNKNOWN, "default"},
    {C, "aes128--sha256", "aes128-sha256", UNKNOWN, "cannot be read"},
    {C, "aes128-sha256", ",aes128-sha256", UNKNOWN, "cannot be read"},
    {C, "sha256-modp2048", "aes128-sha256", UNKNOWN, "cannot be read"},
    {I, "aes128-sha256", "aes128-sha256-modp2048", UNKNOWN, "cannot be read"}, /* no group */
    {I, "aes128gcm16-modp2048", "aes128gcm16-prfsha256-modp2048", UNKNOWN, "cannot be read"},
    {C, "aes128 -sha256", "aes128-sha256", UNKNOWN, "cannot be read"},
    /* a value of words joined by swanctl.conf's parser: blanks around proposals are trimmed */
    {C, " aes128-sha256-modp2048 , aes256-sha256\t", "aes256-sha256", AGREE, "proposal 2"},
    {C, "aes128-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aes128-sha256", UNKNOWN,
     "cannot be read"},
    {C, "a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a", "aes128-sha256", UNKNOWN, "more than 16"},
};

static void vectors(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct foresee_result r;

		T_EQ_INT(foresee_proposals(v->x, v->ours, v->theirs, &r), v->verdict);
		T_EQ_INT(r.verdict, v->verdict);
		if (v->verdict == FORESEE_FAIL)
			T_EQ_INT(r.transform, v->transform);
		T_CONTAINS(r.reason, v->reason_has);
	}
}

/* The verdict does not depend on which end asks (symmetry), for every vector that parses. */
static void symmetric(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct foresee_result a, b;

		foresee_proposals(vecs[i].x, vecs[i].ours, vecs[i].theirs, &a);
		foresee_proposals(vecs[i].x, vecs[i].theirs, vecs[i].ours, &b);
		T_EQ_INT(a.verdict, b.verdict);
		if (a.verdict == FORESEE_FAIL)
			T_EQ_INT(a.transform, b.transform);
	}
}

/* Many algorithms of one type: the union in the reason is cut, never overflowed. */
static void long_reason(void)
{
	struct foresee_result r;
	const char *ours = "aes128-sha256-modp1024-modp1536-modp2048-modp3072-modp4096-modp6144-"
	                   "modp8192-ecp192-ecp224-ecp256-ecp384-ecp521-ecp224bp-ecp256bp-"
	                   "ecp384bp-ecp512bp";

	T_EQ_INT(foresee_proposals(C, ours, "aes128-sha256-curve448", &r), FORESEE_FAIL);
	T_EQ_INT(r.transform, PROPOSAL_T_KE);
	T_ASSERT(strlen(r.reason) < sizeof(r.reason));
	T_CONTAINS(r.reason, "modp1024/modp1536");
	T_EQ_STR(proposal_transform_name(PROPOSAL_T_NONE), "");
}

/* The single-end finding: a life_time below the rekey time, as in the lab's LAB_LIFE run; none
 * for a healthy CHILD SA, a down one, or while charon is down. */
static void lifetime_finding(void)
{
	static const struct {
		bool charon_up, up;
		int64_t rekey, life;
		const char *title; /* NULL: no finding */
	} rows[] = {
	    {true, true, 60, 20,
	     "the next CHILD rekey of a-b/net in 60 s will fail: the SA expires first, in 20 s"},
	    {true, true, SNAP_NONE, 20,
	     "CHILD SA a-b/net expires in 20 s and is never rekeyed: it will go down"},
	    {true, true, 30, 90, NULL},
	    {true, true, -5, 90, NULL}, /* overdue: doctor_checks.c's rekey_overdue says so */
	    {true, false, 60, 20, NULL},
	    {false, true, 60, 20, NULL},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct doctor_facts f;
		struct doctor_report r;
		struct doctor_conn_facts *c;
		struct doctor_child_facts *ch;
		const struct doctor_finding *d;

		doctor_facts_init(&f);
		doctor_report_init(&r);
		f.now = 1e9;
		f.charon_up = rows[i].charon_up;
		c = doctor_facts_conn(&f, "a-b", 3);
		T_ASSERT(c != NULL);
		c->up = c->configured = true;
		ch = doctor_conn_child(c, "net");
		T_ASSERT(ch != NULL);
		ch->up = ch->configured = rows[i].up;
		snprintf(ch->state, sizeof(ch->state), "%s", rows[i].up ? "INSTALLED" : "");
		ch->rekey_time = rows[i].rekey;
		ch->life_time = rows[i].life;
		ch->cfg_rekey_time = 60;
		doctor_foresee_findings(&r, &f, c);
		d = doctor_find(&r, "rekey_will_fail", "a-b");
		if (rows[i].title) {
			T_ASSERT(d != NULL);
			T_EQ_STR(d->title, rows[i].title);
			T_ASSERT(d->n_evidence >= 2);
			T_CONTAINS(d->evidence[0], "hard lifetime ends in 20 s");
			T_CONTAINS(d->evidence[1], "configured rekey_time 60 s");
		} else {
			T_ASSERT(d == NULL);
			T_EQ_INT(r.n, 0);
		}
		doctor_report_done(&r);
		doctor_facts_done(&f);
	}
}

/* a-b up with net INSTALLED, 4 retransmits of a request sent 9 s ago (@outstanding: none
 * answered), the IKE rekey in @ike_rekey s, the last inbound ESP @use_in s ago */
static struct doctor_conn_facts *silent_conn(struct doctor_facts *f, bool log_read,
                                             bool outstanding, int64_t ike_rekey, int64_t use_in)
{
	struct doctor_conn_facts *c;
	struct doctor_child_facts *ch;

	doctor_facts_init(f);
	f->now = 1e9;
	f->charon_up = true;
	f->log_read = log_read;
	c = doctor_facts_conn(f, "a-b", 3);
	if (!c)
		return NULL;
	c->up = c->configured = true;
	snprintf(c->ike_state, sizeof(c->ike_state), "ESTABLISHED");
	c->rekey_time = ike_rekey;
	c->reauth_time = SNAP_NONE;
	c->log.retx_outstanding = outstanding;
	c->log.retransmits = c->log.retx_count = 4;
	c->log.retx_silent_s = 9;
	ch = doctor_conn_child(c, "net");
	if (!ch)
		return NULL;
	ch->up = ch->configured = true;
	snprintf(ch->state, sizeof(ch->state), "INSTALLED");
	ch->rekey_time = ch->life_time = SNAP_NONE;
	ch->use_in = use_in;
	ch->packets_in = 312;
	return c;
}

/* The peer silent on IKE while its ESP arrives (doctor_silent.c): when charon gives up, with the
 * evidence; nothing without ESP since the request left, without the log, or when answered. */
static void peer_silent_finding(void)
{
	static const struct {
		bool log_read, outstanding;
		int64_t use_in, ike_rekey;
		const char *title; /* NULL: no finding */
	} rows[] = {
	    {true, true, 0, SNAP_NONE,
	     "the IKE SA a-b will fail in about 156 s: the peer stopped answering IKE although its "
	     "ESP still arrives"},
	    {true, true, 0, 40,
	     "the IKE SA a-b will fail in about 40 s: the peer stopped answering IKE although its "
	     "ESP still arrives"},
	    {true, true, 20, SNAP_NONE, NULL}, /* no ESP since the request left: maybe dead */
	    {true, false, 0, SNAP_NONE, NULL}, /* answered */
	    {false, true, 0, SNAP_NONE, NULL}, /* no log: not known */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct doctor_facts f;
		struct doctor_report r;
		struct doctor_conn_facts *c = silent_conn(&f, rows[i].log_read, rows[i].outstanding,
		                                          rows[i].ike_rekey, rows[i].use_in);
		const struct doctor_finding *d;

		T_ASSERT(c != NULL);
		doctor_report_init(&r);
		doctor_foresee_findings(&r, &f, c);
		d = doctor_find(&r, "peer_silent", "a-b");
		if (rows[i].title) {
			T_ASSERT(d != NULL);
			T_EQ_STR(d->title, rows[i].title);
			T_EQ_INT(d->severity, DOCTOR_SEV_CRIT);
			T_EQ_STR(d->evidence[0],
			         "peer silent for 9 s, 4 retransmits, charon gives up "
			         "in about 156 s");
			T_EQ_STR(d->evidence[1],
			         "ESP still arrives: the last inbound packet on a-b/net "
			         "0 s ago, 312 packets in on that CHILD SA");
			T_CONTAINS(d->evidence[2], "(charon's defaults)");
		} else {
			T_ASSERT(d == NULL);
		}
		doctor_report_done(&r);
		doctor_facts_done(&f);
	}
}

/* The same on a Libreswan gateway: pluto's schedule (64 s with its defaults), not charon's. */
static void peer_silent_pluto(void)
{
	struct doctor_facts f;
	struct doctor_report r;
	struct doctor_conn_facts *c = silent_conn(&f, true, true, SNAP_NONE, 0);
	const struct doctor_finding *d;

	T_ASSERT(c != NULL);
	snprintf(f.daemon_name, sizeof(f.daemon_name), "pluto");
	c->retx = SA_RETX_TIMING_PLUTO;
	doctor_report_init(&r);
	doctor_foresee_findings(&r, &f, c);
	d = doctor_find(&r, "peer_silent", "a-b");
	T_ASSERT(d != NULL);
	if (d) {
		T_EQ_STR(d->title, "the IKE SA a-b will fail in about 55 s: the peer stopped "
		                   "answering IKE although its ESP still arrives");
		T_EQ_STR(d->evidence[0],
		         "peer silent for 9 s, 4 retransmits, pluto gives up in about 55 s");
		T_EQ_STR(d->evidence[2],
		         "retransmit-interval 500 ms, retransmit-timeout 60 s (pluto's defaults)");
	}
	doctor_report_done(&r);
	doctor_facts_done(&f);
}

/* peer_silent and control_plane_only are one idea (IKE unanswered while the data plane works)
 * seen from ESP counters and from probes: when both hold, one finding carries both evidences */
static void silent_folds_probes(void)
{
	for (int outstanding = 0; outstanding <= 1; outstanding++) {
		struct doctor_facts f;
		struct doctor_report r;
		struct doctor_conn_facts *c = silent_conn(&f, true, outstanding, SNAP_NONE, 0);
		const struct doctor_finding *d;

		T_ASSERT(c != NULL);
		doctor_report_init(&r);
		/* what the path checks added before */
		doctor_add(&r, "path_clean", "a-b", DOCTOR_SEV_INFO, 20, "all is well");
		doctor_evidence(doctor_add(&r, "control_plane_only", "a-b", DOCTOR_SEV_CRIT, 93,
		                           "IKE from A to B is unanswered while ESP still flows: "
		                           "50 of 50 probes"),
		                "probe evidence");
		doctor_foresee_findings(&r, &f, c);
		d = doctor_find(&r, "peer_silent", "a-b");
		T_ASSERT(doctor_find(&r, "path_clean", "a-b") != NULL);
		if (outstanding) {
			T_ASSERT(d != NULL);
			T_ASSERT(doctor_find(&r, "control_plane_only", NULL) == NULL);
			T_EQ_STR(
			    d->evidence[d->n_evidence - 2],
			    "IKE from A to B is unanswered while ESP still flows: 50 of 50 probes");
			T_EQ_STR(d->evidence[d->n_evidence - 1], "probe evidence");
		} else {
			T_ASSERT(d == NULL);
			T_ASSERT(doctor_find(&r, "control_plane_only", "a-b") != NULL);
		}
		doctor_report_done(&r);
		doctor_facts_done(&f);
	}
}

TEST_MAIN("doctor_foresee", TEST(vectors), TEST(symmetric), TEST(long_reason),
          TEST(lifetime_finding), TEST(peer_silent_finding), TEST(peer_silent_pluto),
          TEST(silent_folds_probes))
