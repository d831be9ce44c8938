/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The finding for a Prometheus (`doctor --prometheus`) that could not be used: what it did
 * (unreachable, too slow, an error, no series of either end, series that are not one
 * gateway's, no scrape after the run), in the prometheus_* ids. The verdict is then the one of
 * our end alone (doctor_path_checks.c). Pure.
 */
#ifndef IKEWATCH_DOCTOR_PROM_CHECKS_H
#define IKEWATCH_DOCTOR_PROM_CHECKS_H

#include "doctor/doctor_facts.h"
#include "doctor/doctor_report.h"

/* The finding for @p's status (not OK, not NONE), or NULL for a status it does not know. */
struct doctor_finding *doctor_prom_finding(struct doctor_report *r,
                                           const struct doctor_peer_facts *p,
                                           const struct doctor_conn_facts *c,
                                           const char *peer_name);

#endif
