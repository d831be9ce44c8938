// SPDX-License-Identifier: Apache-2.0
/*
 * The in-tunnel ledgers and verdict (see sa_ledger.h): pure arithmetic over window counts.
 */
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
	/* the SA paid this window by itself, give or take the lag: what is left beyond this
	 * window's own shortfall is old lag or rekey loss, not a bypass */
	if (ours > 0 && sa > 0 && sa + SA_LEDGER_LAG >= ours)
		need = min_u64(need, ours > sa ? ours - sa : 0);
	l->owed = need;
	l->credit = sa - from_sa;
	return need;
}

void sa_tunnel_reset(struct sa_tunnel *t)
{
	*t = (struct sa_tunnel){0};
}

int sa_tunnel_window(struct sa_tunnel *t, bool have, uint64_t out, uint64_t in, uint64_t mine,
                     uint64_t sent, uint64_t recv, uint64_t slack)
{
	bool ok = false;

	if (!have) {
		/* no SA (down, or not found): nothing to be in */
		sa_tunnel_reset(t);
		return 0;
	}
	if (t->have_pk0 && out >= t->pk_out0 && in >= t->pk_in0) {
		uint64_t d_out = out - t->pk_out0, d_in = in - t->pk_in0;
		uint64_t owed_out = sa_ledger_settle(&t->out, sent, d_out);
		uint64_t owed_in = sa_ledger_settle(&t->in, recv, d_in);

		ok = mine > 0 && d_out > 0 && owed_out <= slack && owed_in <= slack;
	} else {
		/* the first window of this SA, or totals that went backwards (a rekeyed SA left
		 * the listing before its final counters were carried): nothing to settle */
		sa_ledger_reset(&t->out);
		sa_ledger_reset(&t->in);
	}
	t->have_pk0 = true;
	t->pk_out0 = out;
	t->pk_in0 = in;
	if (ok) {
		t->bad = 0;
		t->verdict = 1;
	} else if (++t->bad >= 2 || !t->verdict) {
		t->verdict = 0;
	}
	return t->verdict;
}
