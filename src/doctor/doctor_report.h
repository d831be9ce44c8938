/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The doctor's findings: each one a suspected cause (or a fact worth knowing) about one
 * connection, with a likelihood score, the evidence behind it and the next commands an operator
 * would run. The list is ranked most likely first, then rendered for a terminal or as JSON
 * ({"findings": [...]}, same order). Pure: no I/O, no logging.
 */
#ifndef IKEWATCH_DOCTOR_REPORT_H
#define IKEWATCH_DOCTOR_REPORT_H

#include "common/buf.h"

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

#define DOCTOR_EVIDENCE_MAX 8
#define DOCTOR_NEXT_MAX 4
#define DOCTOR_TEXT_MAX 240

enum doctor_severity {
	DOCTOR_SEV_INFO = 0, /* a fact, no action needed */
	DOCTOR_SEV_WARN,     /* will hurt later (certificate expiring, lifetime mismatch) */
	DOCTOR_SEV_CRIT,     /* a tunnel or its data plane is broken now */
};

struct doctor_finding {
	char id[48];   /* stable machine name: "peer_unreachable", "auth_failed", ... */
	char conn[64]; /* "" for findings about the host */
	enum doctor_severity severity;
	int score; /* likelihood 0..100 that this explains the trouble; the rank key */
	char title[DOCTOR_TEXT_MAX];
	char evidence[DOCTOR_EVIDENCE_MAX][DOCTOR_TEXT_MAX];
	char next[DOCTOR_NEXT_MAX][DOCTOR_TEXT_MAX];
	uint32_t n_evidence, n_next;
	uint32_t order; /* insertion order, the tie-breaker that keeps ranking stable */
};

struct doctor_report {
	struct doctor_finding *f;
	uint32_t n, cap;
	uint32_t dropped; /* findings beyond DOCTOR_FINDINGS_MAX */
};

void doctor_report_init(struct doctor_report *r);
void doctor_report_done(struct doctor_report *r);

/* A new finding (title formatted like printf), or NULL when out of memory or past the cap (then
 * counted in ->dropped). The evidence/next helpers ignore a NULL finding, so callers chain. */
struct doctor_finding *doctor_add(struct doctor_report *r, const char *id, const char *conn,
                                  enum doctor_severity sev, int score, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void doctor_evidence(struct doctor_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void doctor_next(struct doctor_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The first finding with @id for @conn (NULL conn: any), or NULL. */
const struct doctor_finding *doctor_find(const struct doctor_report *r, const char *id,
                                         const char *conn);
/* The same, to change a finding that later ones may have moved (doctor_add reallocates). */
struct doctor_finding *doctor_find_edit(struct doctor_report *r, const char *id, const char *conn);

/* One idea, two findings: the finding @id of @conn (its title and evidence) becomes evidence of
 * @into and leaves the report. Pointers to the findings after the removed one (@into among
 * them, when it was added later) are no longer valid. True when one was folded. */
bool doctor_fold(struct doctor_report *r, struct doctor_finding *into, const char *id,
                 const char *conn);

/* Sort: score descending, then severity descending, then insertion order. */
void doctor_rank(struct doctor_report *r);

const char *doctor_severity_name(enum doctor_severity s);

/* Render the (ranked) report. Errors are sticky in @out->err. */
void doctor_render_text(const struct doctor_report *r, struct buf *out);
void doctor_render_json(const struct doctor_report *r, struct buf *out);

#endif
