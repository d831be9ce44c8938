// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for what `doctor --prometheus` reads from Prometheus' HTTP API: the answer
 * parser (src/prom/prom_api.c) and, on what it accepts, both judgements doctor makes of it
 * (src/doctor/doctor_prom_read.c): finding the two targets in an instant vector and judging a
 * run in a range matrix. Any bytes give a status and a NUL-terminated error line, never a
 * crash or a leak. The SPIs, targets and times are those of the seeds (tests/fixtures/
 * prometheus/healthy.*), so the fuzzer reaches the pairing and the counters.
 */
#include "doctor/doctor_prom_read.h"
#include "prom/prom_api.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_api_result r;
	struct doctor_peer_facts pf;
	struct doctor_prom_state st;
	enum doctor_peer_status s;
	bool ready;

	prom_api_init(&r);
	if (prom_api_parse(&r, (const char *)data, size, NULL) == 0) {
		memset(&pf, 0, sizeof(pf));
		memcpy(pf.sender, "203.0.113.1", 12);
		pf.spi_in = 0x6c413f88;
		pf.spi_out = 0x93518028;
		s = doctor_prom_find(&r, NULL, 1796533665.4, &pf, &st);
		if (s != DOCTOR_PEER_OK && !pf.error[0])
			abort();
		memset(&st, 0, sizeof(st));
		memcpy(st.self_instance, "192.0.2.1:33791", 16);
		memcpy(st.self_job, "ikewatch", 9);
		memcpy(st.peer_instance, "198.51.100.1:42115", 19);
		memcpy(st.peer_job, "ikewatch", 9);
		st.t0 = 1796533665.4;
		s = doctor_prom_judge(&r, &st, 1796533669.4, &pf, &ready);
		if (strnlen(pf.error, sizeof(pf.error)) == sizeof(pf.error) ||
		    strnlen(pf.conn, sizeof(pf.conn)) == sizeof(pf.conn))
			abort();
		(void)s;
	}
	prom_api_done(&r);
	return 0;
}
