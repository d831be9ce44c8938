/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading small files whole, and the end of large ones, with a cap on what is read. Every
 * config, key, token, state and PEM file and the charon log tail go through here, so EINTR,
 * short reads, directories and oversized files are handled once, with distinct -errno results:
 *   -EISDIR   the path is a directory (read(2) would fail late with a vaguer error)
 *   -EFBIG    the file holds more than the cap (seen by size before reading, and by a file
 *             that grew while it was read: we never read past the cap + 1 byte)
 *   -ENOMEM, or the -errno of open(2)/fstat(2)/read(2) (-ENOENT, -EACCES, ...).
 * Out-parameters are written only on success.
 */
#ifndef IKEWATCH_FILE_READ_H
#define IKEWATCH_FILE_READ_H

#include <stdbool.h>
#include <stddef.h>

/* The whole file (regular, or procfs/pipe read until EOF) of at most @max bytes into a new
 * NUL-terminated buffer that the caller frees. Freed memory of a failed read is zeroed first,
 * so files with keys may use it. */
int file_read_all(const char *path, size_t max, char **ret, size_t *ret_len);
/* The whole file of at most @cap bytes into the caller's @buf (not terminated): for secrets
 * that must stay in one buffer the caller wipes. */
int file_read_into(const char *path, void *buf, size_t cap, size_t *ret_len);
/* The last @max bytes of a regular file (-EINVAL for anything else) into a new NUL-terminated
 * buffer; *ret_cut is true when the file is longer, so the first line may be cut. */
int file_read_tail(const char *path, size_t max, char **ret, size_t *ret_len, bool *ret_cut);
/* The newest @max_lines whole lines within the last @max_bytes of a regular file, as for a log:
 * a first line cut by the byte window is dropped. New NUL-terminated buffer. */
int file_read_tail_lines(const char *path, size_t max_bytes, size_t max_lines, char **ret,
                         size_t *ret_len);
/* Pure part of file_read_tail_lines: where the newest @max_lines lines of @text start. A last
 * line without newline counts as a line; with @first_cut, the first line is never kept whole. */
size_t text_tail_lines(const char *text, size_t len, size_t max_lines, bool first_cut);

#endif
