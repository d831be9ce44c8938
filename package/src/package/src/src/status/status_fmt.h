/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Short human forms of ages and sizes, shared by `ikewatch status` and the status page.
 */
#ifndef IKEWATCH_STATUS_FMT_H
#define IKEWATCH_STATUS_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "3h04m", "52s", "overdue 5s", "-" for SNAP_NONE: short ages for a table. Returns @out. */
const char *status_fmt_age(char *out, size_t cap, int64_t secs);
/* "672 B", "1.5 MiB". Returns @out. */
const char *status_fmt_bytes(char *out, size_t cap, uint64_t bytes);

#endif
