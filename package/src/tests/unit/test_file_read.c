// SPDX-License-Identifier: Apache-2.0
/*
 * Capped whole-file and tail reads: sizes at and around the cap, directories, missing files,
 * files without a size (procfs, a FIFO) and the line window of a log tail.
 */
#include "test.h"
#include "tmpdir.h"

#include "common/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int put(const char *name, const char *text, size_t len, char *path, size_t pathlen)
{
	int fd;
	ssize_t n;

	tmpdir_path(name, path, pathlen);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void whole_file_at_and_over_the_cap(void)
{
	char path[256], *text = NULL, buf[8];
	size_t len = 99;

	T_ASSERT(tmpdir() != NULL);
	T_EQ_INT(put("eight", "12345678", 8, path, sizeof(path)), 0);
	T_EQ_INT(file_read_all(path, 8, &text, &len), 0);
	T_EQ_INT(len, 8);
	T_EQ_STR(text, "12345678");
	free(text);
	text = NULL;
	T_EQ_INT(file_read_all(path, 7, &text, &len), -EFBIG);
	T_ASSERT(text == NULL);
	T_EQ_INT(file_read_into(path, buf, 8, &len), 0);
	T_EQ_INT(len, 8);
	T_ASSERT(memcmp(buf, "12345678", 8) == 0);
	T_EQ_INT(file_read_into(path, buf, 7, &len), -EFBIG);
	T_EQ_INT(put("empty", "", 0, path, sizeof(path)), 0);
	T_EQ_INT(file_read_all(path, 8, &text, &len), 0);
	T_EQ_INT(len, 0);
	T_EQ_STR(text, "");
	free(text);
	T_EQ_INT(file_read_into(path, buf, 0, &len), 0);
	T_EQ_INT(len, 0);
	/* distinct errors for what is not a readable file */
	T_EQ_INT(file_read_all(tmpdir(), 1 << 20, &text, &len), -EISDIR);
	T_EQ_INT(file_read_into(tmpdir(), buf, sizeof(buf), &len), -EISDIR);
	T_EQ_INT(file_read_tail(tmpdir(), 10, &text, &len, &(bool){false}), -EISDIR);
	tmpdir_path("missing", path, sizeof(path));
	T_EQ_INT(file_read_all(path, 8, &text, &len), -ENOENT);
	T_EQ_INT(file_read_into(path, buf, 8, &len), -ENOENT);
	T_EQ_INT(file_read_tail_lines(path, 8, 1, &text, &len), -ENOENT);
}

/* procfs reports size 0: the size is only a hint, the cap still holds */
static void files_without_a_size(void)
{
	char *text;
	size_t len;

	T_EQ_INT(file_read_all("/proc/self/status", 1 << 20, &text, &len), 0);
	T_ASSERT(len > 0 && strstr(text, "Pid:") != NULL);
	free(text);
	T_EQ_INT(file_read_all("/proc/self/status", 16, &text, &len), -EFBIG);
	T_EQ_INT(file_read_tail("/dev/null", 16, &text, &len, &(bool){false}), -EINVAL);
}

/* A FIFO of 20000 bytes: read until EOF, growing past the first guess; refused over the cap. */
static void fifo_read_until_eof(void)
{
	char path[256], *text = NULL;
	size_t len = 0;

	for (int round = 0; round < 2; round++) {
		pid_t pid;
		int status, r;

		snprintf(path, sizeof(path), "%s/fifo%d", tmpdir(), round);
		T_EQ_INT(mkfifo(path, 0600), 0);
		pid = fork();
		T_ASSERT(pid >= 0);
		if (pid == 0) {
			static char block[20000];
			int fd = open(path, O_WRONLY);

			memset(block, 'x', sizeof(block));
			_exit(fd >= 0 && write(fd, block, sizeof(block)) == (ssize_t)sizeof(block)
			          ? 0
			          : 1);
		}
		r = file_read_all(path, round == 0 ? 30000 : 10000, &text, &len);
		waitpid(pid, &status, 0);
		unlink(path);
		if (round == 0) {
			T_EQ_INT(r, 0);
			T_EQ_INT(len, 20000);
			T_ASSERT(text[0] == 'x' && text[19999] == 'x' && text[20000] == '\0');
			free(text);
		} else {
			T_EQ_INT(r, -EFBIG);
		}
	}
}

static void tail_bytes_and_lines(void)
{
	static const char log[] = "one\ntwo\nthree\nfour\n";
	char path[256], *text;
	size_t len;
	bool cut;

	T_EQ_INT(put("log", log, sizeof(log) - 1, path, sizeof(path)), 0);
	T_EQ_INT(file_read_tail(path, 100, &text, &len, &cut), 0);
	T_ASSERT(!cut && len == sizeof(log) - 1);
	free(text);
	T_EQ_INT(file_read_tail(path, 7, &text, &len, &cut), 0);
	T_ASSERT(cut);
	T_EQ_STR(text, "e\nfour\n");
	free(text);
	/* the cut "e" is dropped, whole lines kept */
	T_EQ_INT(file_read_tail_lines(path, 7, 10, &text, &len), 0);
	T_EQ_STR(text, "four\n");
	T_EQ_INT(len, 5);
	free(text);
	T_EQ_INT(file_read_tail_lines(path, 100, 2, &text, &len), 0);
	T_EQ_STR(text, "three\nfour\n");
	free(text);
	T_EQ_INT(file_read_tail_lines(path, 100, 10, &text, &len), 0);
	T_EQ_STR(text, log);
	free(text);
	T_EQ_INT(file_read_tail_lines(path, 3, 10, &text, &len), 0);
	T_EQ_STR(text, ""); /* no newline inside the window: nothing whole */
	free(text);
}

static void tail_line_vectors(void)
{
	static const struct {
		const char *text;
		size_t lines;
		bool cut;
		size_t want;
	} v[] = {
	    {"", 5, false, 0},          {"", 5, true, 0},
	    {"a\nb\nc", 2, false, 2},   /* an unterminated last line counts */
	    {"a\nb\nc\n", 2, false, 2}, /* "b\nc\n" */
	    {"a\nb\nc\n", 1, false, 4}, {"a\nb\nc\n", 9, false, 0},
	    {"a\nb\nc\n", 9, true, 2},  {"abc", 9, true, 3},
	    {"\n\n\n", 2, false, 1},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t got = text_tail_lines(v[i].text, strlen(v[i].text), v[i].lines, v[i].cut);

		if (got != v[i].want) {
			test_fail(__FILE__, __LINE__, "tail vector %zu: %zu, want %zu", i, got,
			          v[i].want);
			return;
		}
	}
}

TEST_MAIN("file_read", TEST(whole_file_at_and_over_the_cap), TEST(files_without_a_size),
          TEST(fifo_read_until_eof), TEST(tail_bytes_and_lines), TEST(tail_line_vectors))
