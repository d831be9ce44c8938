/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the exposition writer: what prom_writer.c (the text format and the public entry
 * points) shares with the other formats (prom_openmetrics.c, prom_proto.c). Not for other
 * modules.
 */
#ifndef IKEWATCH_PROM_WRITER_INT_H
#define IKEWATCH_PROM_WRITER_INT_H

#include "prom/prom_writer.h"

/* Append @s[0..len) escaped as a label value is (\\, \", \n; invalid UTF-8 as U+FFFD). */
void prom_escape_quoted(struct buf *out, const char *s, size_t len);

/* OpenMetrics: "# HELP" and "# TYPE" of the family prom_family() just validated and set. */
void prom_om_family(struct prom_writer *w, const char *help);

/* Protobuf: the family under construction. */
struct prom_proto *prom_proto_new(void);
void prom_proto_free(struct prom_proto *p);
/* Start the family prom_family() just validated and set (writing out the previous one). */
void prom_proto_family(struct prom_writer *w, const char *help);
/* A sample with labels already validated (sample_ok), or pre-rendered (prom_labels_render). */
void prom_proto_sample(struct prom_writer *w, const struct prom_label *labels, size_t n, double v);
void prom_proto_sample_at(struct prom_writer *w, const char *labels, size_t len, double v);
/* A histogram already validated by prom_histogram(), with w->native if set. */
void prom_proto_histogram(struct prom_writer *w, const struct prom_label *labels, size_t n,
                          const double *bounds, const uint64_t *cum, size_t nbounds, double sum,
                          uint64_t count);
/* Write out the last family. */
void prom_proto_flush(struct prom_writer *w);

#endif
