/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time helpers. Wall-clock time is only for exported timestamps; every timeout and interval
 * uses CLOCK_MONOTONIC so that a clock step never fires or stalls one.
 */
#ifndef IKEWATCH_CLOCK_H
#define IKEWATCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Seconds since the epoch, with sub-second precision, for *_timestamp_seconds metrics. */
static inline double clock_real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
