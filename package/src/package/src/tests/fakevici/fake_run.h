/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start and stop a fakevici process for a test: on a socket in a fresh temporary directory,
 * stopped by its PID.
 */
#ifndef IKEWATCH_FAKE_RUN_H
#define IKEWATCH_FAKE_RUN_H

#include <stdbool.h>
#include <sys/types.h>

struct fake {
	pid_t pid;
	char dir[64];
	char sock[96];
};

/* Start fakevici with @args (NULL-terminated, without the socket path); wait for its socket.
 * With f->sock already set (a restart), the same socket path is used again. */
bool fake_start(struct fake *f, const char *const *args);
/* Stop it; @keep_dir: leave the directory for a restart on the same path. */
void fake_stop_keep(struct fake *f, bool keep_dir);
static inline void fake_stop(struct fake *f)
{
	fake_stop_keep(f, false);
}

#endif
