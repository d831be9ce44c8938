/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The doctor's reading of charon's recent log: each line, oldest first, is classified
 * (logs/log_classify.h) and folded into the facts of the connection it names. Trouble older
 * than the connection's last IKE SA establishment is forgotten, since it was overcome; what is
 * left is what explains the present. Pure: no I/O, no logging.
 */
#ifndef IKEWATCH_DOCTOR_LOG_H
#define IKEWATCH_DOCTOR_LOG_H

#include "doctor/doctor_facts.h"

#include <stddef.h>

/* Fold one log line (no newline needed, not NUL-terminated) into @f. Lines that name no
 * connection, or a connection beyond DOCTOR_CONNS_MAX, are skipped. */
void doctor_log_feed(struct doctor_facts *f, const char *line, size_t len);

/* Feed every line of @text (whole lines of the log, oldest first: file_read_tail_lines()). */
void doctor_log_feed_text(struct doctor_facts *f, const char *text, size_t len);

/* The time of a filelog line as charon writes it with time_format "%b %e %T" ("Nov 23
 * 07:40:01 ...", local time, no year), as epoch seconds: the year is the one that puts it at
 * most a day after @now. -1 when the line does not start with such a time. */
double doctor_log_time(const char *line, size_t len, double now);

#endif
