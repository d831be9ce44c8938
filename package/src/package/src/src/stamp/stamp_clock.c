// SPDX-License-Identifier: Apache-2.0
/*
 * Local clock state for STAMP timestamps and Error Estimates. adjtimex(2) with modes 0 only
 * reads the kernel's NTP state, so it needs no privilege.
 */
#include "stamp/stamp_clock.h"

#include "stamp/stamp_pkt.h"

#include <sys/timex.h>
#include <time.h>

uint64_t stamp_clock_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t assumed_error_us;

void stamp_clock_assume_synced(uint32_t max_error_us)
{
	__atomic_store_n(&assumed_error_us, max_error_us, __ATOMIC_RELAXED);
}

uint16_t stamp_clock_ee(void)
{
	uint32_t assumed = __atomic_load_n(&assumed_error_us, __ATOMIC_RELAXED);
	struct timex tx = {.modes = 0};
	int st = assumed ? 0 : adjtimex(&tx);
	bool synced = assumed || (st >= 0 && st != TIME_ERROR && !(tx.status & STA_UNSYNC));
	long maxerror = assumed ? (long)assumed : tx.maxerror;
	/* maxerror is in microseconds; express it as Multiplier * 2^(Scale-32) seconds with
	 * Multiplier in 1..255, rounding up so that the estimate never understates the error */
	double err = synced && maxerror > 0 ? (double)maxerror * 1e-6 : 1e-6;
	uint8_t scale = 0;
	double unit = 1.0 / 4294967296.0; /* 2^-32 s */

	while (scale < 63 && err / unit > 255.0) {
		unit *= 2.0;
		scale++;
	}
	return stamp_ee_make(synced, scale, (uint8_t)(err / unit + 0.999));
}
