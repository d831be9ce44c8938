// SPDX-License-Identifier: Apache-2.0
/*
 * The log sources and their saved position: the line assembler (split reads, overlong lines),
 * the state file codec (vectors, malformed input, atomic save), the followed file (appends,
 * partial lines, restart without double counting, rotation by rename, copytruncate, a missing
 * file; its run loop asleep on inotify until the file or its directory changes, a timer where
 * inotify cannot see every change) and the stdin source over a pipe. Everything runs in a private
 * temporary directory, removed at the end (cleanup()).
 */
#include "test.h"
#include "thread_stat.h"

#include "common/buf.h"
#include "common/clock.h"
#include "common/limits.h"
#include "logs/log_lines.h"
#include "logs/log_source_file.h"
#include "logs/log_source_stdin.h"
#include "logs/log_state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- a sink that records what it got ---- */

struct got {
	char text[65536]; /* lines joined with '|' */
	size_t len;
	unsigned n, longest;
};

static void got_line(void *ctx, const char *line, size_t len)
{
	struct got *g = ctx;

	if (len > g->longest)
		g->longest = (unsigned)len;
	if (len > 64)
		len = 64;
	if (g->len + len + 1 < sizeof(g->text)) {
		memcpy(g->text + g->len, line, len);
		g->len += len;
		g->text[g->len++] = '|';
		g->text[g->len] = '\0';
	}
	/* last, so that a test thread that sees the count sees the text (got_lines()) */
	__atomic_store_n(&g->n, g->n + 1, __ATOMIC_RELEASE);
}

static struct log_sink sink_of(struct got *g)
{
	memset(g, 0, sizeof(*g));
	return (struct log_sink){got_line, NULL, g};
}

/* ---- line assembler ---- */

static void lines_split_reads(void)
{
	struct log_lines l;
	struct got g;
	struct log_sink s = sink_of(&g);

	log_lines_init(&l);
	T_EQ_INT(log_lines_feed(&l, "ab", 2, &s), 0);
	T_EQ_INT(log_lines_feed(&l, "c\nde\n", 5, &s), 5);
	T_EQ_INT(log_lines_feed(&l, "f", 1, &s), 0);
	T_EQ_INT(l.pending, 1);
	T_EQ_STR(g.text, "abc|de|");
	log_lines_flush(&l, &s);
	T_EQ_STR(g.text, "abc|de|f|");
	T_EQ_INT(l.lines, 3);
	/* empty lines are lines too */
	T_EQ_INT(log_lines_feed(&l, "\n\n", 2, &s), 2);
	T_EQ_INT(g.n, 5);
}

static void lines_overlong(void)
{
	static char big[3 * LOGLINE_MAX];
	struct log_lines l;
	struct got g;
	struct log_sink s = sink_of(&g);

	memset(big, 'x', sizeof(big));
	big[2 * LOGLINE_MAX] = '\n';
	log_lines_init(&l);
	/* in one read */
	log_lines_feed(&l, big, 2 * LOGLINE_MAX + 1, &s);
	T_EQ_INT(g.n, 1);
	T_EQ_INT(g.longest, LOGLINE_MAX + 1);
	T_EQ_INT(l.cut, 1);
	/* across many small reads: still one line, cut, and nothing kept beyond the cap */
	for (size_t i = 0; i < 2 * LOGLINE_MAX; i += 100)
		log_lines_feed(&l, big, 100, &s);
	T_ASSERT(l.len <= LOGLINE_MAX + 1);
	log_lines_feed(&l, "\nok\n", 4, &s);
	T_EQ_INT(g.n, 3);
	T_EQ_INT(l.cut, 2);
	T_ASSERT(strstr(g.text, "|ok|"));
	/* exactly LOGLINE_MAX is not cut */
	big[LOGLINE_MAX] = '\n';
	log_lines_feed(&l, big, LOGLINE_MAX + 1, &s);
	T_EQ_INT(l.cut, 2);
}

/* ---- state file ---- */

