// SPDX-License-Identifier: Apache-2.0
/*
 * pluto's daemon facts for the doctor (see lsw_doctor.h).
 */
#include "libreswan/lsw_doctor.h"

#include "diag/diag_exec.h"

#include <stdio.h>
#include <string.h>

void lsw_doctor_daemon_facts(const struct lsw_global *g, struct doctor_daemon_facts *d)
{
	uint64_t ike, half_open;

	if (lsw_global_get(g, "current.states.ike", &ike) < 0)
		return;
	/* 4.x and 5.x both count half-open IKE SAs (IKE_SA_INIT done, IKE_AUTH not) here */
	if (lsw_global_get(g, "current.states.iketype.halfopen", &half_open) < 0)
		half_open = 0;
	d->sas_read = true;
	d->stats.ike_sas = ike;
	d->stats.ike_sas_half_open = half_open;
}

static void gather(void *ctx, double now, struct doctor_daemon_facts *d)
{
	struct lsw_source *l = ctx;
	struct diag_exec_result r;
	struct lsw_global g;
	char why[160];

	(void)now;
	if (lsw_source_whack(l, "--globalstatus", &r, why, sizeof(why)) < 0)
		return; /* pluto's state was read a moment ago: its absence is already a finding */
	lsw_global_init(&g);
	if (lsw_parse_global(&g, (const char *)r.out.data, r.out.len) == 0)
		lsw_doctor_daemon_facts(&g, d);
	lsw_global_done(&g);
	diag_exec_result_done(&r);
}

/* Our configured lists, as whack --status shows them (lsw_parse_proposals()). */
static int proposals(void *ctx, struct swanctl_conf *ret, char *why, size_t why_len)
{
	struct lsw_source *l = ctx;
	struct diag_exec_result r;
	int err;

	if ((err = lsw_source_whack(l, "--status", &r, why, why_len)) < 0)
		return err;
	err = lsw_parse_proposals((const char *)r.out.data, r.out.len, ret);
	diag_exec_result_done(&r);
	if (err < 0)
		snprintf(why, why_len, "whack --status: %s", strerror(-err));
	return err;
}

void lsw_doctor_source(struct lsw_source *l, struct doctor_daemon_source *ret)
{
	*ret = (struct doctor_daemon_source){
	    .name = "pluto",
	    .where = lsw_source_ctl(l),
	    .collector = lsw_source_collector(l),
	    .gather = gather,
	    .retx_default = SA_RETX_TIMING_PLUTO,
	    .proposals = proposals,
	    .proposal_words = {"whack --status",
	                       {"ike=", "esp=", "ah="},
	                       "ipsec auto --replace",
	                       true},
	    .ctx = l,
	};
}
