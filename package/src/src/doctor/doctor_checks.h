/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The doctor's judgement: facts in, findings out, each with a likelihood score so that
 * doctor_rank() puts the cause an operator should look at first on top. Pure: no I/O, no
 * logging, no clock (the facts carry "now"), so every lab fault is a unit test of a struct.
 *
 * Scores (likelihood, 0..100), highest first: a control plane that names its own failure
 * (AUTHENTICATION_FAILED, NO_PROPOSAL_CHOSEN, ...) 95; a peer that does not answer 92; a data
 * plane that carries nothing back 90; an MTU black hole 88; a CHILD SA missing under a live IKE
 * SA 85; expired certificates 80; lesser trouble 40-70; plain facts (state, NAT-T, lifetimes,
 * proposals) below 15.
 */
#ifndef IKEWATCH_DOCTOR_CHECKS_H
#define IKEWATCH_DOCTOR_CHECKS_H

#include "doctor/doctor_facts.h"
#include "doctor/doctor_report.h"

/* Certificates expiring sooner than this are worth a warning. */
#define DOCTOR_CERT_WARN_S (14 * 86400)

/* Judge @f for connection @only (NULL: every connection) into @r, then rank @r. */
void doctor_diagnose(const struct doctor_facts *f, const char *only, struct doctor_report *r);

#endif
