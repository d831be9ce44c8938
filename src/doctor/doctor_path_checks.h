/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The data plane judged along the path of the probes (doctor_path.c): the counts doctor read
 * at both ends (its prober, its CHILD SA, and with --peer the peer's paired CHILD SA) go into
 * the ledger, and every drop becomes a finding that names the segment and the direction in an
 * operator's words, with the counters of both ends as evidence. Without a peer, a drop that
 * spans the peer's points says what one end cannot tell. Pure, as doctor_checks.c.
 *
 * Finding ids by segment: before_our_sa, esp_out_lost, beyond_peer, reflector_replies_lost
 * (with the far reflector's count), esp_back_lost, after_our_sa; control_plane_only when every
 * probe came back while IKE goes unanswered; with only one end: dataplane_one_way, dataplane_down
 * (total), dataplane_loss (partial); path_clean when every probe came back. A peer that could not
 * be read: peer_*
 * (--peer), prometheus_* (--prometheus, doctor_prom_checks.c).
 */
#ifndef IKEWATCH_DOCTOR_PATH_CHECKS_H
#define IKEWATCH_DOCTOR_PATH_CHECKS_H

#include "doctor/doctor_facts.h"
#include "doctor/doctor_path.h"
#include "doctor/doctor_report.h"

/* The ledger of @c's probe run (c->probed), with the peer's points when f->peer is OK. */
void doctor_path_ledger(const struct doctor_facts *f, const struct doctor_conn_facts *c,
                        struct path_counts *ret);

/* Findings for @c's probe run and for the peer read beside it. */
void doctor_check_path(struct doctor_report *r, const struct doctor_facts *f,
                       const struct doctor_conn_facts *c);

#endif
