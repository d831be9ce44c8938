/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte and packet counters per (connection, CHILD config) that never go backwards. charon's
 * counters belong to one CHILD SA and restart at zero on every rekey; this keeps the last values
 * seen of every CHILD SA (by unique id) and, when an SA goes away, adds them to a carried
 * total. Final values reported by child-rekey / child-updown events (sa_counters_retire) are
 * merged with the scraped ones, before and after the event, counter by counter (the larger is
 * the later reading), so neither the traffic between the last scrape and the event nor what
 * the old SA still passes after it (a rekey's responder until the DELETE) is lost.
 * Thread-safe: scrapes update, the event thread retires.
 */
#ifndef IKEWATCH_SA_COUNTERS_H
#define IKEWATCH_SA_COUNTERS_H

#include "exporter/sa_snapshot.h"

#include <stdint.h>

struct sa_counters;

struct sa_counters *sa_counters_new(void);
void sa_counters_free(struct sa_counters *c);

/* Fold one scrape's CHILD SAs in. 0 or -ENOMEM. */
int sa_counters_update(struct sa_counters *c, const struct sa_snapshot *s);
/* Monotonic totals for (conn, child); zeros for a pair never seen. */
void sa_counters_get(struct sa_counters *c, const char *conn, const char *child,
                     struct sa_totals *ret);
/* A CHILD SA ended (rekeyed away or deleted) with these final counters. */
int sa_counters_retire(struct sa_counters *c, const char *conn, const char *child,
                       uint32_t uniqueid, const struct sa_totals *final);
/* Number of CHILD SAs currently live (listed by the last scrape), for the bench and tests. */
uint32_t sa_counters_tracked(struct sa_counters *c);

#endif
