/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exporter's peer_silent forecast (exporter/sa_foresee.h) fed from the event stream: the
 * IKE request charon retransmits unanswered (event_counters_retx()), with charon's retransmit
 * settings read once from strongswan.conf (exporter/charon_retx.h). One call for every command
 * that runs both a collector and an events service (serve, textfile).
 */
#ifndef IKEWATCH_EVENT_SILENCE_H
#define IKEWATCH_EVENT_SILENCE_H

struct collector;
struct events_service;

/* Register @es as @col's source of unanswered requests; @strongswan_conf NULL: the default
 * path. Logs (info) which retransmit settings it assumes and whether they came from the file. */
void event_silence_attach(struct collector *col, struct events_service *es,
                          const char *strongswan_conf);

#endif
