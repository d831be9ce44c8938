/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A line assembler: bytes in (from read(2) of a file, a pipe, stdin), whole lines out. It keeps
 * at most LOGLINE_MAX + 1 bytes of an unfinished line; the rest of an overlong line is dropped
 * and the line is delivered once, cut, when its newline arrives (counted in ->cut). No I/O.
 */
#ifndef IKEWATCH_LOG_LINES_H
#define IKEWATCH_LOG_LINES_H

#include "common/limits.h"
#include "logs/log_source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct log_lines {
	char buf[LOGLINE_MAX + 1];
	size_t len;     /* bytes of the unfinished line kept in buf */
	size_t pending; /* bytes of the unfinished line, including dropped ones */
	uint64_t lines; /* lines delivered */
	uint64_t cut;   /* of which overlong */
};

void log_lines_init(struct log_lines *l);
/* Feed bytes; calls @sink->on_line for each line they complete. Returns the number of bytes of
 * @data that belong to complete lines (the caller's "safe offset" advances by that much). */
size_t log_lines_feed(struct log_lines *l, const char *data, size_t len,
                      const struct log_sink *sink);
/* End of input: deliver an unfinished last line, if any (stdin at EOF; not for followed files,
 * whose writer may still finish the line). */
void log_lines_flush(struct log_lines *l, const struct log_sink *sink);
/* Forget an unfinished line (the file was truncated or replaced). */
void log_lines_reset(struct log_lines *l);

#endif
