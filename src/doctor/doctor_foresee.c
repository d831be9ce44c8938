// SPDX-License-Identifier: Apache-2.0
/*
 * Proposal agreement for the next rekey (contract in doctor_foresee.h). Each side's list is
 * parsed into proposals by swanctl/swanctl_proposal.h (aliases folded there, for the exporter
 * too); then every pair (ours, theirs) is tried as charon's proposal selection does.
 */
#include "doctor/doctor_foresee.h"

#include "doctor/doctor_facts.h"
#include "doctor/doctor_proposals.h"
#include "doctor/doctor_silent.h"
#include "doctor/doctor_report.h"
#include "exporter/sa_foresee.h"
#include "swanctl/swanctl_proposal.h"

#include <inttypes.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fs_meet(const struct proposal *a, const struct proposal *b, enum proposal_transform t)
{
	if (a->n[t] == 0 && b->n[t] == 0)
		return true; /* not part of this exchange */
	for (unsigned i = 0; i < a->n[t]; i++)
		for (unsigned j = 0; j < b->n[t]; j++)
			if (strcmp(a->alg[t][i], b->alg[t][j]) == 0)
				return true;
	return false;
}

enum foresee_verdict foresee_proposals(enum foresee_exchange x, const char *ours,
                                       const char *theirs, struct foresee_result *ret)
{
	enum proposal_kind k = x == FORESEE_IKE_REKEY ? PROPOSAL_IKE : PROPOSAL_CHILD;
	struct proposal_list *us = calloc(2, sizeof(*us)), *them;
	bool met[PROPOSAL_T_COUNT] = {false};

	memset(ret, 0, sizeof(*ret));
	ret->transform = PROPOSAL_T_NONE;
	ret->verdict = FORESEE_UNKNOWN;
	if (!us) {
		snprintf(ret->reason, sizeof(ret->reason), "out of memory");
		return ret->verdict;
	}
	them = us + 1;
	if (proposal_list_parse(k, ours, us, "our", ret->reason, sizeof(ret->reason)) < 0 ||
	    proposal_list_parse(k, theirs, them, "the peer's", ret->reason, sizeof(ret->reason)) <
	        0)
		goto out;
	for (unsigned i = 0; i < us->n; i++) {
		for (unsigned j = 0; j < them->n; j++) {
			bool all = true;

			for (int t = 0; t < PROPOSAL_T_COUNT; t++) {
				bool m =
				    fs_meet(&us->p[i], &them->p[j], (enum proposal_transform)t);

				met[t] |= m;
				all &= m;
			}
			if (all) {
				ret->verdict = FORESEE_AGREE;
				snprintf(ret->reason, sizeof(ret->reason),
				         "our proposal %u and the peer's proposal %u agree", i + 1,
				         j + 1);
				goto out;
			}
		}
	}
	ret->verdict = FORESEE_FAIL;
	for (int t = 0; t < PROPOSAL_T_COUNT; t++) {
		if (met[t])
			continue;
		ret->transform = (enum proposal_transform)t;
		proposal_list_join(us, ret->transform, ret->ours, sizeof(ret->ours));
		proposal_list_join(them, ret->transform, ret->theirs, sizeof(ret->theirs));
		snprintf(ret->reason, sizeof(ret->reason), "no %s in common (we: %s, peer: %s)",
		         proposal_transform_name(ret->transform), ret->ours, ret->theirs);
		goto out;
	}
	snprintf(ret->reason, sizeof(ret->reason),
	         "each transform type has an algorithm in common, but no proposal of ours matches "
	         "one of the peer's on all of them");
out:
	free(us);
	return ret->verdict;
}

void doctor_foresee_findings(struct doctor_report *r, const struct doctor_facts *f,
                             const struct doctor_conn_facts *c)
{
	struct sa_snapshot now = {.now = f->now};

	if (!f->charon_up || !c->up)
		return;
	doctor_proposals_findings(r, f, c);
	doctor_silent_findings(r, f, c);
	for (uint32_t i = 0; i < c->n_children; i++) {
		const struct doctor_child_facts *ch = &c->children[i];
		struct snap_child sc = {.name = ch->name,
		                        .state = ch->state,
		                        .rekey_time = ch->rekey_time,
		                        .life_time = ch->life_time};
		struct sa_forecast fc;
		struct doctor_finding *d;

		if (!ch->up || !sa_foresee_child(&now, &sc, &fc) ||
		    fc.reason != SA_FORESEE_LIFETIME)
			continue;
		if (ch->rekey_time != SNAP_NONE)
			d = doctor_add(r, "rekey_will_fail", c->name, DOCTOR_SEV_WARN, 60,
			               "the next CHILD rekey of %s/%s in %" PRId64
			               " s will fail: the SA expires first, in %" PRId64 " s",
			               c->name, ch->name, ch->rekey_time, ch->life_time);
		else
			d = doctor_add(r, "rekey_will_fail", c->name, DOCTOR_SEV_WARN, 60,
			               "CHILD SA %s/%s expires in %" PRId64
			               " s and is never rekeyed: it will go down",
			               c->name, ch->name, ch->life_time);
		if (ch->rekey_time != SNAP_NONE)
			doctor_evidence(d,
			                "list-sas: rekey due in %" PRId64
			                " s, hard lifetime ends in %" PRId64 " s",
			                ch->rekey_time, ch->life_time);
		else
			doctor_evidence(
			    d, "list-sas: no rekey scheduled, hard lifetime ends in %" PRId64 " s",
			    ch->life_time);
		if (ch->cfg_rekey_time != SNAP_NONE)
			doctor_evidence(
			    d,
			    "configured rekey_time %" PRId64
			    " s: life_time must be above it (default rekey_time + 10 %%)",
			    ch->cfg_rekey_time);
		doctor_next(d,
		            "swanctl --list-conns   # then raise life_time of %s above rekey_time",
		            ch->name);
	}
}
