/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal unit-test harness. Each test binary lists its cases with TEST_MAIN(); each case
 * prints "ok - SUITE/NAME" or "not ok - SUITE/NAME: file:line: what failed", which
 * scripts/test.sh counts. A case stops at its first failed assertion. There is no skip: a case
 * that cannot run (a tool missing) fails.
 *
 * Teardown (removing a scratch directory the cases shared) is not a case: TEST_MAIN_TEARDOWN()
 * runs it after the last case; it prints nothing when it succeeds and "not ok -
 * SUITE/teardown: ..." when one of its assertions fails.
 */
#ifndef IKEWATCH_TEST_H
#define IKEWATCH_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern bool test_failed;
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Runs @fn in a forked child, for what must not touch the test process (a namespace, a hidden
 * library), and returns the child's exit status, or -1 when it did not exit. */
int test_in_child(int (*fn)(void));
int test_run(const char *suite, const struct test_case *cases, size_t n, void (*teardown)(void));

#define T_ASSERT(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail(__FILE__, __LINE__, "%s", #cond);                                \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define T_EQ_INT(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, a_, b_);  \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define T_EQ_STR(a, b)                                                                             \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			test_fail(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", #a, #b,       \
			          a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Substring check, for rendered text such as metrics exposition. */
#define T_CONTAINS(hay, needle)                                                                    \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!h_ || !strstr(h_, n_)) {                                                      \
			test_fail(__FILE__, __LINE__, "%s contains \"%s\"", #hay, n_);             \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define T_NOT_CONTAINS(hay, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (h_ && strstr(h_, n_)) {                                                        \
			test_fail(__FILE__, __LINE__, "%s does not contain \"%s\"", #hay, n_);     \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define TEST(fn)                                                                                   \
	{                                                                                          \
#fn, fn                                                                            \
	}
#define TEST_MAIN_TEARDOWN(suite, teardown, ...)                                                   \
	int main(void)                                                                             \
	{                                                                                          \
		static const struct test_case cases_[] = {__VA_ARGS__};                            \
		return test_run(suite, cases_, sizeof(cases_) / sizeof(cases_[0]), teardown);      \
	}
#define TEST_MAIN(suite, ...) TEST_MAIN_TEARDOWN(suite, NULL, __VA_ARGS__)

#endif
