/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pluto for `ikewatch doctor` (and the doctor.json of `ikewatch diag`): a struct
 * doctor_daemon_source whose collector source is lsw_source's (the SAs and connections, read
 * from whack --status and --trafficstatus like serve does) and whose daemon facts come from
 * whack --globalstatus: the IKE SAs and half-open IKE SAs now, which the doctor judges with the
 * same check as charon's `stats`. It lives here, above doctor, so that doctor never includes
 * libreswan (scripts/checksrc's layers); the command wires it.
 */
#ifndef IKEWATCH_LSW_DOCTOR_H
#define IKEWATCH_LSW_DOCTOR_H

#include "doctor/doctor_gather.h"
#include "libreswan/lsw_parse.h"
#include "libreswan/lsw_source.h"

/* @ret reads through @l, which must outlive it. */
void lsw_doctor_source(struct lsw_source *l, struct doctor_daemon_source *ret);

/* --globalstatus counters into the daemon facts (pure: for the unit tests): sas_read and the
 * IKE SA counts when @g has current.states.ike. */
void lsw_doctor_daemon_facts(const struct lsw_global *g, struct doctor_daemon_facts *d);

#endif
