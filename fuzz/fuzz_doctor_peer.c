// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for doctor's judgement of a peer's answer (src/doctor/doctor_peer_read.c,
 * doctor_peer_judge()): any body gives one of the statuses, a NUL-terminated error line when
 * it is not OK, and names that fit their fields when it is; never a crash or a leak. The SPIs
 * looked for are those of the seeds, so the fuzzer reaches the pairing and the counters.
 */
#include "doctor/doctor_peer_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doctor_peer_facts pf;
	struct doctor_peer_reading rd;
	enum doctor_peer_status st;

	memset(&pf, 0, sizeof(pf));
	memset(&rd, 0, sizeof(rd));
	st = doctor_peer_judge((const char *)data, size, 0xdc108123, 0x0fb08200, &pf, &rd);
	if (st == DOCTOR_PEER_OK) {
		if (strnlen(rd.conn, sizeof(rd.conn)) == sizeof(rd.conn) ||
		    strnlen(rd.child, sizeof(rd.child)) == sizeof(rd.child))
			abort();
	} else if (!pf.error[0] || strnlen(pf.error, sizeof(pf.error)) == sizeof(pf.error)) {
		abort();
	}
	return 0;
}
