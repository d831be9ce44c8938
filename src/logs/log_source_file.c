// SPDX-License-Identifier: Apache-2.0
/*
 * The followed log file (see log_source_file.h). Rotation is noticed by comparing the open
 * descriptor's (st_dev, st_ino) with what the path names now; truncation by a size smaller than
 * our read offset. The run loop looks when inotify says the file or its directory changed
 * (common/file_watch.h), and on a timer only where inotify cannot see every change. The saved
 * offset is that of the end of the last whole line, so a line being written while we stop is read
 * again, complete, after a restart.
 */
#include "logs/log_source_file.h"

#include "common/clock.h"
#include "common/file_watch.h"
#include "common/log.h"
#include "logs/log_lines.h"
#include "logs/log_state.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536

struct log_file_source {
	char *path;
	char *state_path;
	bool from_start;
	unsigned poll_ms, save_ms;
	struct log_sink sink;
	int fd;
	bool opened_once;
	bool named; /* the last poll found the path naming a file (ours, or the next one) */
	uint64_t dev, ino;
	uint64_t read_off; /* bytes of the current file consumed by read() */
	uint64_t saved_off;
	uint64_t last_save_ms;
	struct log_lines lines;
	struct log_file_stats st;
	/* a copy of the counters for other threads (scrapes), refreshed after each poll */
	pthread_mutex_t pub_lock;
	struct log_file_stats pub;
	char chunk[READ_CHUNK];
};

struct log_file_source *log_file_source_new(const struct log_file_opts *o,
                                            const struct log_sink *sink)
{
	struct log_file_source *s;

	if (!o || !o->path || !sink || !sink->on_line)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->path = strdup(o->path);
	s->state_path = o->state_path ? strdup(o->state_path) : NULL;
	if (!s->path || (o->state_path && !s->state_path)) {
		log_file_source_free(s);
		return NULL;
	}
	s->from_start = o->from_start;
	s->poll_ms = o->poll_ms ? o->poll_ms : 250;
	s->save_ms = o->save_ms ? o->save_ms : 1000;
	s->sink = *sink;
	s->fd = -1;
	s->saved_off = UINT64_MAX;
	log_lines_init(&s->lines);
	pthread_mutex_init(&s->pub_lock, NULL);
	return s;
}

void log_file_source_free(struct log_file_source *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->state_path);
	pthread_mutex_destroy(&s->pub_lock);
	free(s);
}

static void publish(struct log_file_source *s)
{
	pthread_mutex_lock(&s->pub_lock);
	s->pub = s->st;
	s->pub.lines = s->lines.lines;
	s->pub.cut = s->lines.cut;
	pthread_mutex_unlock(&s->pub_lock);
}

static uint64_t safe_offset(const struct log_file_source *s)
{
	return s->read_off - s->lines.pending;
}

/* Choose where to start in a freshly opened file. */
static uint64_t start_offset(struct log_file_source *s, const struct stat *st)
{
	struct log_state saved;
	int r;

	if (s->opened_once)
		return 0; /* a new file after rotation: all of it is new */
	s->opened_once = true;
	if (s->state_path) {
		r = log_state_load(s->state_path, &saved);
		if (r == 0 && saved.has_file) {
			if (saved.dev == (uint64_t)st->st_dev && saved.ino == (uint64_t)st->st_ino)
				/* same file: resume, unless it was truncated while we were away */
				return saved.offset <= (uint64_t)st->st_size ? saved.offset : 0;
			/* rotated while we were away: the lines of this file are all unseen */
			return 0;
		}
		if (r < 0 && r != -ENOENT) {
			s->st.state_errors++;
			log_warn("log state %s unreadable (%s), starting at the end of %s",
			         s->state_path, strerror(-r), s->path);
			return (uint64_t)st->st_size;
		}
	}
	return s->from_start ? 0 : (uint64_t)st->st_size;
}

