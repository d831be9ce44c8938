/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual-IP address pools from VICI `get-pools` (pools loaded over VICI, i.e. swanctl.conf
 * `pools`): each pool's size and its online and offline leases. Parsing and rendering only.
 */
#ifndef IKEWATCH_ADDR_POOLS_H
#define IKEWATCH_ADDR_POOLS_H

#include "prom/prom_writer.h"
#include "vici/vici_msg.h"

#include <stddef.h>
#include <stdint.h>

struct addr_pool {
	char *name;
	uint64_t size, online, offline;
};

struct addr_pools {
	struct addr_pool *pools;
	size_t n, cap;
};

void addr_pools_reset(struct addr_pools *p);
void addr_pools_done(struct addr_pools *p);

/* The pools of one `get-pools` response (one section per pool with size, online, offline).
 * 0, -EBADMSG, -E2BIG over EXPORT_POOLS_MAX pools (those before stay), -ENOMEM. */
int addr_pools_add(struct addr_pools *p, const struct vici_msg *m);

/* ipsec_pool_size_addresses{pool}, ipsec_pool_leases{pool,state}. */
void addr_pools_write(struct prom_writer *w, const struct addr_pools *p);

#endif
