/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Follow a charon log file like `tail -F`: read new lines as they are written; survive
 * rotation by rename (the old file is drained, then the new one is read from its start),
 * truncation in place (copytruncate: read again from offset 0) and a file that is missing for a
 * while. The position (device, inode, offset of the last whole line) is kept in a state file so
 * that a restarted serve neither counts old lines again nor misses lines written meanwhile.
 */
#ifndef IKEWATCH_LOG_SOURCE_FILE_H
#define IKEWATCH_LOG_SOURCE_FILE_H

#include "common/stopper.h"
#include "logs/log_source.h"

#include <stdbool.h>
#include <stdint.h>

struct log_file_opts {
	const char *path;
	const char *state_path; /* NULL: keep no state */
	/* Without state: read the existing file from its start (true) or only what is written
	 * from now on (false, the default for serve: history is not news). */
	bool from_start;
	/* 0: 250. How often the run loop reads the file where inotify cannot tell it of a change
	 * (no inotify, the directory missing, a network file system, a path that is a symbolic
	 * link: common/file_watch.h); elsewhere it waits for one */
	unsigned poll_ms;
	unsigned save_ms; /* least time between state writes; 0: 1000 */
};

struct log_file_stats {
	uint64_t lines;
	uint64_t cut;
	uint64_t rotations;
	uint64_t truncations;
	uint64_t state_errors;
};

struct log_file_source;

/* Copies @o's strings. NULL on allocation failure or bad options. */
struct log_file_source *log_file_source_new(const struct log_file_opts *o,
                                            const struct log_sink *sink);
void log_file_source_free(struct log_file_source *s);
/* One round: read whatever is new (handling rotation/truncation). 0, or -errno when the file
 * cannot be opened (it may appear later: callers keep polling). */
int log_file_source_poll(struct log_file_source *s);
/* Write the state file now (if there is one). 0 or -errno. */
int log_file_source_save(struct log_file_source *s);
/* Read what is new whenever inotify reports a change of the file or of its directory (or every
 * poll_ms where it cannot), until @stop, which ends a wait at once; save the state at most every
 * save_ms, within save_ms of a read, and once at the end. An idle file costs no wake-up. */
void log_file_source_run(struct log_file_source *s, const struct stopper *stop);
/* Counters as of the last poll; safe to call from any thread. */
void log_file_source_stats(struct log_file_source *s, struct log_file_stats *ret);

#endif
