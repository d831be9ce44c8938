// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the XFRM netlink codec and the kernel metrics: the input is a stream of
 * netlink messages (as one dump datagram holds them), each parsed as an SA and as a policy and
 * added to a table, which is then joined to a small fixed snapshot (one CHILD SA with SPIs 1
 * and 2, reqid 1) and rendered twice (the second time folds the first into the carried
 * counters). The same table is also joined to a copy of that CHILD SA as a Libreswan read joins
 * it (exporter/xfrm_join.h: packets, reqid, last use from XFRMA_LASTUSED), which must leave
 * its last uses absent or not negative. The output must be complete text.
 * Seeds (fuzz/corpus/xfrm_msg/): SAs with keys in every key attribute and policies built from
 * the UAPI structs as tests/unit/test_xfrm.c builds them, and a policy dump read from a lab
 * namespace's kernel.
 */
#include "exporter/xfrm_join.h"
#include "exporter/xfrm_metrics.h"

#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snap_child child = {.name = "net",
	                                  .reqid = 1,
	                                  .spi_in = "00000001",
	                                  .spi_out = "00000002",
	                                  .state = "INSTALLED"};
	static struct snap_ike ike = {
	    .conn = "c", .state = "ESTABLISHED", .children = &child, .n_children = 1};
	static struct snap_conn conn = {.name = "c"};
	struct sa_snapshot s = {.ikes = &ike, .n_ikes = 1, .conns = &conn, .n_conns = 1};
	struct xfrm_table t = {0};
	struct xfrm_metrics x;
	size_t off = 0;

	while (size - off >= sizeof(struct nlmsghdr)) {
		struct xfrm_state_info st;
		struct xfrm_policy_info p;
		struct nlmsghdr h;
		size_t len;

		memcpy(&h, data + off, sizeof(h));
		len =
		    h.nlmsg_len < sizeof(h) || h.nlmsg_len > size - off ? size - off : h.nlmsg_len;
		(void)xfrm_msg_parse_state(data + off, len, &st);
		if (xfrm_msg_parse_policy(data + off, len, &p) == 0 &&
		    p.n_tmpl > XFRM_INFO_TMPL_MAX)
			abort();
		if (xfrm_table_add(&t, data + off, len) < 0)
			abort();
		off += NLMSG_ALIGN(len) < size - off ? NLMSG_ALIGN(len) : size - off;
	}
	{
		struct snap_child c = child;
		struct snap_ike i = ike;
		struct sa_snapshot js = {.ikes = &i, .n_ikes = 1, .now = 1765000000};
		struct xfrm_join j;

		c.use_in = c.use_out = SNAP_NONE;
		i.children = &c;
		xfrm_join_init(&j);
		for (int round = 0; round < 2; round++)
			if (xfrm_join_children(&j, round ? NULL : &t, &js, NULL) == 0 &&
			    ((c.use_in != SNAP_NONE && c.use_in < 0) ||
			     (c.use_out != SNAP_NONE && c.use_out < 0)))
				abort();
		xfrm_join_done(&j);
	}
	xfrm_metrics_init(&x);
	for (int round = 0; round < 2; round++) {
		struct prom_writer w;
		struct buf out;

		buf_init(&out, 16u << 20);
		prom_writer_init(&w, &out);
		if (xfrm_metrics_write(&w, &x, &t, &s, NULL) == 0 && out.err == 0 &&
		    (out.len == 0 || out.data[out.len - 1] != '\n'))
			abort();
		buf_done(&out);
		if (t.n_states)
			t.n_states--; /* an SA goes away: its counters are carried */
	}
	xfrm_metrics_done(&x);
	xfrm_table_done(&t);
	return 0;
}
