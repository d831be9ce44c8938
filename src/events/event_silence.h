/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exporter's peer_silent forecast (exporter/sa_foresee.h) fed from the event stream: the
 * IKE request the daemon retransmits unanswered (event_counters_retx(), from charon's log or
 * pluto's), with charon's retransmit settings read once from strongswan.conf
 * (exporter/charon_retx.h), or pluto's per connection. One call for every command that runs
 * both a collector and an events service (serve, textfile).
 */
#ifndef IKEWATCH_EVENT_SILENCE_H
#define IKEWATCH_EVENT_SILENCE_H

#include <stdbool.h>

struct collector;
struct events_service;

/* Register @es as @col's source of unanswered requests, with the retransmission schedule of
 * the daemon read: charon's from @strongswan_conf (NULL: the default path), or with @pluto
 * pluto's, which each scrape reads per connection (exporter/sa_snapshot.h snap_conn.retx;
 * pluto's defaults for a connection whose schedule whack does not show). Logs (info) which
 * settings it assumes and whether they came from the file. */
void event_silence_attach(struct collector *col, struct events_service *es,
                          const char *strongswan_conf, bool pluto);

#endif
