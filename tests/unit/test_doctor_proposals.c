// SPDX-License-Identifier: Apache-2.0
/*
 * Both ends' configured proposals in doctor (src/doctor/doctor_proposals.c): the peer's
 * exposition read into proposal rows and SPI pairs (malformed, not ikewatch, missing rows), the
 * CHILD SA paired by SPI whatever the peer calls it, the PFS mismatch foreseen with the time of
 * the next rekey, the IKE SA compared too, and what one end alone can say.
 */
#include "test.h"

#include "doctor/doctor_facts.h"
#include "doctor/doctor_foresee.h"
#include "doctor/doctor_proposals.h"
#include "doctor/doctor_report.h"

#include <stdlib.h>
#include <string.h>

static const char ours_conf[] =
    "connections { a-b { proposals = aes128-sha256-modp2048\n"
    " children { net { esp_proposals = aes128-sha256-modp3072 } } } }\n";

/* The peer calls the connection b-a; its SA's SPIs are ours reversed. */
static const char peer_text[] =
    "# TYPE ikewatch_build_info gauge\n"
    "ikewatch_build_info{version=\"0.1.0\",revision=\"x\"} 1\n"
    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000002\",spi_out=\"c0000001\"} 1\n"
    "ipsec_child_sa_info{conn=\"b-x\",child=\"lan\",spi_in=\"c0000009\",spi_out=\"c0000001\"} 1\n"
    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"\",exchange=\"ike\","
    "proposals=\"aes128-sha2_256-modp2048\"} 1\n"
    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"lan\",exchange=\"child\","
    "proposals=\"aes128-sha256-modp2048\"} 1\n";

/* 16 proposals of 16 bytes: 256 bytes, none with modp3072 */
#define P16 "aes128-sha1-e256"
#define LONG_LIST                                                                                  \
	P16 "," P16 "," P16 "," P16 "," P16 "," P16 "," P16 "," P16 "," P16 "," P16 "," P16        \
	    "," P16 "," P16 "," P16 "," P16 ",aes128-sha256"

static struct doctor_proposal_facts *facts_with(const char *peer)
{
	struct doctor_proposal_facts *pf = calloc(1, sizeof(*pf));
	char err[200];

	if (!pf)
		return NULL;
	snprintf(pf->path, sizeof(pf->path), "/etc/swanctl/swanctl.conf");
	pf->ours_read =
	    swanctl_conf_parse(ours_conf, strlen(ours_conf), &pf->ours, err, sizeof(err)) == 0;
	if (peer) {
		snprintf(pf->peer_url, sizeof(pf->peer_url), "http://198.51.100.1:9917/metrics");
		pf->peer = doctor_proposals_judge_peer(peer, strlen(peer), pf);
	}
	return pf;
}

static void run(struct doctor_proposal_facts *pf, struct doctor_report *r, struct doctor_facts *f)
{
	struct doctor_conn_facts *c;
	struct doctor_child_facts *ch;

	doctor_facts_init(f);
	doctor_report_init(r);
	f->now = 1e9;
	f->charon_up = true;
	f->proposals = pf;
	c = doctor_facts_conn(f, "a-b", 3);
	c->up = c->configured = true;
	c->rekey_time = 170;
	c->reauth_time = SNAP_NONE;
	ch = doctor_conn_child(c, "net");
	ch->up = ch->configured = true;
	snprintf(ch->state, sizeof(ch->state), "INSTALLED");
	ch->rekey_time = 42;
	ch->life_time = 100;
	ch->spis = true;
	ch->spi_in = 0xc0000001;
	ch->spi_out = 0xc0000002;
	doctor_foresee_findings(r, f, c);
}

static void pfs_mismatch(void)
{
	struct doctor_facts f;
	struct doctor_report r;
	const struct doctor_finding *d;
	struct doctor_proposal_facts *pf = facts_with(peer_text);

	T_ASSERT(pf != NULL);
	T_EQ_INT(pf->peer, DOCTOR_PEER_OK);
	T_EQ_INT(pf->n_rows, 2);
	T_EQ_INT(pf->n_sas, 2);
	run(pf, &r, &f);
	d = doctor_find(&r, "rekey_will_fail", "a-b");
	T_ASSERT(d != NULL);
	T_EQ_STR(d->title, "the next CHILD rekey of a-b/net in 42 s will fail: no key-exchange "
	                   "group in common (we: modp3072, peer: modp2048)");
	T_EQ_INT(d->severity, DOCTOR_SEV_WARN);
	T_CONTAINS(d->evidence[0], "our esp_proposals (/etc/swanctl/swanctl.conf): "
	                           "aes128-sha256-modp3072");
	T_CONTAINS(d->evidence[1], "its b-a/lan): aes128-sha256-modp2048");
	T_CONTAINS(d->evidence[2], "ran no key exchange");
	/* the IKE proposals agree (sha2_256 = sha256): one finding only */
	T_EQ_INT(r.n, 1);
	doctor_report_done(&r);
	doctor_facts_done(&f); /* frees pf */
}

