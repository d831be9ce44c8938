/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What one end can tell alone about its next rekey: will it fail, and when? From one scrape's
 * snapshot (list-sas, list-conns) and the loaded certificates (list-certs):
 *   lifetime       the CHILD SA's hard lifetime ends before (or when) it is due to rekey, so it
 *                  expires instead (life_time <= rekey_time, or no rekey at all);
 *   rekey_overdue  the rekey (or reauthentication) time has passed and the SA is still the
 *                  current one: the exchange is failing or stuck; a CHILD SA then fails for good
 *                  at its hard lifetime, an IKE SA now;
 *   cert_expiry    the connection authenticates with a certificate of ours that expires before
 *                  the IKE SA's next reauthentication (or its next rekey when reauth is off);
 *   peer_silent    the daemon retransmits an IKE request that the peer leaves unanswered, while
 *                  ESP from the peer still arrives on the IKE SA's CHILD SAs (the peer is alive,
 *                  its IKE does not reach us): the IKE SA fails when the retransmissions give
 *                  up (charon: retransmit_timeout * sum of retransmit_base^i, i = 0..tries, from
 *                  the first send, about 165 s with its defaults; pluto: sa_retx_giveup_s(), 64 s
 *                  with its defaults), or at its next rekey or reauthentication if that comes
 *                  first.
 * What needs both ends (proposals with nothing in common) is src/doctor/doctor_foresee.h.
 * Pure: the metrics (ipsec_*_rekey_failure_expected_timestamp_seconds) and doctor's findings
 * both come from here, so they always agree.
 */
#ifndef IKEWATCH_SA_FORESEE_H
#define IKEWATCH_SA_FORESEE_H

#include "exporter/sa_snapshot.h"

#include <stdbool.h>

enum sa_foresee_reason {
	SA_FORESEE_NONE,
	SA_FORESEE_LIFETIME,
	SA_FORESEE_REKEY_OVERDUE,
	SA_FORESEE_CERT_EXPIRY,
	SA_FORESEE_PEER_SILENT,
};

/* struct sa_retx_timing (a daemon's retransmission schedule) is in sa_snapshot.h: pluto gives
 * one per connection (snap_conn.retx). */

/* Seconds from a request's first send until the daemon gives up on it. */
double sa_retx_giveup_s(const struct sa_retx_timing *t);

/* An IKE request of the connection that the daemon retransmits and the peer has not answered. */
struct sa_silence {
	uint32_t ike_id;   /* the IKE SA's unique id, 0 unknown (then any of the connection) */
	double first_sent; /* wall clock, seconds since the epoch */
	uint32_t retransmits;
	/* when the daemon said it would retransmit again or give up, 0 unknown. pluto logs both but
	 * not every answer (a liveness request's): past this time by SA_SILENCE_SLACK_S with
	 * neither seen, the peer answered */
	double next_by;
};
#define SA_SILENCE_SLACK_S 3.0

struct sa_forecast {
	enum sa_foresee_reason reason;
	double fail_at;        /* expected time of failure, seconds since the epoch */
	double exchange_at;    /* when the exchange that fails is due (rekey, reauth, expiry) */
	double cert_not_after; /* for SA_FORESEE_CERT_EXPIRY */
};

/* The label value of a reason: "lifetime", "rekey_overdue", "cert_expiry", "peer_silent" (""
 * for none). */
const char *sa_foresee_reason_name(enum sa_foresee_reason r);

/* A CHILD SA (of an IKE SA in @s). False (and reason NONE) when nothing is expected to fail or
 * the SA is not the current one (rekeyed, deleted). */
bool sa_foresee_child(const struct sa_snapshot *s, const struct snap_child *c,
                      struct sa_forecast *ret);

/* An IKE SA of connection @conn (NULL when not loaded: no certificate check); @certs is the
 * list-certs snapshot (may be NULL). Certificate expiry is checked first: it is the cause. */
bool sa_foresee_ike(const struct sa_snapshot *s, const struct snap_ike *ike,
                    const struct snap_conn *conn, const struct sa_snapshot *certs,
                    struct sa_forecast *ret);

/* Where the exporter learns of unanswered requests (the event stream's log, src/events): the
 * newest one of connection @conn into *ret, false when none. */
struct sa_silence_source {
	bool (*lookup)(void *ctx, const char *conn, struct sa_silence *ret);
	void *ctx;
	struct sa_retx_timing timing;
};

/* peer_silent for IKE SA @ike and the unanswered request @q: true when ESP arrived on one of
 * its CHILD SAs after the request was first sent (use_in: list-sas, or the kernel SA for pluto)
 * and @q is not known to be answered (next_by); ret->fail_at is the earlier of the give-up, by
 * the schedule of @ike's connection where the daemon gives one (snap_conn.retx) or else @t,
 * and the next rekey or reauthentication. */
bool sa_foresee_silent(const struct sa_snapshot *s, const struct snap_ike *ike,
                       const struct sa_silence *q, const struct sa_retx_timing *t,
                       struct sa_forecast *ret);

#endif
