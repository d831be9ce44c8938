// SPDX-License-Identifier: Apache-2.0
#include "probe/sa_ledger.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void sa_ledger_reset(struct sa_ledger *l)
{
	l->owed = l->credit = 0;
}

uint64_t sa_ledger_settle(struct sa_ledger *l, uint64_t ours, uint64_t sa)
{
	/* A window in which we counted nothing (no reply came back: ESP dropped after the SA)
	 * forgives the debt: the lag it came from cannot be told from a bypass with nothing in
	 * flight, and a bypass rebuilds it in the next window that carries probes. */
	if (ours == 0)
		l->owed = 0;
	uint64_t need, from_credit, from_sa;

	/* saturating: a debt this large already means "not in the tunnel" */
	if (__builtin_add_overflow(l->owed, ours, &need))
		need = UINT64_MAX;
	from_credit = min_u64(l->credit, need);

	need -= from_credit; /* the old credit pays first: it expires now */
	from_sa = min_u64(sa, need);
	need -= from_sa;
	l->owed = need;
	l->credit = sa - from_sa;
	return need;
}
