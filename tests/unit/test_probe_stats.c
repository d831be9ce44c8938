// SPDX-License-Identifier: Apache-2.0
/*
 * Probe accounting with crafted sequences: loss split by direction against a stateful
 * reflector, unknown direction against a stateless one, duplicates, reordering, late replies,
 * jitter (RFC 3550 A.8), RTT buckets, the last-window gauges and nearest-rank quantiles;
 * simulated paths with random loss one way, the other, both, and a total outage that ends.
 */
#include "test.h"

#include "probe/probe_stats.h"

#define MS 1000000ull

static struct probe_stats st;

static void init(enum probe_far_end fe)
{
	struct probe_stats_config c = {
	    .timeout_ns = 500 * MS, .interval_ns = 100 * MS, .window = 10, .far_end = fe};

	probe_stats_init(&st, &c);
}

static enum probe_rx_kind reply(uint32_t seq, uint32_t refl, double rtt, uint64_t now, bool *reord)
{
	struct probe_reply_info ri = {
	    .seq = seq, .has_refl_seq = true, .refl_seq = refl, .rtt_s = rtt, .mono_ns = now};

	return probe_stats_received(&st, &ri, reord);
}

/*
 * Ten probes to a stateful reflector: 3 and 7 never reach it (the reflector numbers the rest
 * 0,1,2,3,...: a gap between sender and reflector numbers), the reply to 6 is lost.
 */
static void direction_split_stateful(void)
{
	uint32_t refl = 0;
	bool ro;

	init(PROBE_FAR_AUTO);
	for (uint32_t i = 0; i < 10; i++) {
		T_EQ_INT(probe_stats_sent(&st, i * 100 * MS), i);
		if (i == 3 || i == 7)
			continue; /* forward loss: the reflector never counts it */
		if (i == 6) {
			refl++; /* reflected, lost on the way back */
			continue;
		}
		T_EQ_INT(reply(i, refl++, 0.001, i * 100 * MS + MS, &ro), PROBE_RX_NEW);
	}
	probe_stats_tick(&st, 2000 * MS);
	T_EQ_INT(st.sent, 10);
	T_EQ_INT(st.received, 7);
	T_EQ_INT(st.lost_forward, 2);
	T_EQ_INT(st.lost_reverse, 1);
	T_EQ_INT(st.lost_unknown, 0);
	T_EQ_INT(probe_stats_lost(&st), 3);
	T_EQ_INT(probe_stats_inflight(&st), 0);
	T_ASSERT(probe_stats_window_loss(&st) > 0.29 && probe_stats_window_loss(&st) < 0.31);
	T_ASSERT(probe_stats_success(&st));
}

/* A stateless reflector copies our numbers: every loss is of unknown direction. */
static void stateless_is_unknown(void)
{
	bool ro;

	init(PROBE_FAR_AUTO);
	for (uint32_t i = 0; i < 6; i++) {
		probe_stats_sent(&st, i * 100 * MS);
		if (i != 2 && i != 4)
			reply(i, i, 0.001, i * 100 * MS + MS, &ro);
	}
	probe_stats_tick(&st, 2000 * MS);
	T_EQ_INT(st.lost_unknown, 2);
	T_EQ_INT(st.lost_forward + st.lost_reverse, 0);

	init(PROBE_FAR_STATELESS);
	probe_stats_sent(&st, 0);
	probe_stats_tick(&st, 600 * MS);
	T_EQ_INT(st.lost_unknown, 1);
	T_ASSERT(!probe_stats_success(&st));
	T_ASSERT(probe_stats_window_loss(&st) == 1.0);
}

