// SPDX-License-Identifier: Apache-2.0
/*
 * Line-oriented logging to stderr (see log.h). Each line is formatted whole and written with one
 * write() so that lines from the event thread and the main loop never interleave. Values are
 * quoted and escaped so that a message from outside (charon, a library) can neither break the
 * line nor forge a field.
 */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static enum log_level log_max = LOG_LEVEL_INFO;
static enum log_format log_fmt = LOG_FORMAT_LOGFMT;
static bool log_journal;

void log_setup(enum log_level max_level)
{
	log_max = max_level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_format(enum log_format format)
{
	log_fmt = format;
}

int log_level_parse(const char *s, enum log_level *ret)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {{"error", LOG_LEVEL_ERR},
	             {"warn", LOG_LEVEL_WARN},
	             {"info", LOG_LEVEL_INFO},
	             {"debug", LOG_LEVEL_DEBUG}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*ret = names[i].level;
			return 0;
		}
	return -EINVAL;
}

int log_format_parse(const char *s, enum log_format *ret)
{
	if (strcmp(s, "logfmt") == 0)
		*ret = LOG_FORMAT_LOGFMT;
	else if (strcmp(s, "json") == 0)
		*ret = LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

bool log_enabled(enum log_level level)
{
	return level <= log_max;
}

static const char *log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warn";
	case LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

struct line {
	char b[LOG_LINE_MAX];
	size_t n;
	bool fields; /* a field was written: the next one needs a separator */
};

static void put(struct line *l, const char *s, size_t len)
{
	/* keep room for the closing quote or brace and the newline */
	if (l->n + len + 3 > sizeof(l->b))
		len = l->n + 3 < sizeof(l->b) ? sizeof(l->b) - l->n - 3 : 0;
	memcpy(l->b + l->n, s, len);
	l->n += len;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* logfmt quotes a value with a space, '=' or '"' in it (as go-logfmt does); JSON always does. */
static void value(struct line *l, const char *v)
{
	bool json = log_fmt == LOG_FORMAT_JSON;
	bool quote = json || !*v || strpbrk(v, " =\"\\\t\n\r") != NULL;

	if (quote)
		put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p == '\n') {
			put(l, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(l, esc, 6);
		} else {
			put(l, (const char *)p, 1);
		}
	}
	if (quote)
		put(l, "\"", 1);
}

static void field(struct line *l, const char *key, const char *v)
{
	bool json = log_fmt == LOG_FORMAT_JSON;

	if (json) {
		puts_(l, l->fields ? ",\"" : "\"");
		puts_(l, key);
		puts_(l, "\":");
	} else {
		if (l->fields)
			put(l, " ", 1);
		puts_(l, key);
		put(l, "=", 1);
	}
	l->fields = true;
	value(l, v);
}

static void log_line(enum log_level level, const char *err, const char *const *kv, size_t n,
                     const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void log_line(enum log_level level, const char *err, const char *const *kv, size_t n,
                     const char *fmt, va_list ap)
{
	struct line l = {.n = 0};
	char msg[LOG_LINE_MAX], ts[64];
	struct timespec now;
	struct tm tm;
	int saved = errno;

	if (log_journal) {
		snprintf(ts, sizeof(ts), "<%d>", (int)level);
		puts_(&l, ts);
	}
	if (log_fmt == LOG_FORMAT_JSON)
		put(&l, "{", 1);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (long)(now.tv_nsec / 1000000) % 1000);
	field(&l, "ts", ts);
	field(&l, "level", log_level_name(level));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	field(&l, "msg", msg);
	if (err)
		field(&l, "err", err);
	for (size_t i = 0; i + 1 < n; i += 2)
		field(&l, kv[i], kv[i + 1] ? kv[i + 1] : "");
	if (log_fmt == LOG_FORMAT_JSON)
		l.b[l.n++] = '}';
	l.b[l.n++] = '\n';
	(void)!write(STDERR_FILENO, l.b, l.n);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_line(level, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_msg_err(enum log_level level, const char *err, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_line(level, err, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_msg_kv(enum log_level level, const char *const *kv, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_line(level, NULL, kv, n, fmt, ap);
	va_end(ap);
}
