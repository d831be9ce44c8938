// SPDX-License-Identifier: Apache-2.0
/*
 * The inotify watches of a followed file (see file_watch.h). The file is watched through
 * /proc/self/fd/N, which names the inode open as N whatever its name is now: a file renamed away
 * by a rotation is not confused with the new one that took its name.
 */
#include "common/file_watch.h"

#include "common/path.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Entries of the directory appearing or going: the file created, rotated in or away, deleted;
 * and the directory itself going (a reason to ask file_watch_stale()). */
#define DIR_EVENTS                                                                                 \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |     \
	 IN_ONLYDIR)
/* Written, or truncated (truncate(2) and O_TRUNC raise IN_MODIFY too). */
#define FILE_EVENTS IN_MODIFY

/* File systems whose changes made by other hosts raise no inotify event here (statfs f_type,
 * linux/magic.h and the file systems' own sources). */
static const unsigned long remote_fs[] = {
    0x6969,     /* NFS */
    0x517B,     /* SMB */
    0xFF534D42, /* CIFS */
    0xFE534D42, /* SMB2 */
    0x65735546, /* FUSE (sshfs, ...) */
    0x01021997, /* 9P */
    0x00C36400, /* Ceph */
    0x5346414F, /* AFS */
    0x73757245, /* Coda */
    0x0BD00BD0, /* Lustre */
    0x01161970, /* GFS2 */
    0x7461636F, /* OCFS2 */
};

bool file_watch_fs_local(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st) < 0)
		return false;
	for (size_t i = 0; i < sizeof(remote_fs) / sizeof(remote_fs[0]); i++)
		if ((unsigned long)st.f_type == remote_fs[i])
			return false;
	return true;
}

/* Is the path a symbolic link (now)? */
static bool path_linked(const struct file_watch *w)
{
	struct stat st;

	return lstat(w->path, &st) == 0 && S_ISLNK(st.st_mode);
}

int file_watch_init(struct file_watch *w, const char *path)
{
	size_t dir_len = path_dir_len(path);
	struct stat st;
	int r = -ENOMEM;

	*w = (struct file_watch){.fd = -1, .dir_wd = -1, .file_wd = -1};
	if (!(w->path = strdup(path)))
		goto fail;
	w->dir = dir_len ? strndup(path, dir_len) : strdup(".");
	if (!w->dir)
		goto fail;
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    (w->dir_wd = inotify_add_watch(w->fd, w->dir, DIR_EVENTS)) < 0 ||
	    stat(w->dir, &st) < 0) {
		r = -errno;
		goto fail;
	}
	w->dir_dev = (uint64_t)st.st_dev;
	w->dir_ino = (uint64_t)st.st_ino;
	w->local = file_watch_fs_local(w->dir);
	w->linked = path_linked(w);
	return 0;
fail:
	file_watch_done(w);
	return r;
}

void file_watch_done(struct file_watch *w)
{
	if (w->fd >= 0)
		close(w->fd); /* ends every watch */
	free(w->dir);
	free(w->path);
	*w = (struct file_watch){.fd = -1, .dir_wd = -1, .file_wd = -1};
}

bool file_watch_stale(const struct file_watch *w)
{
	struct stat st;

	return stat(w->dir, &st) < 0 || (uint64_t)st.st_dev != w->dir_dev ||
	       (uint64_t)st.st_ino != w->dir_ino;
}

int file_watch_follow(struct file_watch *w, int fd)
{
	char proc[64];
	struct stat st;
	int wd, r;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = fd < 0 ? 0 : -errno;
		if (w->file_wd >= 0)
			inotify_rm_watch(w->fd, w->file_wd);
		w->file_wd = -1;
		return r;
	}
	if (w->file_wd >= 0 && w->file_dev == (uint64_t)st.st_dev &&
	    w->file_ino == (uint64_t)st.st_ino)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((wd = inotify_add_watch(w->fd, proc, FILE_EVENTS)) < 0)
		return -errno;
	/* EINVAL when that watch ended already (IN_IGNORED not read yet): nothing to do. Another
	 * watch descriptor for the same inode cannot happen: inotify gives an inode one. */
	if (w->file_wd >= 0 && w->file_wd != wd)
		inotify_rm_watch(w->fd, w->file_wd);
	w->file_wd = wd;
	w->file_dev = (uint64_t)st.st_dev;
	w->file_ino = (uint64_t)st.st_ino;
	return 1;
}

bool file_watch_drain(struct file_watch *w)
{
	alignas(struct inotify_event) char buf[4096];
	bool dir = false;

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: all read */
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *e = (const void *)(buf + off);

			/* the file is gone: file_watch_follow() adds the next */
			if (e->wd == w->file_wd && (e->mask & IN_IGNORED))
				w->file_wd = -1;
			if (e->wd == w->dir_wd || (e->mask & IN_Q_OVERFLOW))
				dir = true;
			off += (ssize_t)sizeof(*e) + e->len;
		}
	}
	/* an entry came or went: the path may be a link now, or no longer one */
	if (dir)
		w->linked = path_linked(w);
	return dir;
}
