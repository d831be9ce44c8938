/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two protocols between a daemon and systemd that serve uses, readiness (sd_notify(3)) and
 * socket activation (sd_listen_fds(3)), written out. Both are stable interfaces that systemd
 * documents so that daemons need not link libsystemd for them. Linking it mapped libsystemd
 * and the six libraries it links into serve, 0.9 MiB of its peak RSS (docs/benchmarks.md,
 * "Peak memory"), and put liblzma into a network daemon: the way the 2024 xz backdoor reached
 * sshd. The journal reader, which needs the real library, loads it when used
 * (logs/journal_lib.h).
 */
#ifndef IKEWATCH_SERVICE_MANAGER_H
#define IKEWATCH_SERVICE_MANAGER_H

#include <stdbool.h>

/* The first descriptor of the sockets passed (SD_LISTEN_FDS_START). */
#define SERVICE_LISTEN_FDS_START 3

/* Sends @state ("READY=1", "STOPPING=1") to the service manager's socket in $NOTIFY_SOCKET (a
 * path, or "@name" in the abstract namespace). 1 when sent, 0 when there is no service manager
 * to tell, or -errno: -EINVAL for a variable that is neither form, -EAFNOSUPPORT for another
 * transport (vsock), or what socket(2)/sendto(2) returned. */
int service_notify(const char *state);

/* The number of sockets the service manager passed to this process, at descriptors
 * SERVICE_LISTEN_FDS_START onwards, each made close-on-exec. 0 when none was passed to it
 * ($LISTEN_PID unset, or another process's); -EINVAL when $LISTEN_PID or $LISTEN_FDS is not a
 * positive number, -EBADF when a descriptor it counts is not open. With @unset the variables
 * are removed from the environment afterwards, whatever the result, so that no child takes the
 * sockets for its own. */
int service_listen_fds(bool unset);

#endif
