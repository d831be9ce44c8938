// SPDX-License-Identifier: Apache-2.0
/*
 * The MTU search against simulated paths: a path that sends ICMP errors, a black hole (large
 * probes vanish, no ICMP), random single losses absorbed by retries, a dead path, a path
 * that carries everything, and 10 % random loss, which must never pass for "too big".
 */
#include "test.h"

#include "probe/probe_mtu.h"

/* Simulate: sizes <= mtu pass; larger ones get ICMP (with the MTU) or vanish; the first
 * @drop_first probes are lost regardless. */
static void simulate(struct probe_mtu_search *s, uint32_t mtu, bool icmp, uint32_t drop_first,
                     uint32_t *ret_probes)
{
	uint32_t size, n = 0;

	while ((size = probe_mtu_search_next(s)) != 0 && n < 1000) {
		n++;
		if (n <= drop_first)
			probe_mtu_search_report(s, PROBE_MTU_TIMEOUT, 0);
		else if (size <= mtu)
			probe_mtu_search_report(s, PROBE_MTU_PASSED, 0);
		else if (icmp)
			probe_mtu_search_report(s, PROBE_MTU_TOO_BIG, mtu);
		else
			probe_mtu_search_report(s, PROBE_MTU_TIMEOUT, 0);
	}
	*ret_probes = n;
}

static void icmp_path_converges_fast(void)
{
	struct probe_mtu_search s;
	struct probe_mtu_result r;
	uint32_t n;

	probe_mtu_search_init(&s, 576, 9000, 3);
	simulate(&s, 1400, true, 0, &n);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(r.path_mtu, 1400);
	T_ASSERT(!r.blackhole);
	T_ASSERT(r.icmp_seen);
	T_ASSERT(n <= 5); /* min, max (ICMP: 1400), 1400, then done by bisection of 1400..1401 */
}

static void blackhole_detected(void)
{
	struct probe_mtu_search s;
	struct probe_mtu_result r;
	uint32_t n;

	probe_mtu_search_init(&s, 576, 1500, 2);
	simulate(&s, 1300, false, 0, &n);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(r.path_mtu, 1300);
	T_ASSERT(r.blackhole);
	T_ASSERT(!r.icmp_seen);
}

static void retries_absorb_loss(void)
{
	struct probe_mtu_search s;
	struct probe_mtu_result r;
	uint32_t n;

	/* the first two probes (both at min) are lost; with 3 tries the third passes */
	probe_mtu_search_init(&s, 576, 1500, 3);
	simulate(&s, 1500, false, 2, &n);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(r.path_mtu, 1500);
	T_ASSERT(!r.blackhole);
	T_EQ_INT(n, 4);
}

static void dead_path_is_not_a_blackhole(void)
{
	struct probe_mtu_search s;
	struct probe_mtu_result r;
	uint32_t n;

	probe_mtu_search_init(&s, 576, 1500, 3);
	simulate(&s, 0, false, 0, &n);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(r.path_mtu, 0);
	T_ASSERT(!r.blackhole);
	T_EQ_INT(n, 3);
}

/* Every probe to the largest size is lost three times by chance (loss, not size); the path
 * carries 1500 bytes. Before, the third timeout made 1500 "too big" and bisection followed;
 * now the last good size is probed, then 1500 again, which passes. */
static void lost_large_probes_are_not_too_big(void)
{
	static const enum probe_mtu_outcome seq[] = {
	    PROBE_MTU_PASSED,  /* 576 */
	    PROBE_MTU_TIMEOUT, /* 1500 lost */
	    PROBE_MTU_TIMEOUT, /* 1500 lost */
	    PROBE_MTU_TIMEOUT, /* 1500 lost: suspect */
	    PROBE_MTU_PASSED,  /* 576 again: the path is up */
	    PROBE_MTU_PASSED,  /* 1500 once more: it was loss */
	};
	static const uint32_t sizes[] = {576, 1500, 1500, 1500, 576, 1500};
	struct probe_mtu_search s;
	struct probe_mtu_result r;

	probe_mtu_search_init(&s, 576, 1500, 3);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		T_EQ_INT(probe_mtu_search_next(&s), sizes[i]);
		probe_mtu_search_report(&s, seq[i], 0);
	}
	T_EQ_INT(probe_mtu_search_next(&s), 0);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(r.path_mtu, 1500);
	T_ASSERT(!r.blackhole);
	T_ASSERT(!r.inconclusive);
}

/* The smallest size lost every try (an outage, or heavy loss): inconclusive, so the caller
 * keeps its last good value instead of reporting an MTU of 0. */
