// SPDX-License-Identifier: Apache-2.0
/*
 * Atomic file replacement: the content lands whole, and the temporary files of crashed writers
 * (PATH.tmp.PID) are swept on the next write: those older than this process and those whose
 * PID is gone, never a live writer's fresh one, another file's, or one that only looks alike.
 */
#include "test.h"
#include "tmpdir.h"

#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int touch(const char *name, bool old)
{
	char path[512];
	struct timespec ts[2];
	int fd;

	tmpdir_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (old) {
		clock_gettime(CLOCK_REALTIME, &ts[0]);
		ts[0].tv_sec -= 3600;
		ts[1] = ts[0];
		futimens(fd, ts);
	}
	return close(fd);
}

static bool exists(const char *name)
{
	char path[512];

	tmpdir_path(name, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* A PID that was just used and is not running any more. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

static void writes_whole_file(void)
{
	char path[512], back[16] = "";
	int fd;

	T_ASSERT(tmpdir() != NULL);
	tmpdir_path("out.prom", path, sizeof(path));
	T_EQ_INT(atomic_file_write(path, "new\n", 4, 0644), 0);
	fd = open(path, O_RDONLY);
	T_ASSERT(fd >= 0);
	T_EQ_INT(read(fd, back, sizeof(back)), 4);
	close(fd);
	T_EQ_STR(back, "new\n");
	tmpdir_path("missing/out.prom", path, sizeof(path));
	T_EQ_INT(atomic_file_write(path, "x", 1, 0644), -ENOENT);
}

static void sweeps_stale_temporaries(void)
{
	char path[512], name[64], dead[64], live_old[64], live_new[64], mine[64], other[64];
	pid_t gone = dead_pid();

	T_ASSERT(gone > 0);
	snprintf(dead, sizeof(dead), "out.prom.tmp.%ld", (long)gone);
	snprintf(live_old, sizeof(live_old), "out.prom.tmp.%ld", (long)getppid());
	snprintf(live_new, sizeof(live_new), "out.prom.tmp.%ld", (long)getppid());
	snprintf(mine, sizeof(mine), "out.prom.tmp.%ld", (long)getpid());
	snprintf(other, sizeof(other), "other.prom.tmp.%ld", (long)gone);
	/* a writer that crashed: its PID is gone */
	T_EQ_INT(touch(dead, false), 0);
	/* lookalikes and other files' temporaries stay */
	T_EQ_INT(touch(other, true), 0);
	T_EQ_INT(touch("out.prom.tmp.12x", true), 0);
	T_EQ_INT(touch("out.prom.tmp.", true), 0);
	T_EQ_INT(touch("out.prom.tmp.-1", true), 0);
	T_EQ_INT(touch("out.promX.tmp.1", true), 0);
	T_EQ_INT(touch(mine, true), 0);
	tmpdir_path("out.prom", path, sizeof(path));
	T_EQ_INT(atomic_file_write(path, "a", 1, 0644), 0);
	T_ASSERT(!exists(dead));
	T_ASSERT(exists(other) && exists("out.prom.tmp.12x") && exists("out.prom.tmp.") &&
	         exists("out.prom.tmp.-1") && exists("out.promX.tmp.1"));
	T_ASSERT(!exists(mine)); /* ours: truncated, written and renamed over out.prom */
	/* a live PID's fresh file may be a writer at work: kept; the same, written before this
	 * process started, is a leftover whose PID was reused: swept */
	T_EQ_INT(touch(live_new, false), 0);
	T_EQ_INT(atomic_file_sweep(path), 0);
	T_ASSERT(exists(live_new));
	T_EQ_INT(touch(live_old, true), 0);
	T_EQ_INT(atomic_file_sweep(path), 1);
	T_ASSERT(!exists(live_old));
	/* a directory that looks like a temporary is never removed */
	snprintf(name, sizeof(name), "%s/out.prom.tmp.%ld", tmpdir(), (long)gone);
	T_EQ_INT(mkdir(name, 0700), 0);
	T_EQ_INT(atomic_file_sweep(path), 0);
	T_EQ_INT(rmdir(name), 0);
	tmpdir_path("missing/out.prom", path, sizeof(path));
	T_EQ_INT(atomic_file_sweep(path), -ENOENT);
}

TEST_MAIN("atomic_file", TEST(writes_whole_file), TEST(sweeps_stale_temporaries))
