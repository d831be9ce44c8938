// SPDX-License-Identifier: Apache-2.0
/*
 * The proposal comparison of src/doctor/doctor_foresee.c on vectors in strongSwan's syntax: PFS
 * group mismatches that only a CHILD rekey meets, ESP without a group (no PFS), IKE proposals
 * with and without an explicit PRF, aliases, several proposals per side, and lists that cannot
 * be compared (empty, "default", malformed, too many).
 */
#include "test.h"

#include "doctor/doctor_foresee.h"

#include <string.h>

struct vec {
	enum foresee_exchange x;
	const char *ours, *theirs;
	enum foresee_verdict verdict;
	enum foresee_transform transform; /* for FAIL */
	const char *reason_has;
};

#define C FORESEE_CHILD_REKEY
#define I FORESEE_IKE_REKEY
#define AGREE FORESEE_AGREE, FORESEE_NONE
#define UNKNOWN FORESEE_UNKNOWN, FORESEE_NONE

static const struct vec vecs[] = {
    /* the lab: lab_pfs_mismatch B */
    {C, "aes128-sha256-modp2048", "aes128-sha256-modp3072", FORESEE_FAIL, FORESEE_T_KE,
     "no common key exchange (PFS) group: ours modp2048, the peer's modp3072"},
    {C, "aes128-sha256-modp2048", "aes128-sha256-modp2048", AGREE, "agree"},
    /* the same lists for an IKE rekey: the groups are the IKE SA's, compared too */
    {I, "aes128-sha256-modp2048", "aes128-sha256-modp3072", FORESEE_FAIL, FORESEE_T_KE, "modp3072"},
    /* no group in esp_proposals means no PFS: matches only no PFS, or "none" */
    {C, "aes128-sha256", "aes128-sha256-modp2048", FORESEE_FAIL, FORESEE_T_KE,
     "ours none (no PFS), the peer's modp2048"},
    {C, "aes128-sha256", "aes128-sha256", AGREE, ""},
    {C, "aes128-sha256", "aes128-sha256-modp2048-none", AGREE, ""},
    {C, "aes128-sha256-ecp256-modp2048", "aes128-sha256-modp2048", AGREE, ""},
    /* AEAD: no integrity on either side */
    {C, "aes256gcm16-ecp384", "aes256gcm128-ecp384", AGREE, ""},
    {C, "aes256gcm16-ecp384", "aes256gcm12-ecp384", FORESEE_FAIL, FORESEE_T_ENCR, "aes256gcm16"},
    {C, "aes128gcm-modp2048", "aes128gcm16-modp2048", AGREE, ""},
    {C, "aes128gcm16", "aes128-sha256", FORESEE_FAIL, FORESEE_T_ENCR, "encryption"},
    /* IKE: the PRF follows the integrity algorithm unless named */
    {I, "aes256gcm16-prfsha384-ecp384", "aes256gcm16-prfsha384-ecp384", AGREE, ""},
    {I, "aes256gcm16-prfsha384-ecp384", "aes256gcm16-prfsha256-ecp384", FORESEE_FAIL, FORESEE_T_PRF,
     "PRF: ours prfsha384, the peer's prfsha256"},
    {I, "aes128-sha256-modp2048", "aes128-sha256-prfsha256-modp2048", AGREE, ""},
    {I, "aes128-sha256-modp2048", "aes128-sha1-modp2048", FORESEE_FAIL, FORESEE_T_INTEG,
     "integrity: ours sha256, the peer's sha1"},
    /* lab_proposal_mismatch B */
    {I, "aes128-sha256-modp2048", "aes256-sha512-modp3072", FORESEE_FAIL, FORESEE_T_ENCR,
     "encryption: ours aes128, the peer's aes256"},
    /* aliases and case */
    {I, "AES128-SHA2_256-MODP2048", "aes-sha256-modp2048", AGREE, ""},
    {C, "aes128-sha-x25519", "aes128-sha1-curve25519", AGREE, ""},
    {C, "aes128-sha256-modp2048!", "aes128-sha256-modp2048", AGREE, ""},
    /* ESN */
    {C, "aes128-sha256-esn", "aes128-sha256", FORESEE_FAIL, FORESEE_T_ESN, "ESN"},
    {C, "aes128-sha256-esn-noesn", "aes128-sha256", AGREE, ""},
    /* several proposals: a later pair agrees */
    {C, "aes256gcm16-ecp384,aes128-sha256-modp2048", "aes128-sha256-modp2048", AGREE, "proposal 2"},
    /* every type has something in common, but never in one pair */
    {C, "aes128-sha256-modp2048,aes256-sha384-ecp384",
     "aes128-sha384-ecp384,aes256-sha256-modp2048", FORESEE_FAIL, FORESEE_NONE,
     "no proposal of ours"},
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
	T_EQ_INT(r.transform, FORESEE_T_KE);
	T_ASSERT(strlen(r.reason) < sizeof(r.reason));
	T_CONTAINS(r.reason, "modp1024/modp1536");
	T_EQ_STR(foresee_transform_name(FORESEE_NONE), "");
}

TEST_MAIN("doctor_foresee", TEST(vectors), TEST(symmetric), TEST(long_reason))
