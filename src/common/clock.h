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

/* A poll() timeout from the monotonic millisecond @due (UINT64_MAX: never) and @now: -1 for
 * none, 0 when it has passed. */
static inline int clock_poll_ms(uint64_t due, uint64_t now)
{
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : (int)(due - now > INT32_MAX ? INT32_MAX : due - now);
}

/* Seconds since the epoch, with sub-second precision, for *_timestamp_seconds metrics. */
static inline double clock_real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