/* A loss that expires before any later reply waits for one, then gets its direction. */
static void pending_then_attributed(void)
{
	bool ro;

	init(PROBE_FAR_STATEFUL);
	probe_stats_sent(&st, 0);
	reply(0, 0, 0.001, MS, &ro);
	probe_stats_sent(&st, 100 * MS); /* seq 1: reflected (refl 1), reply lost */
	probe_stats_tick(&st, 700 * MS);
	T_EQ_INT(probe_stats_lost(&st), 1);
	T_EQ_INT(st.lost_reverse + st.lost_forward + st.lost_unknown, 0); /* pending */
	probe_stats_sent(&st, 800 * MS);
	reply(2, 2, 0.001, 801 * MS, &ro);
	T_EQ_INT(st.lost_reverse, 1);
	T_EQ_INT(st.lost_forward, 0);

	/* with nothing coming back, pending losses become unknown after timeout + 3 intervals */
	probe_stats_sent(&st, 900 * MS);
	probe_stats_tick(&st, 1500 * MS);
	T_EQ_INT(st.lost_unknown, 0);
	probe_stats_tick(&st, 1500 * MS + 801 * MS);
	T_EQ_INT(st.lost_unknown, 1);
}

static void duplicates_reordering_late(void)
{
	bool ro;

	init(PROBE_FAR_STATELESS);
	for (uint32_t i = 0; i < 4; i++)
		probe_stats_sent(&st, i * MS);
	T_EQ_INT(reply(0, 0, 0.001, 10 * MS, &ro), PROBE_RX_NEW);
	T_ASSERT(!ro);
	T_EQ_INT(reply(2, 2, 0.001, 11 * MS, &ro), PROBE_RX_NEW);
	T_EQ_INT(reply(1, 1, 0.001, 12 * MS, &ro), PROBE_RX_NEW); /* after 2: reordered */
	T_ASSERT(ro);
	T_EQ_INT(reply(1, 1, 0.001, 13 * MS, &ro), PROBE_RX_DUPLICATE);
	T_EQ_INT(reply(0, 0, 0.001, 13 * MS, &ro), PROBE_RX_DUPLICATE);
	T_EQ_INT(reply(9, 9, 0.001, 13 * MS, &ro), PROBE_RX_UNKNOWN); /* never sent */
	probe_stats_tick(&st, 600 * MS);
	T_EQ_INT(reply(3, 3, 0.001, 601 * MS, &ro), PROBE_RX_LATE);
	T_EQ_INT(st.received, 3);
	T_EQ_INT(st.duplicated, 2);
	T_EQ_INT(st.reordered, 1);
	T_EQ_INT(st.late, 1);
	T_EQ_INT(st.lost_unknown, 1);
}

static void jitter_and_rtt(void)
{
	static const double rtts[] = {0.010, 0.012, 0.010, 0.014};
	uint64_t cum[PROBE_RTT_BUCKETS];
	double j = 0;
	bool ro;

	init(PROBE_FAR_STATELESS);
	for (uint32_t i = 0; i < 4; i++) {
		probe_stats_sent(&st, i * MS);
		reply(i, i, rtts[i], i * MS + 20 * MS, &ro);
		if (i > 0) {
			double d = rtts[i] - rtts[i - 1];

			j += ((d < 0 ? -d : d) - j) / 16.0;
		}
	}
	T_ASSERT(st.jitter_s > j - 1e-12 && st.jitter_s < j + 1e-12);
	T_ASSERT(st.jitter_s > 0.0004 && st.jitter_s < 0.0006);
	T_ASSERT(st.rtt_min == 0.010 && st.rtt_max == 0.014);
	T_ASSERT(probe_stats_rtt_mdev(&st) > 0.00164 && probe_stats_rtt_mdev(&st) < 0.00166);
	/* 10-14 ms fall in the 12.8 ms (index 8) and 25.6 ms (index 9) buckets */
	probe_stats_rtt_cumulative(&st, cum);
	T_EQ_INT(cum[7], 0);
	T_EQ_INT(cum[8], 3);
	T_EQ_INT(cum[9], 4);
	T_EQ_INT(cum[PROBE_RTT_BUCKETS - 1], 4);
	T_ASSERT(probe_stats_rtt_bounds()[0] == 50e-6 && probe_stats_rtt_bounds()[16] == 3.2768);
	/* the native buckets hold the same observations: 10 ms twice in one bucket (key -53),
	 * 12 ms (-51) and 14 ms (-49) */
	T_EQ_INT(prom_native_total(&st.rtt_native), st.rtt_count);
	T_EQ_INT(st.rtt_native.counts[-53 - PROM_NATIVE_KEY_MIN], 2);
	T_EQ_INT(st.rtt_native.counts[-51 - PROM_NATIVE_KEY_MIN], 1);
	T_EQ_INT(st.rtt_native.counts[-49 - PROM_NATIVE_KEY_MIN], 1);
}

