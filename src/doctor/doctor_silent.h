/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A peer that stops answering IKE while its ESP still arrives looks like a dead peer from one
 * end, until charon's retransmissions give up (or the next rekey needs IKE) and the tunnel goes
 * down although both gateways live. From charon's log (the newest request retransmitted and
 * unanswered, since when) and list-sas (a CHILD SA's last inbound packet after that request
 * left), doctor foresees when it fails, the same verdict as
 * ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{reason="peer_silent"}
 * (exporter/sa_foresee.h), with charon's retransmit settings (exporter/charon_retx.h).
 */
#ifndef IKEWATCH_DOCTOR_SILENT_H
#define IKEWATCH_DOCTOR_SILENT_H

struct doctor_report;
struct doctor_facts;
struct doctor_conn_facts;

/* The peer_silent finding for connection @c (up), if its facts show it. */
void doctor_silent_findings(struct doctor_report *r, const struct doctor_facts *f,
                            const struct doctor_conn_facts *c);

#endif
