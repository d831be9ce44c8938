// SPDX-License-Identifier: Apache-2.0
/*
 * The peer is silent on IKE while ESP flows (contract in doctor_silent.h). The forecast itself
 * is exporter/sa_foresee.c's, fed with what doctor read, so doctor and the metric agree.
 */
#include "doctor/doctor_silent.h"

#include "doctor/doctor_facts.h"
#include "doctor/doctor_report.h"
#include "exporter/charon_retx.h"
#include "exporter/sa_foresee.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

void doctor_silent_findings(struct doctor_report *r, const struct doctor_facts *f,
                            const struct doctor_conn_facts *c)
{
	const struct doctor_log_facts *l = &c->log;
	struct snap_child kids[DOCTOR_CHILDREN_MAX];
	struct snap_ike ike = {.conn = c->name,
	                       .state = c->ike_state,
	                       .rekey_time = c->rekey_time,
	                       .reauth_time = c->reauth_time,
	                       .children = kids};
	struct sa_snapshot s = {.now = f->now};
	struct sa_silence q;
	struct sa_forecast fc;
	struct doctor_finding *d;
	const struct doctor_child_facts *esp = NULL;
	char timing[120];
	double giveup;

	if (!f->log_read || !l->retx_outstanding || !l->retx_count || l->retx_silent_s < 0)
		return;
	for (uint32_t i = 0; i < c->n_children && i < DOCTOR_CHILDREN_MAX; i++) {
		const struct doctor_child_facts *ch = &c->children[i];

		kids[ike.n_children++] =
		    (struct snap_child){.name = ch->name, .state = ch->state, .use_in = ch->use_in};
		if (ch->up && ch->use_in != SNAP_NONE && (!esp || ch->use_in < esp->use_in))
			esp = ch;
	}
	q = (struct sa_silence){0, f->now - l->retx_silent_s, l->retx_count};
	if (!esp || !sa_foresee_silent(&s, &ike, &q, &c->retx, &fc))
		return;
	giveup = q.first_sent + sa_retx_giveup_s(&c->retx) - f->now;
	d = doctor_add(r, "peer_silent", c->name, DOCTOR_SEV_CRIT, 94,
	               "the IKE SA %s will fail in about %.0f s: the peer stopped answering IKE "
	               "although its ESP still arrives",
	               c->name, fmax(0, fc.fail_at - f->now));
	doctor_evidence(d, "peer silent for %.0f s, %u retransmits, %s gives up in about %.0f s",
	                l->retx_silent_s, l->retx_count, f->daemon_name, fmax(0, giveup));
	doctor_evidence(d,
	                "ESP still arrives: the last inbound packet on %s/%s %" PRId64
	                " s ago, %" PRIu64 " packets in on that CHILD SA",
	                c->name, esp->name, esp->use_in, esp->packets_in);
	charon_retx_describe(&c->retx, timing, sizeof(timing));
	doctor_evidence(d, "%s", timing);
	if (fc.fail_at < q.first_sent + sa_retx_giveup_s(&c->retx) - 0.5)
		doctor_evidence(
		    d, "the IKE SA's next rekey or reauthentication comes first, in %.0f s",
		    fc.fail_at - f->now);
	doctor_next(d,
	            "the peer's IKE (UDP 500, and 4500 with the non-ESP marker) does not reach us "
	            "while its ESP does: check firewalls and NAT between us and %s",
	            c->remote_addrs[0] ? c->remote_addrs : "the peer");
	doctor_next(d, "ikewatch doctor %s --peer http://<peer>:9917/metrics   # the peer's side",
	            c->name);
	/* the probes that came back through the tunnel say the same from the data plane: one
	 * finding with both evidences, not two critical ones (the path checks ran before) */
	doctor_fold(r, d, "control_plane_only", c->name);
}
