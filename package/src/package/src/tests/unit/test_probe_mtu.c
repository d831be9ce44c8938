// SPDX-License-Identifier: Apache-2.0
/*
 * The MTU search against simulated paths: a path that sends ICMP errors, a black hole (large
 * probes vanish, no ICMP), random single losses absorbed by retries, a dead path, and a path
 * that carries everything.
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
          TEST(retries_absorb_loss), TEST(dead_path_is_not_a_blackhole), TEST(full_path))
