// SPDX-License-Identifier: Apache-2.0
/*
 * Probe accounting (see probe_stats.h for the model). Sequence numbers are 32-bit and compared
 * with serial-number arithmetic, so a long-running session may wrap.
 */
#include "probe/probe_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SLOT_EMPTY, SLOT_INFLIGHT, SLOT_ANSWERED, SLOT_LOST };

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void probe_stats_init(struct probe_stats *st, const struct probe_stats_config *cfg)
{
	memset(st, 0, sizeof(*st));
	st->cfg = *cfg;
	if (st->cfg.window == 0)
		st->cfg.window = 1;
	if (st->cfg.window > PROBE_OUTCOMES_MAX)
		st->cfg.window = PROBE_OUTCOMES_MAX;
	st->stateful = cfg->far_end == PROBE_FAR_STATEFUL;
	st->next_seq = cfg->first_seq;
}

static void outcome(struct probe_stats *st, bool answered)
{
	uint32_t w = st->cfg.window;

	if (st->outcomes_n == w) {
		if (!st->outcomes[st->outcomes_next])
			st->outcomes_lost--;
	} else {
		st->outcomes_n++;
	}
	st->outcomes[st->outcomes_next] = answered;
	if (!answered)
		st->outcomes_lost++;
	st->outcomes_next = (st->outcomes_next + 1) % w;
}

/* A loss inside the span (s0, s_hi] of a stateful reflector: forward ones are counted by the
 * reflector's sequence gap, the rest went missing on the way back. */
static void attribute(struct probe_stats *st, uint32_t seq)
{
	if (!st->stateful || !st->have_base || !seq_after(seq, st->s0)) {
		st->lost_unknown++;
	} else if (st->fwd_attributed < st->fwd_detected) {
		st->fwd_attributed++;
		st->lost_forward++;
	} else {
		st->lost_reverse++;
	}
}

static void pending_pop_unknown(struct probe_stats *st)
{
	st->pending_head = (st->pending_head + 1) % PROBE_PENDING_MAX;
	st->pending_n--;
	st->lost_unknown++;
}

static void lost(struct probe_stats *st, struct probe_slot *s, uint64_t now)
{
	s->state = SLOT_LOST;
	outcome(st, false);
	if (st->cfg.far_end == PROBE_FAR_STATELESS) {
		st->lost_unknown++;
		return;
	}
	if (st->have_base && seq_after(st->s_hi, s->seq)) {
		attribute(st, s->seq);
		return;
	}
	/* no later reply yet: wait for one to tell the direction */
	if (st->pending_n == PROBE_PENDING_MAX)
		pending_pop_unknown(st);
	st->pending[(st->pending_head + st->pending_n) % PROBE_PENDING_MAX] = s->seq;
	st->pending_at[(st->pending_head + st->pending_n) % PROBE_PENDING_MAX] = now;
	st->pending_n++;
}

uint32_t probe_stats_sent(struct probe_stats *st, uint64_t mono_ns)
{
	uint32_t seq = st->next_seq++;
	struct probe_slot *s = &st->ring[seq % PROBE_WINDOW];

	/* the ring wrapped onto a probe still waiting: it is older than anything we track */
	if (s->state == SLOT_INFLIGHT)
		lost(st, s, mono_ns);
	s->seq = seq;
	s->state = SLOT_INFLIGHT;
	s->sent_ns = mono_ns;
	st->sent++;
	if (st->sent == 1)
		st->oldest_inflight = seq;
	return seq;
}

void probe_stats_tick(struct probe_stats *st, uint64_t now)
{
	uint64_t hold = st->cfg.timeout_ns + 3 * st->cfg.interval_ns;

	while (seq_after(st->next_seq, st->oldest_inflight)) {
		struct probe_slot *s = &st->ring[st->oldest_inflight % PROBE_WINDOW];

		if (s->seq == st->oldest_inflight && s->state == SLOT_INFLIGHT) {
			if (now - s->sent_ns < st->cfg.timeout_ns)
				break;
			lost(st, s, now);
		}
		st->oldest_inflight++;
	}
	/* direction still unknown after a few more intervals: give up on it */
	while (st->pending_n && now - st->pending_at[st->pending_head] > hold) {
		pending_pop_unknown(st);
		st->gave_up = true;
	}
}

static void track_direction(struct probe_stats *st, uint32_t s, uint32_t r)
{
	if (!st->have_base) {
		st->have_base = true;
		st->s0 = st->s_hi = s;
		st->r0 = st->r_hi = r;
		st->gave_up = false; /* the first span starts here anyway */
		/* a stateless reflector copies our number: a different one proves a counter */
		if (r != s)
			st->stateful = true;
	} else if (seq_after(s, st->s_hi)) {
		/*
		 * The reflector restarted its counter, or losses since the last reply were given up
		 * as unknown (nothing came back for a while: an outage, whose requests the gap
		 * would otherwise charge to the next losses as forward): start a new span.
		 */
		if ((int32_t)(r - st->r_hi) < 0 || st->gave_up) {
			st->s0 = s;
			st->r0 = r;
			st->fwd_span_base = st->fwd_attributed;
			st->fwd_span = 0;
			st->fwd_detected = st->fwd_attributed;
			st->gave_up = false;
		} else if (r - st->r0 != s - st->s0) {
			st->stateful = true;
		}
		st->s_hi = s;
		st->r_hi = r;
		if (st->stateful) {
			int64_t d =
			    (int64_t)(uint32_t)(s - st->s0) - (int64_t)(uint32_t)(r - st->r0);

			/* requests in (s0, s] that never reached the reflector; only grows */
			if (d > 0 && (uint64_t)d > st->fwd_span)
				st->fwd_span = (uint64_t)d;
			st->fwd_detected = st->fwd_span_base + st->fwd_span;
		}
	}
	while (st->pending_n && seq_after(st->s_hi, st->pending[st->pending_head])) {
		uint32_t x = st->pending[st->pending_head];

		st->pending_head = (st->pending_head + 1) % PROBE_PENDING_MAX;
		st->pending_n--;
		attribute(st, x);
	}
}

