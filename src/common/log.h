/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Daemon logging: one line per event to stderr, in logfmt (default) or JSON with the field names
 * of Prometheus' own logs: ts, level, msg, err, then other keys. Under systemd (JOURNAL_STREAM
 * set) each line also carries a <N> syslog priority prefix so that journald keeps the level.
 * Codecs never log (docs/STYLE.md); their callers log once, with context.
 */
#ifndef IKEWATCH_LOG_H
#define IKEWATCH_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_format {
	LOG_FORMAT_LOGFMT, /* ts=2026-01-02T03:04:05.678Z level=info msg="serving metrics" */
	LOG_FORMAT_JSON,   /* {"ts":"...","level":"info","msg":"serving metrics"} */
};

void log_setup(enum log_level max_level);
void log_set_format(enum log_format format);
/* "logfmt", "json" -> 0 and *ret; anything else -> -EINVAL. */
int log_format_parse(const char *s, enum log_format *ret);
/* "error", "warn", "info", "debug" -> 0 and *ret; anything else -> -EINVAL. */
int log_level_parse(const char *s, enum log_level *ret);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with an err field (@err: strerror() or a library's message; NULL: none). */
void log_msg_err(enum log_level level, const char *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with key=value fields after msg: @kv holds @n keys and values, alternating. */
void log_msg_kv(enum log_level level, const char *const *kv, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                  \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                     \
	} while (0)

#endif
