// SPDX-License-Identifier: Apache-2.0
/*
 * The configured proposals as metrics (contract in conn_proposals.h). The algorithm family
 * comes from the same parse of each list that doctor's comparison makes, so a name on /metrics
 * is the name a comparison would use.
 */
#include "exporter/conn_proposals.h"

#include "swanctl/swanctl_proposal.h"

#include <errno.h>
#include <stdlib.h>

struct cp_row {
	const char *conn, *child, *exchange, *proposals; /* proposals NULL: "default" */
	enum proposal_kind kind;
};

static void info(struct prom_writer *w, const struct cp_row *r)
{
	prom_sample(
	    w,
	    (struct prom_label[]){PROM_LABEL("conn", r->conn), PROM_LABEL("child", r->child),
	                          PROM_LABEL("exchange", r->exchange),
	                          PROM_LABEL("proposals", r->proposals ? r->proposals : "default")},
	    4, 1);
}

static void algorithms(struct prom_writer *w, const struct cp_row *r, struct proposal_list *l)
{
	const char *algs[PROPOSALS_MAX * PROPOSAL_ALGS_MAX];
	char why[200];

	if (!r->proposals ||
	    proposal_list_parse(r->kind, r->proposals, l, "", why, sizeof(why)) < 0)
		return;
	for (int t = 0; t < PROPOSAL_T_COUNT; t++) {
		size_t n = proposal_list_union(l, (enum proposal_transform)t, algs,
		                               sizeof(algs) / sizeof(algs[0]));

		for (size_t i = 0; i < n && i < sizeof(algs) / sizeof(algs[0]); i++)
			prom_sample(w,
			            (struct prom_label[]){
			                PROM_LABEL("conn", r->conn), PROM_LABEL("child", r->child),
			                PROM_LABEL("exchange", r->exchange),
			                PROM_LABEL("transform", proposal_transform_key(
			                                            (enum proposal_transform)t)),
			                PROM_LABEL("algorithm", algs[i])},
			            5, 1);
	}
}

/* Every row of @conf to @fn, in file order: a connection's IKE row, then its CHILD rows. */
static void each_row(const struct swanctl_conf *conf, struct prom_writer *w,
                     struct proposal_list *l, char *buf, size_t cap,
                     void (*fn)(struct prom_writer *, const struct cp_row *,
                                struct proposal_list *))
{
	for (size_t i = 0; i < conf->n_conns; i++) {
		const struct swanctl_conn *c = &conf->conns[i];
		struct cp_row r = {c->name, "", "ike", c->proposals, PROPOSAL_IKE};

		fn(w, &r, l);
		for (size_t j = 0; j < c->n_children; j++) {
			r = (struct cp_row){c->name, c->children[j].name, "child",
			                    swanctl_child_proposals(&c->children[j], buf, cap),
			                    PROPOSAL_CHILD};
			fn(w, &r, l);
		}
	}
}

static void info_row(struct prom_writer *w, const struct cp_row *r, struct proposal_list *l)
{
	(void)l;
	info(w, r);
}

int conn_proposals_write(struct prom_writer *w, const struct swanctl_conf *conf)
{
	struct {
		struct proposal_list l;
		char buf[2 * SWANCTL_VALUE_MAX + 2]; /* esp_proposals "," ah_proposals */
	} *sp = NULL;

	prom_family(w, "ipsec_conn_proposals_info", PROM_GAUGE,
	            "The proposals configured in swanctl.conf for a connection's IKE SA "
	            "(exchange=\"ike\", child=\"\") or a CHILD config (exchange=\"child\"); "
	            "\"default\" when none are configured.");
	if (conf) {
		sp = malloc(sizeof(*sp));
		if (!sp)
			return -ENOMEM;
		each_row(conf, w, &sp->l, sp->buf, sizeof(sp->buf), info_row);
	}
	prom_family(w, "ipsec_conn_proposal_algorithm_info", PROM_GAUGE,
	            "Each algorithm that the configured proposals of a connection or CHILD config "
	            "offer, per transform type (encr, integ, prf, ke, esn; ke=\"none\": a CHILD "
	            "proposal without PFS), aliases folded; none for \"default\".");
	if (conf)
		each_row(conf, w, &sp->l, sp->buf, sizeof(sp->buf), algorithms);
	free(sp);
	return 0;
}