static void rtt_add(struct probe_stats *st, double rtt)
{
	const double *b = probe_stats_rtt_bounds();
	size_t i = 0;

	if (rtt < 0)
		rtt = 0;
	while (i < PROBE_RTT_BUCKETS && rtt > b[i])
		i++;
	st->rtt_buckets[i]++;
	prom_native_observe(&st->rtt_native, rtt);
	if (st->rtt_count == 0 || rtt < st->rtt_min)
		st->rtt_min = rtt;
	if (st->rtt_count == 0 || rtt > st->rtt_max)
		st->rtt_max = rtt;
	/* RFC 3550 A.8: J += (|D| - J) / 16, D the change in transit time between arrivals */
	if (st->rtt_count > 0)
		st->jitter_s += (fabs(rtt - st->rtt_last) - st->jitter_s) / 16.0;
	st->rtt_last = rtt;
	st->rtt_count++;
	st->rtt_sum += rtt;
	st->rtt_sumsq += rtt * rtt;
}

enum probe_rx_kind probe_stats_received(struct probe_stats *st, const struct probe_reply_info *ri,
                                        bool *ret_reordered)
{
	struct probe_slot *s = &st->ring[ri->seq % PROBE_WINDOW];

	*ret_reordered = false;
	if (s->seq != ri->seq || s->state == SLOT_EMPTY || !seq_after(st->next_seq, ri->seq))
		return PROBE_RX_UNKNOWN;
	if (s->state == SLOT_ANSWERED) {
		st->duplicated++;
		return PROBE_RX_DUPLICATE;
	}
	if (s->state == SLOT_LOST) {
		st->late++;
		return PROBE_RX_LATE;
	}
	s->state = SLOT_ANSWERED;
	st->received++;
	outcome(st, true);
	if (st->any_received && seq_after(st->max_received, ri->seq)) {
		st->reordered++;
		*ret_reordered = true;
	}
	if (!st->any_received || seq_after(ri->seq, st->max_received))
		st->max_received = ri->seq;
	st->any_received = true;
	rtt_add(st, ri->rtt_s);
	if (ri->owd_valid) {
		st->owd_valid = true;
		st->owd_fwd_s = ri->owd_fwd_s;
		st->owd_rev_s = ri->owd_rev_s;
	}
	if (ri->has_refl_seq && st->cfg.far_end != PROBE_FAR_STATELESS)
		track_direction(st, ri->seq, ri->refl_seq);
	return PROBE_RX_NEW;
}

uint64_t probe_stats_sent_before(const struct probe_stats *st, uint64_t mono_ns)
{
	uint64_t later = 0;
	uint32_t seq = st->next_seq;

	while (later < st->sent && later < PROBE_WINDOW) {
		const struct probe_slot *s = &st->ring[--seq % PROBE_WINDOW];

		if (s->seq != seq || s->state == SLOT_EMPTY || s->sent_ns <= mono_ns)
			break;
		later++;
	}
	return st->sent - later;
}

uint64_t probe_stats_lost(const struct probe_stats *st)
{
	return st->lost_forward + st->lost_reverse + st->lost_unknown + st->pending_n;
}

uint64_t probe_stats_inflight(const struct probe_stats *st)
{
	return st->sent - st->received - probe_stats_lost(st);
}

double probe_stats_window_loss(const struct probe_stats *st)
{
	return st->outcomes_n ? (double)st->outcomes_lost / st->outcomes_n : 0.0;
}

bool probe_stats_success(const struct probe_stats *st)
{
	return st->outcomes_n > 0 && st->outcomes_lost < st->outcomes_n;
}

double probe_stats_rtt_mdev(const struct probe_stats *st)
{
	double mean, var;

	if (st->rtt_count == 0)
		return 0;
	mean = st->rtt_sum / st->rtt_count;
	var = st->rtt_sumsq / st->rtt_count - mean * mean;
	return var > 0 ? sqrt(var) : 0;
}

const double *probe_stats_rtt_bounds(void)
{
	/* 50 us doubling (smokeping_prober's buckets): 50 us .. 3.2768 s */
	static const double b[PROBE_RTT_BUCKETS] = {
	    50e-6,   100e-6,  200e-6,   400e-6,   800e-6,   1.6e-3,   3.2e-3, 6.4e-3, 12.8e-3,
	    25.6e-3, 51.2e-3, 102.4e-3, 204.8e-3, 409.6e-3, 819.2e-3, 1.6384, 3.2768,
	};

	return b;
}

void probe_stats_rtt_cumulative(const struct probe_stats *st, uint64_t *ret)
{
	uint64_t c = 0;

	for (int i = 0; i < PROBE_RTT_BUCKETS; i++) {
		c += st->rtt_buckets[i];
		ret[i] = c;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double probe_quantile(double *v, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	/* nearest rank: the smallest value with at least q*n values at or below it */
	rank = (size_t)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	return v[rank > n ? n - 1 : rank - 1];
}
