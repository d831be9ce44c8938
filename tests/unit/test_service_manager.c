// SPDX-License-Identifier: Apache-2.0
/*
 * systemd's readiness and socket-activation protocols as written out in
 * src/common/service_manager.c, from the receiving end: a datagram socket stands in for
 * systemd's notification socket (a path, and a name in the abstract namespace), and the
 * variables are set as systemd sets them. How serve refuses bad socket activation is in
 * test_http_listen.c; serve's READY=1 and STOPPING=1 in tests/integration/test_serve_listen.sh.
 */
#include "test.h"
#include "tmpdir.h"

#include "common/service_manager.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A datagram socket bound at @name (a path, or "@..." for the abstract namespace). */
static int receiver(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || len >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] != '@'))) <
	    0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram on @fd, without waiting. */
static const char *received(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void notify_reaches_a_path_and_an_abstract_name(void)
{
	char path[256], abstract[64], got[64];
	int fd;

	T_ASSERT(tmpdir_path("notify", path, sizeof(path)));
	fd = receiver(path);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	T_EQ_INT(service_notify("READY=1"), 1);
	T_EQ_STR(received(fd, got, sizeof(got)), "READY=1");
	T_EQ_INT(service_notify("STOPPING=1"), 1);
	T_EQ_STR(received(fd, got, sizeof(got)), "STOPPING=1");
	close(fd);
	unlink(path);
	/* nobody there any more: the error, not a hang */
	T_EQ_INT(service_notify("READY=1"), -ENOENT);

	snprintf(abstract, sizeof(abstract), "@iw-test-notify-%ld", (long)getpid());
	fd = receiver(abstract);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", abstract, 1);
	T_EQ_INT(service_notify("READY=1"), 1);
	T_EQ_STR(received(fd, got, sizeof(got)), "READY=1");
	close(fd);
	T_EQ_INT(service_notify("READY=1"), -ECONNREFUSED);
	unsetenv("NOTIFY_SOCKET");
}

static void notify_without_or_with_a_bad_socket(void)
{
	char longest[200];

	unsetenv("NOTIFY_SOCKET");
	T_EQ_INT(service_notify("READY=1"), 0); /* not under systemd */
	setenv("NOTIFY_SOCKET", "", 1);
	T_EQ_INT(service_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "run/systemd/notify", 1); /* relative */
	T_EQ_INT(service_notify("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1); /* systemd 254's VM transport */
	T_EQ_INT(service_notify("READY=1"), -EAFNOSUPPORT);
	memset(longest, 'x', sizeof(longest) - 1);
	longest[0] = '/';
	longest[sizeof(longest) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longest, 1); /* longer than sun_path */
	T_EQ_INT(service_notify("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

static void set_listen(const char *pid, const char *fds)
{
	char self[24];

	if (pid && strcmp(pid, "self") == 0) {
		snprintf(self, sizeof(self), "%ld", (long)getpid());
		pid = self;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	if (pid)
		setenv("LISTEN_PID", pid, 1);
	if (fds)
		setenv("LISTEN_FDS", fds, 1);
	setenv("LISTEN_FDNAMES", "http", 1);
}

static bool listen_env_gone(void)
{
	return !getenv("LISTEN_PID") && !getenv("LISTEN_FDS") && !getenv("LISTEN_FDNAMES");
}

/* fds 3 and 4 as systemd passes them: counted, made close-on-exec, the variables kept or
 * removed as asked. */
static void listen_fds_counts_and_closes_on_exec(void)
{
	int p[2], saved3 = fcntl(3, F_DUPFD_CLOEXEC, 100), saved4 = fcntl(4, F_DUPFD_CLOEXEC, 100);

	T_ASSERT(pipe(p) == 0);
	T_ASSERT(dup2(p[0], 3) == 3 && dup2(p[1], 4) == 4); /* without close-on-exec */
	set_listen("self", "2");
	T_EQ_INT(service_listen_fds(false), 2);
	T_ASSERT(getenv("LISTEN_FDS") != NULL);
	T_ASSERT(fcntl(3, F_GETFD) & FD_CLOEXEC);
	T_ASSERT(fcntl(4, F_GETFD) & FD_CLOEXEC);
	T_EQ_INT(service_listen_fds(true), 2);
	T_ASSERT(listen_env_gone());
	T_EQ_INT(service_listen_fds(true), 0); /* nothing passed any more */
	/* a count past the open descriptors (3..1002) */
	set_listen("self", "1000");
	T_EQ_INT(service_listen_fds(true), -EBADF);
	T_ASSERT(listen_env_gone());
	/* put back what the harness had at 3 and 4 */
	for (int fd = 3; fd <= 4; fd++) {
		int saved = fd == 3 ? saved3 : saved4;

		if (saved >= 0) {
			dup2(saved, fd);
			close(saved);
		} else {
			close(fd);
		}
	}
	close(p[0]);
	close(p[1]);
}

static void listen_fds_for_someone_else_or_malformed(void)
{
	static const struct {
		const char *pid, *fds;
		int want;
	} v[] = {
	    {NULL, "1", 0}, /* no LISTEN_PID: not socket-activated */
	    {"1", "1", 0},  /* for another process */
	    {"self", NULL, -EINVAL}, {"self", "0", -EINVAL},           {"self", "-1", -EINVAL},
	    {"self", "1x", -EINVAL}, {"self", "99999999999", -EINVAL}, {"x", "1", -EINVAL},
	    {"0", "1", -EINVAL},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		set_listen(v[i].pid, v[i].fds);
		T_EQ_INT(service_listen_fds(true), v[i].want);
		T_ASSERT(listen_env_gone());
	}
}

TEST_MAIN("service_manager", TEST(notify_reaches_a_path_and_an_abstract_name),
          TEST(notify_without_or_with_a_bad_socket), TEST(listen_fds_counts_and_closes_on_exec),
          TEST(listen_fds_for_someone_else_or_malformed))
