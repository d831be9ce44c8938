/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exporter's kernel read: an XFRM dump per scrape (src/xfrm/xfrm_dump.h) and its metrics
 * (xfrm_metrics.h). Without CAP_NET_ADMIN, or without XFRM in the kernel, one log line, then
 * ikewatch_xfrm_up 0 and nothing else of the kernel; the VICI metrics are not affected.
 * Not thread-safe: the collector calls it under its lock.
 */
#ifndef IKEWATCH_XFRM_COLLECT_H
#define IKEWATCH_XFRM_COLLECT_H

#include "exporter/xfrm_metrics.h"

struct xfrm_collect {
	struct xfrm_table table;
	struct xfrm_metrics metrics;
	int err;                       /* of the last read; 1 before the first */
	int logged;                    /* the error last logged, 0 none */
	struct xfrm_mismatch mismatch; /* of the last write */
};

void xfrm_collect_init(struct xfrm_collect *x);
void xfrm_collect_done(struct xfrm_collect *x);
void xfrm_collect_read(struct xfrm_collect *x);
/* ikewatch_xfrm_up, and when the read worked the kernel families joined to @s (NULL: charon
 * did not answer, so nothing can be joined). 0 or -ENOMEM. */
int xfrm_collect_write(struct prom_writer *w, struct xfrm_collect *x, const struct sa_snapshot *s);

#endif
