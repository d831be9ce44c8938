// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the doctor's reading of charon's log (src/doctor/doctor_log.c): any
 * bytes, as lines, fold into the facts without a crash or a leak, every text field stays
 * terminated, a silent time is never negative, and a line's time (doctor_log_time) is -1 or a
 * time within a year and a day before now.
 */
#include "doctor/doctor_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct doctor_facts f;
	double now = 1700725205, t;

	doctor_facts_init(&f);
	f.now = now;
	doctor_log_feed_text(&f, (const char *)data, size);
	for (uint32_t i = 0; i < f.n_conns; i++) {
		const struct doctor_log_facts *l = &f.conns[i].log;

		if (strnlen(l->last_error, sizeof(l->last_error)) == sizeof(l->last_error) ||
		    (l->retx_silent_s < 0 && l->retx_silent_s != -1))
			abort();
	}
	t = doctor_log_time((const char *)data, size, now);
	if (t != -1 && (t > now + 86400 || t < now - 367 * 86400))
		abort();
	doctor_facts_done(&f);
	return 0;
}