static void state_vectors(void)
{
	static const char good[] = "# ikewatch log position\nversion=1\ndev=2049\nino=77\n"
	                           "offset=81920\ncursor=s=abc;i=1f;b=x\nfuture=whatever\n";
	struct log_state st;
	struct buf b;

	T_EQ_INT(log_state_parse(good, strlen(good), &st), 0);
	T_ASSERT(st.has_file && st.has_cursor);
	T_EQ_INT(st.dev, 2049);
	T_EQ_INT(st.ino, 77);
	T_EQ_INT(st.offset, 81920);
	T_EQ_STR(st.cursor, "s=abc;i=1f;b=x");
	buf_init(&b, LOG_STATE_MAX);
	T_EQ_INT(log_state_format(&st, &b), 0);
	T_EQ_STR(b.data, "# ikewatch log position\nversion=1\ndev=2049\nino=77\noffset=81920\n"
	                 "cursor=s=abc;i=1f;b=x\n");
	/* round trip */
	T_EQ_INT(log_state_parse(b.data, b.len, &st), 0);
	T_EQ_INT(st.offset, 81920);
	buf_done(&b);
	T_EQ_INT(log_state_parse("", 0, &st), 0);
	T_ASSERT(!st.has_file && !st.has_cursor);
	T_EQ_INT(log_state_parse("offset=5\r\n", 10, &st), 0);
	T_EQ_INT(st.offset, 5);
}

static void state_malformed(void)
{
	static const char *const bad[] = {
	    "version=2\n",
	    "offset=-1\n",
	    "offset=12x\n",
	    "offset=99999999999999999999999\n",
	    "dev=\n",
	    "=5\n",
	    "no equals sign\n",
	    "cursor=\n",
	    "cursor=has space\n",
	    "cursor=\x01\n",
	};
	struct log_state st;
	char big[LOG_STATE_MAX + 2];
	char cur[LOG_CURSOR_MAX + 16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ_INT(log_state_parse(bad[i], strlen(bad[i]), &st), -EBADMSG);
	memset(big, '#', sizeof(big));
	T_EQ_INT(log_state_parse(big, sizeof(big), &st), -E2BIG);
	memcpy(cur, "cursor=", 7);
	memset(cur + 7, 'a', LOG_CURSOR_MAX + 1);
	T_EQ_INT(log_state_parse(cur, 7 + LOG_CURSOR_MAX + 1, &st), -EBADMSG);
	T_EQ_INT(log_state_parse(cur, 7 + LOG_CURSOR_MAX, &st), 0);
	T_EQ_INT(strlen(st.cursor), LOG_CURSOR_MAX);
	T_EQ_INT(log_state_parse(NULL, 3, &st), -EINVAL);
}

static char tmpdir[256];

static void mk_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/iw-test-logsrc.XXXXXX");
		if (!mkdtemp(tmpdir))
			abort();
	}
}

static void path_in(char *out, size_t n, const char *name)
{
	mk_tmpdir();
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void state_save_load(void)
{
	char p[512], tmp[600];
	struct log_state st = {.has_file = true, .dev = 1, .ino = 2, .offset = 3}, back;
	struct stat sb;

	path_in(p, sizeof(p), "state1");
	T_EQ_INT(log_state_load(p, &back), -ENOENT);
	T_EQ_INT(log_state_save(p, &st), 0);
	T_EQ_INT(log_state_load(p, &back), 0);
	T_EQ_INT(back.offset, 3);
	st.offset = 4;
	T_EQ_INT(log_state_save(p, &st), 0);
	T_EQ_INT(log_state_load(p, &back), 0);
	T_EQ_INT(back.offset, 4);
	/* no temporary file is left behind, and the state is private */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p, (long)getpid());
	T_ASSERT(stat(tmp, &sb) < 0 && errno == ENOENT);
	T_ASSERT(stat(p, &sb) == 0 && (sb.st_mode & 077) == 0);
	/* a directory that does not exist */
	T_EQ_INT(log_state_save("/nonexistent-iw/dir/state", &st), -ENOENT);
}