static void loss_at_the_smallest_size_is_inconclusive(void)
{
	struct probe_mtu_search s;
	struct probe_mtu_result r;
	uint32_t n;

	probe_mtu_search_init(&s, 576, 1500, 3);
	simulate(&s, 1500, false, 3, &n);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(n, 3);
	T_EQ_INT(r.path_mtu, 0);
	T_ASSERT(r.inconclusive);
	T_ASSERT(!r.blackhole);
}

/* The last good size is lost while a suspect is confirmed: loss, not size. */
static void lost_confirmation_is_inconclusive(void)
{
	static const enum probe_mtu_outcome seq[] = {
	    PROBE_MTU_PASSED,  PROBE_MTU_TIMEOUT, PROBE_MTU_TIMEOUT,
	    PROBE_MTU_TIMEOUT, PROBE_MTU_TIMEOUT, /* 576, the size that passed, lost too */
	};
	struct probe_mtu_search s;
	struct probe_mtu_result r;

	probe_mtu_search_init(&s, 576, 1500, 3);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		probe_mtu_search_report(&s, seq[i], 0);
	T_EQ_INT(probe_mtu_search_next(&s), 0);
	probe_mtu_search_result(&s, &r);
	T_ASSERT(r.inconclusive);
	T_ASSERT(!r.blackhole);
	T_EQ_INT(r.path_mtu, 576);
}

/* xorshift32: a fixed, portable sequence for the loss simulation */
static uint32_t rnd(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

/* 10 % random loss on three kinds of path, 2000 searches each: a conclusive search finds the
 * true MTU, a black hole only where there is one, and no search ever reports a smaller MTU
 * as its verdict; some searches are inconclusive (the loss is real). */
static void ten_percent_loss_never_shrinks_the_mtu(void)
{
	static const struct {
		uint32_t mtu;
		bool icmp, blackhole;
	} paths[] = {{9000, false, false}, {1400, true, false}, {1300, false, true}};
	uint32_t st = 0x1234567u;

	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		uint32_t inconclusive = 0, wrong = 0, false_bh = 0, want;

		want = paths[p].mtu > 1500 ? 1500 : paths[p].mtu;
		for (int run = 0; run < 2000; run++) {
			struct probe_mtu_search s;
			struct probe_mtu_result r;
			uint32_t size, n = 0;

			probe_mtu_search_init(&s, 576, 1500, 3);
			while ((size = probe_mtu_search_next(&s)) != 0 && n++ < 1000) {
				if (rnd(&st) % 100 < 10)
					probe_mtu_search_report(&s, PROBE_MTU_TIMEOUT, 0);
				else if (size <= paths[p].mtu)
					probe_mtu_search_report(&s, PROBE_MTU_PASSED, 0);
				else if (paths[p].icmp)
					probe_mtu_search_report(&s, PROBE_MTU_TOO_BIG,
					                        paths[p].mtu);
				else
					probe_mtu_search_report(&s, PROBE_MTU_TIMEOUT, 0);
			}
			probe_mtu_search_result(&s, &r);
			if (r.inconclusive) {
				inconclusive++;
				T_ASSERT(!r.blackhole);
				T_ASSERT(r.path_mtu <= want);
				continue;
			}
			if (r.path_mtu != want)
				wrong++;
			if (r.blackhole != paths[p].blackhole)
				false_bh++;
		}
		if (wrong || false_bh)
			test_fail(__FILE__, __LINE__,
			          "path %u: %u wrong MTUs, %u wrong black-hole flags", paths[p].mtu,
			          wrong, false_bh);
		T_ASSERT(inconclusive > 0);
		T_ASSERT(inconclusive < 2000);
	}
}

static void full_path(void)
{
	struct probe_mtu_search s;
	struct probe_mtu_result r;
	uint32_t n;

	probe_mtu_search_init(&s, 576, 1500, 3);
	simulate(&s, 9000, true, 0, &n);
	probe_mtu_search_result(&s, &r);
	T_EQ_INT(r.path_mtu, 1500);
	T_EQ_INT(n, 2);
}

TEST_MAIN("probe_mtu", TEST(icmp_path_converges_fast), TEST(blackhole_detected),
          TEST(retries_absorb_loss), TEST(dead_path_is_not_a_blackhole), TEST(full_path),
          TEST(lost_large_probes_are_not_too_big), TEST(loss_at_the_smallest_size_is_inconclusive),
          TEST(lost_confirmation_is_inconclusive), TEST(ten_percent_loss_never_shrinks_the_mtu))
