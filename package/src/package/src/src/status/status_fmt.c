// SPDX-License-Identifier: Apache-2.0
/*
 * Ages and sizes for people (see status_fmt.h).
 */
#include "status/status_fmt.h"

#include "exporter/sa_snapshot.h"

#include <inttypes.h>
#include <stdio.h>

const char *status_fmt_age(char *out, size_t cap, int64_t secs)
{
	if (secs == SNAP_NONE) {
		snprintf(out, cap, "-");
	} else if (secs < 0) {
		snprintf(out, cap, "overdue %" PRId64 "s", -secs);
	} else if (secs < 120) {
		snprintf(out, cap, "%" PRId64 "s", secs);
	} else if (secs < 7200) {
		snprintf(out, cap, "%" PRId64 "m%02" PRId64 "s", secs / 60, secs % 60);
	} else if (secs < 172800) {
		snprintf(out, cap, "%" PRId64 "h%02" PRId64 "m", secs / 3600, secs / 60 % 60);
	} else {
		snprintf(out, cap, "%" PRId64 "d%02" PRId64 "h", secs / 86400, secs / 3600 % 24);
	}
	return out;
}

const char *status_fmt_bytes(char *out, size_t cap, uint64_t b)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return out;
}
