/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wake a follower of a file (the charon log that `tail -F` would follow) when the file may have
 * changed, instead of reading it again on a timer: an inotify descriptor that turns readable
 * when the open file is written or truncated (a watch on its inode, whatever its name is now)
 * or when an entry of the directory named by the path is created, moved or deleted (rotation by
 * rename, a file that appears). The follower still decides what changed by looking at the file:
 * an event is only a reason to look, so events about other files of the directory cost one look
 * and nothing else.
 *
 * Two cases raise no event for some changes, and file_watch_complete() says so, for the follower
 * to keep a timer there: a network file system (NFS, SMB, FUSE, ...), where inotify sees only
 * this machine's writes, not another host's; and a path that is a symbolic link, whose file is
 * rotated in the directory of the link's target, which is not the one watched.
 *
 *	if (file_watch_init(&w, path) == 0)             // -errno: no watch, read on a timer
 *		...
 *	if (file_watch_follow(&w, fd) == 1)             // after each look at the file
 *		... look again before waiting
 *	if (stopper_wait(stop, file_watch_fd(&w), POLLIN, ms) > 0 &&
 *	    file_watch_drain(&w))                        // then look at the file, and if the
 *		... file_watch_stale()                   // directory changed, at it too
 */
#ifndef IKEWATCH_FILE_WATCH_H
#define IKEWATCH_FILE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct file_watch {
	int fd;      /* inotify, non-blocking; -1: none */
	char *dir;   /* the directory that names the path */
	int dir_wd;  /* its watch */
	int file_wd; /* the open file's inode; -1: none */
	uint64_t dir_dev, dir_ino, file_dev, file_ino;
	char *path;
	bool local; /* the directory is on a file system whose every write inotify sees */
	bool
	    linked; /* the path was a symbolic link at init or at the last event of the directory */
};

/* Watch the directory that names @path (which need not exist yet). 0, or -errno (no inotify,
 * or the directory is missing): @w is then empty, and file_watch_done() is still safe. */
int file_watch_init(struct file_watch *w, const char *path);
void file_watch_done(struct file_watch *w);
/* The directory watched no longer names the path (removed, renamed, or another one in its
 * place): its events say nothing of the path any more; file_watch_done() and init again. A
 * removal is not always an event: while a file of the directory is still open (the followed
 * file, deleted) its directory lingers, and so does its watch. */
bool file_watch_stale(const struct file_watch *w);
/* Watch the inode open as @fd (-1: no file open) instead of the one watched before. 1 when it
 * watches a new inode now (what was written to it before the watch raised no event: look at it
 * once more), 0 when nothing changed, -errno (then only the directory is watched). */
int file_watch_follow(struct file_watch *w, int fd);
/* Read the pending events (each one only a reason to look at the file). True when one was of
 * the directory (or events were lost): then the path may name another file, or the directory
 * may be another one (file_watch_stale()); a write to the file alone leaves both as they were. */
bool file_watch_drain(struct file_watch *w);

static inline int file_watch_fd(const struct file_watch *w)
{
	return w->fd;
}

/* Does inotify see every change in @dir: false on a network file system (see above), or when
 * statfs(2) fails. Also for other watchers of directories (swanctl/swanctl_file.c). */
bool file_watch_fs_local(const char *dir);

/* Does every change of the path's file raise an event (see above)? */
static inline bool file_watch_complete(const struct file_watch *w)
{
	return w->local && !w->linked;
}

#endif
