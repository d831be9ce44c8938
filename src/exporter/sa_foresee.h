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
 *                  the IKE SA's next reauthentication (or its next rekey when reauth is off).
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
};

struct sa_forecast {
	enum sa_foresee_reason reason;
	double fail_at;        /* expected time of failure, seconds since the epoch */
	double exchange_at;    /* when the exchange that fails is due (rekey, reauth, expiry) */
	double cert_not_after; /* for SA_FORESEE_CERT_EXPIRY */
};

/* The label value of a reason: "lifetime", "rekey_overdue", "cert_expiry" ("" for none). */
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

#endif
