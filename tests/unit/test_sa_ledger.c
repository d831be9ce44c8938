// SPDX-License-Identifier: Apache-2.0
/*
 * The in-tunnel ledger: counters a packet apart at a window's end settle in the next window,
 * whichever side was ahead and even if traffic then stops; probes that bypass the SA leave a
 * growing debt; a busy SA's surplus excuses no later bypass. The verdict (sa_tunnel_window)
 * stays 1 through CHILD rekeys (recorded window counts) and turns 0 for a bypass.
 */
#include "test.h"

#include "probe/sa_ledger.h"

#include <stdint.h>

static void in_step(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 10, 10), 0);
	T_EQ_INT(sa_ledger_settle(&l, 0, 0), 0);
}

/* The SA counted two replies before the window ended that our socket read only after it; then
 * ESP is dropped and nothing more arrives: no debt may remain (the flake this ledger fixes). */
static void sa_ahead_then_traffic_stops(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 8, 10), 0);
	T_EQ_INT(sa_ledger_settle(&l, 2, 0), 0);
	for (int i = 0; i < 5; i++)
		T_EQ_INT(sa_ledger_settle(&l, 0, 0), 0);
}

/* We are ahead (the SA's thread counts later): the debt is paid in the next window. */
static void ours_ahead_then_paid(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 10, 8), 2);
	T_EQ_INT(sa_ledger_settle(&l, 10, 12), 0);
	T_EQ_INT(l.credit, 0);
}

/* Probes that never enter the SA: the debt grows every window. */
static void bypass_debt_grows(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 10, 0), 10);
	T_EQ_INT(sa_ledger_settle(&l, 10, 0), 20);
	T_EQ_INT(sa_ledger_settle(&l, 10, 1), 29);
	T_EQ_INT(sa_ledger_settle(&l, 1, 0), 30);
}

/* A busy SA's surplus lasts one window: it cannot hide a bypass two windows later. */
static void credit_lasts_one_window(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 10, 1000), 0);
	T_EQ_INT(l.credit, 990);
	T_EQ_INT(sa_ledger_settle(&l, 10, 0), 0); /* paid by the last window's surplus */
	T_EQ_INT(l.credit, 0);                    /* ...which then expires */
	T_EQ_INT(sa_ledger_settle(&l, 10, 0), 10);
}

/* Our replies outran the SA's counter and its surplus had already expired: once nothing comes
 * back any more, the window that counted nothing clears the debt. */
static void empty_window_forgives(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 9, 8), 1);
	T_EQ_INT(sa_ledger_settle(&l, 3, 0), 4);
	T_EQ_INT(sa_ledger_settle(&l, 0, 0), 0);
	T_EQ_INT(sa_ledger_settle(&l, 10, 0), 10); /* a bypass shows again at once */
}

static void reset_forgets(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 10, 0), 10);
	sa_ledger_reset(&l);
	T_EQ_INT(l.owed, 0);
	T_EQ_INT(l.credit, 0);
	T_EQ_INT(sa_ledger_settle(&l, 3, 3), 0);
}

static void huge_counts_saturate(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_ASSERT(sa_ledger_settle(&l, UINT64_MAX, 0) == UINT64_MAX);
	T_ASSERT(sa_ledger_settle(&l, 5, 0) == UINT64_MAX);
}

/* A window the SA paid in full by itself forgives an older debt (lag or rekey loss); a bypass,
 * short in every window, keeps its debt. */
static void full_window_forgives_old_debt(void)
{
	struct sa_ledger l;

	sa_ledger_reset(&l);
	T_EQ_INT(sa_ledger_settle(&l, 10, 6), 4);
	T_EQ_INT(sa_ledger_settle(&l, 10, 10), 0);
	T_EQ_INT(sa_ledger_settle(&l, 10, 9), 1);
	T_EQ_INT(sa_ledger_settle(&l, 10, 8), 2); /* only this window's own shortfall stays */
	T_EQ_INT(sa_ledger_settle(&l, 10, 7), 5); /* short by more than the lag: it adds up */
}

struct win {
	uint64_t out, in; /* the SA's totals at the window's end */
	uint64_t sent, recv;
};

/* Feed windows of 10 probes; returns the verdicts as a string of 0/1. */
static void run(struct sa_tunnel *t, const struct win *w, size_t n, char *ret)
{
	for (size_t i = 0; i < n; i++)
		ret[i] = (char)('0' + sa_tunnel_window(t, true, w[i].out, w[i].in, w[i].sent,
		                                       w[i].sent, w[i].recv, 1));
	ret[n] = '\0';
}

