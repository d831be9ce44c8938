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
 */
#ifndef IKEWATCH_PROBE_SA_LEDGER_H
#define IKEWATCH_PROBE_SA_LEDGER_H

#include <stdint.h>

struct sa_ledger {
	uint64_t owed;   /* ours, not yet seen in the SA's counter */
	uint64_t credit; /* the SA's surplus of the previous window */
};

/* Start over (another SA, counters reset, SA unknown). */
void sa_ledger_reset(struct sa_ledger *l);

/* One window: `ours` packets counted by us, `sa` by the SA's counter. Returns the debt left. */
uint64_t sa_ledger_settle(struct sa_ledger *l, uint64_t ours, uint64_t sa);

#endif
