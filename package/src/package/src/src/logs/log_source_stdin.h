/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines on a descriptor (stdin by default): syslog-format or charon filelog lines piped in, e.g.
 * `journalctl -f -o short -t charon | ikewatch ...` or `tail -F /var/log/charon.log | ...`.
 * A pipe has no position to save, so there is no state file; the producer decides what is new.
 */
#ifndef IKEWATCH_LOG_SOURCE_STDIN_H
#define IKEWATCH_LOG_SOURCE_STDIN_H

#include "logs/log_source.h"

#include <stdatomic.h>
#include <stdint.h>

/* Read @fd until EOF or *stop (checked at least every @poll_ms, 0: 250). Returns 0 at EOF or
 * stop, -errno on a read error; *ret_lines (may be NULL) gets the number of lines delivered. */
int log_stdin_source_run(int fd, const struct log_sink *sink, const atomic_bool *stop,
                         unsigned poll_ms, uint64_t *ret_lines);

#endif
