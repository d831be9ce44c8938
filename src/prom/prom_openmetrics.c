// SPDX-License-Identifier: Apache-2.0
/*
 * OpenMetrics text 1.0.0 (https://github.com/OpenObservability/OpenMetrics, the specification's
 * "Text format"). Its samples are written exactly as text 0.0.4 writes them (prom_writer.c), so
 * only the family's metadata differs here: a counter's family is named without its "_total"
 * (its samples keep it), "untyped" is "unknown", and HELP escapes '"' too. "# EOF" ends the
 * exposition (prom_writer_finish()). No UNIT lines: they are optional, and the unit is already
 * the last part of our names.
 */
#include "prom/prom_writer_int.h"

#include <string.h>

static const char *const om_type_names[] = {
    [PROM_GAUGE] = "gauge",
    [PROM_COUNTER] = "counter",
    [PROM_HISTOGRAM] = "histogram",
    [PROM_UNTYPED] = "unknown",
};

void prom_om_family(struct prom_writer *w, const char *help)
{
	size_t n = w->family_len;

	/* prom_family() admits a counter only with the suffix */
	if (w->type == PROM_COUNTER && n > 6 && memcmp(w->family + n - 6, "_total", 6) == 0)
		n -= 6;
	if (help) {
		buf_append(w->out, "# HELP ", 7);
		buf_append(w->out, w->family, n);
		buf_putc(w->out, ' ');
		prom_escape_quoted(w->out, help, strlen(help));
		buf_putc(w->out, '\n');
	}
	buf_append(w->out, "# TYPE ", 7);
	buf_append(w->out, w->family, n);
	buf_putc(w->out, ' ');
	buf_puts(w->out, om_type_names[w->type]);
	buf_putc(w->out, '\n');
}
