/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prometheus exposition writer: text format 0.0.4 by default, or OpenMetrics text 1.0.0 or the
 * protobuf format (delimited io.prometheus.client.MetricFamily messages) when initialised with
 * prom_writer_init_format() (the callers do not change: the format is dispatched inside, see
 * prom_openmetrics.c and prom_proto.c). Takes values, writes bytes into a struct buf;
 * does no I/O and never logs. Metric and label names are validated (a bad name is a programming
 * error: the family/sample is skipped and counted in ->dropped); label values are escaped (\\, ",
 * newline), cut to LABEL_VALUE_MAX at a UTF-8 boundary, and invalid UTF-8 is replaced with
 * U+FFFD. Floats are written locale-independently ("+Inf", "-Inf", "NaN", shortest round-trip
 * form). HELP and TYPE are written once per family; samples of a family must follow its
 * prom_family() call without interleaving with other families.
 */
#ifndef IKEWATCH_PROM_WRITER_H
#define IKEWATCH_PROM_WRITER_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_format {
	PROM_FORMAT_TEXT,        /* text 0.0.4 */
	PROM_FORMAT_OPENMETRICS, /* OpenMetrics text 1.0.0 (and 0.0.1, the same body) */
	PROM_FORMAT_PROTOBUF,    /* varint-delimited io.prometheus.client.MetricFamily messages */
	PROM_FORMAT_N,
};

enum prom_type {
	PROM_GAUGE,
	PROM_COUNTER,
	PROM_HISTOGRAM,
	PROM_UNTYPED,
	PROM_SUMMARY, /* only read (prom_parse.c): the writer writes no summaries */
};

/* A label: value is a span (len SIZE_MAX means NUL-terminated), not necessarily terminated. */
struct prom_label {
	const char *name;
	const char *value;
	size_t len;
};
#define PROM_LABEL(n, v) ((struct prom_label){(n), (v), SIZE_MAX})
#define PROM_LABEL_SPAN(n, v, l) ((struct prom_label){(n), (v), (l)})

#define PROM_CHECKED_LABELS_MAX 16

struct prom_proto;
struct prom_native;

struct prom_writer {
	struct buf *out;
	const char *family; /* name of the current family */
	size_t family_len;
	enum prom_type type;
	uint64_t dropped; /* samples or families skipped for invalid names */
	/* label-name lists already checked: the names are our own string constants, so a list
	 * of the same pointers needs no second look (scrapes write them tens of thousands of
	 * times) */
	const char *checked[8][PROM_CHECKED_LABELS_MAX];
	uint8_t checked_len[8][PROM_CHECKED_LABELS_MAX]; /* their lengths, for the fast path */
	size_t checked_n[8];
	unsigned checked_next;
	enum prom_format format;
	struct prom_proto *proto;         /* PROM_FORMAT_PROTOBUF: the family being built */
	const struct prom_native *native; /* set by prom_histogram_native() for its call */
};

/* A text 0.0.4 writer (needs no prom_writer_finish()). */
void prom_writer_init(struct prom_writer *w, struct buf *out);
/* A writer of @format: 0, or -ENOMEM. It must be ended with prom_writer_finish(). */
int prom_writer_init_format(struct prom_writer *w, struct buf *out, enum prom_format format);
/* End the exposition: the last protobuf family is written, OpenMetrics gets its "# EOF", and
 * what the writer holds is freed. 0, or the first error of the output (out->err, -ENOMEM). */
int prom_writer_finish(struct prom_writer *w);

/* Start a family: "# HELP name help" and "# TYPE name type". Counter names end in _total. */
void prom_family(struct prom_writer *w, const char *name, enum prom_type type, const char *help);

/* One sample of the current family. */
void prom_sample(struct prom_writer *w, const struct prom_label *labels, size_t nlabels, double v);
/* The same for exact integers (counters of bytes overflow a double's 53 bits only past 8 PiB,
 * but an integer is also cheaper to print). */
