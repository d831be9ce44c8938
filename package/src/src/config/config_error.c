// SPDX-License-Identifier: Apache-2.0
/*
 * "line N: message" errors for the YAML parsers (see config_error.h).
 */
#include "config/config_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static int vfail(char *err, size_t errlen, const yaml_mark_t *m, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int vfail(char *err, size_t errlen, const yaml_mark_t *m, const char *fmt, va_list ap)
{
	int off = 0;

	if (errlen == 0)
		return -EINVAL;
	if (m)
		off = snprintf(err, errlen, "line %zu: ", (size_t)m->line + 1);
	if (off < 0 || (size_t)off >= errlen)
		return -EINVAL; /* the buffer holds the cut prefix */
	vsnprintf(err + off, errlen - (size_t)off, fmt, ap);
	return -EINVAL;
}

int config_fail(char *err, size_t errlen, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(err, errlen, n ? &n->start_mark : NULL, fmt, ap);
	va_end(ap);
	return r;
}

int config_fail_at(char *err, size_t errlen, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(err, errlen, m, fmt, ap);
	va_end(ap);
	return r;
}
