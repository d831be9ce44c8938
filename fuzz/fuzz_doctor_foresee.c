// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the proposal comparison (src/doctor/doctor_foresee.c), whose "theirs"
 * comes from the peer's ikewatch or from Prometheus: the input is split at its first newline
 * into our list and the peer's. Whatever the text, no crash, a NUL-terminated reason, and the
 * same verdict whichever end asks.
 */
#include "doctor/doctor_foresee.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *theirs;
	struct foresee_result a, b;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	theirs = strchr(text, '\n');
	if (theirs)
		*theirs++ = '\0';
	for (int x = FORESEE_CHILD_REKEY; x <= FORESEE_IKE_REKEY; x++) {
		foresee_proposals((enum foresee_exchange)x, text, theirs, &a);
		foresee_proposals((enum foresee_exchange)x, theirs, text, &b);
		if (memchr(a.reason, '\0', sizeof(a.reason)) == NULL || a.verdict != b.verdict)
			abort();
	}
	free(text);
	return 0;
}