/* Whatever the RTT (0, a clock step backwards, beyond the top bucket), native and classic count
 * every observation once. */
static void native_counts_every_rtt(void)
{
	static const double rtts[] = {0, -0.5, 1e-9, 0.3, 200.0, 5.0};
	bool ro;

	init(PROBE_FAR_STATELESS);
	for (uint32_t i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		probe_stats_sent(&st, i * MS);
		reply(i, i, rtts[i], i * MS + 20 * MS, &ro);
	}
	T_EQ_INT(st.rtt_count, 6);
	T_EQ_INT(prom_native_total(&st.rtt_native), 6);
	T_EQ_INT(st.rtt_native.zero_count, 3);
	T_EQ_INT(st.rtt_native.counts[PROM_NATIVE_BUCKETS - 1], 1);
}

static void window_forgets(void)
{
	bool ro;

	init(PROBE_FAR_STATELESS);
	for (uint32_t i = 0; i < 10; i++)
		probe_stats_sent(&st, i * MS);
	probe_stats_tick(&st, 600 * MS); /* all ten lost */
	T_ASSERT(!probe_stats_success(&st));
	for (uint32_t i = 10; i < 15; i++) {
		probe_stats_sent(&st, 600 * MS + i * MS);
		reply(i, i, 0.001, 600 * MS + i * MS + 1, &ro);
	}
	T_ASSERT(probe_stats_success(&st));
	T_ASSERT(probe_stats_window_loss(&st) == 0.5); /* window of 10: 5 lost, 5 answered */
}

static void reflector_restart_rebases(void)
{
	bool ro;

	init(PROBE_FAR_STATEFUL);
	for (uint32_t i = 0; i < 3; i++) {
		probe_stats_sent(&st, i * MS);
		reply(i, 100 + i, 0.001, i * MS + 1, &ro);
	}
	/* reflector restarted: its counter goes back to 0; no forward loss to invent */
	probe_stats_sent(&st, 3 * MS);
	reply(3, 0, 0.001, 3 * MS + 1, &ro);
	probe_stats_sent(&st, 4 * MS);
	reply(4, 1, 0.001, 4 * MS + 1, &ro);
	T_EQ_INT(st.fwd_detected, 0);
}

static void sent_before_cutoff(void)
{
	init(PROBE_FAR_STATELESS);
	for (uint32_t i = 0; i < 5; i++)
		probe_stats_sent(&st, i * 10 * MS);
	T_EQ_INT(probe_stats_sent_before(&st, 100 * MS), 5);
	T_EQ_INT(probe_stats_sent_before(&st, 25 * MS), 3);
	T_EQ_INT(probe_stats_sent_before(&st, 0), 1);
}

static void quantiles(void)
{
	double v[] = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};

	T_ASSERT(probe_quantile(v, 10, 0.5) == 5);
	T_ASSERT(probe_quantile(v, 10, 0.9) == 9);
	T_ASSERT(probe_quantile(v, 10, 0.99) == 10);
	T_ASSERT(probe_quantile(v, 10, 0) == 1);
	T_ASSERT(probe_quantile(v, 0, 0.5) == 0);
}

/* What the path does to probe i: */
enum fate { PASS, FWD, REV };

