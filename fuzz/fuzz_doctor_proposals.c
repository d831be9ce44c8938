// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for reading the peer's configured proposals and SAs out of its /metrics
 * (src/doctor/doctor_proposals.c doctor_proposals_judge_peer): whatever the peer sends, no
 * crash, no leak, bounded rows, terminated strings, and an error text whenever it is refused.
 */
#include "doctor/doctor_proposals.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doctor_proposal_facts *pf = calloc(1, sizeof(*pf));
	enum doctor_peer_status st;

	if (!pf)
		return 0;
	st = doctor_proposals_judge_peer((const char *)data, size, pf);
	if (pf->n_rows > DOCTOR_PEER_PROPOSALS_MAX || (st != DOCTOR_PEER_OK && !pf->peer_error[0]))
		abort();
	for (size_t i = 0; i < pf->n_rows; i++)
		if (!memchr(pf->rows[i].proposals, '\0', sizeof(pf->rows[i].proposals)))
			abort();
	doctor_proposal_facts_free(pf);
	return 0;
}
