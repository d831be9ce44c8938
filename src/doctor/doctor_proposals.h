/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Will the next rekey agree on proposals? Our configured proposals come from our swanctl.conf
 * (swanctl/swanctl_file.h), the peer's from its ikewatch's ipsec_conn_proposals_info (read with
 * --peer); each of our CHILD SAs is paired with the peer's by SPI (doctor_peer.h), so the two
 * ends' names for a connection need not agree. doctor_foresee.h compares.
 *
 * The findings: "the next CHILD rekey of a-b/net in 42 s will fail: no key-exchange group in
 * common (we: modp3072, peer: modp2048)" (and the same for the IKE SA), and, without --peer,
 * what one end cannot tell: "our PFS groups for a-b/net are modp3072; the peer's are unknown:
 * run with --peer". The peer is outside input: what it omits is unknown, never a mismatch.
 */
#ifndef IKEWATCH_DOCTOR_PROPOSALS_H
#define IKEWATCH_DOCTOR_PROPOSALS_H

#include "common/limits.h"
#include "doctor/doctor_peer_read.h"
#include "swanctl/swanctl_conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOCTOR_PEER_PROPOSALS_MAX 4096 /* the peer's proposal rows we keep */

/* One ipsec_conn_proposals_info series of the peer (child "" for its IKE proposals). */
struct doctor_peer_proposals {
	char conn[64], child[64];
	bool ike;
	char proposals[LABEL_VALUE_MAX + 1];
};

/* One of the peer's CHILD SAs, for pairing by SPI. */
struct doctor_peer_sa {
	char conn[64], child[64];
	uint32_t spi_in, spi_out;
};

/* How the daemon names what the comparison is about (charon's words by default). */
struct doctor_proposal_words {
	const char *from;   /* where our lists were read: NULL our swanctl.conf's path */
	const char *key[3]; /* the IKE, ESP and AH list: "proposals", "esp_proposals", ... */
	const char *reload; /* what loads a change: "swanctl --load-conns" */
	bool reload_conn;   /* ->reload takes the connection's name */
};

struct doctor_proposal_facts {
	char path[256]; /* our swanctl.conf, or where the daemon's lists were read */
	struct doctor_proposal_words words;
	bool ours_read;
	char ours_error[256];
	struct swanctl_conf ours;
	enum doctor_peer_status peer; /* DOCTOR_PEER_NONE without --peer */
	char peer_url[160], peer_error[160];
	/* the peer's ipsec_up in the same answer: 1 its charon answers its ikewatch, 0 not,
	 * -1 not known (no --peer, or not read) */
	int peer_charon_up;
	struct doctor_peer_proposals *rows;
	size_t n_rows, cap_rows;
	struct doctor_peer_sa *sas;
	size_t n_sas, cap_sas;
};

/* Read our swanctl.conf (@swanctl_conf, NULL: swanctl's default) and, with @peer->url, the
 * peer's /metrics. Returns a new facts struct (never NULL unless out of memory): what could not
 * be read is said in it. */
struct doctor_proposal_facts *doctor_proposals_gather(const char *swanctl_conf,
                                                      const struct doctor_peer_options *peer);
/* The pure half of reading the peer: its exposition text into @pf's rows and SAs. Returns the
 * status (DOCTOR_PEER_OK, _MALFORMED, _OVERSIZED, _NOT_IKEWATCH) with @pf->peer_error set. */
enum doctor_peer_status doctor_proposals_judge_peer(const char *text, size_t len,
                                                    struct doctor_proposal_facts *pf);
/* The same with our lists read from the daemon by @load (0 and *ret owned by the facts, or
 * -errno with a sentence in @why), named by @words (pluto: "whack --status", ike=/esp=/ah=,
 * "ipsec auto --replace CONN"). */
struct doctor_proposal_facts *doctor_proposals_gather_daemon(
    int (*load)(void *ctx, struct swanctl_conf *ret, char *why, size_t why_len), void *ctx,
    const struct doctor_proposal_words *words, const struct doctor_peer_options *peer);
void doctor_proposal_facts_free(struct doctor_proposal_facts *pf);

struct doctor_report;
struct doctor_facts;
struct doctor_conn_facts;

/* The findings for connection @c (up) from f->proposals (nothing when NULL). */
void doctor_proposals_findings(struct doctor_report *r, const struct doctor_facts *f,
                               const struct doctor_conn_facts *c);

#endif
