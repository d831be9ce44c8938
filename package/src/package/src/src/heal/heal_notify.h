/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail of heal: every decision appended as one JSON line to the audit log, and the
 * same object POSTed to the notification webhook (plain http:// to an IP literal or localhost;
 * for anything further, point it at a local relay such as Alertmanager's or a chat bridge).
 */
#ifndef IKEWATCH_HEAL_NOTIFY_H
#define IKEWATCH_HEAL_NOTIFY_H

#include <stddef.h>

/* Append @line (one JSON object, no newline) to @path; 0 or -errno. */
int heal_audit_append(const char *path, const char *line, size_t len);
/* POST @body as application/json to @url with a 3 s deadline; 0 when the answer is 2xx. */
int heal_notify_post(const char *url, const char *body, size_t len);

#endif
