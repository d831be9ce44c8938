// SPDX-License-Identifier: Apache-2.0
/*
 * The line assembler (see log_lines.h). Lines are handed out straight from the caller's read
 * buffer when they lie inside it, and from our own buffer only when a line spans two reads, so
 * the common case copies nothing.
 */
#include "logs/log_lines.h"

#include <string.h>

void log_lines_init(struct log_lines *l)
{
	memset(l, 0, sizeof(*l));
}

void log_lines_reset(struct log_lines *l)
{
	l->len = 0;
	l->pending = 0;
}

static void deliver(struct log_lines *l, const char *p, size_t len, bool cut,
                    const struct log_sink *sink)
{
	l->lines++;
	if (cut)
		l->cut++;
	if (sink && sink->on_line)
		sink->on_line(sink->ctx, p, len);
}

/* Keep what fits of a piece of the unfinished line. */
static void keep(struct log_lines *l, const char *p, size_t n)
{
	size_t room = sizeof(l->buf) - l->len;

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

size_t log_lines_feed(struct log_lines *l, const char *data, size_t len,
                      const struct log_sink *sink)
{
	const char *p = data, *end = data + len, *nl;
	size_t consumed = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		size_t n = (size_t)(nl - p);

		if (l->pending == 0 && n <= LOGLINE_MAX) {
			deliver(l, p, n, false, sink);
		} else if (l->pending == 0) {
			/* overlong, but wholly in this read: hand out its head in place */
			deliver(l, p, LOGLINE_MAX + 1, true, sink);
		} else {
			bool cut = l->pending + n > LOGLINE_MAX;

			keep(l, p, n);
			deliver(l, l->buf, l->len, cut, sink);
			log_lines_reset(l);
		}
		p = nl + 1;
		consumed = (size_t)(p - data);
	}
	if (p < end) {
		keep(l, p, (size_t)(end - p));
		l->pending += (size_t)(end - p);
	}
	return consumed;
}

void log_lines_flush(struct log_lines *l, const struct log_sink *sink)
{
	if (l->pending)
		deliver(l, l->buf, l->len, l->pending > LOGLINE_MAX, sink);
	log_lines_reset(l);
}
