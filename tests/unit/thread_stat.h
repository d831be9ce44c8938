/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the kernel counts of a test process's own threads, for tests that check a background
 * thread sleeps while there is nothing to do (an idle daemon must not wake to poll a flag).
 */
#ifndef IKEWATCH_TEST_THREAD_STAT_H
#define IKEWATCH_TEST_THREAD_STAT_H

/* The voluntary context switches (each one a wake-up from a wait) so far of this process's
 * thread named @name (pthread_setname_np), or -1 when there is none. */
long thread_switches(const char *name);

#endif
