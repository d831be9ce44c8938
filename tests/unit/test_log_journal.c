// SPDX-License-Identifier: Apache-2.0
/*
 * The journal log source against real journal files: systemd-journal-remote (Debian package
 * systemd-journal-remote) turns journal export text into a .journal file, which the source
 * opens with sd_journal_open_files(). Checks that charon-systemd entries arrive with their GROUP
 * and IKE_SA_NAME fields, syslog-style charon entries as lines, other programs not at all, and
 * that the saved cursor makes a restarted source continue after the last entry it delivered;
 * and that a machine without libsystemd (loaded on first use, journal_lib.h) gets a clear error.
 */
#include "hide_lib.h"
#include "test.h"
#include "thread_stat.h"

#include "common/clock.h"
#include "logs/journal_lib.h"
#include "logs/log_source_journal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"

struct got {
	char text[4096];
	size_t len;
	unsigned lines, msgs;
};

static void add(struct got *g, const char *p, size_t n)
{
	if (g->len + n + 2 < sizeof(g->text)) {
		memcpy(g->text + g->len, p, n);
		g->len += n;
		g->text[g->len++] = '|';
		g->text[g->len] = '\0';
	}
}

static void on_line(void *ctx, const char *line, size_t len)
{
	struct got *g = ctx;

	g->lines++;
	add(g, "L:", 2);
	add(g, line, len);
}

static void on_msg(void *ctx, const char *group, size_t glen, const char *msg, size_t len,
                   const char *conn, size_t clen)
{
	struct got *g = ctx;

	add(g, group, glen);
	add(g, conn ? conn : "-", conn ? clen : 1);
	add(g, msg, len);
	/* last, and a release: a test thread that sees the count sees the text */
	__atomic_add_fetch(&g->msgs, 1, __ATOMIC_RELEASE);
}

static char dir[128];

static bool have_tools(void)
{
	if (access(JOURNAL_REMOTE, X_OK) != 0) {
		/* required (scripts/deps.sh): a missing tool fails the case, it does not skip it */
		test_fail(__FILE__, __LINE__, "%s missing (package systemd-journal-remote)",
		          JOURNAL_REMOTE);
		return false;
	}
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/iw-test-journal.XXXXXX");
		if (!mkdtemp(dir))
			return false;
	}
	return true;
}

/* Append entries (export format, entries separated by blank lines) to DIR/@name. */
static int write_entries_to(const char *name, const char *export_text)
{
	char path[256], cmd[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/in.export", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(export_text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s --output=%s/%s - < %s 2>/dev/null", JOURNAL_REMOTE, dir,
	         name, path);
	return system(cmd) == 0 ? 0 : -EIO;
}

static int write_entries(const char *export_text)
{
	return write_entries_to("t.journal", export_text);
}

#define BOOT "_BOOT_ID=0123456789abcdef0123456789abcdef\n"

static const char batch1[] =
    "__REALTIME_TIMESTAMP=1700000000000000\n__MONOTONIC_TIMESTAMP=1000\n" BOOT
    "_COMM=charon-systemd\nGROUP=IKE\nIKE_SA_NAME=a-b\nIKE_SA_UNIQUE_ID=1\n"
    "MESSAGE=retransmit 1 of request with message ID 2\n\n"
    "__REALTIME_TIMESTAMP=1700000001000000\n__MONOTONIC_TIMESTAMP=2000\n" BOOT
    "_COMM=sshd\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=Accepted publickey for root\n\n"
    "__REALTIME_TIMESTAMP=1700000002000000\n__MONOTONIC_TIMESTAMP=3000\n" BOOT
    "_COMM=charon\nSYSLOG_IDENTIFIER=charon\n"
    "MESSAGE=11[IKE] <a-b|1> giving up after 3 retransmits\n\n"
    "__REALTIME_TIMESTAMP=1700000003000000\n__MONOTONIC_TIMESTAMP=4000\n" BOOT
    "_COMM=charon-systemd\nGROUP=CFG\n"
    "MESSAGE=no matching peer config found\n\n";

