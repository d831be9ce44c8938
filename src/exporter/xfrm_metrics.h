/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's view of the CHILD SAs (an XFRM dump, src/xfrm/) joined to what charon lists:
 * each kernel SA to its CHILD SA by SPI (and reqid when SPIs collide), its counters summed per
 * (conn, child, direction) and carried across rekeys like the VICI counters; policies whose
 * template no SA serves and SAs that no policy uses, per connection, and those that belong to
 * no CHILD SA charon lists. Rendering only, from a table and a snapshot; no I/O.
 */
#ifndef IKEWATCH_XFRM_METRICS_H
#define IKEWATCH_XFRM_METRICS_H

#include "common/strmap.h"
#include "exporter/sa_snapshot.h"
#include "prom/prom_writer.h"
#include "xfrm/xfrm_dump.h"

struct xfrm_metrics {
	struct strmap last;  /* kernel SA key -> its group and last counters */
	struct strmap ended; /* group "conn\0child\0dir" -> counters of its SAs that ended */
};

/* What the policy check found, for doctor and tests. */
struct xfrm_mismatch {
	uint32_t policies_without_state, states_without_policy;
	uint32_t orphan_policies, orphan_states;
};

void xfrm_metrics_init(struct xfrm_metrics *x);
void xfrm_metrics_done(struct xfrm_metrics *x);

/* Fold @t into the carried counters and write the ipsec_child_sa_kernel_* and ipsec_xfrm_*
 * families for @s. 0 or -ENOMEM. */
int xfrm_metrics_write(struct prom_writer *w, struct xfrm_metrics *x, const struct xfrm_table *t,
                       const struct sa_snapshot *s, struct xfrm_mismatch *ret_total);

#endif
