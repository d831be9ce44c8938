// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the parsers of whack's output (src/libreswan/lsw_parse.c). The input is
 * given to each parser whole (--status, then --trafficstatus over the same snapshot, then
 * --globalstatus); checks that every string of the snapshot is NUL-terminated within the label
 * limit, that CHILD SAs sit under IKE SAs the status listed, and that nothing leaks (ASan). The
 * CHILD SAs found are then joined to kernel SAs with their SPIs (exporter/xfrm_join.c, as
 * lsw_source.c does), and again with no kernel read: the counters may not go down; and the
 * first connection's retransmit settings are read (lsw_parse_retx), and the configured
 * algorithm lists converted to charon's notation (lsw_proposals.c).
 */
#include "common/limits.h"
#include "exporter/xfrm_join.h"
#include "libreswan/lsw_parse.h"
#include "libreswan/lsw_proposals.h"
#include "swanctl/swanctl_proposal.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s)
{
	if (!s || strlen(s) > LABEL_VALUE_MAX)
		abort();
}

/* Kernel SAs for the SPIs of @s's CHILD SAs (ESP in, AH out), then the same read of pluto
 * with the kernel read failed: the packets of the first read must stand. */
static void join(struct sa_snapshot *s, size_t size)
{
	struct xfrm_state_info st[16];
	struct xfrm_table t = {.states = st};
	struct xfrm_join j;
	uint64_t before = 0;

	memset(st, 0, sizeof(st));
	for (uint32_t i = 0; i < s->n_ikes; i++)
		for (uint32_t k = 0; k < s->ikes[i].n_children && t.n_states + 2 <= 16; k++) {
			const struct snap_child *c = &s->ikes[i].children[k];

			st[t.n_states++] =
			    (struct xfrm_state_info){.spi = xfrm_child_spi(c->spi_in),
			                             .proto = IPPROTO_ESP,
			                             .packets = size};
			st[t.n_states++] = (struct xfrm_state_info){
			    .spi = xfrm_child_spi(c->spi_out), .proto = IPPROTO_AH, .packets = k};
		}
	xfrm_join_init(&j);
	if (xfrm_join_children(&j, &t, s, NULL) == 0) {
		for (uint32_t i = 0; i < s->n_ikes; i++)
			for (uint32_t k = 0; k < s->ikes[i].n_children; k++) {
				struct sa_totals *tot = &s->ikes[i].children[k].totals;

				if (i == 0 && k == 0)
					before = tot->packets_in;
				tot->packets_in = tot->packets_out = 0;
			}
		if (xfrm_join_children(&j, NULL, s, NULL) == 0 && s->n_ikes &&
		    s->ikes[0].n_children && s->ikes[0].children[0].totals.packets_in != before)
			abort();
	}
	xfrm_join_done(&j);
}

/* The configured lists in charon's notation, and read back by its parser. */
static void proposals(const char *text, size_t size)
{
	struct swanctl_conf c;
	static struct proposal_list l;
	char out[512], why[160];

	/* a converted list is in charon's notation: its parser reads it (or refuses it whole) */
	if (lsw_proposals_to_charon(size & 1, text, size, "MODP_2048", out, sizeof(out)) == 0)
		(void)proposal_list_parse(size & 1 ? PROPOSAL_IKE : PROPOSAL_CHILD, out, &l, "our",
		                          why, sizeof(why));
	if (lsw_parse_proposals(text, size, &c) < 0)
		return;
	for (size_t i = 0; i < c.n_conns; i++) {
		check_str(c.conns[i].name);
		if (c.conns[i].n_children != 1 ||
		    strcmp(c.conns[i].children[0].name, c.conns[i].name))
			abort();
		if (c.conns[i].proposals)
			(void)proposal_list_parse(PROPOSAL_IKE, c.conns[i].proposals, &l, "our",
			                          why, sizeof(why));
	}
	swanctl_conf_done(&c);
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
				check_str(ike->children[j].protocol);
			}
		}
		join(&s, size);
		/* the retransmit settings of the first connection (pluto's own in doctor) */
		if (s.n_conns) {
			struct sa_retx_timing t;

			(void)lsw_parse_retx(text, size, s.conns[0].name, &t);
			if (t.model != SA_RETX_PLUTO || !(t.timeout > 0) || !(t.limit > 0) ||
			    sa_retx_giveup_s(&t) < 0)
				abort();
		}
	}
	sa_snapshot_done(&s);
	proposals(text, size);
	lsw_global_init(&g);
	if (lsw_parse_global(&g, text, size) == 0)
		for (uint32_t i = 0; i < g.n; i++)
			check_str(g.counters[i].name);
	lsw_global_done(&g);
	return 0;
}
