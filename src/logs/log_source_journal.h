/* SPDX-License-Identifier: Apache-2.0 */
/*
 * charon's lines from the systemd journal (sd-journal): entries of charon-systemd (_COMM or
 * SYSLOG_IDENTIFIER charon-systemd), whose structured fields GROUP and IKE_SA_NAME are used
 * directly, and of charon logging through syslog (SYSLOG_IDENTIFIER=charon), whose MESSAGE
 * still carries "NN[GRP] <conn|id>". The journal cursor of the last entry read is kept in a
 * state file, so a restarted serve continues exactly after it.
 */
#ifndef IKEWATCH_LOG_SOURCE_JOURNAL_H
#define IKEWATCH_LOG_SOURCE_JOURNAL_H

#include "common/stopper.h"
#include "logs/log_source.h"

#include <stdbool.h>
#include <stdint.h>

struct log_journal_opts {
	const char *state_path; /* NULL: keep no state */
	/* Where to read: NULL for the local system journal; a directory; or journal files
	 * (NULL-terminated, used by tests). */
	const char *directory;
	const char *const *files;
	bool from_start;  /* without state: read what the journal holds (else only new) */
	unsigned poll_ms; /* 0: 250; only where the journal's fd cannot be had to wait on */
	unsigned save_ms; /* 0: 1000 */
};

struct log_journal_stats {
	uint64_t entries;
	uint64_t state_errors;
};

struct log_journal_source;

/* NULL on failure; *ret_err (may be NULL) then holds -errno (e.g. no journal; -ENOENT, with the
 * reason logged, when libsystemd cannot be loaded: see journal_lib.h). */
struct log_journal_source *log_journal_source_new(const struct log_journal_opts *o,
                                                  const struct log_sink *sink, int *ret_err);
void log_journal_source_free(struct log_journal_source *s);
/* Deliver every entry not yet seen. 0 or -errno. */
int log_journal_source_poll(struct log_journal_source *s);
int log_journal_source_save(struct log_journal_source *s);
/* Wait for and deliver entries until @stop; the wait has no timeout while nothing is due (the
 * journal's fd is watched), and the cursor is saved within save_ms of an entry and at the end. */
void log_journal_source_run(struct log_journal_source *s, const struct stopper *stop);
void log_journal_source_stats(const struct log_journal_source *s, struct log_journal_stats *ret);

#endif
