/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running one outside command for the diag bundle (ip, ss, conntrack, tcpdump): posix_spawnp
 * with an argv array (never a shell), stdin from /dev/null, stdout and stderr captured apart,
 * LC_ALL=C so the text does not depend on the user's locale, a deadline and a size cap. At the
 * deadline, or when stdout passes the cap, the child gets SIGTERM (tcpdump then flushes its
 * capture), and SIGKILL a second later. Only the child this call started is ever signalled.
 */
#ifndef IKEWATCH_DIAG_EXEC_H
#define IKEWATCH_DIAG_EXEC_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* stderr kept per command: error messages, not data. */
#define DIAG_EXEC_STDERR_MAX (64u * 1024u)

struct diag_exec_result {
	struct buf out; /* stdout, at most the cap */
	struct buf err; /* stderr, at most DIAG_EXEC_STDERR_MAX */
	int status;     /* exit status, or 128 + signal */
	bool timed_out; /* the deadline passed and the child was stopped */
	bool truncated; /* stdout passed the cap and the child was stopped */
};

void diag_exec_result_done(struct diag_exec_result *r);

/*
 * Run argv[0] (looked up in PATH) with @argv. On 0 the command ran, whatever its exit status,
 * and *ret (the caller's, not initialised) holds what it wrote; release it with
 * diag_exec_result_done(). -ENOENT: not installed; other -errno: could not be started.
 */
int diag_exec(char *const argv[], unsigned timeout_ms, size_t max, struct diag_exec_result *ret);

#endif