/* A fixed pseudo-random percentile per probe, so that every run sees the same losses. */
static uint32_t pct(uint32_t i)
{
	uint32_t h = (i + 1) * 2654435761u;

	h ^= h >> 15;
	h *= 2246822519u;
	h ^= h >> 13;
	return h % 100;
}

struct sim {
	uint32_t fwd, rev; /* drops the path made, by direction */
};

/*
 * @n probes every 100 ms (timeout 500 ms) to a stateful reflector that numbers from 0, through
 * a path that drops as @fate says; the state ticks after every probe, as the prober does.
 */
static void run_sim(enum probe_far_end fe, uint32_t first, uint32_t n, enum fate (*fate)(uint32_t),
                    struct sim *ret)
{
	struct probe_stats_config c = {.timeout_ns = 500 * MS,
	                               .interval_ns = 100 * MS,
	                               .window = 10,
	                               .far_end = fe,
	                               .first_seq = first};
	struct sim k = {0};
	uint32_t refl = 0;
	bool ro;

	probe_stats_init(&st, &c);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = i * 100 * MS;
		uint32_t seq = probe_stats_sent(&st, t);
		enum fate f = fate(i);

		T_EQ_INT(seq, first + i);
		if (f == FWD) {
			k.fwd++; /* the reflector never counts it */
		} else if (f == REV) {
			k.rev++;
			refl++; /* counted, the answer lost */
		} else {
			reply(seq, refl++, 0.001, t + MS, &ro);
		}
		probe_stats_tick(&st, t + MS);
	}
	/* the last ones are declared lost, then their direction is given up on */
	probe_stats_tick(&st, n * 100 * MS + 5000 * MS);
	probe_stats_tick(&st, n * 100 * MS + 10000 * MS);
	T_EQ_INT(st.sent, n);
	T_EQ_INT(st.received + k.fwd + k.rev, n);
	T_EQ_INT(probe_stats_lost(&st), k.fwd + k.rev);
	T_EQ_INT(probe_stats_inflight(&st), 0);
	*ret = k;
}

static struct sim simulate(enum probe_far_end fe, uint32_t first, uint32_t n,
                           enum fate (*fate)(uint32_t))
{
	struct sim k = {UINT32_MAX, UINT32_MAX}; /* fails the callers' checks if run_sim did */

	run_sim(fe, first, n, fate, &k);
	return k;
}

/*
 * The first and last probes always pass: a loss before the first reply of a span, or with no
 * reply after it, rightly stays unknown (head_and_tail_unknown shows both).
 */
#define TAIL(i) ((i) < 10 || (i) >= 990)
static enum fate fwd10(uint32_t i)
{
	return !TAIL(i) && pct(i) < 10 ? FWD : PASS;
}
static enum fate rev10(uint32_t i)
{
	return !TAIL(i) && pct(i) < 10 ? REV : PASS;
}
static enum fate both10(uint32_t i)
{
	uint32_t p = pct(i);

	return TAIL(i) ? PASS : p < 10 ? FWD : p < 20 ? REV : PASS;
}