/*
 * A CHILD rekey every few windows, as recorded in the lab (200 ms probes, 2 s windows): in the
 * rekey's window the SA's outbound total advanced by 6 for our 10 probes (the old SA carried
 * 4 after its final counters were taken), the inbound by 11 for 10 replies. Before, the debt
 * of 4 was never paid and ipsec_probe_in_tunnel read 0 from the first rekey on.
 */
static void rekeys_keep_the_probes_in_the_tunnel(void)
{
	static const struct win w[] = {
	    {0, 0, 10, 10},   {10, 10, 10, 11},  {20, 20, 11, 10},  {30, 30, 10, 10},
	    {36, 41, 10, 10}, /* rekey */
	    {45, 51, 10, 10}, /* and a packet of lag right after it */
	    {56, 61, 11, 11}, {66, 71, 10, 10},  {72, 81, 10, 10}, /* rekey */
	    {82, 92, 10, 11}, {92, 102, 10, 10}, {102, 111, 10, 9}, {113, 122, 11, 11},
	};
	struct sa_tunnel t;
	char got[32];

	sa_tunnel_reset(&t);
	run(&t, w, sizeof(w) / sizeof(w[0]), got);
	T_EQ_STR(got, "0111111111111");
}

/* The totals went backwards for a window (a rekeyed SA left the listing before its final
 * counters were carried), then jumped: still in the tunnel. */
static void totals_backwards_for_a_window(void)
{
	static const struct win w[] = {
	    {0, 0, 10, 10}, {10, 10, 10, 10}, {20, 20, 10, 10},
	    {5, 5, 10, 10}, {40, 40, 10, 10}, {50, 50, 10, 10},
	};
	struct sa_tunnel t;
	char got[16];

	sa_tunnel_reset(&t);
	run(&t, w, sizeof(w) / sizeof(w[0]), got);
	T_EQ_STR(got, "011111");
}

/* Probes that go around the SA (its counters do not move, or move by far less): 0 after two
 * windows; and an SA that disappears reads 0 at once. */
static void bypass_turns_zero_after_two_windows(void)
{
	static const struct win w[] = {
	    {0, 0, 10, 10},   {10, 10, 10, 10}, {20, 20, 10, 10}, {21, 21, 10, 10},
	    {22, 22, 10, 10}, {23, 23, 10, 10}, {33, 33, 10, 10},
	};
	struct sa_tunnel t;
	char got[16];

	sa_tunnel_reset(&t);
	run(&t, w, sizeof(w) / sizeof(w[0]), got);
	T_EQ_STR(got, "0111001");
	T_EQ_INT(sa_tunnel_window(&t, false, 0, 0, 10, 10, 10, 1), 0);
	T_EQ_INT(sa_tunnel_window(&t, true, 43, 43, 10, 10, 10, 1), 0);
	T_EQ_INT(sa_tunnel_window(&t, true, 53, 53, 10, 10, 10, 1), 1);
}

/* A target that sent nothing in two windows proves nothing. */
static void silent_target_turns_zero(void)
{
	struct sa_tunnel t;

	sa_tunnel_reset(&t);
	T_EQ_INT(sa_tunnel_window(&t, true, 0, 0, 10, 10, 10, 1), 0);
	T_EQ_INT(sa_tunnel_window(&t, true, 10, 10, 10, 10, 10, 1), 1);
	T_EQ_INT(sa_tunnel_window(&t, true, 10, 10, 0, 0, 0, 1), 1);
	T_EQ_INT(sa_tunnel_window(&t, true, 10, 10, 0, 0, 0, 1), 0);
}

TEST_MAIN("sa_ledger", TEST(in_step), TEST(sa_ahead_then_traffic_stops), TEST(ours_ahead_then_paid),
          TEST(bypass_debt_grows), TEST(credit_lasts_one_window), TEST(empty_window_forgives),
          TEST(reset_forgets), TEST(huge_counts_saturate), TEST(full_window_forgives_old_debt),
          TEST(rekeys_keep_the_probes_in_the_tunnel), TEST(totals_backwards_for_a_window),
          TEST(bypass_turns_zero_after_two_windows), TEST(silent_target_turns_zero))
