/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading swanctl.conf and what it includes (swanctl_conf.h parses): each file at most
 * SWANCTL_FILE_MAX bytes through common/file_read, includes resolved with glob(3) relative to
 * the including file's directory, every buffer wiped before it is freed (the file holds
 * secrets). A missing include is skipped, as charon does.
 *
 * struct swanctl_file caches the result for a reader that asks often (the exporter, at every
 * scrape): the files read and the directories searched are remembered with their size and
 * mtime, and the file is read again only when one of them changed, appeared or went away. They
 * are looked at only after an inotify event of their directories, and at least every 5 min,
 * where inotify sees every change (see swanctl_file.c), else at every call.
 */
#ifndef IKEWATCH_SWANCTL_FILE_H
#define IKEWATCH_SWANCTL_FILE_H

#include "swanctl/swanctl_conf.h"

#include <stdbool.h>
#include <stddef.h>

#define SWANCTL_DEFAULT_CONF "/etc/swanctl/swanctl.conf"

/* Read and parse @path now: 0 and *ret (owned), or -errno with @err ("PATH: why"). */
int swanctl_file_load(const char *path, struct swanctl_conf *ret, char *err, size_t errlen);

struct swanctl_file;

struct swanctl_file *swanctl_file_new(const char *path);
void swanctl_file_free(struct swanctl_file *f);

/* Read the file again if it changed since the last call (the first call reads it). Returns
 * true when the result changed (a new configuration, or a new error). Afterwards
 * swanctl_file_conf() is the configuration (NULL while the file cannot be read or parsed) and
 * swanctl_file_error() says why ("" when read). Not thread-safe: one caller, or a lock. */
bool swanctl_file_refresh(struct swanctl_file *f);
const struct swanctl_conf *swanctl_file_conf(const struct swanctl_file *f);
const char *swanctl_file_error(const struct swanctl_file *f);
const char *swanctl_file_path(const struct swanctl_file *f);
/* How often a refresh looked at every path of the last read (tests, benchmarks). */
unsigned long swanctl_file_looks(const struct swanctl_file *f);

#endif
