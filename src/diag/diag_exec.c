// SPDX-License-Identifier: Apache-2.0
/*
 * Outside commands for the diag bundle (see diag_exec.h): spawn, poll two pipes against a
 * monotonic deadline, stop the child politely then firmly, reap it.
 */
#include "diag/diag_exec.h"

#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* How long a stopped child gets between SIGTERM and SIGKILL. */
#define STOP_GRACE_MS 1000

void diag_exec_result_done(struct diag_exec_result *r)
{
	buf_done(&r->out);
	buf_done(&r->err);
}

/* The caller's environment without locale settings, plus LC_ALL=C. */
static char **c_locale_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_", 3) != 0 && strncmp(environ[i], "LANG", 4) != 0)
			env[k++] = environ[i];
	env[k] = (char *)"LC_ALL=C";
	return env;
}

static int spawn(char *const argv[], int out_fd, int err_fd, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char **env = c_locale_env();
	int r;

	if (!env)
		return -ENOMEM;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	/* default signal handling in the child, whatever the caller ignores */
	{
		sigset_t all;

		sigfillset(&all);
		posix_spawnattr_setsigdefault(&attr, &all);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	}
	r = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return -r;
}

/* Read what is there into @b; bytes beyond its cap are dropped. 1 at EOF, 2 when nothing is
 * there now, 0 after a read, or -errno. */
static int drain(int fd, struct buf *b, bool *ret_over)
{
	char chunk[16384];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n == 0)
		return 1;
	if (n < 0)
		return errno == EINTR ? 0 : errno == EAGAIN ? 2 : -errno;
	if ((size_t)n > b->max - b->len) {
		buf_append(b, chunk, b->max - b->len);
		*ret_over = true;
		return 0;
	}
	buf_append(b, chunk, (size_t)n);
	return 0;
}

static void stop_child(pid_t pid, int *status)
{
	uint64_t until = clock_mono_ms() + STOP_GRACE_MS;

	kill(pid, SIGTERM);
	while (clock_mono_ms() < until) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return;
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

int diag_exec(char *const argv[], unsigned timeout_ms, size_t max, struct diag_exec_result *ret)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	struct diag_exec_result r = {0};
	int po[2], pe[2], status = 0, err;
	bool open_o = true, open_e = true, over = false;
	pid_t pid;

	if (!argv || !argv[0])
		return -EINVAL;
	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		err = -errno;
		goto out_close_po;
	}
	/* the reading ends only: a child must not see EAGAIN on its stdout */
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	buf_init(&r.out, max);
	buf_init(&r.err, DIAG_EXEC_STDERR_MAX);
	err = spawn(argv, po[1], pe[1], &pid);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (err < 0)
		goto out_close_pe;
	while (open_o || open_e) {
		struct pollfd pfd[2] = {{.fd = open_o ? po[0] : -1, .events = POLLIN},
		                        {.fd = open_e ? pe[0] : -1, .events = POLLIN}};
		uint64_t now = clock_mono_ms();
		int n, d;

		if (now >= deadline) {
			r.timed_out = true;
			break;
		}
		n = poll(pfd, 2, (int)(deadline - now));
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (pfd[0].revents) {
			d = drain(po[0], &r.out, &over);
			if (d == 1 || d < 0)
				open_o = false;
		}
		if (pfd[1].revents) {
			bool ignored = false;

			d = drain(pe[0], &r.err, &ignored);
			if (d == 1 || d < 0)
				open_e = false;
		}
		if (over) {
			r.truncated = true;
			break;
		}
	}
	if (r.timed_out || r.truncated) {
		stop_child(pid, &status);
		/* what it wrote while stopping (tcpdump's last packets) */
		while (open_o && drain(po[0], &r.out, &over) == 0 && !over)
			;
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	close(po[0]);
	close(pe[0]);
	*ret = r;
	return 0;

out_close_pe:
	buf_done(&r.out);
	buf_done(&r.err);
	close(pe[0]);
out_close_po:
	close(po[0]);
	if (po[1] >= 0)
		close(po[1]);
	return err;
}
