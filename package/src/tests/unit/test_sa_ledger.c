// SPDX-License-Identifier: Apache-2.0
/*
 * The in-tunnel ledger: counters a packet apart at a window's end settle in the next window,
 * whichever side was ahead and even if traffic then stops; probes that bypass the SA leave a
 * growing debt; a busy SA's surplus excuses no later bypass.
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

TEST_MAIN("sa_ledger", TEST(in_step), TEST(sa_ahead_then_traffic_stops),
          TEST(ours_ahead_then_paid), TEST(bypass_debt_grows), TEST(credit_lasts_one_window),
          TEST(empty_window_forgives), TEST(reset_forgets), TEST(huge_counts_saturate))