/* 10 % one way and the other, every loss attributed, from the first probe on. */
static void partial_loss_attributed(void)
{
	struct sim k;

	k = simulate(PROBE_FAR_AUTO, PROBE_STAMP_FIRST_SEQ, 1000, fwd10);
	T_ASSERT(k.fwd > 60 && k.fwd < 140 && k.rev == 0);
	T_EQ_INT(st.lost_forward, k.fwd);
	T_EQ_INT(st.lost_reverse, 0);
	T_EQ_INT(st.lost_unknown, 0);

	k = simulate(PROBE_FAR_AUTO, PROBE_STAMP_FIRST_SEQ, 1000, rev10);
	T_ASSERT(k.rev > 60 && k.rev < 140 && k.fwd == 0);
	T_EQ_INT(st.lost_reverse, k.rev);
	T_EQ_INT(st.lost_forward, 0);
	T_EQ_INT(st.lost_unknown, 0);

	k = simulate(PROBE_FAR_AUTO, PROBE_STAMP_FIRST_SEQ, 1000, both10);
	T_ASSERT(k.fwd > 60 && k.rev > 60);
	T_EQ_INT(st.lost_forward, k.fwd);
	T_EQ_INT(st.lost_reverse, k.rev);
	T_EQ_INT(st.lost_unknown, 0);

	/* configured stateful: the same from 0 */
	k = simulate(PROBE_FAR_STATEFUL, 0, 1000, both10);
	T_EQ_INT(st.lost_forward, k.fwd);
	T_EQ_INT(st.lost_reverse, k.rev);
	T_EQ_INT(st.lost_unknown, 0);

	/*
	 * Numbered from 0 with only reverse loss, a stateful reflector's count equals ours
	 * throughout: nothing tells it from a stateless copy, so the direction stays unknown
	 * (why serve's STAMP probes start at PROBE_STAMP_FIRST_SEQ).
	 */
	k = simulate(PROBE_FAR_AUTO, 0, 1000, rev10);
	T_EQ_INT(st.lost_unknown, k.rev);
	T_EQ_INT(st.lost_forward + st.lost_reverse, 0);
}

/* 10 % both ways, a 6 s total outage (both directions), then 10 % both ways again. */
#define OUTAGE(i) ((i) >= 200 && (i) < 260)
static enum fate outage_fate(uint32_t i)
{
	if (OUTAGE(i))
		return i % 2 ? FWD : REV;
	/* clean just before (every earlier loss has its answer) and just after (the new span's
	 * first reply comes at once) */
	if ((i >= 180 && i < 200) || (i >= 260 && i < 270))
		return PASS;
	return both10(i);
}

static enum fate outage_only(uint32_t i)
{
	return i >= 500 ? FWD : i >= 480 ? PASS : both10(i);
}

/* a loss each way before the first reply, and one after the last */
static enum fate head_tail(uint32_t i)
{
	return i == 0 ? REV : i == 1 ? FWD : i == 99 ? FWD : PASS;
}

static void head_and_tail_unknown(void)
{
	simulate(PROBE_FAR_AUTO, PROBE_STAMP_FIRST_SEQ, 100, head_tail);
	/* where the reflector's numbering starts is not known: which of the two reached it? */
	T_EQ_INT(st.lost_unknown, 3);
	T_EQ_INT(st.lost_forward + st.lost_reverse, 0);
}

static void outage_unknown_then_recovery(void)
{
	struct sim k = simulate(PROBE_FAR_AUTO, PROBE_STAMP_FIRST_SEQ, 1000, outage_fate);
	uint32_t fwd_out = 30, rev_out = 30; /* the outage's own drops */

	/* the outage's 60 losses stay unknown; the partial loss around it is split exactly */
	T_EQ_INT(st.lost_unknown, 60);
	T_EQ_INT(st.lost_forward, k.fwd - fwd_out);
	T_EQ_INT(st.lost_reverse, k.rev - rev_out);

	/* an outage that does not end: all of it unknown, nothing invented */
	k = simulate(PROBE_FAR_AUTO, PROBE_STAMP_FIRST_SEQ, 1000, outage_only);
	T_EQ_INT(st.lost_unknown, 500);
	T_ASSERT(st.lost_forward > 0 && st.lost_forward + st.lost_reverse + 500 == k.fwd + k.rev);
}

TEST_MAIN("probe_stats", TEST(partial_loss_attributed), TEST(outage_unknown_then_recovery),
          TEST(head_and_tail_unknown), TEST(direction_split_stateful), TEST(stateless_is_unknown),
          TEST(pending_then_attributed), TEST(duplicates_reordering_late), TEST(jitter_and_rtt),
          TEST(native_counts_every_rtt), TEST(window_forgets), TEST(reflector_restart_rebases),
          TEST(sent_before_cutoff), TEST(quantiles))