void prom_sample_u64(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                     uint64_t v);
void prom_sample_i64(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                     int64_t v);

/* A label set rendered once ("{conn=\"a-b\",child=\"net\"}", checked and escaped) and
 * appended to @out, for samples of many families with the same labels: the exporter writes one
 * {conn, child} pair into a dozen families per scrape. 0, or -EINVAL for invalid names. */
int prom_labels_render(struct buf *out, const struct prom_label *labels, size_t nlabels);
/* A sample of the current family with a label set from prom_labels_render() ("" for none). */
void prom_sample_at(struct prom_writer *w, const char *labels, size_t len, double v);
void prom_sample_at_u64(struct prom_writer *w, const char *labels, size_t len, uint64_t v);

/*
 * Samples written at most once per label set: an _info family can meet the same labels twice
 * (an IKE SA and its rekeyed predecessor to the same peer), and a repeated series would make
 * the exposition invalid. The set holds 64-bit hashes of what identifies a series: its rendered
 * name and labels in the text formats (computed from the bytes just written, so no second pass
 * over the label values), the label values in protobuf. Two different label sets with the same
 * hash would lose one series, at odds of about n^2 / 2^65. Zero-initialise; prom_seen_done().
 */
struct prom_seen {
	uint64_t *slots; /* 0 = empty */
	size_t cap, len;
};
void prom_seen_done(struct prom_seen *s);
/* prom_sample(), unless @seen already holds this label set; true when the sample was written. */
bool prom_sample_once(struct prom_writer *w, struct prom_seen *seen,
                      const struct prom_label *labels, size_t nlabels, double v);

/*
 * Label sets rendered once (prom_labels_render()) for many families: block @i is the label set
 * of the i-th prom_blocks_add(). The exporter renders each connection's {conn="..."} and each
 * CHILD config's {conn="...",child="..."} once per scrape and writes them into a dozen families.
 * A failed render (memory, invalid names) shows as ->text.err.
 */
struct prom_blocks {
	struct buf text;
	size_t *off; /* block i is text.data[off[i] .. off[i + 1]) */
	size_t n, cap;
};
/* Room for @n blocks: 0 or -ENOMEM. */
int prom_blocks_init(struct prom_blocks *b, size_t n);
void prom_blocks_add(struct prom_blocks *b, const struct prom_label *labels, size_t nlabels);
const char *prom_blocks_at(const struct prom_blocks *b, size_t i, size_t *ret_len);
void prom_blocks_done(struct prom_blocks *b);
/* A sample with the label set @labels (from prom_labels_render(), "" for none) and one more
 * label after it, @name (a valid label name, not in @labels) = @value. */
void prom_sample_at_plus_u64(struct prom_writer *w, const char *labels, size_t len,
                             const char *name, const char *value, uint64_t v);

/* A whole histogram of the current family (type PROM_HISTOGRAM): @counts[i] is the number of
 * observations <= @bounds[i] (cumulative, as exposed); the +Inf bucket is @count. */
void prom_histogram(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                    const double *bounds, const uint64_t *cumulative_counts, size_t nbounds,
                    double sum, uint64_t count);
/* The same with the observations also kept in exponential buckets (prom_native.h): the
 * protobuf format carries them as a native histogram beside the classic buckets; the text
 * formats, which cannot, write the classic histogram only. @nh NULL: as prom_histogram(). */
void prom_histogram_native(struct prom_writer *w, const struct prom_label *labels, size_t nlabels,
                           const double *bounds, const uint64_t *cumulative_counts, size_t nbounds,
                           double sum, uint64_t count, const struct prom_native *nh);

/* Validation helpers, exposed for tests and for config checks. */
bool prom_metric_name_valid(const char *name);
bool prom_label_name_valid(const char *name);
/* Write a float as the exposition format wants it. */
void prom_write_double(struct buf *out, double v);

#endif
