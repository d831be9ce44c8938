/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A daemon's CHILD SAs completed from the kernel's SAs (an XFRM dump, src/xfrm/): each direction
 * of a CHILD SA gets the packet count of the kernel SA with its SPI and protocol (spi_in: the
 * inbound SA, spi_out: the outbound one), its last inbound and outbound use (XFRMA_LASTUSED)
 * where the daemon gives none or an older one, and its reqid when the daemon did not give one.
 * For a daemon whose own interface reports bytes only (Libreswan's whack), so that
 * ipsec_child_sa_packets_*_total, ipsec_child_sa_last_in_timestamp_seconds and everything built
 * on them (the probes' in-tunnel check, the mixin's packet-rate alerts, peer_silent) mean for it
 * what they mean for charon.
 *
 * The completed values then go through sa_counters like charon's, which carries them across
 * rekeys, and which takes a CHILD SA whose counters went down for a new SA (counting the old
 * values once more). So a CHILD SA's totals never go down here: when a dump fails, or misses an
 * SA that the daemon still lists (it was being replaced between the two reads), the values of
 * the last read of the same SA (state number and SPIs) stand, its last uses too. No I/O.
 */
#ifndef IKEWATCH_XFRM_JOIN_H
#define IKEWATCH_XFRM_JOIN_H

#include "exporter/sa_snapshot.h"
#include "xfrm/xfrm_dump.h"

struct xfrm_join_seen;

struct xfrm_join {
	struct xfrm_join_seen *seen; /* the last read's CHILD SAs and totals, sorted */
	size_t n_seen;
};

/* A CHILD SA's SPI as the daemons print it (hex, "c8e1a1f3"); 0, never a valid SPI, when
 * absent or malformed. */
uint32_t xfrm_child_spi(const char *hex);
/* The kernel protocol of a CHILD SA's "protocol" (IPPROTO_AH for "AH", else IPPROTO_ESP). */
uint8_t xfrm_child_proto(const char *protocol);

void xfrm_join_init(struct xfrm_join *j);
void xfrm_join_done(struct xfrm_join *j);

/* Fill the packet counters (and missing reqids) of @s's CHILD SAs from @t; @t NULL when the
 * kernel could not be read. *ret_joined (may be NULL): the directions found in @t. 0 or -ENOMEM
 * (then @s is as the daemon gave it, and the last read is forgotten). */
int xfrm_join_children(struct xfrm_join *j, const struct xfrm_table *t, struct sa_snapshot *s,
                       uint32_t *ret_joined);

#endif
