// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the Accept negotiation of /metrics (src/http/http_negotiate.c, on the
 * header splitter of src/http/http_header.c): any bytes give a format and its content type,
 * never a crash or a read past the end; protobuf only when the value names it with its proto
 * and encoding, OpenMetrics only when it names openmetrics-text.
 */
#include "http/http_negotiate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* @lit (lower case) anywhere in @d, ignoring case */
static bool names(const uint8_t *d, size_t n, const char *lit)
{
	size_t m = strlen(lit);

	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;

		while (k < m && lower(d[i + k]) == lit[k])
			k++;
		if (k == m)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_exposition ex = http_negotiate_exposition((const char *)data, size);

	if (!ex.content_type)
		abort();
	if (ex.format == PROM_FORMAT_PROTOBUF &&
	    (!names(data, size, "vnd.google.protobuf") || !names(data, size, "delimited") ||
	     strcmp(ex.content_type, PROM_CONTENT_TYPE_PROTOBUF) != 0))
		abort();
	if (ex.format == PROM_FORMAT_OPENMETRICS && !names(data, size, "openmetrics-text"))
		abort();
	if (ex.format == PROM_FORMAT_TEXT && strcmp(ex.content_type, PROM_CONTENT_TYPE) != 0)
		abort();
	return 0;
}
