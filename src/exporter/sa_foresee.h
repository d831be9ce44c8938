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
 *   peer_silent    charon retransmits an IKE request that the peer leaves unanswered, while ESP
 *                  from the peer still arrives on the IKE SA's CHILD SAs (the peer is alive,
 *                  its IKE does not reach us): the IKE SA fails when charon's retransmissions
 *                  give up (retransmit_timeout * sum of retransmit_base^i, i = 0..tries, from
 *                  the first send: about 165 s with charon's defaults), or at its next rekey or
 *                  reauthentication if that comes first.
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

/* Whose retransmission schedule: charon waits timeout * base^i after the i-th send and gives up
 * after `tries` retransmits; pluto waits retransmit-interval twice, then doubles the wait
 * (while it stays below retransmit-timeout) and gives up once its waits add up to
 * retransmit-timeout, or after 12 retransmits (programs/pluto/retransmit.c). */
enum sa_retx_model { SA_RETX_CHARON, SA_RETX_PLUTO };

/* A daemon's retransmission settings (charon: strongswan.conf charon.retransmit_*; pluto:
 * ipsec.conf retransmit-interval and retransmit-timeout, as whack --status shows them). */
struct sa_retx_timing {
	double timeout;  /* charon: retransmit_timeout; pluto: retransmit-interval; s */
	double base;     /* retransmit_base; pluto: 2 */
	unsigned tries;  /* retransmit_tries; pluto: its cap of 12 per exchange */
	bool configured; /* read from the daemon's configuration; false: its defaults */
	enum sa_retx_model model;
	double limit; /* pluto: retransmit-timeout, s */
};
#define SA_RETX_TIMING_DEFAULT ((struct sa_retx_timing){4.0, 1.8, 5, false})
#define SA_RETX_TIMING_PLUTO ((struct sa_retx_timing){0.5, 2.0, 12, false, SA_RETX_PLUTO, 60.0})

/* Seconds from a request's first send until the daemon gives up on it. */
double sa_retx_giveup_s(const struct sa_retx_timing *t);

/* An IKE request of the connection that charon retransmits and the peer has not answered. */
struct sa_silence {
	uint32_t ike_id;   /* the IKE SA's unique id, 0 unknown (then any of the connection) */
	double first_sent; /* wall clock, seconds since the epoch */
	uint32_t retransmits;
};

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
 * its CHILD SAs after the request was first sent (list-sas use_in); ret->fail_at is the earlier
 * of the give-up and the next rekey or reauthentication. */
bool sa_foresee_silent(const struct sa_snapshot *s, const struct snap_ike *ike,
                       const struct sa_silence *q, const struct sa_retx_timing *t,
                       struct sa_forecast *ret);

#endif
