// SPDX-License-Identifier: Apache-2.0
/* Readiness and socket activation, systemd's protocols (see service_manager.h). */
#include "common/service_manager.h"

#include "common/num.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int service_notify(const char *state)
{
	const char *e = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	socklen_t sa_len;
	ssize_t n;
	int fd, r;

	if (!e || !*e)
		return 0;
	len = strlen(e);
	if (e[0] != '/' && e[0] != '@')
		return strchr(e, ':') ? -EAFNOSUPPORT : -EINVAL;
	if (len > sizeof(sa.sun_path) - (e[0] == '/')) /* a path needs its terminating NUL */
		return -EINVAL;
	memcpy(sa.sun_path, e, len);
	if (e[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name's length is in the address length */
	sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (e[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* blocking, as sd_notify(): the state must arrive, and systemd reads its queue at once */
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, sa_len);
	r = n < 0 ? -errno : 1;
	close(fd);
	return r;
}

/* A positive decimal number up to @max, else -EINVAL. */
static int parse_positive(const char *s, int max, int *ret)
{
	uint64_t v;

	if (!s || num_parse_u64_str(s, (uint64_t)max, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int service_listen_fds(bool unset)
{
	int pid, n = 0, r;

	if (!getenv("LISTEN_PID")) {
		r = 0;
		goto out;
	}
	r = parse_positive(getenv("LISTEN_PID"), INT32_MAX, &pid);
	if (r < 0 || pid != (int)getpid())
		goto out; /* -EINVAL, or 0: for another process (it did not unset them) */
	r = parse_positive(getenv("LISTEN_FDS"), INT32_MAX - SERVICE_LISTEN_FDS_START, &n);
	if (r < 0)
		goto out;
	for (int fd = SERVICE_LISTEN_FDS_START; fd < SERVICE_LISTEN_FDS_START + n; fd++) {
		int flags = fcntl(fd, F_GETFD);

		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
	}
	r = n;
out:
	if (unset) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	return r;
}
