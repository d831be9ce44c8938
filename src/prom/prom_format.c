// SPDX-License-Identifier: Apache-2.0
/*
 * The writer's formats: which one a writer writes (set once, at init), how it ends, and the
 * histogram call that carries native buckets to the format that can hold them. The per-call
 * dispatch sits at the top of each public function of prom_writer.c.
 */
#include "prom/prom_writer_int.h"

#include <errno.h>

int prom_writer_init_format(struct prom_writer *w, struct buf *out, enum prom_format format)
{
	prom_writer_init(w, out);
	if ((unsigned)format >= PROM_FORMAT_N)
		return -EINVAL;
	w->format = format;
	if (format == PROM_FORMAT_PROTOBUF) {
		w->proto = prom_proto_new();
		if (!w->proto)
			return -ENOMEM;
	}
	return 0;
}

int prom_writer_finish(struct prom_writer *w)
{
	if (w->proto) {
		prom_proto_flush(w);
		prom_proto_free(w->proto);
		w->proto = NULL;
	}
	if (w->format == PROM_FORMAT_OPENMETRICS)
		buf_append(w->out, "# EOF\n", 6);
	w->family = NULL; /* nothing more belongs to this exposition */
	return w->out->err;
}

void prom_histogram_native(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                           const double *bounds, const uint64_t *cumulative_counts, size_t nbounds,
                           double sum, uint64_t count, const struct prom_native *nh)
{
	/* only the protobuf writer reads it; validation stays in prom_histogram() */
	w->native = w->proto ? nh : NULL;
	prom_histogram(w, labels, nlabels, bounds, cumulative_counts, nbounds, sum, count);
	w->native = NULL;
}
