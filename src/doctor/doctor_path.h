/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where along the path through a tunnel packets stop: one general mechanism for every data-plane
 * fault, instead of a rule per rehearsed case.
 *
 * A probe run sends N probes through a CHILD SA and counts, at every point of the path that
 * some end can see, how many packets passed in that window: our prober, our SA's outbound
 * counter, the peer's matching inbound SA, the peer's reflector, the peer's outbound SA, our
 * inbound SA, our prober again. The points are in path order, so the counts can only fall
 * along it (more traffic than probes may add to any point; nothing can create probes). The
 * first segment where the count falls by more than timing can explain is where the packets are
 * lost; a point that no end could read (no --peer) merges the two segments around it, and
 * the verdict then says which end could tell more.
 *
 * Pure: counts in, verdicts out; no I/O, no clock, no logging.
 */
#ifndef IKEWATCH_DOCTOR_PATH_H
#define IKEWATCH_DOCTOR_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The points, in the order a probe and its answer pass them. */
enum path_point {
	PATH_SENT,           /* probes our prober sent */
	PATH_OUR_SA_OUT,     /* packets our CHILD SA encrypted (outbound) */
	PATH_PEER_SA_IN,     /* packets the peer's matching CHILD SA decrypted */
	PATH_PEER_REFLECTOR, /* probes the peer's reflector received from our prober */
	PATH_PEER_SA_OUT,    /* packets the peer's CHILD SA encrypted back */
	PATH_OUR_SA_IN,      /* packets our CHILD SA decrypted */
	PATH_RECEIVED,       /* answers our prober received */
	PATH_POINTS
};

struct path_counts {
	bool known[PATH_POINTS];
	uint64_t n[PATH_POINTS];
	/* packets an ESP point may not have counted of what the point before it counted, only
	 * because the two were read at different moments (scrapes of two targets): added to
	 * the slack of that comparison. 0 when both were read around the run. */
	uint64_t skew[PATH_POINTS];
	/* packets a point may have counted beyond the probes: the other traffic the tunnel
	 * carries, measured apart from the comparison (our SA's outbound excess over the probes
	 * sent). A count bounds the probes that passed from above only; the probes that passed
	 * are at least the count less this, so a fall after the point is a drop only when the
	 * other traffic cannot explain it. 0 when the point counts nothing but probes. */
	uint64_t other[PATH_POINTS];
};

/* One segment where the count fell: between points @from and @to (adjacent among the known). */
struct path_drop {
	enum path_point from, to;
	uint64_t before, after;
	bool total;                    /* nothing passed */
	double loss, loss_lo, loss_hi; /* share lost, with its 95 % Wilson interval */
	bool spans_unknown;            /* points between from and to could not be read */
};

#define PATH_DROPS_MAX (PATH_POINTS - 1)

struct path_verdict {
	struct path_drop drops[PATH_DROPS_MAX]; /* in path order; the first is the cause */
	size_t n_drops;
	/* all probes came back, or none were sent */
	bool clean;
};

/* Set point @p of @c. */
void path_set(struct path_counts *c, enum path_point p, uint64_t n);

/*
 * Judge @c: a drop is a fall of more than the slack (PATH_SLACK_MIN packets or
 * PATH_SLACK_SHARE of the count before, whichever is larger) between two consecutive known
 * points. Requires PATH_SENT; returns -EINVAL without it.
 */
#define PATH_SLACK_MIN 2
#define PATH_SLACK_SHARE 0.005
int path_judge(const struct path_counts *c, struct path_verdict *ret);

/* Short stable names ("sent", "our_sa_out", ...) for JSON and tests. */
const char *path_point_name(enum path_point p);

/* The 95 % Wilson score interval of k successes in n trials (n > 0). */
void path_wilson(uint64_t k, uint64_t n, double *ret_lo, double *ret_hi);

#endif
