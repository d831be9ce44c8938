/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settling one direction of the in-tunnel check: do a CHILD SA's packet counters account for
 * the probes (or replies) we counted ourselves? Pure functions, so that crafted sequences test
 * them.
 *
 * Why a ledger and not a per-window comparison: the SA's counters and ours are read at slightly
 * different moments, and kernel-libipsec updates its counters in its own thread, so within one
 * window either side may be ahead by a packet or two; the next window makes it up.
 *  - What we counted and the SA has not (yet) is a debt, carried until the SA pays it. Probes that
 *    bypass the SA make the debt grow without bound.
 *  - What the SA counted beyond our count is a credit, kept for ONE window only: a reply the SA
 *    decrypted before the window ended that our socket read only after it is paid by it in the
 *    next window, even if traffic then stops (ESP dropped on the way out). Kept longer, the other
 *    traffic of a busy SA would pile up and excuse any later bypass.
 *  - A window in which we counted nothing forgives the debt: a lagging counter may have lost its
 *    last packets to a credit that expired, and with nothing in flight there is nothing to
 *    prove; a bypass rebuilds the debt in the next window that carries probes.
 *  - So does a window that the SA paid by itself (its counter advanced by what we counted in it,
 *    give or take SA_LEDGER_LAG packets; only this window's own shortfall stays): the older
 *    debt was lag, or packets that a CHILD rekey moved through the old SA after its final
 *    counters were taken (the totals never count those), not a bypass, which leaves every
 *    window short. Without this, one rekey left a debt of a few packets that steady probes
 *    never paid, and ipsec_probe_in_tunnel read 0 from then on.
 *
 * sa_tunnel_window() turns the two ledgers into the in-tunnel verdict, with one window of
 * grace: the window of a CHILD rekey may end short (or with totals that went backwards for a
 * moment), so a 1 turns into 0 only after two windows in a row fail.
 */
#ifndef IKEWATCH_PROBE_SA_LEDGER_H
#define IKEWATCH_PROBE_SA_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

/* Packets the SA's count and ours may differ by at a window's end without meaning anything. */
#define SA_LEDGER_LAG 2

struct sa_ledger {
	uint64_t owed;   /* ours, not yet seen in the SA's counter */
	uint64_t credit; /* the SA's surplus of the previous window */
};

/* Start over (another SA, counters reset, SA unknown). */
void sa_ledger_reset(struct sa_ledger *l);

/* One window: `ours` packets counted by us, `sa` by the SA's counter. Returns the debt left. */
uint64_t sa_ledger_settle(struct sa_ledger *l, uint64_t ours, uint64_t sa);

/* The in-tunnel check of one probe target against its CHILD SA's totals. */
struct sa_tunnel {
	struct sa_ledger out, in; /* probes (replies) against the SA's counters */
	uint64_t pk_out0, pk_in0; /* the SA's totals at the last window's end */
	bool have_pk0;
	int verdict;  /* ipsec_probe_in_tunnel */
	unsigned bad; /* windows in a row that failed */
};

/* Start over: another SA, or none (verdict 0). */
void sa_tunnel_reset(struct sa_tunnel *t);

/*
 * One window's end. @have: the SA was found and @out/@in are its packet totals (monotonic
 * across rekeys as far as the collector can tell); @mine: probes this target sent in the
 * window; @sent/@recv: probes and replies of every target of the same SA. A window passes when
 * this target sent probes, the SA's outbound counter moved and neither ledger owes more than
 * @slack. Returns the verdict (0 or 1).
 */
int sa_tunnel_window(struct sa_tunnel *t, bool have, uint64_t out, uint64_t in, uint64_t mine,
                     uint64_t sent, uint64_t recv, uint64_t slack);

#endif
