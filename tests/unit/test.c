// SPDX-License-Identifier: Apache-2.0
/*
 * The harness behind test.h: runs the cases in order and reports each one on its own line.
 */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

bool test_failed;
static char test_why[1024];

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	test_failed = true;
	n = snprintf(test_why, sizeof(test_why), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(test_why))
		return;
	va_start(ap, fmt);
	vsnprintf(test_why + n, sizeof(test_why) - (size_t)n, fmt, ap);
	va_end(ap);
}

int test_run(const char *suite, const struct test_case *cases, size_t n, void (*teardown)(void))
{
	int failures = 0;

	for (size_t i = 0; i < n; i++) {
		test_failed = false;
		cases[i].fn();
		if (test_failed) {
			printf("not ok - %s/%s: %s\n", suite, cases[i].name, test_why);
			failures++;
		} else {
			printf("ok - %s/%s\n", suite, cases[i].name);
		}
		fflush(stdout);
	}
	if (teardown) {
		test_failed = false;
		teardown();
		if (test_failed) {
			printf("not ok - %s/teardown: %s\n", suite, test_why);
			failures++;
		}
		fflush(stdout);
	}
	return failures ? 1 : 0;
}

int test_in_child(int (*fn)(void))
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
