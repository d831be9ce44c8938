// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the parsers of whack's output (src/libreswan/lsw_parse.c). The input is
 * given to each parser whole (--status, then --trafficstatus over the same snapshot, then
 * --globalstatus); checks that every string of the snapshot is NUL-terminated within the label
 * limit, that CHILD SAs sit under IKE SAs the status listed, and that nothing leaks (ASan).
 */
#include "common/limits.h"
#include "libreswan/lsw_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s)
{
	if (!s || strlen(s) > LABEL_VALUE_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct sa_snapshot s;
	struct lsw_global g;
	struct lsw_info info;

	sa_snapshot_init(&s);
	s.now = 1796536160.0;
	if (lsw_parse_status(&s, text, size, &info) == 0) {
		lsw_parse_traffic(&s, text, size);
		if (strlen(info.version) >= sizeof(info.version))
			abort();
		for (uint32_t i = 0; i < s.n_conns; i++) {
			check_str(s.conns[i].name);
			check_str(s.conns[i].remote_addrs);
			if (s.conns[i].n_children != 1)
				abort();
			check_str(s.conns[i].children_remote_ts[0]);
		}
		for (uint32_t i = 0; i < s.n_ikes; i++) {
			const struct snap_ike *ike = &s.ikes[i];

			check_str(ike->conn);
			check_str(ike->state);
			check_str(ike->local_id);
			check_str(ike->encr);
			for (uint32_t j = 0; j < ike->n_children; j++) {
				check_str(ike->children[j].name);
				check_str(ike->children[j].state);
				check_str(ike->children[j].spi_in);
				check_str(ike->children[j].remote_ts);
			}
		}
	}
	sa_snapshot_done(&s);
	lsw_global_init(&g);
	if (lsw_parse_global(&g, text, size) == 0)
		for (uint32_t i = 0; i < g.n; i++)
			check_str(g.counters[i].name);
	lsw_global_done(&g);
	return 0;
}
