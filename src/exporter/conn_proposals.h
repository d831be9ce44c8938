/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proposals each connection and CHILD config is configured with (from swanctl.conf, since
 * strongSwan 5.9's list-conns does not report them), as two info families:
 *   ipsec_conn_proposals_info{conn, child, exchange, proposals} 1
 *       exchange "ike" (child "") for a connection's IKE proposals, "child" for a CHILD
 *       config's esp_proposals (and ah_proposals, joined with ","); proposals the configured
 *       string, "default" when none is configured;
 *   ipsec_conn_proposal_algorithm_info{conn, child, exchange, transform, algorithm} 1
 *       the union over those proposals of each transform type (encr, integ, prf, ke, esn),
 *       aliases folded by swanctl/swanctl_proposal.h as doctor compares them; ke "none" for a
 *       CHILD proposal without PFS; nothing for a list that is or names "default", or that
 *       cannot be read.
 * One series per configured connection or CHILD config, and per algorithm: bounded by the
 * parser's limits (swanctl_conf.h) and the proposal parser's.
 */
#ifndef IKEWATCH_CONN_PROPOSALS_H
#define IKEWATCH_CONN_PROPOSALS_H

#include "prom/prom_writer.h"
#include "swanctl/swanctl_conf.h"

/* Both families from @conf; NULL (no file, or it cannot be read): the families' metadata and no
 * series. -ENOMEM or 0. */
int conn_proposals_write(struct prom_writer *w, const struct swanctl_conf *conf);

#endif
