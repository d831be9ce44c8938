// SPDX-License-Identifier: Apache-2.0
/*
 * The path ledger (see doctor_path.h): walk the known points in path order and report every
 * segment where the count falls by more than timing explains. Counters on two hosts are read
 * a few milliseconds apart, so a packet in flight at the end of the window may be counted by
 * one point and not yet by the next: the slack absorbs that, and no more.
 */
#include "doctor/doctor_path.h"

#include <errno.h>
#include <math.h>

void path_set(struct path_counts *c, enum path_point p, uint64_t n)
{
	if ((unsigned)p >= PATH_POINTS)
		return;
	c->known[p] = true;
	c->n[p] = n;
}

const char *path_point_name(enum path_point p)
{
	static const char *const names[PATH_POINTS] = {
	    [PATH_SENT] = "sent",
	    [PATH_OUR_SA_OUT] = "our_sa_out",
	    [PATH_PEER_SA_IN] = "peer_sa_in",
	    [PATH_PEER_REFLECTOR] = "peer_reflector",
	    [PATH_PEER_SA_OUT] = "peer_sa_out",
	    [PATH_OUR_SA_IN] = "our_sa_in",
	    [PATH_RECEIVED] = "received",
	};

	return (unsigned)p < PATH_POINTS ? names[p] : "?";
}

void path_wilson(uint64_t k, uint64_t n, double *ret_lo, double *ret_hi)
{
	const double z = 1.959964; /* 95 % two-sided */
	double p, denom, centre, half;

	if (n == 0) {
		*ret_lo = 0;
		*ret_hi = 1;
		return;
	}
	if (k > n)
		k = n;
	p = (double)k / (double)n;
	denom = 1 + z * z / (double)n;
	centre = (p + z * z / (2 * (double)n)) / denom;
	half = z * sqrt(p * (1 - p) / (double)n + z * z / (4 * (double)n * (double)n)) / denom;
	*ret_lo = centre - half < 0 ? 0 : centre - half;
	*ret_hi = centre + half > 1 ? 1 : centre + half;
}

static uint64_t slack(uint64_t before)
{
	uint64_t share = (uint64_t)ceil((double)before * PATH_SLACK_SHARE);

	return share > PATH_SLACK_MIN ? share : PATH_SLACK_MIN;
}

/* The two points of one ESP direction: the same packets, counted by two hosts. */
static bool esp_pair(enum path_point a, enum path_point b)
{
	return (a == PATH_OUR_SA_OUT && b == PATH_PEER_SA_IN) ||
	       (a == PATH_PEER_SA_OUT && b == PATH_OUR_SA_IN);
}

static struct path_drop *add_drop(struct path_verdict *v, enum path_point from, enum path_point to,
                                  uint64_t before, uint64_t after)
{
	struct path_drop *d = &v->drops[v->n_drops++];
	uint64_t lost = before - after;

	d->from = from;
	d->to = to;
	d->before = before;
	d->after = after;
	d->total = after == 0;
	d->loss = (double)lost / (double)before;
	path_wilson(lost, before, &d->loss_lo, &d->loss_hi);
	d->spans_unknown = to - from > 1;
	return d;
}

/*
 * Two comparisons, in one walk along the path:
 * - between the two points of one ESP direction (our SA out and the peer's SA in, or back),
 *   the raw counts: they count the same packets, whatever else the tunnel carries;
 * - elsewhere, the probes still travelling (flow) against the count at the next point that
 *   carries nothing but probes. A point whose count exceeds the flow carries other traffic
 *   too, so it cannot show where probes were lost: it is skipped, and a later drop spans it.
 *   A count below the flow may still hold other traffic (other[]): it bounds the probes that
 *   passed from above, so a fall before it is a drop; a fall after it is one only beyond
 *   what the other traffic explains.
 */
int path_judge(const struct path_counts *c, struct path_verdict *ret)
{
	struct path_verdict v = {0};
	enum path_point prev_any = PATH_SENT, prev_exact = PATH_SENT;
	uint64_t flow, least; /* the probes still travelling: at most, at least */

	if (!c->known[PATH_SENT])
		return -EINVAL;
	flow = least = c->n[PATH_SENT];
	for (int i = PATH_SENT + 1; i < PATH_POINTS; i++) {
		enum path_point p = (enum path_point)i;
		uint64_t n = c->n[p];

		if (!c->known[p])
			continue;
		if (esp_pair(prev_any, p) && c->n[prev_any] > 0) {
			uint64_t before = c->n[prev_any];

			if (n + slack(before) + c->skew[p] < before) {
				add_drop(&v, prev_any, p, before, n);
				/* the probes lost their share of what this direction lost */
				flow = (uint64_t)((double)flow * (double)n / (double)before + 0.5);
				least = least < flow ? least : flow;
			}
		}
		prev_any = p;
		if (n > flow + slack(flow))
			continue; /* carries other traffic too */
		if (n + slack(flow) < least) {
			add_drop(&v, prev_exact, p, flow, n)->spans_unknown |= p - prev_exact > 1;
			flow = least = n;
		}
		/* what passed here may be other traffic in part: later points compare with the
		 * probes that passed here for sure */
		if (c->other[p] > 0) {
			uint64_t m = n < flow ? n : flow;

			least = m > c->other[p] ? m - c->other[p] : 0;
		}
		prev_exact = p;
	}
	/* the prober's own count is exact: what it did not get back was lost somewhere, even
	 * where other traffic leaves no counter to say where (a drop across the whole path) */
	if (v.n_drops == 0 && c->known[PATH_RECEIVED] &&
	    c->n[PATH_RECEIVED] + slack(c->n[PATH_SENT]) < c->n[PATH_SENT])
		add_drop(&v, PATH_SENT, PATH_RECEIVED, c->n[PATH_SENT], c->n[PATH_RECEIVED])
		    ->spans_unknown = true;
	v.clean = v.n_drops == 0;
	*ret = v;
	return 0;
}
