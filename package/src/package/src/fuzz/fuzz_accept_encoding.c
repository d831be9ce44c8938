// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the Accept-Encoding check (src/http/http_gzip.c): any bytes give an
 * answer, never a crash or a read past the end; "yes" only when the value names gzip.
 */
#include "http/http_gzip.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool names_gzip(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if ((d[i] | 0x20) == 'g' && (d[i + 1] | 0x20) == 'z' && (d[i + 2] | 0x20) == 'i' &&
		    (d[i + 3] | 0x20) == 'p')
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (http_accepts_gzip((const char *)data, size) && !names_gzip(data, size))
		abort();
	return 0;
}
