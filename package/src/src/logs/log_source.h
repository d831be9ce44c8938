/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every log source hands its lines to. A source calls on_line() with one whole line
 * (without its newline; a line longer than LOGLINE_MAX is passed as its first LOGLINE_MAX + 1
 * bytes, so that the classifier marks it truncated), or on_msg() when the source already has
 * the message split into charon's fields (journal entries of charon-systemd, VICI `log` events).
 * Callbacks run on the source's thread; they must not block for long.
 */
#ifndef IKEWATCH_LOG_SOURCE_H
#define IKEWATCH_LOG_SOURCE_H

#include <stddef.h>

typedef void (*log_line_cb)(void *ctx, const char *line, size_t len);
typedef void (*log_msg_cb)(void *ctx, const char *group, size_t group_len, const char *msg,
                           size_t len, const char *conn, size_t conn_len);

struct log_sink {
	log_line_cb on_line;
	log_msg_cb on_msg; /* may be NULL: sources then fall back to on_line(msg) */
	void *ctx;
};

#endif
