// SPDX-License-Identifier: Apache-2.0
/*
 * Probe accounting with crafted sequences: loss split by direction against a stateful
 * reflector, unknown direction against a stateless one, duplicates, reordering, late replies,
 * jitter (RFC 3550 A.8), RTT buckets, the last-window gauges and nearest-rank quantiles.
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

TEST_MAIN("probe_stats", TEST(direction_split_stateful), TEST(stateless_is_unknown),
          TEST(pending_then_attributed), TEST(duplicates_reordering_late), TEST(jitter_and_rtt),
          TEST(window_forgets), TEST(reflector_restart_rebases), TEST(sent_before_cutoff),
          TEST(quantiles))
