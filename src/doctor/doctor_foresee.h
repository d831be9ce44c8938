/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Will the next rekey agree? Compares our configured proposals for an exchange with the peer's,
 * both in strongSwan's proposal syntax ("aes128-sha256-modp2048,aes256gcm16-prfsha384-ecp384":
 * proposals separated by ",", algorithms by "-"), the way charon selects one: some proposal of
 * ours and some of theirs must share an algorithm of every transform type.
 *
 * Why a separate, pure function: a CHILD SA created in IKE_AUTH runs no key exchange (RFC 7296
 * section 1.2), so a PFS group mismatch in esp_proposals stays invisible until the first
 * CREATE_CHILD_SA rekey fails, possibly hours later. Both ends' configured proposals (from the
 * peer's ikewatch or from Prometheus) are enough to say so in advance; this file does no I/O.
 *
 * For a CHILD rekey the key-exchange groups count (an ESP proposal without one means no PFS,
 * which matches only a peer proposal without one or with "none"); ESN defaults to "noesn".
 * For an IKE rekey or reauthentication a PRF left out is derived from the integrity algorithm,
 * as strongSwan does. Aliases (sha = sha1, sha2_256 = sha256, aes = aes128, aes128gcm =
 * aes128gcm16, gcm128 = gcm16, x25519 = curve25519 ...) are folded by swanctl/swanctl_proposal.h,
 * the same folding as the exporter's algorithm labels; an algorithm we do not know
 * is compared by its name. Either side may also be in charon's own notation, as its log
 * prints "configured proposals" ("ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ,
 * ESP:..."), so that a peer's log line can be compared with our swanctl.conf. "default" (charon's
 * built-in list) cannot be compared: the verdict is then FORESEE_UNKNOWN, never a guess.
 *
 * doctor_foresee_findings() below turns the forecasts into findings: what one end can tell alone,
 * both ends' configured proposals (doctor_proposals.h) and a peer silent on IKE while its ESP
 * flows (doctor_silent.h).
 */
#ifndef IKEWATCH_DOCTOR_FORESEE_H
#define IKEWATCH_DOCTOR_FORESEE_H

#include "swanctl/swanctl_proposal.h"

enum foresee_exchange {
	FORESEE_CHILD_REKEY, /* CREATE_CHILD_SA rekeying a CHILD SA: esp_proposals (with PFS) */
	FORESEE_IKE_REKEY,   /* IKE rekey or reauthentication: IKE proposals */
};

enum foresee_verdict {
	FORESEE_AGREE, /* some pair of proposals agrees on every transform */
	FORESEE_FAIL,  /* nothing in common: the next exchange will fail with NO_PROPOSAL_CHOSEN */
	FORESEE_UNKNOWN, /* a side is empty, "default", or malformed: cannot tell */
};

struct foresee_result {
	enum foresee_verdict verdict;
	enum proposal_transform transform; /* for FORESEE_FAIL: the type nothing agrees on */
	char reason[320];                  /* one sentence for a finding, without the subject */
	char ours[128], theirs[128]; /* for FORESEE_FAIL: each side's algorithms of that type */
};

/* Compare; fills *ret and returns ret->verdict. @ours and @theirs may be NULL (unknown). */
enum foresee_verdict foresee_proposals(enum foresee_exchange x, const char *ours,
                                       const char *theirs, struct foresee_result *ret);

struct doctor_report;
struct doctor_facts;
struct doctor_conn_facts;

/* The single-end forecasts of exporter/sa_foresee.h as doctor findings for connection @c (the
 * same verdicts as the ipsec_*_rekey_failure_expected_timestamp_seconds metrics): a CHILD SA
 * whose life_time ends before its rekey, "the next CHILD rekey of a-b/net in 60 s will fail:
 * ...". Nothing when charon is down or the connection has no IKE SA. (An overdue rekey has its
 * own finding, rekey_overdue, in doctor_checks.c.) Then doctor_proposals_findings() and
 * doctor_silent_findings(). */
void doctor_foresee_findings(struct doctor_report *r, const struct doctor_facts *f,
                             const struct doctor_conn_facts *c);

#endif
