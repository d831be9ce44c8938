/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one way a YAML parser in ikewatch reports an error: "line N: message", N being the line
 * (from 1) where the offending node or parser event starts, so that the operator can find it.
 * Every section parser (config, web-config, probes, reflector, events, heal) writes its
 * messages through here.
 */
#ifndef IKEWATCH_CONFIG_ERROR_H
#define IKEWATCH_CONFIG_ERROR_H

#include <stddef.h>
#include <yaml.h>

/* "line N: " (from @n's start; nothing when @n is NULL) and the formatted message into @err
 * (cut to @errlen, always terminated when @errlen > 0). Returns -EINVAL, so that a parser can
 * `return config_fail(...)`. */
int config_fail(char *err, size_t errlen, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same at a parser mark (yaml_parser_t.problem_mark, yaml_event_t.start_mark). */
int config_fail_at(char *err, size_t errlen, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
