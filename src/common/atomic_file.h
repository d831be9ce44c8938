/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replace a file atomically: write a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory. A reader (node_exporter's textfile collector, or our own
 * state files after a crash) sees the old content or the new one, never half of either.
 */
#ifndef IKEWATCH_ATOMIC_FILE_H
#define IKEWATCH_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 or -errno. The file gets @mode (before umask). */
int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode);

#endif
