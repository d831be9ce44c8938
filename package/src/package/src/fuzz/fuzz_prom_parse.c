// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the exposition parser (src/prom/prom_parse.c), which reads what a peer
 * ikewatch or Prometheus answers: any bytes give 0 or an error with a line number and a reason,
 * never a crash, a leak or a read past the input. Every parsed string is touched under ASan.
 */
#include "prom/prom_parse.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_scrape s;
	const char *why = NULL;
	size_t line = 0, total = 0;
	int r;

	prom_scrape_init(&s);
	r = prom_parse(&s, (const char *)data, size, &line, &why);
	if (r < 0 && (r != -EBADMSG && r != -E2BIG && r != -ENOMEM))
		abort();
	if (r < 0 && (!why || !why[0] || line == 0))
		abort();
	for (size_t i = 0; i < s.n; i++) {
		const struct prom_parsed_sample *p = &s.samples[i];

		total += strlen(p->name);
		for (size_t j = 0; j < p->nlabels; j++) {
			total += strlen(p->labels[j].name);
			if (strlen(p->labels[j].value) > p->labels[j].len)
				abort();
			if (prom_sample_label(p, p->labels[j].name) == NULL)
				abort();
		}
	}
	(void)total;
	prom_scrape_done(&s);
	return 0;
}
