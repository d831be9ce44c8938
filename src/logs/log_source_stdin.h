/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines on a descriptor (stdin by default): syslog-format or charon filelog lines piped in, e.g.
 * `journalctl -f -o short -t charon | ikewatch ...` or `tail -F /var/log/charon.log | ...`.
 * A pipe has no position to save, so there is no state file; the producer decides what is new.
 */
#ifndef IKEWATCH_LOG_SOURCE_STDIN_H
#define IKEWATCH_LOG_SOURCE_STDIN_H

#include "common/stopper.h"
#include "logs/log_source.h"

#include <stdint.h>

/* Read @fd until EOF or @stop (may be NULL: until EOF); a quiet pipe is waited for with no
 * timeout. Returns 0 at EOF or stop, -errno on a read error; *ret_lines (may be NULL) gets the
 * number of lines delivered. */
int log_stdin_source_run(int fd, const struct log_sink *sink, const struct stopper *stop,
                         uint64_t *ret_lines);

#endif
