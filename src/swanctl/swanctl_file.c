// SPDX-License-Identifier: Apache-2.0
/*
 * swanctl.conf from disk (contract in swanctl_file.h): the include callback of the parser, and
 * a cache keyed on the size and mtime of every file and directory the last read looked at.
 *
 * Looking at each of them is a stat(2) a path, at every scrape: with charon's conf.d layout,
 * one file a connection, that was 259 calls a scrape at 256 files. So once a read's paths all
 * exist, neither they nor their directories are symbolic links and the directories are on
 * local file systems, inotify watches those directories and the paths are looked at only after
 * an event, and at least every SWANCTL_RECHECK_MS (5 minutes, 20 scrapes of 15 s): that bounds
 * what inotify cannot see (a link higher up the path pointed elsewhere, a mount), at little
 * cost. Otherwise every path is looked at each time, as before. (A Kubernetes ConfigMap's files
 * are links, re-pointed at an update: looked at each time.)
 */
#include "swanctl/swanctl_file.h"

#include "common/array.h"
#include "common/clock.h"
#include "common/file_read.h"
#include "common/file_watch.h"
#include "common/path.h"

#include <errno.h>
#include <glob.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define SWANCTL_STAMPS_MAX (2 * SWANCTL_FILES_MAX + 8)
#define SWANCTL_RECHECK_MS 300000
/* A file of a watched directory written, truncated, touched or re-permitted; an entry created,
 * deleted or renamed; the directory itself going */
#define SWANCTL_DIR_EVENTS                                                                         \
	(IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |             \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* What a path looked like when it was read: errno 0 and its identity, or the stat errno. */
struct stamp {
	char *path;
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct stamps {
	struct stamp *s;
	size_t n, cap;
};

struct swanctl_file {
	char *path;
	struct stamps seen;
	bool loaded;
	struct swanctl_conf conf;
	bool have_conf;
	char error[512];
	/* inotify on the directories of ->seen, each seen whole; -1: no watch (see watch_seen()) */
	int ino_fd;
	bool dirty;         /* a path changed before its watch began: look at the next refresh */
	uint64_t looked_ms; /* the last look at every path (CLOCK_MONOTONIC) */
	unsigned long looks;
};

static void stamp_take(struct stamp *s, const char *path)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) < 0) {
		s->err = errno;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
}

static bool stamp_same(const struct stamp *a, const struct stamp *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void stamps_done(struct stamps *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->s[i].path);
	free(st->s);
	memset(st, 0, sizeof(*st));
}

/* Remember @path as it is now (NULL @st: nothing to remember). Quietly gives up at the cap:
 * a change there is then noticed late, never wrongly. */
static void stamps_add(struct stamps *st, const char *path)
{
	struct stamp *s;

	if (!st || ARRAY_GROW(st->s, st->n, st->cap, 8, SWANCTL_STAMPS_MAX) < 0)
		return;
	s = &st->s[st->n];
	stamp_take(s, path);
	s->path = strdup(path);
	if (s->path)
		st->n++;
}

struct load_ctx {
	struct stamps *seen;
};

static int feed_file(struct swanctl_parser *p, struct load_ctx *lc, const char *path, char *err,
                     size_t errlen)
{
	char *text;
	size_t len;
	int e = file_read_all(path, SWANCTL_FILE_MAX, &text, &len);

	stamps_add(lc->seen, path);
	if (e < 0) {
		snprintf(err, errlen, "%s: %s", path,
		         e == -EFBIG ? "larger than 1 MiB" : strerror(-e));
		return e;
	}
	e = swanctl_parser_feed(p, path, text, len, err, errlen);
	explicit_bzero(text, len);
	free(text);
	return e;
}

/* An include: PATTERN relative to the directory of @from, every match in glob's order. */
static int include_cb(void *ctx, struct swanctl_parser *p, const char *from, const char *pattern,
                      char *err, size_t errlen)
{
	struct load_ctx *lc = ctx;
	const char *slash = strrchr(from, '/');
	char full[4096 + 256], dir[4096 + 256];
	glob_t g;
	int w, e = 0, gr;

	if (pattern[0] == '/' || !slash)
		w = snprintf(full, sizeof(full), "%s", pattern);
	else
		w = snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - from), from, pattern);
	if (w < 0 || (size_t)w >= sizeof(full)) {
		snprintf(err, errlen, "%s: an include path is too long", from);
		return -ENAMETOOLONG;
	}
	/* the directory searched: a file added there changes its mtime */
	snprintf(dir, sizeof(dir), "%s", full);
	if (strchr(dir, '/')) {
		dir[path_dir_len(dir)] = '\0';
		if (!strpbrk(dir, "*?["))
			stamps_add(lc->seen, dir);
	}
	memset(&g, 0, sizeof(g));
	gr = glob(full, 0, NULL, &g);
	if (gr == GLOB_NOSPACE) {
		globfree(&g);
		snprintf(err, errlen, "%s: out of memory", from);
		return -ENOMEM;
	}
	for (size_t i = 0; gr == 0 && i < g.gl_pathc && e == 0; i++)
		e = feed_file(p, lc, g.gl_pathv[i], err, errlen);
	globfree(&g);
	return e; /* no match: nothing to read, as charon */
}

