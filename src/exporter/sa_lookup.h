/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the probes ask of the tunnels, answered from a snapshot: pure functions (no VICI, no
 * locks, no clock), so that they are tested on hand-made snapshots. The collector calls them
 * with the last snapshot charon answered, which is what keeps a probe's conn/child labels while
 * charon is down.
 */
#ifndef IKEWATCH_SA_LOOKUP_H
#define IKEWATCH_SA_LOOKUP_H

#include "exporter/sa_snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* The CHILD SA whose remote traffic selectors hold @target: an up CHILD SA first, else a loaded
 * CHILD config (a tunnel that is down is still the tunnel the target is behind). 0 and the names
 * (truncated to the buffers), or -ENOENT. */
int sa_lookup_find_child(const struct sa_snapshot *s, const struct sockaddr *target, char *ret_conn,
                         size_t conn_len, char *ret_child, size_t child_len);

/* Is @source inside the local traffic selectors of an SA of (@conn, @child)? 1 yes, 0 no,
 * -ENOENT no such CHILD SA (or it lists no local selector). */
int sa_lookup_source_in_local_ts(const struct sa_snapshot *s, const char *conn, const char *child,
                                 const struct sockaddr *source);

/* The connections that @prev lists an IKE SA of and @cur lists none of, each once; the first
 * @cap of their names into @ret (pointers into @prev); returns how many there are (may exceed
 * @cap). list-sas with noblock=yes skips an IKE SA that another thread holds at that moment (a
 * DPD, a rekey): these are the connections to ask about again before one reads down. Asked by
 * name, not by the missing SA's unique id: an IKE SA rekeyed since @prev has a new id, and it
 * may be the one that was busy. (A connection that still has an IKE SA reads up either way.) */
size_t sa_lookup_missing_conns(const struct sa_snapshot *prev, const struct sa_snapshot *cur,
                               const char **ret, size_t cap);

/* Does @s list a CHILD SA of (@conn, @child), in any state? */
bool sa_lookup_has_child(const struct sa_snapshot *s, const char *conn, const char *child);

/* The newest (highest) unique id of the CHILD SAs of (@conn, @child) that @s lists, 0 if none: a
 * rekey between two snapshots shows as a new one. */
uint32_t sa_lookup_child_newest(const struct sa_snapshot *s, const char *conn, const char *child);

#endif
