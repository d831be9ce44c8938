// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for swanctl.conf's settings grammar (src/swanctl/swanctl_conf.c) and the
 * proposal lists it keeps (swanctl_proposal.c): whatever the bytes, no crash, no leak, a
 * NUL-terminated error, and every kept list goes through the proposal parser as the exporter
 * reads it.
 */
#include "swanctl/swanctl_conf.h"
#include "swanctl/swanctl_proposal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void proposals(struct proposal_list *l, enum proposal_kind k, const char *s)
{
	const char *algs[8];
	char why[200];

	if (s && proposal_list_parse(k, s, l, "our", why, sizeof(why)) == 0)
		for (int t = 0; t < PROPOSAL_T_COUNT; t++)
			proposal_list_union(l, (enum proposal_transform)t, algs, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proposal_list *l = malloc(sizeof(*l));
	struct swanctl_conf c;
	char err[256], buf[2 * SWANCTL_VALUE_MAX + 2];

	if (!l)
		return 0;
	if (swanctl_conf_parse((const char *)data, size, &c, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < c.n_conns; i++) {
			proposals(l, PROPOSAL_IKE, c.conns[i].proposals);
			for (size_t j = 0; j < c.conns[i].n_children; j++)
				proposals(l, PROPOSAL_CHILD,
				          swanctl_child_proposals(&c.conns[i].children[j], buf,
				                                  sizeof(buf)));
		}
		swanctl_conf_done(&c);
	} else if (!memchr(err, '\0', sizeof(err))) {
		abort();
	}
	free(l);
	return 0;
}