/* ---- followed file ---- */

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static void file_follow_and_resume(void)
{
	char log[512], state[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct log_file_opts o = {.from_start = false};
	struct log_file_source *src;

	path_in(log, sizeof(log), "charon1.log");
	path_in(state, sizeof(state), "charon1.state");
	append(log, "old 1\nold 2\n");
	o.path = log;
	o.state_path = state;
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	/* no state yet: history is skipped */
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_INT(g.n, 0);
	append(log, "new 1\nnew 2\npart");
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "new 1|new 2|");
	T_EQ_INT(log_file_source_save(src), 0);
	log_file_source_free(src);

	/* restart: the partial line is read again (whole), nothing old is counted twice */
	append(log, "ial\nafter restart\n");
	s = sink_of(&g);
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "partial|after restart|");
	T_EQ_INT(log_file_source_save(src), 0);
	log_file_source_free(src);

	/* restart with nothing new: nothing */
	s = sink_of(&g);
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_INT(g.n, 0);
	log_file_source_free(src);
}

static void file_rotation_and_truncation(void)
{
	char log[512], old[512], state[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct log_file_opts o = {.from_start = true};
	struct log_file_source *src;
	struct log_file_stats st;

	path_in(log, sizeof(log), "charon2.log");
	path_in(old, sizeof(old), "charon2.log.1");
	path_in(state, sizeof(state), "charon2.state");
	append(log, "a\n");
	o.path = log;
	o.state_path = state;
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "a|");
	/* rename rotation: the writer still appends to the old file before reopening */
	T_EQ_INT(rename(log, old), 0);
	append(old, "b\n");
	T_EQ_INT(log_file_source_poll(src), 0); /* path missing for a while: keep the old file */
	T_EQ_STR(g.text, "a|b|");
	append(old, "c\n");
	append(log, "d\n");
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "a|b|c|d|");
	/* copytruncate, refilled past our offset before we look */
	T_EQ_INT(truncate(log, 0), 0);
	append(log, "eeee\n");
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "a|b|c|d|eeee|");
	/* emptied: shorter than our offset */
	T_EQ_INT(truncate(log, 0), 0);
	T_EQ_INT(log_file_source_poll(src), 0);
	append(log, "e\n");
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "a|b|c|d|eeee|e|");
	log_file_source_stats(src, &st);
	T_EQ_INT(st.rotations, 1);
	T_EQ_INT(st.truncations, 2);
	T_EQ_INT(st.lines, 6);
	T_EQ_INT(log_file_source_save(src), 0);
	log_file_source_free(src);

	/* rotated while we were stopped: the new file is read from its start */
	unlink(old);
	T_EQ_INT(rename(log, old), 0);
	append(log, "f\n");
	s = sink_of(&g);
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "f|");
	log_file_source_free(src);
}

static void file_missing_then_created(void)
{
	char log[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct log_file_opts o = {.from_start = true};
	struct log_file_source *src;

	path_in(log, sizeof(log), "charon3.log");
	o.path = log;
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	T_EQ_INT(log_file_source_poll(src), -ENOENT);
	append(log, "x\n");
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "x|");
	T_EQ_INT(log_file_source_save(src), 0); /* no state path: a no-op */
	log_file_source_free(src);
	log_file_source_free(NULL);
	T_ASSERT(log_file_source_new(NULL, &s) == NULL);
}

