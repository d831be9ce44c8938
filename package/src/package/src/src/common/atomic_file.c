// SPDX-License-Identifier: Apache-2.0
/*
 * Atomic file replacement (see atomic_file.h), and the sweep of temporary files that a crash
 * between open() and rename() leaves behind: without it every crash of a textfile writer would
 * leave one more PATH.tmp.PID in node_exporter's directory, forever.
 */
#include "common/atomic_file.h"

#include "common/num.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct timespec process_start;

/* When this process started (to the millisecond, which is all the sweep needs). */
__attribute__((constructor)) static void note_process_start(void)
{
	clock_gettime(CLOCK_REALTIME, &process_start);
}

static bool before_start(const struct timespec *t)
{
	return t->tv_sec < process_start.tv_sec ||
	       (t->tv_sec == process_start.tv_sec && t->tv_nsec < process_start.tv_nsec);
}

/* "NAME.tmp.PID" with @base as NAME: the PID, else 0. */
static pid_t tmp_pid(const char *entry, const char *base, size_t baselen)
{
	static const char mid[] = ".tmp.";
	uint64_t pid;

	if (strncmp(entry, base, baselen) != 0 ||
	    strncmp(entry + baselen, mid, sizeof(mid) - 1) != 0)
		return 0;
	entry += baselen + sizeof(mid) - 1;
	if (num_parse_u64(entry, strlen(entry), INT_MAX, &pid) < 0)
		return 0;
	return (pid_t)pid;
}

int atomic_file_sweep(const char *path)
{
	char dir[PATH_MAX], name[PATH_MAX];
	const char *base;
	struct dirent *e;
	size_t baselen;
	int swept = 0;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    snprintf(name, sizeof(name), "%s", path) >= (int)sizeof(name))
		return -ENAMETOOLONG;
	base = basename(name);
	baselen = strlen(base);
	d = opendir(dirname(dir));
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		pid_t pid = tmp_pid(e->d_name, base, baselen);
		struct stat st;

		/* our own PID's file is the one we are about to truncate and rename */
		if (pid <= 0 || pid == getpid() ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		/* stale: left before we started (a writer holds its file for milliseconds), or
		 * its writer is gone */
		if (!before_start(&st.st_mtim) && !(kill(pid, 0) < 0 && errno == ESRCH))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			swept++;
	}
	closedir(d);
	return swept;
}

int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *p = data;
	int fd, dfd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	/* best effort: an unreadable directory shows up as the open() error below */
	atomic_file_sweep(path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out_unlink;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		err = -errno;
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = -errno;
		goto out_unlink;
	}
	/* make the rename itself durable */
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}