static const char batch2[] =
    "__REALTIME_TIMESTAMP=1700000009000000\n__MONOTONIC_TIMESTAMP=9000\n" BOOT
    "_COMM=charon-systemd\nGROUP=IKE\nIKE_SA_NAME=a-c\n"
    "MESSAGE=received AUTHENTICATION_FAILED notify error\n\n";

static void journal_fields_and_cursor(void)
{
	char file[256], state[256];
	const char *files[] = {file, NULL};
	struct got g = {0};
	struct log_sink s = {on_line, on_msg, &g};
	struct log_journal_opts o = {.files = files, .from_start = true, .state_path = state};
	struct log_journal_source *src;
	int err = 0;

	if (!have_tools())
		return;
	snprintf(file, sizeof(file), "%s/t.journal", dir);
	snprintf(state, sizeof(state), "%s/journal.state", dir);
	T_EQ_INT(write_entries(batch1), 0);
	src = log_journal_source_new(&o, &s, &err);
	T_ASSERT(src);
	T_EQ_INT(log_journal_source_poll(src), 0);
	T_EQ_STR(g.text, "IKE|a-b|retransmit 1 of request with message ID 2|"
	                 "L:|11[IKE] <a-b|1> giving up after 3 retransmits|"
	                 "CFG|-|no matching peer config found|");
	T_EQ_INT(g.msgs, 2);
	T_EQ_INT(g.lines, 1);
	T_EQ_INT(log_journal_source_save(src), 0);
	log_journal_source_free(src);

	/* restart: nothing is delivered twice; then only the new entry */
	memset(&g, 0, sizeof(g));
	T_EQ_INT(write_entries(batch2), 0);
	src = log_journal_source_new(&o, &s, &err);
	T_ASSERT(src);
	T_EQ_INT(log_journal_source_poll(src), 0);
	T_EQ_STR(g.text, "IKE|a-c|received AUTHENTICATION_FAILED notify error|");
	T_EQ_INT(log_journal_source_save(src), 0);
	log_journal_source_free(src);

	memset(&g, 0, sizeof(g));
	src = log_journal_source_new(&o, &s, &err);
	T_ASSERT(src);
	T_EQ_INT(log_journal_source_poll(src), 0);
	T_EQ_INT(g.msgs + g.lines, 0);
	log_journal_source_free(src);
}

/* Without state and without from_start, only entries written from now on are delivered. */
static void journal_tail_without_state(void)
{
	char file[256];
	const char *files[] = {file, NULL};
	struct got g = {0};
	struct log_sink s = {on_line, on_msg, &g};
	struct log_journal_opts o = {.files = files};
	struct log_journal_source *src;

	if (!have_tools())
		return;
	snprintf(file, sizeof(file), "%s/t.journal", dir);
	src = log_journal_source_new(&o, &s, NULL);
	T_ASSERT(src);
	T_EQ_INT(log_journal_source_poll(src), 0);
	T_EQ_INT(g.msgs + g.lines, 0);
	log_journal_source_free(src);
}

struct runner {
	struct log_journal_source *src;
	struct stopper stop;
};

static void *run_source(void *arg)
{
	struct runner *r = arg;

	pthread_setname_np(pthread_self(), "journal-test");
	log_journal_source_run(r->src, &r->stop);
	return NULL;
}

/* Until @g has @n messages or @ms pass; the count is written by the source's thread. */
static bool wait_msgs(struct got *g, unsigned n, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (__atomic_load_n(&g->msgs, __ATOMIC_ACQUIRE) >= n)
			return true;
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	}
	return false;
}

/* The source's thread: entries written while it waits arrive (the journal's fd wakes it), it
 * does not wake while nothing happens, the cursor is saved, and a stop ends it at once. */
