// SPDX-License-Identifier: Apache-2.0
/*
 * The doctor's daemon check (src/doctor/doctor_daemon.c) on facts as charon would give them:
 * saturated workers with a queue, a pile of half-open IKE SAs, a nearly full and a full pool,
 * invalid SPIs that grow during the run; and a healthy charon that yields no finding.
 */
#include "test.h"

#include "doctor/doctor_daemon.h"

static struct doctor_daemon_facts healthy(void)
{
	struct doctor_daemon_facts d = {0};

	d.stats_read = true;
	d.stats.workers_total = 16;
	d.stats.workers_idle = 7;
	d.stats.workers_active[DAEMON_PRIO_CRITICAL] = 4;
	d.stats.workers_active[DAEMON_PRIO_MEDIUM] = 5;
	d.stats.ike_sas = 5;
	d.counters_read = d.delta = true;
	d.delta_s = 4;
	d.invalid_spi = 3; /* old: before the run */
	d.n_pools = 1;
	d.pools[0] = (struct doctor_pool_facts){"rw", 254, 100, 3};
	return d;
}

static const struct doctor_finding *find(const struct doctor_report *r, const char *id)
{
	return doctor_find(r, id, NULL);
}

static bool has_evidence(const struct doctor_finding *f, const char *text)
{
	for (uint32_t i = 0; f && i < f->n_evidence; i++)
		if (strstr(f->evidence[i], text))
			return true;
	return false;
}

static void quiet_when_healthy(void)
{
	struct doctor_daemon_facts d = healthy();
	struct doctor_report r;

	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	T_EQ_INT(r.n, 0);
	doctor_report_done(&r);
}

static void saturated(void)
{
	struct doctor_daemon_facts d = healthy();
	struct doctor_report r;
	const struct doctor_finding *f;

	d.stats.workers_idle = 0;
	d.stats.queued[DAEMON_PRIO_MEDIUM] = 200;
	d.stats.queued[DAEMON_PRIO_HIGH] = 12;
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	f = find(&r, "daemon_saturated");
	T_ASSERT(f);
	T_EQ_INT(f->severity, DOCTOR_SEV_CRIT);
	T_ASSERT(has_evidence(f, "workers 16 of 16 busy, 212 jobs queued"));
	doctor_report_done(&r);
	/* busy but nothing waits: a warning only */
	d.stats.queued[DAEMON_PRIO_MEDIUM] = d.stats.queued[DAEMON_PRIO_HIGH] = 0;
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	f = find(&r, "daemon_saturated");
	T_ASSERT(f);
	T_EQ_INT(f->severity, DOCTOR_SEV_WARN);
	doctor_report_done(&r);
}

static void half_open_and_pools(void)
{
	struct doctor_daemon_facts d = healthy();
	struct doctor_report r;
	const struct doctor_finding *f;

	d.stats.ike_sas = 35;
	d.stats.ike_sas_half_open = 30;
	d.d_init_in = 60;
	d.pools[0].online = 250;
	d.pools[1] = (struct doctor_pool_facts){"lab", 3, 3, 0};
	d.n_pools = 2;
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	f = find(&r, "half_open_ike_sas");
	T_ASSERT(f);
	T_ASSERT(has_evidence(f, "30 of 35 IKE SAs half-open"));
	T_ASSERT(has_evidence(f, "60 IKE_SA_INIT requests in the last 4 s"));
	f = find(&r, "pool_nearly_full");
	T_ASSERT(f);
	T_ASSERT(has_evidence(f, "pool rw 250 of 254 leases online (3 offline)"));
	f = find(&r, "pool_full");
	T_ASSERT(f);
	T_EQ_INT(f->severity, DOCTOR_SEV_CRIT);
	T_ASSERT(has_evidence(f, "pool lab 3 of 3 leases online"));
	doctor_report_done(&r);
}

static void invalid_spis(void)
{
	struct doctor_daemon_facts d = healthy();
	struct doctor_report r;
	const struct doctor_finding *f;

	d.d_invalid_spi = 12;
	d.invalid_spi = 15;
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	f = find(&r, "invalid_ike_messages");
	T_ASSERT(f);
	T_EQ_INT(f->severity, DOCTOR_SEV_WARN);
	T_ASSERT(has_evidence(f, "12 invalid SPIs and 0 invalid messages in the last 4 s"));
	doctor_report_done(&r);
	/* one read only (the run was cut short): old totals are a fact, not a cause */
	d.delta = false;
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	f = find(&r, "invalid_ike_messages");
	T_ASSERT(f);
	T_EQ_INT(f->severity, DOCTOR_SEV_INFO);
	doctor_report_done(&r);
	/* no counters plugin: nothing said */
	d.counters_read = false;
	doctor_report_init(&r);
	doctor_daemon_check(&r, &d);
	T_ASSERT(!find(&r, "invalid_ike_messages"));
	doctor_report_done(&r);
}

TEST_MAIN("doctor_daemon", TEST(quiet_when_healthy), TEST(saturated), TEST(half_open_and_pools),
          TEST(invalid_spis))
