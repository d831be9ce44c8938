// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the path from a VICI event to exposition text: every input is decoded
 * as one VICI packet and fed as a list-conn, a list-sa and a list-cert event into one snapshot
 * (sa_snapshot.c, with GnuTLS for certificate data), grouped (sa_view.c), folded into the
 * counters (sa_counters.c) and rendered (sa_metrics.c). The output must be complete text.
 * Seeds: recorded list-sa, list-conn and updown events, and a list-cert event with a real
 * certificate (fuzz/corpus/sa_snapshot/).
 */
#include "exporter/sa_metrics.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vici_msg m;
	struct sa_snapshot s;
	struct sa_view v;
	struct sa_counters *ctr;
	struct prom_writer w;
	struct buf out;
	uint64_t dropped = 0;

	if (vici_msg_decode(&m, data, size) != 0)
		return 0;
	sa_snapshot_init(&s);
	s.now = 1700000000.0;
	(void)sa_snapshot_add_conn(&s, &m);
	(void)sa_snapshot_add_ike(&s, &m);
	(void)sa_snapshot_add_cert(&s, &m);
	/* every string the snapshot hands out is a terminated string */
	for (uint32_t i = 0; i < s.n_ikes; i++)
		if (!s.ikes[i].conn || !s.ikes[i].state || !s.ikes[i].nat ||
		    strlen(s.ikes[i].remote_id) > size)
			abort();
	ctr = sa_counters_new();
	if (!ctr)
		abort();
	buf_init(&out, 16u << 20);
	prom_writer_init(&w, &out);
	if (sa_view_build(&s, &v) == 0) {
		if (sa_counters_update(ctr, &s) == 0 &&
		    sa_metrics_write(&w, &s, &v, ctr,
		                     &(struct sa_metrics_opts){.redact_ids = size & 1},
		                     &dropped) == 0) {
			sa_metrics_write_certs(&w, &s);
			sa_metrics_write_foresee(&w, &s, &v, &s, NULL);
		}
		sa_view_done(&v);
	}
	if (out.err == 0 && (out.len == 0 || out.data[out.len - 1] != '\n'))
		abort();
	buf_done(&out);
	sa_counters_free(ctr);
	sa_snapshot_done(&s);
	return 0;
}
