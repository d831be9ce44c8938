/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Daemon logging: one line per event to stderr. Under systemd (JOURNAL_STREAM set) each line
 * carries a <N> syslog priority prefix so that journald keeps the level. Codecs never log
 * (docs/STYLE.md); their callers log once, with context.
 */
#ifndef IKEWATCH_LOG_H
#define IKEWATCH_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

void log_setup(enum log_level max_level);
/* "error", "warn", "info", "debug" -> 0 and *ret; anything else -> -EINVAL. */
int log_level_parse(const char *s, enum log_level *ret);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                  \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                     \
	} while (0)

#endif