static void ike_mismatch_and_unknowns(void)
{
	static const char *const peers[] = {
	    /* the IKE groups differ, the CHILD agrees */
	    "ikewatch_build_info{version=\"1\"} 1\n"
	    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000002\","
	    "spi_out=\"c0000001\"} 1\n"
	    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"\",exchange=\"ike\","
	    "proposals=\"aes128-sha256-ecp256\"} 1\n"
	    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"lan\",exchange=\"child\","
	    "proposals=\"aes128-sha256-modp3072\"} 1\n",
	    /* an older ikewatch: no proposal rows */
	    "ikewatch_build_info{version=\"1\"} 1\n"
	    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000002\","
	    "spi_out=\"c0000001\"} 1\n",
	    /* another gateway: no SA with our SPIs */
	    "ikewatch_build_info{version=\"1\"} 1\n"
	    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000003\","
	    "spi_out=\"c0000001\"} 1\n",
	    /* a list as long as a label value may be: perhaps cut, never a mismatch */
	    "ikewatch_build_info{version=\"1\"} 1\n"
	    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000002\","
	    "spi_out=\"c0000001\"} 1\n"
	    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"lan\",exchange=\"child\","
	    "proposals=\"" LONG_LIST "\"} 1\n",
	    /* "default" on the peer */
	    "ikewatch_build_info{version=\"1\"} 1\n"
	    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000002\","
	    "spi_out=\"c0000001\"} 1\n"
	    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"lan\",exchange=\"child\","
	    "proposals=\"default\"} 1\n",
	};
	static const struct {
		const char *id, *title_has;
	} want[] = {
	    {"rekey_will_fail",
	     "the next IKE rekey of a-b in 170 s will fail: no key-exchange group "
	     "in common (we: modp2048, peer: ecp256)"},
	    {"proposals_unknown", "its ikewatch exports no ipsec_conn_proposals_info for b-a/lan"},
	    {"proposals_unknown", "none of its CHILD SAs has our SPIs"},
	    {"proposals_unknown", "it may have been cut"},
	    {"proposals_unknown", "built-in default list"},
	};

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		struct doctor_facts f;
		struct doctor_report r;
		const struct doctor_finding *d;
		struct doctor_proposal_facts *pf = facts_with(peers[i]);

		T_ASSERT(pf != NULL);
		T_EQ_INT(pf->peer, DOCTOR_PEER_OK);
		run(pf, &r, &f);
		d = doctor_find(&r, want[i].id, "a-b");
		T_ASSERT(d != NULL);
		T_CONTAINS(d->title, want[i].title_has);
		if (i > 0)
			T_ASSERT(doctor_find(&r, "rekey_will_fail", NULL) == NULL);
		doctor_report_done(&r);
		doctor_facts_done(&f);
	}
}

/* What the peer says is outside input: bad text is a status, never rows. */
static void bad_peer(void)
{
	static const struct {
		const char *text;
		enum doctor_peer_status st;
	} vecs[] = {
	    {"this is not { an exposition\n", DOCTOR_PEER_MALFORMED},
	    {"ipsec_conn_proposals_info{conn=\"b-a\",child=\"\",exchange=\"ike\",proposals=\"x\"} "
	     "1\n",
	     DOCTOR_PEER_NOT_IKEWATCH},
	    {"ikewatch_build_info 1\nipsec_conn_proposals_info{conn=\"b-a\",exchange=\"x\"} 1\n"
	     "ipsec_child_sa_info{conn=\"b\",child=\"c\",spi_in=\"zz\",spi_out=\"1\"} 1\n",
	     DOCTOR_PEER_OK},
	};

	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct doctor_proposal_facts *pf = facts_with(vecs[i].text);

		T_ASSERT(pf != NULL);
		T_EQ_INT(pf->peer, vecs[i].st);
		T_EQ_INT(pf->n_rows, 0);
		T_EQ_INT(pf->n_sas, 0);
		if (vecs[i].st != DOCTOR_PEER_OK)
			T_ASSERT(pf->peer_error[0] != '\0');
		doctor_proposal_facts_free(pf);
	}
}

/* Without --peer: our PFS groups and what we cannot tell; unreadable config: said once. */
static void one_end(void)
{
	struct doctor_facts f;
	struct doctor_report r;
	const struct doctor_finding *d;
	struct doctor_proposal_facts *pf = facts_with(NULL);

	T_ASSERT(pf != NULL);
	run(pf, &r, &f);
	d = doctor_find(&r, "proposals_one_end", "a-b");
	T_ASSERT(d != NULL);
	T_EQ_STR(d->title, "our PFS groups for a-b/net are modp3072; the peer's are unknown: run "
	                   "with --peer");
	T_EQ_INT(d->severity, DOCTOR_SEV_INFO);
	T_ASSERT(doctor_find(&r, "rekey_will_fail", NULL) == NULL);
	doctor_report_done(&r);
	doctor_facts_done(&f);

	pf = calloc(1, sizeof(*pf));
	T_ASSERT(pf != NULL);
	snprintf(pf->ours_error, sizeof(pf->ours_error), "/x/swanctl.conf: Permission denied");
	run(pf, &r, &f);
	d = doctor_find(&r, "proposals_unreadable", "");
	T_ASSERT(d != NULL);
	T_CONTAINS(d->evidence[0], "Permission denied");
	doctor_report_done(&r);
	doctor_facts_done(&f);
}

TEST_MAIN("doctor_proposals", TEST(pfs_mismatch), TEST(ike_mismatch_and_unknowns), TEST(bad_peer),
          TEST(one_end))
