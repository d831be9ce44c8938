/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The doctor's view of charon itself: worker threads and job queues (`stats`), half-open IKE
 * SAs, virtual-IP pools (`get-pools`) and, with the counters plugin, invalid IKE messages and
 * unknown SPIs (`get-counters`, read at the start and at the end of the doctor's run, so that
 * what grows during it is told apart from old totals). Gathering talks VICI; the check reads the
 * facts only (unit-testable).
 */
#ifndef IKEWATCH_DOCTOR_DAEMON_H
#define IKEWATCH_DOCTOR_DAEMON_H

#include "doctor/doctor_report.h"
#include "exporter/daemon_stats.h"

#include <stdbool.h>
#include <stdint.h>

#define DOCTOR_POOLS_MAX 16

struct doctor_pool_facts {
	char name[64];
	uint64_t size, online, offline;
};

struct doctor_daemon_facts {
	bool stats_read;
	/* only stats.ike_sas and ike_sas_half_open are known (pluto's --globalstatus) */
	bool sas_read;
	struct daemon_stats stats;
	bool counters_read; /* the counters plugin answered (totals below) */
	uint64_t invalid_spi, invalid, init_in;
	double counters_at; /* wall clock of the first read */
	bool delta;         /* read twice: the growth between the reads */
	double delta_s;
	uint64_t d_invalid_spi, d_invalid, d_init_in;
	uint32_t n_pools; /* the first DOCTOR_POOLS_MAX pools */
	struct doctor_pool_facts pools[DOCTOR_POOLS_MAX];
};

/* Read stats, get-counters and get-pools at @now; called a second time, the counters' growth
 * since the first call is kept too. What charon cannot answer stays unread. */
void doctor_daemon_gather(const char *vici_socket, unsigned timeout_ms, double now,
                          struct doctor_daemon_facts *d);

/* Findings: saturated workers, half-open IKE SAs piling up, nearly full pools, invalid SPIs. */
void doctor_daemon_check(struct doctor_report *r, const struct doctor_daemon_facts *d);

#endif
