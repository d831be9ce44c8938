// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the VICI event stream's dispatch (events/event_stream.c): every input is
 * decoded as one VICI packet and dispatched as an event, so that ike-updown, child-updown,
 * child-rekey and log events of any shape reach the counters, the CHILD SA parser the stream
 * shares with the snapshot, and the SA counter store that ended CHILD SAs are retired into.
 * The event counters must then render complete text.
 * Seeds: the recorded event sessions (fuzz/corpus/event_stream/).
 */
#include "events/event_stream.h"
#include "prom/prom_writer.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vici_msg m;
	struct event_counters *ec;
	struct sa_counters *sac;
	struct sa_totals t;
	struct prom_writer w;
	struct buf out;

	if (vici_msg_decode(&m, data, size) != 0)
		return 0;
	ec = event_counters_new();
	sac = sa_counters_new();
	if (!ec || !sac)
		abort();
	(void)event_stream_dispatch(ec, &m, 1700000000.0, sac);
	sa_counters_get(sac, "a-b", "net", &t);
	buf_init(&out, 16u << 20);
	prom_writer_init(&w, &out);
	event_counters_write_metrics(ec, &w);
	if (out.err == 0 && (out.len == 0 || out.data[out.len - 1] != '\n'))
		abort();
	buf_done(&out);
	sa_counters_free(sac);
	event_counters_free(ec);
	return 0;
}
