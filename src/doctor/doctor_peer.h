/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the far end's ikewatch says, read from its /metrics exposition (parsed by
 * prom/prom_parse.c): its CHILD SAs with their SPIs and packet counters, its IKE SAs, its
 * retransmits and failures. doctor pairs our CHILD SA with the peer's by SPI (our outbound SPI
 * is the peer's inbound one, and back), which holds through NAT and whatever the two ends
 * call their connections, and needs no new series per rekey: the SPIs are only in the
 * _info series.
 *
 * Pure: a parsed scrape in, a view out. Strings point into the scrape, which must outlive the
 * view. The peer is outside input: whatever it omits reads as unknown, never as zero.
 */
#ifndef IKEWATCH_DOCTOR_PEER_H
#define IKEWATCH_DOCTOR_PEER_H

#include "prom/prom_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_CHILDREN_MAX 4096
#define PEER_CONNS_MAX 1024

struct peer_child {
	const char *conn, *child;
	uint32_t spi_in, spi_out; /* this SA's, as the peer sees them */
};

struct peer_counter {
	bool known;
	double v;
};

struct peer_view {
	bool is_ikewatch; /* ikewatch_build_info was there */
	const char *version;
	struct peer_counter ipsec_up;
	struct peer_child children[PEER_CHILDREN_MAX];
	size_t n_children;
	size_t skipped; /* _info series with unreadable SPIs, or beyond the cap */
};

/* Build @v from @s. Never fails: what is not there is not known. */
void peer_view_build(const struct prom_scrape *s, struct peer_view *v);

/* The peer's CHILD SA that is the other end of ours (our inbound SPI is its outbound one and
 * the reverse), or NULL. A match on one SPI alone is not a match: SPIs are only unique per
 * destination, and a half match means another SA. */
const struct peer_child *peer_view_match(const struct peer_view *v, uint32_t our_spi_in,
                                         uint32_t our_spi_out);

/* Sum of the samples of metric @name whose label @label1 is @value1 (and @label2 is @value2
 * when label2 is not NULL), over all other labels. known=false when there is none. */
struct peer_counter peer_sum(const struct prom_scrape *s, const char *name, const char *label1,
                             const char *value1, const char *label2, const char *value2);

/*
 * The far reflector's count of one sender's packets (ipsec_reflector_sender_packets_total, see
 * docs/metrics.md). A sender has a row only once one of its packets was reflected; before that
 * its packets are counted under "_other", so a missing row means "none reflected", and "none
 * received" only when the reflector's total did not move either.
 */
enum peer_reflector_state {
	PEER_REFL_NONE = 0, /* no reflector series at all: not known */
	PEER_REFL_ROW,      /* the sender's row */
	PEER_REFL_NO_ROW,   /* a reflector, no row for the sender */
};

struct peer_reflector {
	enum peer_reflector_state state;
	double rx, reflected; /* the row summed over results, and result="reflected" */
	double total;         /* ipsec_reflector_packets_total over results */
};

/* Read the counts of @sender (NULL: not known) from @s. */
void peer_reflector_read(const struct prom_scrape *s, const char *sender,
                         struct peer_reflector *ret);

/* Packets from the sender between two readings, when they can be known. */
bool peer_reflector_delta(const struct peer_reflector *before, const struct peer_reflector *after,
                          uint64_t *ret_rx, uint64_t *ret_reflected);

/*
 * The peer's own probes through the paired CHILD SA (ipsec_probe_* whose conn and child are
 * that SA's): what the far end sees of the path toward us and of what lies behind us. Summed
 * over its targets and modules.
 */
struct peer_probes {
	bool known;                 /* at least one probe series on that CHILD SA */
	double sent, received;      /* ipsec_probe_sent_total, ipsec_probe_received_total */
	double succeeding, streams; /* ipsec_probe_success summed, and how many streams */
	char target[64];            /* one target's address, for the words */
};
void peer_probes_read(const struct prom_scrape *s, const char *conn, const char *child,
                      struct peer_probes *ret);

/* An SPI as ikewatch and swanctl write it (hex, optionally 0x), into a number. */
int peer_parse_spi(const char *text, uint32_t *ret);

#endif
