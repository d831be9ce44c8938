/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-target probe accounting, as pure functions over a struct (no I/O, no clock reads: the
 * caller passes CLOCK_MONOTONIC times), so that crafted sequences can test it:
 *  - a ring of the last PROBE_WINDOW sequence numbers sent: a reply is new, a duplicate, late
 *    (after its probe was declared lost) or unknown (not ours, or older than the ring);
 *  - reordering: a new reply whose sequence number is below the highest already received
 *    (the "reordered" test of RFC 4737 section 3.3);
 *  - loss by direction with a stateful reflector (RFC 8762 section 4.3.1): between the first
 *    reply (s0, r0) and the latest (s, r), (s - s0) - (r - r0) requests never reached the
 *    reflector; the other lost probes in that span were lost on the way back. The split is made
 *    only once the reflector has shown it keeps its own counter (r != s, or r - r0 != s - s0
 *    at least once), or when told so; before that, and for stateless far ends, loss is
 *    "unknown". Losses whose direction stayed unknown because no reply came for a while (an
 *    outage) end the span: the next reply starts a new one, so that the requests lost in the
 *    outage are not charged to later losses as forward;
 *  - RTT histogram (exponential buckets from 50 us, doubling, and the finer buckets of a
 *    native histogram, prom_native.h), min/avg/max/mdev, RFC 3550
 *    section 6.4.1/A.8 interarrival jitter over successive round-trip times;
 *  - the outcome of the last `window` probes, for ipsec_probe_success and _loss_ratio.
 */
#ifndef IKEWATCH_PROBE_STATS_H
#define IKEWATCH_PROBE_STATS_H

#include "common/limits.h"
#include "prom/prom_native.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_RTT_BUCKETS 17 /* 50 us .. 3.2768 s */
#define PROBE_RTT_BUCKET0_S 50e-6
#define PROBE_OUTCOMES_MAX 1024
#define PROBE_PENDING_MAX 256

enum probe_far_end {
	PROBE_FAR_AUTO,      /* STAMP: split by direction once the reflector proves stateful */
	PROBE_FAR_STATEFUL,  /* STAMP reflector known to be stateful */
	PROBE_FAR_STATELESS, /* echo, TCP, stateless reflector: direction always unknown */
};

struct probe_stats_config {
	uint64_t timeout_ns;  /* a probe unanswered for this long is lost */
	uint64_t interval_ns; /* between probes: how long a loss may wait for its direction */
	uint32_t window; /* outcomes kept for the "last window" gauges, 1..PROBE_OUTCOMES_MAX */
	enum probe_far_end far_end;
	uint32_t first_seq; /* the first sequence number sent (see PROBE_STAMP_FIRST_SEQ) */
};

/*
 * Where serve's STAMP probes start numbering: far from 0, so that a stateful reflector (which
 * numbers each session from 0) differs from our number in its first reply and the loss split by
 * direction starts at once, even when all the loss is on the way back (the reflector's count
 * then keeps pace with ours and only the offset tells it from a stateless copy).
 */
#define PROBE_STAMP_FIRST_SEQ 0x10000u

enum probe_rx_kind {
	PROBE_RX_NEW,
	PROBE_RX_DUPLICATE,
	PROBE_RX_LATE,    /* answered after it was counted lost */
	PROBE_RX_UNKNOWN, /* never sent, or older than the ring */
};

struct probe_reply_info {
	uint32_t seq;      /* our sequence number, echoed */
	bool has_refl_seq; /* the far end sent its own sequence number */
	uint32_t refl_seq;
	double rtt_s;
	bool owd_valid; /* both clocks synchronised */
	double owd_fwd_s, owd_rev_s;
	uint64_t mono_ns; /* arrival */
};

struct probe_slot {
	uint32_t seq;
	uint8_t state;
	uint64_t sent_ns;
};

struct probe_stats {
	struct probe_stats_config cfg;
	struct probe_slot ring[PROBE_WINDOW];
	uint32_t next_seq;
	uint32_t oldest_inflight; /* lowest sequence number that may still be in flight */

	uint64_t sent, received, duplicated, reordered, late;
	uint64_t lost_forward, lost_reverse, lost_unknown;

	bool any_received;
	uint32_t max_received;

	/* direction split */
	bool have_base, stateful;
	bool gave_up; /* a loss after s_hi went unknown for want of a reply: rebase at the next */
	uint32_t s0, r0, s_hi, r_hi;
	uint64_t fwd_detected, fwd_attributed; /* forward losses seen by sequence gaps / counted */
	uint64_t fwd_span_base, fwd_span;      /* detected before this span / within it */
	uint32_t pending[PROBE_PENDING_MAX];   /* lost, direction not yet known, oldest first */
	uint64_t pending_at[PROBE_PENDING_MAX];
	size_t pending_head, pending_n;

	/* RTT */
	uint64_t rtt_buckets[PROBE_RTT_BUCKETS + 1]; /* non-cumulative; last is +Inf */
	struct prom_native rtt_native;               /* the same observations in native buckets */
	uint64_t rtt_count;
	double rtt_sum, rtt_sumsq, rtt_min, rtt_max, rtt_last;
	double jitter_s;

	/* one-way delays of the latest reply whose clocks were both synchronised */
	bool owd_valid;
	double owd_fwd_s, owd_rev_s;

	/* outcomes of the last window: 1 answered, 0 lost */
	uint8_t outcomes[PROBE_OUTCOMES_MAX];
	uint32_t outcomes_n, outcomes_next, outcomes_lost;
};

void probe_stats_init(struct probe_stats *st, const struct probe_stats_config *cfg);
/* Record a probe sent now; returns its sequence number. */
uint32_t probe_stats_sent(struct probe_stats *st, uint64_t mono_ns);
/* Record a reply. *ret_reordered says whether a new reply came out of order. */
enum probe_rx_kind probe_stats_received(struct probe_stats *st, const struct probe_reply_info *ri,
                                        bool *ret_reordered);
/* Declare lost what has been waiting longer than the timeout. */
void probe_stats_tick(struct probe_stats *st, uint64_t mono_ns);

/* Probes sent at or before @mono_ns (those sent later are still in the ring). */
uint64_t probe_stats_sent_before(const struct probe_stats *st, uint64_t mono_ns);
/* Lost so far, whatever the direction, including those whose direction is still pending. */
uint64_t probe_stats_lost(const struct probe_stats *st);
/* Probes sent whose fate is not known yet. */
uint64_t probe_stats_inflight(const struct probe_stats *st);
/* Loss ratio over the last window (0 when nothing is settled yet). */
double probe_stats_window_loss(const struct probe_stats *st);
/* At least one probe of the last window was answered. */
bool probe_stats_success(const struct probe_stats *st);
/* Standard deviation of the RTT (ping's mdev), seconds. */
double probe_stats_rtt_mdev(const struct probe_stats *st);
/* Upper bounds of the RTT buckets in seconds (PROBE_RTT_BUCKETS entries). */
const double *probe_stats_rtt_bounds(void);
/* Cumulative counts for the exposition (PROBE_RTT_BUCKETS entries). */
void probe_stats_rtt_cumulative(const struct probe_stats *st, uint64_t *ret);

/* The @q quantile (0..1, nearest rank) of @v; sorts @v in place. 0 when @n is 0. */
double probe_quantile(double *v, size_t n, double q);

#endif
