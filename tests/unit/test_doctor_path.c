// SPDX-License-Identifier: Apache-2.0
/*
 * The path ledger (src/doctor/doctor_path.c) on a matrix of data-plane faults, each given as
 * the counts both ends would read: every segment and both directions, total against partial,
 * extra traffic through the SA, timing slack, and what one end alone can and cannot tell.
 */
#include "test.h"

#include "doctor/doctor_path.h"

#include <errno.h>

#define U 0xffffffffffffffffull /* not known */

struct row {
	const char *name;
	uint64_t n[PATH_POINTS];
	size_t n_drops;
	enum path_point from, to; /* of the first drop */
	bool total, spans_unknown;
};

static void fill(struct path_counts *c, const uint64_t n[PATH_POINTS])
{
	*c = (struct path_counts){0};
	for (int p = 0; p < PATH_POINTS; p++)
		if (n[p] != U)
			path_set(c, (enum path_point)p, n[p]);
}

static void fault_matrix(void)
{
	/* sent, our out, peer in, peer reflector, peer out, our in, received */
	static const struct row rows[] = {
	    {"healthy", {400, 400, 400, 400, 400, 400, 400}, 0, 0, 0, false, false},
	    {"healthy, one end", {400, 400, U, U, U, 400, 400}, 0, 0, 0, false, false},
	    {"extra traffic", {400, 1400, 1400, U, 900, 900, 400}, 0, 0, 0, false, false},
	    {"in flight at the end", {400, 400, 400, U, 399, 399, 398}, 0, 0, 0, false, false},
	    {"bypass before our SA",
	     {400, 0, 0, U, 0, 0, 0},
	     1,
	     PATH_SENT,
	     PATH_OUR_SA_OUT,
	     true,
	     false},
	    {"our ESP out lost",
	     {400, 400, 0, U, 0, 0, 0},
	     1,
	     PATH_OUR_SA_OUT,
	     PATH_PEER_SA_IN,
	     true,
	     false},
	    {"beyond the far gateway",
	     {400, 400, 400, U, 0, 0, 0},
	     1,
	     PATH_PEER_SA_IN,
	     PATH_PEER_SA_OUT,
	     true,
	     true},
	    {"far reflector gets nothing",
	     {400, 400, 400, 0, 0, 0, 0},
	     1,
	     PATH_PEER_SA_IN,
	     PATH_PEER_REFLECTOR,
	     true,
	     false},
	    {"far answers bypass its SA",
	     {400, 400, 400, 400, 0, 0, 0},
	     1,
	     PATH_PEER_REFLECTOR,
	     PATH_PEER_SA_OUT,
	     true,
	     false},
	    {"their ESP out lost",
	     {400, 400, 400, U, 400, 0, 0},
	     1,
	     PATH_PEER_SA_OUT,
	     PATH_OUR_SA_IN,
	     true,
	     false},
	    {"after our SA",
	     {400, 400, 400, U, 400, 400, 0},
	     1,
	     PATH_OUR_SA_IN,
	     PATH_RECEIVED,
	     true,
	     false},
	    {"one end: lost somewhere",
	     {400, 400, U, U, U, 0, 0},
	     1,
	     PATH_OUR_SA_OUT,
	     PATH_OUR_SA_IN,
	     true,
	     true},
	    {"partial forward",
	     {400, 400, 392, U, 392, 392, 392},
	     1,
	     PATH_OUR_SA_OUT,
	     PATH_PEER_SA_IN,
	     false,
	     false},
	    {"partial both ways",
	     {400, 400, 360, U, 360, 324, 324},
	     2,
	     PATH_OUR_SA_OUT,
	     PATH_PEER_SA_IN,
	     false,
	     false},
	    {"one end, extra traffic: cannot tell",
	     {400, 900, U, U, U, 700, 100},
	     1,
	     PATH_SENT,
	     PATH_RECEIVED,
	     false,
	     true},
	    {"partial reverse, extra traffic",
	     {400, 900, 900, U, 1000, 700, 100},
	     2,
	     PATH_PEER_SA_OUT,
	     PATH_OUR_SA_IN,
	     false,
	     false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct path_counts c;
		struct path_verdict v;

		fill(&c, r->n);
		T_EQ_INT(path_judge(&c, &v), 0);
		if (v.n_drops != r->n_drops || v.clean != (r->n_drops == 0) ||
		    (r->n_drops && (v.drops[0].from != r->from || v.drops[0].to != r->to ||
		                    v.drops[0].total != r->total ||
		                    v.drops[0].spans_unknown != r->spans_unknown))) {
			test_fail(__FILE__, __LINE__, "%s: %zu drops, first %s -> %s total %d",
			          r->name, v.n_drops,
			          v.n_drops ? path_point_name(v.drops[0].from) : "-",
			          v.n_drops ? path_point_name(v.drops[0].to) : "-",
			          v.n_drops ? v.drops[0].total : 0);
			return;
		}
	}
}

/* Two per cent loss over a run of 400 probes is told from none, with its interval. */
static void partial_loss_has_a_confidence(void)
{
	struct path_counts c = {0};
	struct path_verdict v;

	path_set(&c, PATH_SENT, 400);
	path_set(&c, PATH_OUR_SA_OUT, 400);
	path_set(&c, PATH_OUR_SA_IN, 392);
	path_set(&c, PATH_RECEIVED, 392);
	T_EQ_INT(path_judge(&c, &v), 0);
	T_EQ_INT(v.n_drops, 1);
	T_ASSERT(v.drops[0].loss > 0.0199 && v.drops[0].loss < 0.0201);
	T_ASSERT(v.drops[0].loss_lo > 0.0 && v.drops[0].loss_lo < 0.02);
	T_ASSERT(v.drops[0].loss_hi > 0.02 && v.drops[0].loss_hi < 0.05);
	T_EQ_INT(v.drops[0].before, 400);
	T_EQ_INT(v.drops[0].after, 392);
}

/* The fault matrix's loss-a-b-10 seen from A alone: 10 % of A's ESP lost, B's probes and A's
 * replies to them in the same SA. The counters cannot place the loss, but the prober's own
 * count says that probes were lost: never "clean". */
static void loss_hidden_by_other_traffic(void)
{
	struct path_counts c = {0};
	struct path_verdict v;

	path_set(&c, PATH_SENT, 400);
	path_set(&c, PATH_OUR_SA_OUT, 436);
	path_set(&c, PATH_OUR_SA_IN, 402);
	path_set(&c, PATH_RECEIVED, 367);
	for (int p = PATH_OUR_SA_OUT; p <= PATH_OUR_SA_IN; p++)
		c.other[p] = 36;
	T_EQ_INT(path_judge(&c, &v), 0);
	T_ASSERT(!v.clean);
	T_EQ_INT(v.n_drops, 1);
	T_EQ_INT(v.drops[0].before, 400);
	T_EQ_INT(v.drops[0].after, 367);
	T_ASSERT(!v.drops[0].total);
	/* and within the slack, clean */
	path_set(&c, PATH_RECEIVED, 399);
	T_EQ_INT(path_judge(&c, &v), 0);
	T_ASSERT(v.clean);
}

static void wilson_interval(void)
{
	double lo, hi;

	path_wilson(0, 400, &lo, &hi);
	T_ASSERT(lo == 0.0);
	T_ASSERT(hi > 0.009 && hi < 0.0100);
	path_wilson(8, 400, &lo, &hi);
	T_ASSERT(lo > 0.0100 && lo < 0.0104);
	T_ASSERT(hi > 0.0385 && hi < 0.0395);
	path_wilson(400, 400, &lo, &hi);
	T_ASSERT(hi == 1.0 && lo > 0.99);
	path_wilson(5, 0, &lo, &hi);
	T_ASSERT(lo == 0.0 && hi == 1.0);
}

static void needs_what_was_sent(void)
{
	struct path_counts c = {0};
	struct path_verdict v;

	path_set(&c, PATH_OUR_SA_OUT, 5);
	T_EQ_INT(path_judge(&c, &v), -EINVAL);
	path_set(&c, (enum path_point)PATH_POINTS, 5); /* ignored, not written past the array */
	T_EQ_STR(path_point_name(PATH_PEER_SA_IN), "peer_sa_in");
	T_EQ_STR(path_point_name((enum path_point)99), "?");
}

TEST_MAIN("doctor_path", TEST(fault_matrix), TEST(partial_loss_has_a_confidence),
          TEST(loss_hidden_by_other_traffic), TEST(wilson_interval), TEST(needs_what_was_sent))
