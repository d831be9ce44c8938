/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parser of the answers of Prometheus' HTTP API (/api/v1/query): what `doctor --prometheus`
 * reads. The answer is outside input, so it is bounded before and while it is read (bytes,
 * nesting, series, labels, points, string lengths), must be UTF-8 JSON (json-c, strict), and
 * every field is checked for its type: a Prometheus that answers anything else is "not a
 * Prometheus answer", never half read. It does no I/O and never logs.
 *
 *   {"status": "success" | "error", "errorType": "...", "error": "...", "warnings": [...],
 *    "data": {"resultType": "vector" | "matrix" | "scalar",
 *             "result": [{"metric": {LABEL: VALUE, ...}, "value": [TS, "V"]}, ...]     vector
 *                       [{"metric": {...}, "values": [[TS, "V"], ...]}, ...]           matrix
 *                       [TS, "V"]                                                      scalar
 *
 * Values are strings spelled as in the exposition (prom_parse_value: "NaN", "+Inf", ...);
 * timestamps are numbers (seconds). A scalar is one series without labels. Within one label
 * set JSON objects cannot hold a name twice: json-c keeps the last one, and so does this.
 */
#ifndef IKEWATCH_PROM_API_H
#define IKEWATCH_PROM_API_H

#include "common/arena.h"
#include "common/buf.h"
#include "prom/prom_writer.h"

#include <stdbool.h>
#include <stddef.h>

#define PROM_API_BYTES_MAX (16u * 1024u * 1024u)
#define PROM_API_DEPTH_MAX 8u /* a matrix answer nests 6 deep */
#define PROM_API_SERIES_MAX 20000u
#define PROM_API_LABELS_MAX 64u
#define PROM_API_POINTS_MAX 2000000u /* over all series */
#define PROM_API_STRING_MAX 4096u    /* a label name or value */

enum prom_api_type { PROM_API_VECTOR, PROM_API_MATRIX, PROM_API_SCALAR };

struct prom_api_point {
	double t, v;
};

struct prom_api_series {
	const char *name;                /* the __name__ label, or NULL */
	const struct prom_label *labels; /* every label, __name__ included, len set */
	size_t nlabels;
	const struct prom_api_point *points; /* in the order given (Prometheus: ascending t) */
	size_t npoints;
};

struct prom_api_result {
	struct arena arena;
	bool success; /* status "success"; else error_type and error say why */
	char error_type[32], error[160];
	size_t warnings; /* how many; the first in warning */
	char warning[160];
	enum prom_api_type type;
	struct prom_api_series *series;
	size_t n;
};

void prom_api_init(struct prom_api_result *r);
void prom_api_done(struct prom_api_result *r);

/*
 * Parse @len bytes into @r (freshly initialised). Returns 0 for a well-formed answer, whatever
 * its status; -EBADMSG when it is not one (a static reason in *ret_why), -E2BIG past a bound
 * above, -ENOMEM. ret_why may be NULL.
 */
int prom_api_parse(struct prom_api_result *r, const char *text, size_t len, const char **ret_why);

/* The value of label @name of @s, or NULL. */
const char *prom_api_label(const struct prom_api_series *s, const char *name);

/*
 * Append to @out the URL of an instant query of @expr at @time (seconds; time <= 0: the
 * server's now) on the Prometheus at @base ("http://host:9090" or with a path prefix), the
 * expression percent-encoded. Returns 0 or -ENOMEM.
 */
int prom_api_query_url(struct buf *out, const char *base, const char *expr, double time);

/*
 * Append @s to @out quoted for a PromQL regex matcher inside a double-quoted string: RE2's
 * metacharacters escaped, then backslash and quote for the string. 0 or -ENOMEM.
 */
int prom_api_regex_quote(struct buf *out, const char *s);

#endif
