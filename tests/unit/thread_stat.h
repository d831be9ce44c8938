/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the kernel counts of a test process's own threads, for tests that check a background
 * thread sleeps while there is nothing to do (an idle daemon must not wake to poll a flag, nor
 * spin on a descriptor that stays readable).
 */
#ifndef IKEWATCH_TEST_THREAD_STAT_H
#define IKEWATCH_TEST_THREAD_STAT_H

#include <stdbool.h>

struct thread_stat {
	long switches;    /* voluntary context switches: each one a wake-up from a wait */
	long long cpu_ns; /* time on a CPU */
};

/* Of this process's thread named @name (pthread_setname_np): 0, or -1 when there is none. */
int thread_stat(const char *name, struct thread_stat *ret);
/* How much thread @name did while the caller slept @ms milliseconds (deltas): 0 or -1. */
int thread_idle(const char *name, long ms, struct thread_stat *ret);
/* Thread @name slept through @ms of the caller's sleep: at most one wake-up and under 20 ms of
 * CPU (a thread that spins on a readable descriptor never sleeps, so it shows as CPU). */
bool thread_slept(const char *name, long ms);

#endif
