/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal POSIX ustar writer and a gzip wrapper for the diag bundle, both in memory, no I/O.
 * Only regular files are written (tar creates the parent directories of each member when it
 * extracts); each member is a 512-byte header plus its data padded to a 512-byte boundary, and
 * the archive ends with two zero blocks (POSIX.1-2001 "pax" section, ustar interchange format).
 */
#ifndef IKEWATCH_DIAG_TAR_H
#define IKEWATCH_DIAG_TAR_H

#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

#define DIAG_TAR_BLOCK 512
/* ustar's name field; longer member names are refused rather than split into prefix+name. */
#define DIAG_TAR_NAME_MAX 99

struct diag_tar {
	struct buf out;
	int64_t mtime; /* seconds since the epoch, for every member */
};

/* @max caps the whole archive (the sticky -E2BIG of struct buf). */
void diag_tar_init(struct diag_tar *t, size_t max, int64_t mtime);
void diag_tar_done(struct diag_tar *t);
/* Add a regular file, mode 0600, owner root. 0, -ENAMETOOLONG, -EINVAL (empty or absolute
 * name, or one with ".." in it), or the buffer's error. */
int diag_tar_add(struct diag_tar *t, const char *name, const void *data, size_t len);
/* Write the end-of-archive blocks. 0 or the buffer's error. */
int diag_tar_finish(struct diag_tar *t);

/* gzip (RFC 1952) of @in, appended to @out. 0, -ENOMEM, -E2BIG or -EIO (zlib failed). */
int diag_gzip(const void *in, size_t len, struct buf *out);

#endif
