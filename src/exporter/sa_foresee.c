// SPDX-License-Identifier: Apache-2.0
/*
 * Single-end rekey failure forecasts (contract in sa_foresee.h). VICI times are seconds
 * relative to the snapshot's clock; the forecasts are absolute, like the other *_timestamp_
 * seconds metrics, so that an alert compares them with time().
 */
#include "exporter/sa_foresee.h"

#include <math.h>
#include <string.h>

const char *sa_foresee_reason_name(enum sa_foresee_reason r)
{
	switch (r) {
	case SA_FORESEE_LIFETIME:
		return "lifetime";
	case SA_FORESEE_REKEY_OVERDUE:
		return "rekey_overdue";
	case SA_FORESEE_PEER_SILENT:
		return "peer_silent";
	case SA_FORESEE_CERT_EXPIRY:
		return "cert_expiry";
	default:
		return "";
	}
}

static bool forecast(struct sa_forecast *f, enum sa_foresee_reason r, double fail_at,
                     double exchange_at)
{
	f->reason = r;
	f->fail_at = fail_at;
	f->exchange_at = exchange_at;
	return true;
}

bool sa_foresee_child(const struct sa_snapshot *s, const struct snap_child *c,
                      struct sa_forecast *f)
{
	double now = floor(s->now);

	memset(f, 0, sizeof(*f));
	/* REKEYED / DELETED SAs have been replaced: their times (-1) mean nothing */
	if (strcmp(c->state, "INSTALLED") != 0 && strcmp(c->state, "REKEYING") != 0 &&
	    strcmp(c->state, "UPDATING") != 0)
		return false;
	if (c->life_time == SNAP_NONE)
		return false; /* no hard lifetime: nothing expires */
	if (c->rekey_time == SNAP_NONE || c->life_time <= c->rekey_time)
		return forecast(f, SA_FORESEE_LIFETIME, now + (double)c->life_time,
		                now + (double)c->life_time);
	if (c->rekey_time < 0)
		return forecast(f, SA_FORESEE_REKEY_OVERDUE, now + (double)c->life_time,
		                now + (double)c->rekey_time);
	return false;
}

/* The earliest end of validity of a certificate we hold the private key of, or SNAP_NONE. */
static int64_t own_cert_not_after(const struct sa_snapshot *certs)
{
	int64_t min = SNAP_NONE;

	for (uint32_t i = 0; certs && i < certs->n_certs; i++) {
		const struct snap_cert *c = &certs->certs[i];

		if (c->has_privkey && c->not_after != SNAP_NONE &&
		    (min == SNAP_NONE || c->not_after < min))
			min = c->not_after;
	}
	return min;
}

bool sa_foresee_ike(const struct sa_snapshot *s, const struct snap_ike *ike,
                    const struct snap_conn *conn, const struct sa_snapshot *certs,
                    struct sa_forecast *f)
{
	double now = floor(s->now);
	int64_t next;

	memset(f, 0, sizeof(*f));
	if (strcmp(ike->state, "ESTABLISHED") != 0 && strcmp(ike->state, "REKEYING") != 0)
		return false;
	/* the exchange that authenticates again: reauthentication, else the next rekey */
	next = ike->reauth_time != SNAP_NONE ? ike->reauth_time : ike->rekey_time;
	if (conn && conn->local_pubkey && next != SNAP_NONE) {
		int64_t not_after = own_cert_not_after(certs);

		if (not_after != SNAP_NONE && (double)not_after < now + (double)next) {
			double at = now + (double)(next > 0 ? next : 0);

			forecast(f, SA_FORESEE_CERT_EXPIRY, at, now + (double)next);
			f->cert_not_after = (double)not_after;
			return true;
		}
	}
	if (ike->reauth_time != SNAP_NONE && ike->reauth_time < 0)
		return forecast(f, SA_FORESEE_REKEY_OVERDUE, now, now + (double)ike->reauth_time);
	if (ike->rekey_time != SNAP_NONE && ike->rekey_time < 0)
		return forecast(f, SA_FORESEE_REKEY_OVERDUE, now, now + (double)ike->rekey_time);
	return false;
}

/* pluto's schedule (see enum sa_retx_model): the time of the event that finds the waits at
 * retransmit-timeout. */
static double pluto_giveup_s(const struct sa_retx_timing *t)
{
	double delay = t->timeout, waited = t->timeout;

	if (!(delay > 0) || !(t->limit > 0))
		return 0;
	for (unsigned n = 0; n < t->tries && n < 64 && waited < t->limit; n++) {
		if (n > 0 && delay * 2 < t->limit)
			delay *= 2;
		waited += delay;
	}
	return waited;
}

double sa_retx_giveup_s(const struct sa_retx_timing *t)
{
	double sum = 0, step = t->timeout;

	if (t->model == SA_RETX_PLUTO)
		return pluto_giveup_s(t);

	/* the first send and each retransmit wait timeout * base^i (charon's task_manager) */
	for (unsigned i = 0; i <= t->tries && i < 64; i++) {
		sum += step;
		step *= t->base;
	}
	return sum;
}

/* The schedule the daemon follows for @ike: its connection's own (pluto) or @t. */
static const struct sa_retx_timing *
conn_retx(const struct sa_snapshot *s, const struct snap_ike *ike, const struct sa_retx_timing *t)
{
	for (uint32_t i = 0; ike->conn && i < s->n_conns; i++)
		if (s->conns[i].name && strcmp(s->conns[i].name, ike->conn) == 0)
			return s->conns[i].retx.timeout > 0 ? &s->conns[i].retx : t;
	return t;
}

bool sa_foresee_silent(const struct sa_snapshot *s, const struct snap_ike *ike,
                       const struct sa_silence *q, const struct sa_retx_timing *t,
                       struct sa_forecast *f)
{
	double now = floor(s->now), fail_at, next = -1;
	bool esp = false;

	memset(f, 0, sizeof(*f));
	if (!q || (q->ike_id && q->ike_id != ike->uniqueid) ||
	    (strcmp(ike->state, "ESTABLISHED") != 0 && strcmp(ike->state, "REKEYING") != 0))
		return false;
	if (q->next_by > 0 && s->now > q->next_by + SA_SILENCE_SLACK_S)
		return false; /* neither the retransmit nor the give-up announced came: answered */
	/* ESP from the peer after our request left: the peer lives, only its IKE is lost */
	for (uint32_t i = 0; i < ike->n_children && !esp; i++) {
		const struct snap_child *c = &ike->children[i];

		esp = c->use_in != SNAP_NONE && c->use_in >= 0 &&
		      now - (double)c->use_in >= floor(q->first_sent);
	}
	if (!esp)
		return false;
	fail_at = q->first_sent + sa_retx_giveup_s(conn_retx(s, ike, t));
	if (ike->reauth_time != SNAP_NONE && ike->reauth_time > 0)
		next = now + (double)ike->reauth_time;
	if (ike->rekey_time != SNAP_NONE && ike->rekey_time > 0 &&
	    (next < 0 || now + (double)ike->rekey_time < next))
		next = now + (double)ike->rekey_time;
	if (next >= 0 && next < fail_at)
		fail_at = next;
	return forecast(f, SA_FORESEE_PEER_SILENT, fail_at, fail_at);
}
