/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local clock as STAMP needs it: Unix time in nanoseconds for timestamps, and whether the
 * kernel says the clock is synchronised (adjtimex: no STA_UNSYNC, not TIME_ERROR), which sets
 * the S bit and the size of our Error Estimate (RFC 8762 section 4.2.1). One-way delays are
 * only reported when both ends say they are synchronised.
 */
#ifndef IKEWATCH_STAMP_CLOCK_H
#define IKEWATCH_STAMP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

uint64_t stamp_clock_real_ns(void);
/* Our Error Estimate: S from adjtimex, the bound from its maxerror (at least 1 us); or, after
 * stamp_clock_assume_synced(), S set with the bound the operator stated. */
uint16_t stamp_clock_ee(void);
/*
 * The operator states that this clock is synchronised to UTC within @max_error_us (a clock
 * disciplined by PTP or GPS whose daemon does not report through adjtimex); 0 goes back to
 * trusting the kernel. Process-wide; set it once at start-up, before probes or a reflector run.
 */
void stamp_clock_assume_synced(uint32_t max_error_us);

#endif
