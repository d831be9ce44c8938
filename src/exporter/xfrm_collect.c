// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel read of a scrape (see xfrm_collect.h). The error is logged when it first happens
 * and when it changes, and once more when the read works again.
 */
#include "exporter/xfrm_collect.h"

#include "common/log.h"

#include <errno.h>
#include <string.h>

/* A dump answers within milliseconds; more means something is wrong with the kernel. */
#define XFRM_TIMEOUT_MS 2000

void xfrm_collect_init(struct xfrm_collect *x)
{
	memset(x, 0, sizeof(*x));
	xfrm_metrics_init(&x->metrics);
	x->err = 1;
}

void xfrm_collect_done(struct xfrm_collect *x)
{
	xfrm_table_done(&x->table);
	xfrm_metrics_done(&x->metrics);
}

void xfrm_collect_read(struct xfrm_collect *x)
{
	x->err = xfrm_table_read(&x->table, XFRM_TIMEOUT_MS);
	if (x->err == 0) {
		if (x->logged)
			log_info("xfrm: reading the kernel's SAs and policies works again");
		x->logged = 0;
		return;
	}
	if (x->logged == x->err)
		return;
	x->logged = x->err;
	/* EAFNOSUPPORT: a systemd unit's RestrictAddressFamilies= without AF_NETLINK */
	if (x->err == -EPERM || x->err == -EACCES || x->err == -EAFNOSUPPORT)
		log_info("xfrm: reading the kernel's SAs and policies needs CAP_NET_ADMIN (and "
		         "AF_NETLINK): %s; kernel SA counters and policy checks not exported "
		         "(ikewatch_xfrm_up 0)",
		         strerror(-x->err));
	else
		log_warn("xfrm: reading the kernel's SAs and policies failed: %s "
		         "(ikewatch_xfrm_up 0)",
		         strerror(-x->err));
}

int xfrm_collect_write(struct prom_writer *w, struct xfrm_collect *x, const struct sa_snapshot *s)
{
	int err = 0;

	prom_family(w, "ikewatch_xfrm_up", PROM_GAUGE,
	            "1 when this scrape could read the kernel's IPsec SAs and policies (XFRM "
	            "netlink; needs CAP_NET_ADMIN), else 0.");
	prom_sample_u64(w, NULL, 0, x->err == 0);
	if (x->err == 0 && s)
		err = xfrm_metrics_write(w, &x->metrics, &x->table, s, &x->mismatch);
	return err;
}
