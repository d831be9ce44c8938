// SPDX-License-Identifier: Apache-2.0
/*
 * Findings storage, ranking and rendering for `ikewatch doctor`. Text is for a person at a
 * terminal: the most likely cause first, its evidence indented under it, then the commands to
 * run next. JSON is written by json-c so that every string is escaped correctly, whatever a log
 * line or a peer identity put into the evidence.
 */
#include "doctor/doctor_report.h"

#include "common/array.h"
#include "common/limits.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void doctor_report_init(struct doctor_report *r)
{
	memset(r, 0, sizeof(*r));
}

void doctor_report_done(struct doctor_report *r)
{
	free(r->f);
	memset(r, 0, sizeof(*r));
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strnlen(src, cap - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

struct doctor_finding *doctor_add(struct doctor_report *r, const char *id, const char *conn,
                                  enum doctor_severity sev, int score, const char *fmt, ...)
{
	struct doctor_finding *f;
	va_list ap;

	if (ARRAY_GROW(r->f, r->n, r->cap, 16, DOCTOR_FINDINGS_MAX) < 0) {
		r->dropped++;
		return NULL;
	}
	f = &r->f[r->n];
	memset(f, 0, sizeof(*f));
	f->order = r->n++;
	copy_str(f->id, sizeof(f->id), id);
	copy_str(f->conn, sizeof(f->conn), conn);
	f->severity = sev;
	f->score = score < 0 ? 0 : score > 100 ? 100 : score;
	va_start(ap, fmt);
	vsnprintf(f->title, sizeof(f->title), fmt, ap);
	va_end(ap);
	return f;
}

void doctor_evidence(struct doctor_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f || f->n_evidence >= DOCTOR_EVIDENCE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(f->evidence[f->n_evidence++], DOCTOR_TEXT_MAX, fmt, ap);
	va_end(ap);
}

void doctor_next(struct doctor_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f || f->n_next >= DOCTOR_NEXT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(f->next[f->n_next++], DOCTOR_TEXT_MAX, fmt, ap);
	va_end(ap);
}

const struct doctor_finding *doctor_find(const struct doctor_report *r, const char *id,
                                         const char *conn)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].id, id) == 0 && (!conn || strcmp(r->f[i].conn, conn) == 0))
			return &r->f[i];
	return NULL;
}

struct doctor_finding *doctor_find_edit(struct doctor_report *r, const char *id, const char *conn)
{
	const struct doctor_finding *f = doctor_find(r, id, conn);

	return f ? &r->f[f - r->f] : NULL;
}

bool doctor_fold(struct doctor_report *r, struct doctor_finding *into, const char *id,
                 const char *conn)
{
	const struct doctor_finding *from = doctor_find(r, id, conn);
	uint32_t i;

	if (!into || !from || from == into)
		return false;
	doctor_evidence(into, "%s", from->title);
	for (uint32_t k = 0; k < from->n_evidence; k++)
		doctor_evidence(into, "%s", from->evidence[k]);
	i = (uint32_t)(from - r->f);
	memmove(&r->f[i], &r->f[i + 1], (r->n - i - 1) * sizeof(r->f[0]));
	r->n--;
	return true;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct doctor_finding *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void doctor_rank(struct doctor_report *r)
{
	if (r->n > 1)
		qsort(r->f, r->n, sizeof(*r->f), cmp_finding);
}

const char *doctor_severity_name(enum doctor_severity s)
{
	switch (s) {
	case DOCTOR_SEV_CRIT:
		return "critical";
	case DOCTOR_SEV_WARN:
		return "warning";
	default:
		return "info";
	}
}

void doctor_render_text(const struct doctor_report *r, struct buf *out)
{
	if (r->n == 0) {
		buf_puts(out, "No findings.\n");
		return;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->f[i];

		buf_printf(out, "%u. [%s] %s%s%s (%s, likelihood %d%%)\n", i + 1,
		           doctor_severity_name(f->severity), f->conn[0] ? f->conn : "",
		           f->conn[0] ? ": " : "", f->title, f->id, f->score);
		for (uint32_t j = 0; j < f->n_evidence; j++)
			buf_printf(out, "     evidence: %s\n", f->evidence[j]);
		for (uint32_t j = 0; j < f->n_next; j++)
			buf_printf(out, "     next:     %s\n", f->next[j]);
	}
	if (r->dropped)
		buf_printf(out, "(%u more findings not shown)\n", r->dropped);
}

static json_object *str_array(const char (*items)[DOCTOR_TEXT_MAX], uint32_t n)
{
	json_object *a = json_object_new_array();

	for (uint32_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(items[i]));
	return a;
}

void doctor_render_json(const struct doctor_report *r, struct buf *out)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	const char *s;

	if (!root || !arr) {
		json_object_put(root);
		json_object_put(arr);
		out->err = out->err ? out->err : -ENOMEM;
		return;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->f[i];
		json_object *o = json_object_new_object();

		if (!o)
			continue;
		json_object_object_add(o, "rank", json_object_new_int((int)i + 1));
		json_object_object_add(o, "id", json_object_new_string(f->id));
		json_object_object_add(o, "conn",
		                       f->conn[0] ? json_object_new_string(f->conn) : NULL);
		json_object_object_add(o, "severity",
		                       json_object_new_string(doctor_severity_name(f->severity)));
		json_object_object_add(o, "likelihood", json_object_new_int(f->score));
		json_object_object_add(o, "title", json_object_new_string(f->title));
		json_object_object_add(o, "evidence", str_array(f->evidence, f->n_evidence));
		json_object_object_add(o, "next_steps", str_array(f->next, f->n_next));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "findings", arr);
	json_object_object_add(root, "dropped", json_object_new_int((int)r->dropped));
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	buf_puts(out, s ? s : "{}");
	buf_putc(out, '\n');
	json_object_put(root);
}
