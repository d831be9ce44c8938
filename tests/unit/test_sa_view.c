// SPDX-License-Identifier: Apache-2.0
/*
 * The connection/CHILD grouping (src/exporter/sa_view.c) over many connections: its index by
 * name grows from 64 slots on, and every IKE SA must still land in its connection, each
 * connection once, in the order of first appearance (configured ones first).
 */
#include "test.h"

#include "exporter/sa_snapshot.h"
#include "exporter/sa_view.h"
#include "vici/vici_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_built(struct sa_snapshot *s, struct vici_builder *b, char kind)
{
	struct vici_msg m = {0};
	uint8_t *pkt;
	size_t len;
	int err;

	if ((err = vici_build_finish(b, &pkt, &len)) < 0)
		return err;
	if ((err = vici_msg_decode(&m, pkt + 4, len - 4)) == 0)
		err = kind == 's' ? sa_snapshot_add_ike(s, &m) : sa_snapshot_add_conn(s, &m);
	vici_msg_done(&m);
	free(pkt);
	return err;
}

/* Connection i's name: some share long prefixes, some are prefixes of others. */
static void conn_name(char *out, size_t cap, unsigned i)
{
	snprintf(out, cap, i % 3 ? "gw-%u" : "site-with-a-long-common-prefix-%u", i);
}

#define N_CONF 150 /* configured: list-conns */
#define N_ALL 400  /* the others appear only in list-sas */

static void many_conns_grouped_in_order(void)
{
	struct sa_snapshot s;
	struct sa_view v;
	struct vici_builder b;
	char name[64], id[16];

	sa_snapshot_init(&s);
	for (unsigned i = 0; i < N_CONF; i++) {
		conn_name(name, sizeof(name), i);
		vici_build_init(&b, VICI_PKT_EVENT, "list-conn");
		vici_build_section_start(&b, name);
		vici_build_section_end(&b);
		T_EQ_INT(add_built(&s, &b, 'c'), 0);
	}
	/* IKE SAs from the last connection down to the first, every third one twice: the
	 * unconfigured ones appear in this order */
	for (unsigned k = 0, uid = 1; k < N_ALL; k++) {
		unsigned i = N_ALL - 1 - k;

		for (unsigned rep = 0; rep < (i % 3 ? 1u : 2u); rep++) {
			conn_name(name, sizeof(name), i);
			snprintf(id, sizeof(id), "%u", uid++);
			vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
			vici_build_section_start(&b, name);
			vici_build_kv_str(&b, "uniqueid", id);
			vici_build_kv_str(&b, "state", "ESTABLISHED");
			vici_build_section_end(&b);
			T_EQ_INT(add_built(&s, &b, 's'), 0);
		}
	}
	T_EQ_INT(sa_view_build(&s, &v), 0);
	T_EQ_INT(v.n_conns, N_ALL);
	for (unsigned j = 0; j < v.n_conns; j++) {
		/* configured first in list-conns order, then the rest by first IKE SA */
		unsigned i = j < N_CONF ? j : N_ALL - 1 - (j - N_CONF);

		conn_name(name, sizeof(name), i);
		T_EQ_STR(v.conns[j].name, name);
		T_EQ_INT(v.conns[j].configured, i < N_CONF);
		T_EQ_INT(v.conns[j].n_ikes, i % 3 ? 1 : 2);
		T_ASSERT(v.conns[j].up);
		T_EQ_STR(v.conns[j].best->conn, name);
	}
	sa_view_done(&v);
	sa_snapshot_done(&s);
}

TEST_MAIN("sa_view", TEST(many_conns_grouped_in_order))
