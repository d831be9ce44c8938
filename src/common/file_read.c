// SPDX-License-Identifier: Apache-2.0
/*
 * Capped whole-file and tail reads (see file_read.h). One loop (read_full) retries EINTR and
 * continues after short reads; everything else is checks around it.
 */
#include "common/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Up to @len bytes from @fd at @off (or the current position when @off < 0): fewer only at end
 * of file. The count, or -errno. */
static ssize_t read_full(int fd, char *p, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = off < 0 ? read(fd, p + got, len - got)
		                    : pread(fd, p + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Open @path for reading and refuse a directory, or a regular file over @max when @max is not
 * SIZE_MAX. 0 and *ret_fd, *ret_st, or -errno. */
static int open_capped(const char *path, size_t max, int *ret_fd, struct stat *ret_st)
{
	int fd = -1, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, ret_st) < 0) {
		r = -errno;
		goto out_close;
	}
	if (S_ISDIR(ret_st->st_mode)) {
		r = -EISDIR;
		goto out_close;
	}
	if (max != SIZE_MAX && S_ISREG(ret_st->st_mode) && (uint64_t)ret_st->st_size > max) {
		r = -EFBIG;
		goto out_close;
	}
	*ret_fd = fd;
	return 0;
out_close:
	close(fd);
	return r;
}

static void wipe_free(char *p, size_t len)
{
	if (p)
		explicit_bzero(p, len);
	free(p);
}

int file_read_all(const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	char *p = NULL;
	size_t got = 0, cap, alloc = 0;
	ssize_t n;
	int fd = -1, r;

	r = open_capped(path, max, &fd, &st);
	if (r < 0)
		return r;
	/* the size is a hint (procfs says 0, a file may change): read until EOF, at most max + 1 */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 4096;
	if (cap > max)
		cap = max;
	for (;;) {
		/* cap bytes, one more to see a file longer than cap, and the NUL */
		char *np = malloc(cap + 2);

		if (!np) {
			r = -ENOMEM;
			goto out_free;
		}
		if (got)
			memcpy(np, p, got);
		wipe_free(p, alloc);
		p = np;
		alloc = cap + 2;
		n = read_full(fd, p + got, cap + 1 - got, -1);
		if (n < 0) {
			r = (int)n;
			goto out_free;
		}
		got += (size_t)n;
		if (got <= cap)
			break;
		if (cap == max) {
			r = -EFBIG;
			goto out_free;
		}
		cap = cap > max / 2 ? max : cap * 2;
	}
	close(fd);
	p[got] = '\0';
	*ret = p;
	*ret_len = got;
	return 0;
out_free:
	wipe_free(p, alloc);
	close(fd);
	return r;
}

int file_read_into(const char *path, void *buf, size_t cap, size_t *ret_len)
{
	struct stat st;
	ssize_t n;
	char more;
	int fd = -1, r;

	r = open_capped(path, cap, &fd, &st);
	if (r < 0)
		return r;
	n = read_full(fd, buf, cap, -1);
	/* a full buffer: one byte more means the file is over the cap */
	if (n >= 0 && (size_t)n == cap) {
		ssize_t m = read_full(fd, &more, 1, -1);

		if (m != 0)
			n = m < 0 ? m : -EFBIG;
	}
	close(fd);
	if (n < 0) {
		explicit_bzero(buf, cap);
		return (int)n;
	}
	*ret_len = (size_t)n;
	return 0;
}

int file_read_tail(const char *path, size_t max, char **ret, size_t *ret_len, bool *ret_cut)
{
	struct stat st;
	size_t want;
	ssize_t n;
	char *p;
	off_t off;
	int fd = -1, r;

	r = open_capped(path, SIZE_MAX, &fd, &st);
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL; /* no size, no end to seek to */
		goto out_close;
	}
	want = (uint64_t)st.st_size < max ? (size_t)st.st_size : max;
	off = st.st_size - (off_t)want;
	p = malloc(want + 1);
	if (!p) {
		r = -ENOMEM;
		goto out_close;
	}
	n = read_full(fd, p, want, off);
	if (n < 0) {
		free(p);
		r = (int)n;
		goto out_close;
	}
	p[n] = '\0';
	*ret = p;
	*ret_len = (size_t)n;
	*ret_cut = off > 0;
out_close:
	close(fd);
	return r;
}

size_t text_tail_lines(const char *text, size_t len, size_t max_lines, bool first_cut)
{
	size_t pos = len, lines = 0;
	const char *nl;

	/* walk back over line starts; pos ends at 0 or just after a newline */
	while (pos > 0) {
		if (text[pos - 1] == '\n' && pos < len && ++lines >= max_lines)
			return pos;
		pos--;
	}
	if (!first_cut)
		return 0;
	nl = memchr(text, '\n', len);
	return nl ? (size_t)(nl - text) + 1 : len;
}

int file_read_tail_lines(const char *path, size_t max_bytes, size_t max_lines, char **ret,
                         size_t *ret_len)
{
	size_t len, pos;
	bool cut;
	char *text;
	int r;

	r = file_read_tail(path, max_bytes, &text, &len, &cut);
	if (r < 0)
		return r;
	pos = text_tail_lines(text, len, max_lines, cut);
	memmove(text, text + pos, len - pos + 1);
	*ret = text;
	*ret_len = len - pos;
	return 0;
}
