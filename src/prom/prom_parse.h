/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parser of the Prometheus text exposition (format 0.0.4, and the OpenMetrics 1.0 text that
 * ikewatch and client libraries also serve): what a peer's ikewatch or any exporter answers
 * on /metrics. It is outside input, so every length is bounded before anything is allocated,
 * a malformed line is an error naming its line number, and the parser never reads past the
 * input. It does no I/O and never logs.
 *
 * The result is a flat list of samples in input order, each with its family's type from the
 * "# TYPE" line before it. Strings live in the scrape's arena and stay valid until
 * prom_scrape_done(). Label values are unescaped (\\, \", \n) and NUL-terminated; label
 * pairs use the writer's struct prom_label with len set.
 */
#ifndef IKEWATCH_PROM_PARSE_H
#define IKEWATCH_PROM_PARSE_H

#include "common/arena.h"
#include "prom/prom_writer.h"

#include <stdbool.h>
#include <stddef.h>

/* Bounds on what one exposition may hold; beyond them prom_parse() fails with -E2BIG. */
#define PROM_PARSE_BYTES_MAX (64u * 1024u * 1024u)
#define PROM_PARSE_SAMPLES_MAX 1000000u
#define PROM_PARSE_LABELS_MAX 64u
#define PROM_PARSE_LINE_MAX (64u * 1024u)

struct prom_parsed_sample {
	const char *name;
	const struct prom_label *labels;
	size_t nlabels;
	enum prom_type type; /* of the family named by the last matching # TYPE, else untyped */
	double value;
};

struct prom_scrape {
	struct arena arena;
	struct prom_parsed_sample *samples;
	size_t n, cap;
};

void prom_scrape_init(struct prom_scrape *s);
/* Frees every sample and string. */
void prom_scrape_done(struct prom_scrape *s);

/*
 * Parse @len bytes of exposition text into @s (which must be freshly initialised). Returns 0,
 * -EBADMSG for a malformed line (its 1-based number in *ret_line, and a static description in
 * *ret_why), -E2BIG when a bound above is exceeded (line and why set likewise), or -ENOMEM.
 * On error @s holds the samples before the bad line; the caller still calls prom_scrape_done().
 * ret_line and ret_why may be NULL.
 */
int prom_parse(struct prom_scrape *s, const char *text, size_t len, size_t *ret_line,
               const char **ret_why);

/* A sample value as the exposition (and Prometheus' HTTP API) spell it: decimal, exponent,
 * NaN, +Inf, -Inf, Inf. 0 or -EBADMSG. */
int prom_parse_value(const char *p, size_t len, double *ret);

/* A label set as the exposition writes it ("{name=\"value\",...}", or "" for none: what
 * prom_labels_render() writes): at most PROM_PARSE_LABELS_MAX names and unescaped,
 * NUL-terminated values into @labels, the strings in @a. 0, -EBADMSG (why in *ret_why), -E2BIG
 * or -ENOMEM. */
int prom_parse_labels(const char *s, size_t len, struct arena *a, struct prom_label *labels,
                      size_t *ret_n, const char **ret_why);

/* Append one sample (untyped) to @s, its name and labels copied into the arena: for readers
 * that build a scrape from another source than text (Prometheus' HTTP API). 0, -E2BIG past the
 * bounds above, or -ENOMEM. */
int prom_scrape_add(struct prom_scrape *s, const char *name, const struct prom_label *labels,
                    size_t nlabels, double value);

/* The value of label @name of @sample, or NULL when it has none. */
const char *prom_sample_label(const struct prom_parsed_sample *sample, const char *name);

#endif
