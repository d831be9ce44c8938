/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a log source stopped reading, kept in a small text file so that a restarted serve does
 * not count old lines again (issue 3, item 4): a followed file's device, inode and byte offset,
 * or a journal cursor. The text codec (parse/format) does no I/O; load/save do the file I/O,
 * save atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves the
 * old or the new state, never a torn one.
 *
 * Format, one "key=value" per line, unknown keys ignored (forward compatibility):
 *   # ikewatch log position
 *   version=1
 *   dev=2049
 *   ino=1835029
 *   offset=81920
 *   cursor=s=6f1e...;i=1a2b;b=...;m=...;t=...;x=...
 */
#ifndef IKEWATCH_LOG_STATE_H
#define IKEWATCH_LOG_STATE_H

#include "common/buf.h"
#include "common/limits.h"

#include <stdbool.h>
#include <stdint.h>

struct log_state {
	bool has_file;
	uint64_t dev;
	uint64_t ino;
	uint64_t offset;
	bool has_cursor;
	char cursor[LOG_CURSOR_MAX + 1]; /* NUL-terminated */
};

/* 0, or -EBADMSG (malformed line, bad number, overlong cursor, unknown version),
 * -E2BIG (longer than LOG_STATE_MAX). */
int log_state_parse(const char *text, size_t len, struct log_state *ret);
/* Append the text form to @out; 0 or the buffer's error. */
int log_state_format(const struct log_state *st, struct buf *out);

/* 0, -ENOENT (no state yet), or another -errno / parse error. */
int log_state_load(const char *path, struct log_state *ret);
/* Atomic replace; 0 or -errno. */
int log_state_save(const char *path, const struct log_state *st);

#endif
