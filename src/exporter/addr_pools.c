// SPDX-License-Identifier: Apache-2.0
/*
 * `get-pools` (strongSwan vici_config.c / vici_attribute.c get_pools()): one section per pool,
 *   rw { base = 10.3.0.1  size = 254  online = 12  offline = 3  [leases { ... }] }
 * online leases are held by a connected client; offline ones are remembered for a client that
 * went away (it gets the same address back) and are handed to others only when no free address
 * is left, so a pool is full when online reaches size.
 */
#include "exporter/addr_pools.h"

#include "common/array.h"
#include "common/limits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void addr_pools_reset(struct addr_pools *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->pools[i].name);
	p->n = 0;
}

void addr_pools_done(struct addr_pools *p)
{
	addr_pools_reset(p);
	free(p->pools);
	memset(p, 0, sizeof(*p));
}

int addr_pools_add(struct addr_pools *p, const struct vici_msg *m)
{
	vici_foreach_child(m, 0, i)
	{
		const struct vici_elem *e = &m->elems[i];
		struct addr_pool a = {0};
		int err;

		if (e->type != VICI_ELEM_SECTION_START || e->name_len == 0 ||
		    memchr(e->name, '\0', e->name_len) || vici_get_u64(m, i, "size", &a.size) < 0 ||
		    vici_get_u64(m, i, "online", &a.online) < 0 ||
		    vici_get_u64(m, i, "offline", &a.offline) < 0)
			return -EBADMSG;
		if ((err = ARRAY_GROW(p->pools, p->n, p->cap, 4, EXPORT_POOLS_MAX)) < 0)
			return err;
		if (!(a.name = strndup(e->name, e->name_len)))
			return -ENOMEM;
		p->pools[p->n++] = a;
	}
	return 0;
}

void addr_pools_write(struct prom_writer *w, const struct addr_pools *p)
{
	if (!p->n)
		return;
	prom_family(w, "ipsec_pool_size_addresses", PROM_GAUGE,
	            "Addresses in the virtual-IP pool (VICI get-pools).");
	for (size_t i = 0; i < p->n; i++) {
		struct prom_label l = PROM_LABEL("pool", p->pools[i].name);

		prom_sample_u64(w, &l, 1, p->pools[i].size);
	}
	prom_family(w, "ipsec_pool_leases", PROM_GAUGE,
	            "Leases of the pool: online (held by a connected client) or offline (kept for "
	            "a client that left).");
	for (size_t i = 0; i < p->n; i++) {
		struct prom_label l[2] = {PROM_LABEL("pool", p->pools[i].name),
		                          PROM_LABEL("state", "online")};

		prom_sample_u64(w, l, 2, p->pools[i].online);
		l[1] = PROM_LABEL("state", "offline");
		prom_sample_u64(w, l, 2, p->pools[i].offline);
	}
}