/* A corrupt state file must not stop the source: it starts at the end and says so. */
static void file_corrupt_state(void)
{
	char log[512], state[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct log_file_opts o = {.from_start = true};
	struct log_file_source *src;
	struct log_file_stats st;

	path_in(log, sizeof(log), "charon4.log");
	path_in(state, sizeof(state), "charon4.state");
	append(log, "history\n");
	append(state, "offset=garbage\n");
	o.path = log;
	o.state_path = state;
	src = log_file_source_new(&o, &s);
	T_ASSERT(src);
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_INT(g.n, 0);
	log_file_source_stats(src, &st);
	T_EQ_INT(st.state_errors, 1);
	append(log, "new\n");
	T_EQ_INT(log_file_source_poll(src), 0);
	T_EQ_STR(g.text, "new|");
	log_file_source_free(src);
}

/* ---- stdin ---- */

struct writer_arg {
	int fd;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;
	static const char text[] = "11[IKE] <a|1> one\ntwo\nthree without newline";

	if (write(a->fd, text, 10) != 10 || write(a->fd, text + 10, sizeof(text) - 11) < 0)
		abort();
	close(a->fd);
	return NULL;
}

static void stdin_pipe(void)
{
	int fds[2];
	pthread_t th;
	struct writer_arg a;
	struct got g;
	struct log_sink s = sink_of(&g);
	struct stopper stop;
	uint64_t n = 0;

	T_EQ_INT(stopper_init(&stop), 0);
	T_EQ_INT(pipe(fds), 0);
	a.fd = fds[1];
	T_EQ_INT(pthread_create(&th, NULL, writer, &a), 0);
	T_EQ_INT(log_stdin_source_run(fds[0], &s, &stop, &n), 0);
	pthread_join(th, NULL);
	close(fds[0]);
	T_EQ_INT(n, 3);
	T_EQ_STR(g.text, "11[IKE] <a|1> one|two|three without newline|");
	/* a stop request ends a quiet source */
	T_EQ_INT(pipe(fds), 0);
	stopper_stop(&stop);
	T_EQ_INT(log_stdin_source_run(fds[0], &s, &stop, &n), 0);
	close(fds[0]);
	close(fds[1]);
	stopper_done(&stop);
	T_EQ_INT(log_stdin_source_run(-1, &s, NULL, &n), -EBADF);
}

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* A source's thread: stdin (a pipe) or a file, run until its stopper says stop. */
struct runner {
	int fd;                       /* stdin source: the pipe's read end */
	struct log_file_source *file; /* or a file source */
	const struct log_sink *sink;
	struct stopper stop;
};

static void *run_source(void *arg)
{
	struct runner *r = arg;

	pthread_setname_np(pthread_self(), "source-test");
	if (r->file)
		log_file_source_run(r->file, &r->stop);
	else
		log_stdin_source_run(r->fd, r->sink, &r->stop, NULL);
	return NULL;
}

/* Stop @r's thread and wait for it: true when that took under 100 ms. */
static bool stops_at_once(struct runner *r, pthread_t th)
{
	uint64_t t0 = clock_mono_ms();

	stopper_stop(&r->stop);
	pthread_join(th, NULL);
	return clock_mono_ms() - t0 < 100;
}

/* A quiet pipe: the thread sleeps (no timeout), a line still arrives, and a stop ends it at
 * once. */
static void stdin_quiet_pipe_sleeps(void)
{
	struct got g;
	struct log_sink s = sink_of(&g);
	struct runner r = {.sink = &s};
	int fds[2];
	pthread_t th;

	T_EQ_INT(stopper_init(&r.stop), 0);
	T_EQ_INT(pipe(fds), 0);
	r.fd = fds[0];
	T_EQ_INT(pthread_create(&th, NULL, run_source, &r), 0);
	nap_ms(50);
	T_ASSERT(thread_slept("source-test", 1000));
	T_EQ_INT(write(fds[1], "one\n", 4), 4);
	for (int i = 0; i < 100 && !__atomic_load_n(&g.n, __ATOMIC_ACQUIRE); i++)
		nap_ms(10);
	T_ASSERT(stops_at_once(&r, th));
	T_EQ_STR(g.text, "one|");
	close(fds[0]);
	close(fds[1]);
	stopper_done(&r.stop);
}

/* Run a file source over @log with @o (its path set here) in a thread of its own. */
static void file_runner_start(struct runner *r, pthread_t *th, const char *log,
                              struct log_file_opts o, const struct log_sink *sink)
{
	*r = (struct runner){.fd = -1};
	o.path = log;
	r->file = log_file_source_new(&o, sink);
	T_ASSERT(r->file);
	T_EQ_INT(stopper_init(&r->stop), 0);
	T_EQ_INT(pthread_create(th, NULL, run_source, r), 0);
}

static void file_runner_end(struct runner *r, pthread_t th)
{
	T_ASSERT(stops_at_once(r, th));
	log_file_source_free(r->file);
	stopper_done(&r->stop);
}

/* Has @g got @n lines within @ms? (Each read of the file shows up within a few ms once it is
 * woken.) */
static bool got_lines(struct got *g, unsigned n, long ms)
{
	for (long t = 0; t < ms && __atomic_load_n(&g->n, __ATOMIC_ACQUIRE) < n; t += 5)
		nap_ms(5);
	return __atomic_load_n(&g->n, __ATOMIC_ACQUIRE) >= n;
}

/* A long poll_ms, and the stop does not wait for it. */
static void file_run_stops_at_once(void)
{
	char log[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct runner r;
	pthread_t th;

	path_in(log, sizeof(log), "charon-run.log");
	append(log, "first\n");
	file_runner_start(&r, &th, log, (struct log_file_opts){.from_start = true, .poll_ms = 5000},
	                  &s);
	T_ASSERT(got_lines(&g, 1, 1000));
	file_runner_end(&r, th);
	T_EQ_STR(g.text, "first|");
}

/* An idle file costs no wake-up: the thread waits for inotify, and is woken by a write, a
 * rotation by rename, a truncation in place and a file deleted and created again, each read
 * well before poll_ms (5 s) would have come. */
static void file_run_sleeps_until_changed(void)
{
	char log[512], old[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct runner r;
	pthread_t th;

	path_in(log, sizeof(log), "charon-watch.log");
	path_in(old, sizeof(old), "charon-watch.log.1");
	append(log, "first\n");
	file_runner_start(&r, &th, log, (struct log_file_opts){.from_start = true, .poll_ms = 5000},
	                  &s);
	T_ASSERT(got_lines(&g, 1, 1000));
	T_ASSERT(thread_slept("source-test", 1000));
	append(log, "second\n");
	T_ASSERT(got_lines(&g, 2, 500));
	/* logrotate's default: rename, then a new file */
	T_EQ_INT(rename(log, old), 0);
	append(log, "third\n");
	T_ASSERT(got_lines(&g, 3, 500));
	/* copytruncate */
	T_EQ_INT(truncate(log, 0), 0);
	append(log, "4\n");
	T_ASSERT(got_lines(&g, 4, 500));
	/* deleted, and a while later written anew */
	T_EQ_INT(unlink(log), 0);
	nap_ms(50);
	append(log, "fifth\n");
	T_ASSERT(got_lines(&g, 5, 500));
	/* the old file, written after its rotation, is not followed any more */
	append(old, "late\n");
	T_ASSERT(thread_slept("source-test", 500));
	file_runner_end(&r, th);
	T_EQ_STR(g.text, "first|second|third|4|fifth|");
}

/* The offset read is saved within save_ms of the read, with no write after it to wake the
 * thread; then the thread sleeps again. */
static void file_run_saves_then_sleeps(void)
{
	char log[512], state[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct log_state st = {0};
	struct runner r;
	pthread_t th;

	path_in(log, sizeof(log), "charon-save.log");
	path_in(state, sizeof(state), "charon-save.state");
	append(log, "one\n");
	file_runner_start(
	    &r, &th, log,
	    (struct log_file_opts){
	        .state_path = state, .from_start = true, .poll_ms = 5000, .save_ms = 300},
	    &s);
	T_ASSERT(got_lines(&g, 1, 1000));
	nap_ms(50);
	append(log, "two\n"); /* within save_ms of the first save: saved when that is up */
	T_ASSERT(got_lines(&g, 2, 500));
	nap_ms(600);
	T_EQ_INT(log_state_load(state, &st), 0);
	T_EQ_INT(st.offset, 8);
	T_ASSERT(thread_slept("source-test", 1000));
	file_runner_end(&r, th);
}

/* No directory to watch yet: the source looks every poll_ms until it is there, then watches
 * it; a directory removed and made again is watched again. */
static void file_run_directory_comes_and_goes(void)
{
	char dir[512], log[600], old[600];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct runner r;
	pthread_t th;

	path_in(dir, sizeof(dir), "later");
	snprintf(log, sizeof(log), "%s/charon.log", dir);
	file_runner_start(&r, &th, log, (struct log_file_opts){.from_start = true, .poll_ms = 50},
	                  &s);
	nap_ms(100);
	T_EQ_INT(mkdir(dir, 0700), 0);
	append(log, "one\n");
	T_ASSERT(got_lines(&g, 1, 1000));
	/* watched now: no more polls every 50 ms */
	T_ASSERT(thread_slept("source-test", 500));
	append(log, "two\n");
	T_ASSERT(got_lines(&g, 2, 500));
	/* the file deleted first (the thread looks, and waits again), then its directory: held by
	 * the deleted file still open, the directory raises no event as it goes */
	T_EQ_INT(unlink(log), 0);
	nap_ms(50);
	T_EQ_INT(rmdir(dir), 0);
	nap_ms(100);
	T_EQ_INT(mkdir(dir, 0700), 0);
	append(log, "three\n");
	T_ASSERT(got_lines(&g, 3, 1000));
	/* the new directory is the one watched: its rotation by rename is seen at once */
	snprintf(old, sizeof(old), "%s/charon.log.1", dir);
	T_EQ_INT(rename(log, old), 0);
	append(log, "four\n");
	T_ASSERT(got_lines(&g, 4, 500));
	file_runner_end(&r, th);
	T_EQ_STR(g.text, "one|two|three|four|");
}

/* A path that is a symbolic link: its file is rotated in the target's directory, which is not
 * watched, so the source keeps reading every poll_ms and still follows the rotation. */
static void file_run_symlink_keeps_a_timer(void)
{
	char dir[512], target[600], old[600], link[512];
	struct got g;
	struct log_sink s = sink_of(&g);
	struct runner r;
	pthread_t th;

	path_in(dir, sizeof(dir), "elsewhere");
	T_EQ_INT(mkdir(dir, 0700), 0);
	snprintf(target, sizeof(target), "%s/charon.log", dir);
	snprintf(old, sizeof(old), "%s/charon.log.1", dir);
	path_in(link, sizeof(link), "charon-link.log");
	append(target, "one\n");
	T_EQ_INT(symlink(target, link), 0);
	file_runner_start(&r, &th, link, (struct log_file_opts){.from_start = true, .poll_ms = 100},
	                  &s);
	T_ASSERT(got_lines(&g, 1, 1000));
	T_EQ_INT(rename(target, old), 0);
	append(target, "two\n");
	T_ASSERT(got_lines(&g, 2, 1000));
	file_runner_end(&r, th);
	T_EQ_STR(g.text, "one|two|");
}

static void cleanup(void)
{
	char cmd[300];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		T_EQ_INT(system(cmd), 0);
	}
}

TEST_MAIN_TEARDOWN("log_sources", cleanup, TEST(stdin_quiet_pipe_sleeps),
                   TEST(file_run_stops_at_once), TEST(file_run_sleeps_until_changed),
                   TEST(file_run_saves_then_sleeps), TEST(file_run_directory_comes_and_goes),
                   TEST(file_run_symlink_keeps_a_timer), TEST(lines_split_reads),
                   TEST(lines_overlong), TEST(state_vectors), TEST(state_malformed),
                   TEST(state_save_load), TEST(file_follow_and_resume),
                   TEST(file_rotation_and_truncation), TEST(file_missing_then_created),
                   TEST(file_corrupt_state), TEST(stdin_pipe))
