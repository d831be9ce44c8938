/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replace a file atomically: write a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory. A reader (node_exporter's textfile collector, or our own
 * state files after a crash) sees the old content or the new one, never half of either. The
 * temporary file is PATH.tmp.PID.
 */
#ifndef IKEWATCH_ATOMIC_FILE_H
#define IKEWATCH_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 or -errno. The file gets @mode (before umask). Sweeps stale temporary files first. */
int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode);
/* Remove the PATH.tmp.PID files a crashed writer left: those written before this process
 * started, or whose PID is not a running process. Our own PID's is left alone. The number
 * removed, or -errno if the directory cannot be read. */
int atomic_file_sweep(const char *path);

#endif