static void journal_run_waits_on_the_journal(void)
{
	char file[256], state[256];
	const char *files[] = {file, NULL};
	struct got g = {0};
	struct log_sink s = {on_line, on_msg, &g};
	struct log_journal_opts o = {
	    .files = files, .from_start = true, .state_path = state, .save_ms = 100};
	struct runner r = {0};
	struct timespec settle = {0, 300 * 1000000L};
	pthread_t th;
	uint64_t t0;

	if (!have_tools())
		return;
	snprintf(file, sizeof(file), "%s/run.journal", dir);
	snprintf(state, sizeof(state), "%s/run.state", dir);
	T_EQ_INT(write_entries_to("run.journal", batch1), 0);
	r.src = log_journal_source_new(&o, &s, NULL);
	T_ASSERT(r.src);
	T_EQ_INT(stopper_init(&r.stop), 0);
	T_EQ_INT(pthread_create(&th, NULL, run_source, &r), 0);
	T_ASSERT(wait_msgs(&g, 2, 3000));
	nanosleep(&settle, NULL); /* past the cursor's save */
	T_ASSERT(thread_slept("journal-test", 1000));
	T_EQ_INT(write_entries_to("run.journal", batch2), 0);
	T_ASSERT(wait_msgs(&g, 3, 3000));
	T_CONTAINS(g.text, "IKE|a-c|received AUTHENTICATION_FAILED notify error|");
	t0 = clock_mono_ms();
	stopper_stop(&r.stop);
	pthread_join(th, NULL);
	T_ASSERT(clock_mono_ms() - t0 < 100);
	log_journal_source_free(r.src);
	stopper_done(&r.stop);

	/* the saved cursor: a restarted source has nothing new */
	memset(&g, 0, sizeof(g));
	r.src = log_journal_source_new(&o, &s, NULL);
	T_ASSERT(r.src);
	T_EQ_INT(log_journal_source_poll(r.src), 0);
	T_EQ_INT(g.msgs + g.lines, 0);
	log_journal_source_free(r.src);
}

static void journal_open_errors(void)
{
	const char *files[] = {"/nonexistent-iw/x.journal", NULL};
	struct got g = {0};
	struct log_sink s = {on_line, on_msg, &g};
	struct log_journal_opts o = {.files = files};
	int err = 0;

	T_ASSERT(log_journal_source_new(&o, &s, &err) == NULL);
	T_ASSERT(err < 0);
	T_ASSERT(log_journal_source_new(NULL, &s, &err) == NULL);
	T_EQ_INT(err, -EINVAL);
	log_journal_source_free(NULL);
}

/* In a child where libsystemd.so.0 is /dev/null (hide_lib.h): the source is refused with
 * -ENOENT, and the reason names the library and the package to install. The first case, so
 * that this process has not loaded libsystemd before the fork. */
static int without_libsystemd(void)
{
	static const char *const sonames[] = {"libsystemd.so.0", NULL};
	const char *files[] = {"/nonexistent-iw/x.journal", NULL};
	struct got g = {0};
	struct log_sink s = {on_line, on_msg, &g};
	struct log_journal_opts o = {.files = files};
	char why[256] = "";
	int r = hide_libs(sonames), err = 0;

	if (r != 0)
		return r;
	if (log_journal_source_new(&o, &s, &err) != NULL || err != -ENOENT)
		return 4;
	if (journal_lib(why, sizeof(why)) != NULL)
		return 5;
	fprintf(stderr, "# without libsystemd: %s\n", why);
	return strstr(why, "libsystemd not found (libsystemd.so.0)") && strstr(why, "libsystemd0")
	           ? 0
	           : 6;
}

static void journal_without_libsystemd(void)
{
	T_EQ_INT(test_in_child(without_libsystemd), 0);
}

static void cleanup(void)
{
	char cmd[200];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		T_EQ_INT(system(cmd), 0);
	}
}

TEST_MAIN_TEARDOWN("log_journal", cleanup, TEST(journal_without_libsystemd),
                   TEST(journal_fields_and_cursor), TEST(journal_tail_without_state),
                   TEST(journal_run_waits_on_the_journal), TEST(journal_open_errors))
