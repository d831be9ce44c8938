// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for charon's own metrics: every input is decoded as one VICI packet and fed
 * as a `stats`, a `get-counters` and a `get-pools` answer (src/exporter/daemon_stats.c,
 * ike_counters.c, addr_pools.c), then rendered. The output must be complete text.
 * Seeds: recorded stats, get-counters and get-pools answers (fuzz/corpus/daemon_metrics/).
 */
#include "exporter/addr_pools.h"
#include "exporter/daemon_stats.h"
#include "exporter/ike_counters.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vici_msg m;
	struct daemon_stats s;
	struct ike_counters c;
	struct addr_pools p = {0};
	struct prom_writer w;
	struct buf out;

	if (vici_msg_decode(&m, data, size) != 0)
		return 0;
	ike_counters_init(&c);
	buf_init(&out, 16u << 20);
	prom_writer_init(&w, &out);
	if (daemon_stats_parse(&m, 1700000000.0, &s) == 0) {
		if (s.n_plugins > DAEMON_PLUGINS_MAX)
			abort();
		for (uint32_t i = 0; i < s.n_plugins; i++)
			if (!s.plugins[i][0] || strlen(s.plugins[i]) >= DAEMON_PLUGIN_NAME_MAX)
				abort();
		daemon_stats_write(&w, &s);
	}
	(void)ike_counters_add(&c, &m);
	for (size_t i = 0; i < c.n_conns; i++)
		if (ike_counters_find(&c, c.conns[i].name) == NULL)
			abort();
	ike_counters_write(&w, &c);
	(void)addr_pools_add(&p, &m);
	addr_pools_write(&w, &p);
	if (out.err == 0 && out.len && out.data[out.len - 1] != '\n')
		abort();
	buf_done(&out);
	ike_counters_done(&c);
	addr_pools_done(&p);
	return 0;
}
