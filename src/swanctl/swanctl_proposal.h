/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A proposal list as charon reads it, in strongSwan's syntax ("aes128-sha256-modp2048,
 * aes256gcm16-prfsha384-ecp384": proposals apart by ",", algorithms by "-", a trailing "!" for
 * strict) or in charon's own notation as its log prints "configured proposals"
 * ("ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ, ESP:..."), parsed into one set of
 * algorithm names per transform type, aliases folded to one spelling (sha = sha1, sha2_256 =
 * sha256, aes = aes128, aes128gcm = aes128gcm16 = aes128gcm128, x25519 = curve25519 ...), and
 * completed with what charon adds: for a CHILD SA no group means no PFS (ke "none") and no ESN
 * keyword means "noesn"; for an IKE SA a PRF left out follows the integrity algorithm.
 *
 * The one place that knows algorithm names: the exporter's ipsec_conn_proposal_algorithm_info
 * and doctor's comparison of both ends (doctor/doctor_foresee.h) both read proposals here, so a
 * folded name on /metrics is the name doctor compares. A codec: no I/O, no logging.
 */
#ifndef IKEWATCH_SWANCTL_PROPOSAL_H
#define IKEWATCH_SWANCTL_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>

#define PROPOSALS_MAX 16     /* proposals in one list; more is an error (-E2BIG) */
#define PROPOSAL_ALGS_MAX 16 /* algorithms per transform type in one proposal */
#define PROPOSAL_NAME_MAX 32 /* one algorithm name, NUL included */

enum proposal_kind {
	PROPOSAL_CHILD, /* esp_proposals / ah_proposals: groups are PFS, ESN counts, no PRF */
	PROPOSAL_IKE,   /* proposals: a group is required, the PRF may be derived */
};

/* Transform types a proposal is made of; PROPOSAL_T_NONE when none is meant. */
enum proposal_transform {
	PROPOSAL_T_ENCR,
	PROPOSAL_T_INTEG,
	PROPOSAL_T_PRF,
	PROPOSAL_T_KE,
	PROPOSAL_T_ESN,
	PROPOSAL_T_COUNT,
	PROPOSAL_T_NONE = PROPOSAL_T_COUNT,
};

struct proposal {
	char alg[PROPOSAL_T_COUNT][PROPOSAL_ALGS_MAX][PROPOSAL_NAME_MAX];
	unsigned n[PROPOSAL_T_COUNT];
	bool aead;
};

struct proposal_list {
	struct proposal p[PROPOSALS_MAX];
	unsigned n;
};

/* Parse @s into *ret (large: allocate it). 0, or with a sentence in @why naming the list by
 * @who ("our", "the peer's"): -ENODATA the list is unknown (NULL, "") or names "default"
 * (charon's built-in list, which depends on its plugins), -E2BIG more than PROPOSALS_MAX
 * proposals, -EINVAL a proposal that charon would refuse or that we cannot read. *ret is
 * scratch on failure. */
int proposal_list_parse(enum proposal_kind k, const char *s, struct proposal_list *ret,
                        const char *who, char *why, size_t why_len);

/* The distinct algorithms of type @t over every proposal of @l, in order of appearance: up to
 * @cap pointers into @l in @ret; returns how many there are (may exceed @cap). */
size_t proposal_list_union(const struct proposal_list *l, enum proposal_transform t,
                           const char **ret, size_t cap);

/* The same union "/"-joined into @out (cut, never overflowed; "none" as "none (no PFS)" for
 * PROPOSAL_T_KE): for a sentence. */
void proposal_list_join(const struct proposal_list *l, enum proposal_transform t, char *out,
                        size_t cap);

/* "encryption algorithm", "integrity algorithm", "PRF", "key-exchange group", "ESN mode";
 * "" for NONE. */
const char *proposal_transform_name(enum proposal_transform t);
/* The label value: "encr", "integ", "prf", "ke", "esn"; "" for NONE. */
const char *proposal_transform_key(enum proposal_transform t);

#endif