static int load(const char *path, struct stamps *seen, struct swanctl_conf *ret, char *err,
                size_t errlen)
{
	struct load_ctx lc = {.seen = seen};
	struct swanctl_parser *p = swanctl_parser_new(include_cb, &lc);
	int e;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = feed_file(p, &lc, path, err, errlen);
	if (e == 0) {
		char why[256];

		e = swanctl_parser_finish(p, ret, why, sizeof(why));
		if (e < 0)
			snprintf(err, errlen, "%s: %s", path, why);
	}
	swanctl_parser_free(p);
	return e;
}

int swanctl_file_load(const char *path, struct swanctl_conf *ret, char *err, size_t errlen)
{
	return load(path, NULL, ret, err, errlen);
}

/* No watch: every path is looked at each time. The descriptor goes too, so that events of a
 * busy directory do not pile up in the kernel unread. */
static void watch_off(struct swanctl_file *f)
{
	if (f->ino_fd >= 0)
		close(f->ino_fd);
	f->ino_fd = -1;
}

/* Are the paths watched: is a look due only after an event? */
static bool watching(const struct swanctl_file *f)
{
	return f->ino_fd >= 0;
}

struct swanctl_file *swanctl_file_new(const char *path)
{
	struct swanctl_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->ino_fd = -1;
	f->path = strdup(path ? path : SWANCTL_DEFAULT_CONF);
	if (!f->path) {
		free(f);
		return NULL;
	}
	return f;
}

void swanctl_file_free(struct swanctl_file *f)
{
	if (!f)
		return;
	if (f->have_conf)
		swanctl_conf_done(&f->conf);
	stamps_done(&f->seen);
	watch_off(f);
	free(f->path);
	free(f);
}

static bool unchanged(const struct swanctl_file *f)
{
	for (size_t i = 0; i < f->seen.n; i++) {
		struct stamp now;

		stamp_take(&now, f->seen.s[i].path);
		if (!stamp_same(&now, &f->seen.s[i]))
			return false;
	}
	return f->seen.n > 0;
}

/* Watch the directories of ->seen (see the top of this file); the descriptor is kept only if all
 * of them are watched. Files of one directory come one after the other (glob's order): one
 * watch each. */
static void watch_seen(struct swanctl_file *f)
{
	char dir[4096 + 256], last[sizeof(dir)] = "";

	watch_off(f);
	if (f->seen.n == 0 || (f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return;
	for (size_t i = 0; i < f->seen.n; i++) {
		const char *path = f->seen.s[i].path;
		size_t dir_len = path_dir_len(path);
		struct stat st;

		if (f->seen.s[i].err || lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
			goto off;
		if (S_ISDIR(st.st_mode))
			snprintf(dir, sizeof(dir), "%s", path);
		else if (dir_len)
			snprintf(dir, sizeof(dir), "%.*s", (int)dir_len, path);
		else
			snprintf(dir, sizeof(dir), ".");
		if (strcmp(dir, last) == 0)
			continue;
		/* a directory named through a link can be pointed elsewhere without an event */
		if (lstat(dir, &st) < 0 || S_ISLNK(st.st_mode) || !file_watch_fs_local(dir) ||
		    inotify_add_watch(f->ino_fd, dir, SWANCTL_DIR_EVENTS) < 0)
			goto off;
		memcpy(last, dir, sizeof(last));
	}
	return;
off:
	watch_off(f);
}

/* Read what the watches reported; true when anything was (or the watch failed: then the
 * paths are looked at every time from now on). */
static bool events_came(struct swanctl_file *f)
{
	alignas(struct inotify_event) char buf[4096];
	bool came = false;
	ssize_t n;

	while ((n = read(f->ino_fd, buf, sizeof(buf))) > 0)
		came = true;
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		watch_off(f);
		return true;
	}
	return came;
}

/* Whether to look at every path now: unwatched, or an event, or a change before the watches,
 * or the recheck is due. */
static bool look_due(struct swanctl_file *f, uint64_t now)
{
	bool came = watching(f) && events_came(f);

	return !watching(f) || came || f->dirty || now - f->looked_ms >= SWANCTL_RECHECK_MS;
}

bool swanctl_file_refresh(struct swanctl_file *f)
{
	struct swanctl_conf conf;
	struct stamps seen = {0};
	char error[sizeof(f->error)];
	uint64_t now = clock_mono_ms();
	bool changed;
	int e;

	if (f->loaded) {
		if (!look_due(f, now))
			return false;
		f->looks++;
		f->looked_ms = now;
		f->dirty = false;
		if (unchanged(f))
			return false;
	}
	e = load(f->path, &seen, &conf, error, sizeof(error));
	if (e == 0)
		error[0] = '\0';
	/* a read that succeeds follows a change; a failure counts once per distinct reason */
	changed = !f->loaded || e == 0 || strcmp(error, f->error) != 0;
	if (f->have_conf)
		swanctl_conf_done(&f->conf);
	f->have_conf = e == 0;
	if (e == 0)
		f->conf = conf;
	snprintf(f->error, sizeof(f->error), "%s", error);
	stamps_done(&f->seen);
	f->seen = seen;
	f->loaded = true;
	watch_seen(f);
	f->looked_ms = now;
	/* a change between the read and the watches raised no event */
	f->dirty = watching(f) && !unchanged(f);
	return changed;
}

unsigned long swanctl_file_looks(const struct swanctl_file *f)
{
	return f->looks;
}

const struct swanctl_conf *swanctl_file_conf(const struct swanctl_file *f)
{
	return f->have_conf ? &f->conf : NULL;
}

const char *swanctl_file_error(const struct swanctl_file *f)
{
	return f->error;
}

const char *swanctl_file_path(const struct swanctl_file *f)
{
	return f->path;
}