static int open_file(struct log_file_source *s)
{
	struct stat st;
	uint64_t off;
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	off = start_offset(s, &st);
	if (lseek(fd, (off_t)off, SEEK_SET) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	s->fd = fd;
	s->dev = (uint64_t)st.st_dev;
	s->ino = (uint64_t)st.st_ino;
	s->read_off = off;
	log_lines_reset(&s->lines);
	return 0;
}

static int drain(struct log_file_source *s)
{
	for (;;) {
		ssize_t n = read(s->fd, s->chunk, sizeof(s->chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		s->read_off += (uint64_t)n;
		log_lines_feed(&s->lines, s->chunk, (size_t)n, &s->sink);
	}
}

/* Truncated in place (copytruncate, or `> file`)? Either the file is now shorter than what we
 * read, or the byte that ended the last whole line we read is no longer a newline (the file was
 * emptied and refilled past our offset before we looked). A refill that puts a newline at just
 * that byte goes unnoticed; nothing short of reading content back can tell. */
static bool truncated(struct log_file_source *s)
{
	struct stat st;
	uint64_t safe = safe_offset(s);
	char c;

	if (fstat(s->fd, &st) < 0)
		return false;
	if ((uint64_t)st.st_size < s->read_off)
		return true;
	return safe > 0 && pread(s->fd, &c, 1, (off_t)(safe - 1)) == 1 && c != '\n';
}

int log_file_source_poll(struct log_file_source *s)
{
	struct stat pst;
	int r;

	if (s->fd < 0) {
		s->named = false;
		r = open_file(s);
		if (r < 0)
			return r;
	}
	if (truncated(s) && lseek(s->fd, 0, SEEK_SET) == 0) {
		s->st.truncations++;
		s->read_off = 0;
		log_lines_reset(&s->lines);
	}
	r = drain(s);
	if (r < 0)
		return r;
	/* replaced (rename + create): finish the old file, then follow the new one */
	s->named = stat(s->path, &pst) == 0;
	if (s->named && ((uint64_t)pst.st_dev != s->dev || (uint64_t)pst.st_ino != s->ino)) {
		drain(s);
		log_lines_flush(&s->lines, &s->sink); /* nobody will finish it now */
		close(s->fd);
		s->fd = -1;
		s->st.rotations++;
		r = open_file(s);
		if (r < 0)
			return r;
		r = drain(s);
	}
	publish(s);
	return r;
}

int log_file_source_save(struct log_file_source *s)
{
	struct log_state st = {0};
	int r;

	if (!s->state_path || s->fd < 0)
		return 0;
	st.has_file = true;
	st.dev = s->dev;
	st.ino = s->ino;
	st.offset = safe_offset(s);
	if (st.offset == s->saved_off)
		return 0;
	r = log_state_save(s->state_path, &st);
	if (r < 0) {
		s->st.state_errors++;
		return r;
	}
	s->saved_off = st.offset;
	return 0;
}

/* Milliseconds to wait for the file from @now: for good when inotify sees every change
 * (@watched), else poll_ms; and no later than the state's save when an offset is unsaved. While
 * the path names no file, poll_ms too: its directory may have been removed and made again
 * without an event (file_watch_stale()). */
static int wait_ms(const struct log_file_source *s, uint64_t now, bool watched)
{
	uint64_t due = watched && s->named ? UINT64_MAX : now + s->poll_ms;

	if (s->state_path && s->fd >= 0 && safe_offset(s) != s->saved_off &&
	    s->last_save_ms + s->save_ms < due)
		due = s->last_save_ms + s->save_ms;
	return clock_poll_ms(due, now);
}

void log_file_source_run(struct log_file_source *s, const struct stopper *stop)
{
	struct file_watch w = {.fd = -1};
	bool watching = false;
	/* the directory may have changed since the last look: an event of it, or a timeout (a
	 * directory removed and made again raises none); a write to the file alone cannot */
	bool dir_changed = true;
	int last_err = 0;

	while (!stopper_stopped(stop)) {
		int r, followed;
		uint64_t now;

		/* the watch before the look: what is written after the look raises an event */
		if (watching && dir_changed && file_watch_stale(&w)) {
			file_watch_done(&w);
			watching = false;
		}
		dir_changed = false;
		if (!watching)
			watching = file_watch_init(&w, s->path) == 0;
		r = log_file_source_poll(s);
		now = clock_mono_ms();
		if (r < 0 && r != last_err)
			log_warn("log file %s: %s (retrying)", s->path, strerror(-r));
		last_err = r;
		if (now - s->last_save_ms >= s->save_ms) {
			int e = log_file_source_save(s);

			if (e < 0)
				log_warn("log state %s: %s", s->state_path, strerror(-e));
			s->last_save_ms = now;
		}
		if (!watching) {
			/* no inotify, or no directory yet: read again after poll_ms, as tail -f
			 * does */
			stopper_nap(stop, (int)s->poll_ms);
			continue;
		}
		if ((followed = file_watch_follow(&w, s->fd)) == 1)
			continue; /* a file just opened: what came before its watch is read first */
		r = stopper_wait(stop, file_watch_fd(&w), POLLIN,
		                 wait_ms(s, now, followed == 0 && file_watch_complete(&w)));
		dir_changed = r <= 0 || file_watch_drain(&w);
	}
	file_watch_done(&w);
	log_file_source_save(s);
}

void log_file_source_stats(struct log_file_source *s, struct log_file_stats *ret)
{
	pthread_mutex_lock(&s->pub_lock);
	*ret = s->pub;
	pthread_mutex_unlock(&s->pub_lock);
}
