// SPDX-License-Identifier: Apache-2.0
/*
 * pluto's configured algorithm lists (whack --status "IKE algorithms:", "ESP algorithms:") in
 * charon's notation (src/libreswan/lsw_proposals.c, lsw_parse_proposals()), judged by the same
 * comparison doctor makes between two strongSwan ends (doctor/doctor_foresee.h): what pluto and
 * charon would agree on agrees, what they would not fails on the transform that differs. The
 * lists are the recorded Libreswan 4.10 output and lines in the shapes pluto prints
 * (jam_proposal: proposals ", " apart, transforms "-", alternatives "+"); and doctor --peer's
 * finding on a Libreswan gateway against a strongSwan peer's exposition.
 */
#include "test.h"

#include "common/file_read.h"
#include "doctor/doctor_facts.h"
#include "doctor/doctor_foresee.h"
#include "doctor/doctor_proposals.h"
#include "doctor/doctor_report.h"
#include "libreswan/lsw_parse.h"
#include "libreswan/lsw_proposals.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "../fixtures/libreswan/"

static void to_charon(void)
{
	static const struct {
		bool ike;
		const char *pluto, *pfs, *want;
	} v[] = {
	    {true, "AES_CBC_128-HMAC_SHA2_256-MODP2048", NULL,
	     "IKE:AES_CBC_128/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128/MODP_2048"},
	    /* AEAD: no integrity; alternatives; the ECP and curve groups by number */
	    {true, "AES_GCM_16_256-HMAC_SHA2_512+HMAC_SHA2_256-DH19+DH20+DH31", NULL,
	     "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_512/PRF_HMAC_SHA2_256/ECP_256/ECP_384/CURVE_25519"},
	    /* an integrity algorithm of its own is not replaced by the PRF's */
	    {true, "AES_CBC_256-HMAC_SHA2_512-HMAC_SHA1_96-MODP3072, 3DES-HMAC_SHA1-MODP1024", NULL,
	     "IKE:AES_CBC_256/PRF_HMAC_SHA2_512/HMAC_SHA1_96/MODP_3072, "
	     "IKE:3DES_CBC/PRF_HMAC_SHA1/HMAC_SHA1_96/MODP_1024"},
	    {false, "AES_CBC_128-HMAC_SHA2_256_128-MODP2048", "ECP_256",
	     "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048"},
	    /* no group under pfs=yes: the IKE SA's; under pfs=no: none */
	    {false, "AES_CBC_128-HMAC_SHA2_256_128", "MODP_2048/ECP_256",
	     "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/ECP_256"},
	    {false, "AES_CBC_128-HMAC_SHA2_256_128", NULL, "ESP:AES_CBC_128/HMAC_SHA2_256_128"},
	    {false, "AES_GCM_16_256-NONE, CHACHA20_POLY1305-NONE-NONE", NULL,
	     "ESP:AES_GCM_16_256, ESP:CHACHA20_POLY1305"},
	};
	static const char *const bad[] = {
	    "",
	    ",",
	    " , ",
	    "AES_CBC_128--MODP2048",
	    "AES_CBC_128-",
	    "-AES_CBC_128",
	    "aes_cbc_128-HMAC_SHA2_256-MODP2048",
	    "AES CBC-HMAC_SHA2_256",
	    "AES_CBC_128;MODP2048",
	    "AES_CBC_128-HMAC_SHA2_256-MODP20480000000000000000000000000000",
	    "AES_CBC_128_WITH_A_NAME_FAR_TOO_LONG_FOR_ANY_ALGORITHM-MODP2048",
	    "NONE",
	    "AES_CBC_128-HMAC_SHA2_256-MODP2048,,AES_CBC_128-HMAC_SHA2_256-MODP2048",
	};
	char out[512];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_EQ_INT(lsw_proposals_to_charon(v[i].ike, v[i].pluto, strlen(v[i].pluto), v[i].pfs,
		                                 out, sizeof(out)),
		         0);
		T_EQ_STR(out, v[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_INT(
		    lsw_proposals_to_charon(true, bad[i], strlen(bad[i]), NULL, out, sizeof(out)),
		    -EINVAL);
		T_EQ_STR(out, "");
	}
	T_EQ_INT(lsw_proposals_to_charon(true, v[0].pluto, strlen(v[0].pluto), NULL, out, 20),
	         -ENOBUFS);
	T_EQ_STR(out, "");
	T_EQ_INT(lsw_proposals_to_charon(true, NULL, 0, NULL, out, sizeof(out)), -EINVAL);
	/* the groups of an IKE list, each once */
	T_EQ_INT(lsw_proposals_groups("AES_CBC_128-HMAC_SHA2_256-MODP2048+DH19, "
	                              "AES_GCM_16_256-HMAC_SHA2_512-DH19",
	                              71, out, sizeof(out)),
	         0);
	T_EQ_STR(out, "MODP_2048/ECP_256");
	T_EQ_INT(lsw_proposals_groups("AES_CBC_128-junk here", 21, out, sizeof(out)), 0);
	T_EQ_STR(out, "");
}

/* What pluto's lists mean against charon's, through doctor's own comparison. */
static void against_charon(void)
{
	static const struct {
		enum foresee_exchange x;
		bool ike;
		const char *pluto, *pfs, *charon;
		enum foresee_verdict want;
		enum proposal_transform differs;
	} v[] = {
	    {FORESEE_IKE_REKEY, true, "AES_CBC_128-HMAC_SHA2_256-MODP2048", NULL,
	     "aes128-sha256-modp2048", FORESEE_AGREE, 0},
	    {FORESEE_IKE_REKEY, true, "AES_GCM_16_256-HMAC_SHA2_512-DH19", NULL,
	     "aes256gcm16-prfsha512-ecp256", FORESEE_AGREE, 0},
	    {FORESEE_IKE_REKEY, true, "AES_CBC_128-HMAC_SHA2_256-MODP2048", NULL,
	     "aes128-sha256-modp3072", FORESEE_FAIL, PROPOSAL_T_KE},
	    {FORESEE_IKE_REKEY, true, "AES_CBC_256-HMAC_SHA2_384-DH20", NULL,
	     "aes256-sha256-ecp384", FORESEE_FAIL, PROPOSAL_T_INTEG},
	    {FORESEE_CHILD_REKEY, false, "AES_CBC_128-HMAC_SHA2_256_128-MODP2048", NULL,
	     "aes128-sha256-modp2048", FORESEE_AGREE, 0},
	    /* the lab's real fault: a PFS group mismatch, seen only at the CHILD rekey */
	    {FORESEE_CHILD_REKEY, false, "AES_CBC_128-HMAC_SHA2_256_128-MODP2048", NULL,
	     "aes128-sha256-modp3072", FORESEE_FAIL, PROPOSAL_T_KE},
	    /* pfs=yes without a group of its own: the IKE SA's */
	    {FORESEE_CHILD_REKEY, false, "AES_CBC_128-HMAC_SHA2_256_128", "ECP_256",
	     "aes128-sha256-ecp256", FORESEE_AGREE, 0},
	    {FORESEE_CHILD_REKEY, false, "AES_CBC_128-HMAC_SHA2_256_128", NULL,
	     "aes128-sha256-ecp256", FORESEE_FAIL, PROPOSAL_T_KE},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char ours[512];
		struct foresee_result res;

		T_EQ_INT(lsw_proposals_to_charon(v[i].ike, v[i].pluto, strlen(v[i].pluto), v[i].pfs,
		                                 ours, sizeof(ours)),
		         0);
		T_EQ_INT(foresee_proposals(v[i].x, ours, v[i].charon, &res), v[i].want);
		if (v[i].want == FORESEE_FAIL)
			T_EQ_INT(res.transform, v[i].differs);
	}
}

/* The recording: a-b's lists; a-c shows no ESP list (unknown, not empty). */
static void from_status(void)
{
	struct swanctl_conf c;
	size_t len;
	char *text = NULL;

	T_EQ_INT(file_read_all(DIR "status-child-up.synth.txt", 1u << 24, &text, &len), 0);
	T_EQ_INT(lsw_parse_proposals(text, len, &c), 0);
	T_EQ_INT(c.n_conns, 2);
	if (c.n_conns == 2) {
		T_EQ_STR(c.conns[0].name, "a-b");
		T_EQ_STR(c.conns[0].proposals,
		         "IKE:AES_CBC_128/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128/MODP_2048");
		T_EQ_INT(c.conns[0].n_children, 1);
		T_EQ_STR(c.conns[0].children[0].name, "a-b");
		T_EQ_STR(c.conns[0].children[0].esp, "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048");
		T_ASSERT(c.conns[0].children[0].ah == NULL);
		T_EQ_STR(c.conns[1].name, "a-c");
		T_ASSERT(c.conns[1].proposals != NULL);
		T_ASSERT(c.conns[1].children[0].esp == NULL);
	}
	swanctl_conf_done(&c);
	free(text);
	/* hostile lines: skipped, never guessed */
	{
		static const char t[] = "\"x\":   IKE algorithms: AES_CBC_128-HMAC_SHA2_256\n"
		                        "\"x\":   ESP algorithms: aes128-sha256\n"
		                        "\"x\":   policy: IKEv2+PSK+PFS;\n"
		                        "\"y\"   IKE algorithms: AES_CBC_128-HMAC_SHA2_256-DH19\n"
		                        "\"\":   IKE algorithms: AES_CBC_128-HMAC_SHA2_256-DH19\n"
		                        "\"z\":   ESP algorithms: AES_CBC_128-HMAC_SHA2_256_128\n";

		T_EQ_INT(lsw_parse_proposals(t, sizeof(t) - 1, &c), 0);
		T_EQ_INT(c.n_conns, 2);
		T_EQ_STR(c.conns[0].proposals,
		         "IKE:AES_CBC_128/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128");
		T_ASSERT(c.conns[0].children[0].esp == NULL); /* not pluto's names */
		T_ASSERT(c.conns[1].proposals == NULL);
		T_EQ_STR(c.conns[1].children[0].esp, "ESP:AES_CBC_128/HMAC_SHA2_256_128");
		swanctl_conf_done(&c);
	}
	/* a name longer than a swanctl.conf name (the fuzzer's find), or with a NUL: skipped */
	{
		static const char nul[] = "\"a\0b\":   IKE algorithms: AES_CBC_128-HMAC_SHA2_256\n";
		char t[600];
		int n = snprintf(t, sizeof(t),
		                 "\"%0300d\":   IKE algorithms: AES_CBC_128-HMAC_SHA2_256\n", 0);

		T_ASSERT(n > 300 && (size_t)n + sizeof(nul) < sizeof(t));
		memcpy(t + n, nul, sizeof(nul) - 1);
		T_EQ_INT(lsw_parse_proposals(t, (size_t)n + sizeof(nul) - 1, &c), 0);
		T_EQ_INT(c.n_conns, 0);
		swanctl_conf_done(&c);
	}
	T_EQ_INT(lsw_parse_proposals(NULL, 0, &c), 0);
	T_EQ_INT(c.n_conns, 0);
	swanctl_conf_done(&c);
}

/* pluto's lists as doctor's daemon source reads them (lsw_doctor.c does the same through
 * whack): a-b offers MODP3072 for PFS. */
static int load(void *ctx, struct swanctl_conf *ret, char *why, size_t why_len)
{
	static const char status[] =
	    "000 \"a-b\":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW;\n"
	    "000 \"a-b\":   IKE algorithms: AES_CBC_128-HMAC_SHA2_256-MODP2048\n"
	    "000 \"a-b\":   ESP algorithms: AES_CBC_128-HMAC_SHA2_256_128-MODP3072\n";

	(void)ctx;
	(void)why;
	(void)why_len;
	return lsw_parse_proposals(status, sizeof(status) - 1, ret);
}

/* doctor --peer on a Libreswan gateway against a strongSwan peer's ikewatch: the PFS group
 * mismatch foreseen as between two strongSwan ends, in pluto's words; the IKE lists agree. */
static void doctor_against_strongswan_peer(void)
{
	static const char peer[] =
	    "# TYPE ikewatch_build_info gauge\n"
	    "ikewatch_build_info{version=\"0.1.0\",revision=\"x\"} 1\n"
	    "ipsec_child_sa_info{conn=\"b-a\",child=\"lan\",spi_in=\"c0000002\","
	    "spi_out=\"c0000001\"} 1\n"
	    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"\",exchange=\"ike\","
	    "proposals=\"aes128-sha256-modp2048\"} 1\n"
	    "ipsec_conn_proposals_info{conn=\"b-a\",child=\"lan\",exchange=\"child\","
	    "proposals=\"aes128-sha256-modp2048\"} 1\n";
	static const struct doctor_proposal_words words = {
	    "whack --status", {"ike=", "esp=", "ah="}, "ipsec auto --replace", true};
	struct doctor_proposal_facts *pf = doctor_proposals_gather_daemon(load, NULL, &words, NULL);
	struct doctor_facts f;
	struct doctor_report r;
	struct doctor_conn_facts *c;
	struct doctor_child_facts *ch;
	const struct doctor_finding *d;

	T_ASSERT(pf && pf->ours_read);
	if (!pf)
		return;
	snprintf(pf->peer_url, sizeof(pf->peer_url), "http://198.51.100.1:9917/metrics");
	pf->peer = doctor_proposals_judge_peer(peer, sizeof(peer) - 1, pf);
	T_EQ_INT(pf->peer, DOCTOR_PEER_OK);
	doctor_facts_init(&f);
	doctor_report_init(&r);
	f.now = 1e9;
	f.charon_up = true;
	f.proposals = pf;
	c = doctor_facts_conn(&f, "a-b", 3);
	T_ASSERT(c);
	c->up = c->configured = true;
	c->rekey_time = 170;
	c->reauth_time = SNAP_NONE;
	ch = doctor_conn_child(c, "a-b"); /* pluto's CHILD is named as its connection */
	T_ASSERT(ch);
	ch->up = ch->configured = true;
	snprintf(ch->state, sizeof(ch->state), "INSTALLED");
	ch->rekey_time = 42;
	ch->life_time = 100;
	ch->spis = true;
	ch->spi_in = 0xc0000001;
	ch->spi_out = 0xc0000002;
	doctor_foresee_findings(&r, &f, c);
	d = doctor_find(&r, "rekey_will_fail", "a-b");
	T_ASSERT(d != NULL);
	if (d) {
		T_EQ_STR(d->title, "the next CHILD rekey of a-b/a-b in 42 s will fail: no "
		                   "key-exchange group in common (we: modp3072, peer: modp2048)");
		T_EQ_STR(d->evidence[0], "our esp= (whack --status): "
		                         "ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_3072");
		T_CONTAINS(d->next[0], "then ipsec auto --replace a-b");
	}
	T_EQ_INT(r.n, 1); /* the IKE lists agree */
	doctor_report_done(&r);
	doctor_facts_done(&f); /* frees pf */
}

TEST_MAIN("libreswan_proposals", TEST(to_charon), TEST(against_charon), TEST(from_status),
          TEST(doctor_against_strongswan_peer))
