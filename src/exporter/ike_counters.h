/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IKE message counters from VICI `get-counters` (strongSwan's `counters` plugin): daemon-wide
 * and per connection, invalid messages, invalid SPIs, each exchange's requests and responses
 * in and out, and rekeys. Parsing and rendering only: no I/O, no logging.
 */
#ifndef IKEWATCH_IKE_COUNTERS_H
#define IKEWATCH_IKE_COUNTERS_H

#include "prom/prom_writer.h"
#include "vici/vici_msg.h"

#include <stddef.h>
#include <stdint.h>

/* The counters plugin's counters, in its order (libcharon/plugins/counters/counters_query.h). */
enum ike_counter {
	IKE_CTR_IKE_REKEY_INIT,
	IKE_CTR_IKE_REKEY_RESP,
	IKE_CTR_CHILD_REKEY,
	IKE_CTR_INVALID,
	IKE_CTR_INVALID_SPI,
	IKE_CTR_INIT_IN_REQ, /* then in-resp, out-req, out-resp; likewise for the next three */
	IKE_CTR_AUTH_IN_REQ = IKE_CTR_INIT_IN_REQ + 4,
	IKE_CTR_CREATE_CHILD_IN_REQ = IKE_CTR_AUTH_IN_REQ + 4,
	IKE_CTR_INFO_IN_REQ = IKE_CTR_CREATE_CHILD_IN_REQ + 4,
	IKE_CTR_N = IKE_CTR_INFO_IN_REQ + 4,
};

struct ike_counter_set {
	char *name; /* NULL: the daemon-wide set */
	uint64_t v[IKE_CTR_N];
};

struct ike_counters {
	struct ike_counter_set global;
	bool have_global;
	struct ike_counter_set *conns; /* sorted by name */
	size_t n_conns, cap_conns;
};

void ike_counters_init(struct ike_counters *c);
void ike_counters_reset(struct ike_counters *c);
void ike_counters_done(struct ike_counters *c);

/* The key charon uses for @i ("invalid-spi", "ike-auth-out-resp", ...). */
const char *ike_counter_key(enum ike_counter i);

/* Add the sets of one `get-counters` response (section "counters": "" for the daemon-wide set,
 * else one per connection; a set lacking any counter is malformed). 0; -ENOENT when charon
 * says it has no counters (success = no: the plugin is not loaded); -EBADMSG; -E2BIG over
 * EXPORT_CONNS_MAX connections (the sets before stay); -ENOMEM. */
int ike_counters_add(struct ike_counters *c, const struct vici_msg *m);

/* A connection's set, or NULL. */
const struct ike_counter_set *ike_counters_find(const struct ike_counters *c, const char *conn);

/* ipsec_daemon_ike_* (daemon-wide) and ipsec_ike_* {conn} counter families. */
void ike_counters_write(struct prom_writer *w, const struct ike_counters *c);

#endif
