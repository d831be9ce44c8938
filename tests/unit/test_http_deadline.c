// SPDX-License-Identifier: Apache-2.0
/*
 * http_deadline.c driven directly over socketpairs: a deadline shuts its socket on time, work
 * on the list (handling, waiting, removal) moves or clears it, and the watcher thread sleeps
 * while no deadline is armed (an idle exporter must not wake several times a second).
 * test_http_server.c and test_serve_slow_clients.sh cover the same code behind libmicrohttpd.
 */
#include "test.h"
#include "thread_stat.h"

#include "common/clock.h"
#include "http/http_deadline.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Milliseconds until @fd sees its peer shut down (EOF or hang-up), or -1 after @max_ms. */
static long ms_until_shut(int fd, long max_ms)
{
	uint64_t start = clock_mono_ms();
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, (int)max_ms) != 1)
		return -1;
	return (long)(clock_mono_ms() - start);
}

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

/* A connection over a socketpair: @sv[0] is the server's end, watched by @ds. 0 or -1. */
static int conn_open(struct http_deadlines *ds, int sv[2], struct http_deadline **ret)
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	*ret = http_deadline_add(ds, sv[0]);
	return *ret ? 0 : -1;
}

static void conn_close(struct http_deadlines *ds, int sv[2], struct http_deadline *d)
{
	http_deadline_remove(ds, d);
	close(sv[0]);
	close(sv[1]);
}

/* A connection that never completes its request is shut at its deadline: not before, and not
 * much after (the watcher sleeps until the deadline itself, it does not poll). */
static void deadline_fires_on_time(void)
{
	struct http_deadlines *ds = http_deadlines_new(300, 8);
	struct http_deadline *d;
	unsigned long expired = 9, evicted = 9;
	int sv[2];
	long ms;

	T_ASSERT(ds);
	T_EQ_INT(conn_open(ds, sv, &d), 0);
	ms = ms_until_shut(sv[1], 2000);
	T_ASSERT(ms >= 280);
	T_ASSERT(ms <= 380);
	http_deadlines_counts(ds, &expired, &evicted);
	T_EQ_INT(expired, 1);
	T_EQ_INT(evicted, 0);
	conn_close(ds, sv, d);
	http_deadlines_free(ds);
}

/* A request being handled has no deadline; the response queued re-arms it, and the new deadline
 * fires although the watcher had gone to sleep with none armed. */
static void handling_clears_sending_rearms(void)
{
	struct http_deadlines *ds = http_deadlines_new(200, 8);
	struct http_deadline *d;
	unsigned long expired, evicted;
	int sv[2];
	long ms;

	T_ASSERT(ds);
	T_EQ_INT(conn_open(ds, sv, &d), 0);
	http_deadline_handling(ds, d);
	T_EQ_INT(ms_until_shut(sv[1], 500), -1); /* a slow handler is never cut short */
	http_deadline_sending(ds, d);
	ms = ms_until_shut(sv[1], 2000);
	T_ASSERT(ms >= 180);
	T_ASSERT(ms <= 280);
	http_deadlines_counts(ds, &expired, &evicted);
	T_EQ_INT(expired, 1);
	conn_close(ds, sv, d);
	http_deadlines_free(ds);
}

/* A connection removed before its deadline is never touched; a later one still fires. */
static void removed_is_left_alone(void)
{
	struct http_deadlines *ds = http_deadlines_new(200, 8);
	struct http_deadline *a, *b;
	unsigned long expired, evicted;
	int sa[2], sb[2];

	T_ASSERT(ds);
	T_EQ_INT(conn_open(ds, sa, &a), 0);
	nap_ms(100);
	T_EQ_INT(conn_open(ds, sb, &b), 0);
	http_deadline_remove(ds, a);
	T_EQ_INT(ms_until_shut(sa[1], 400), -1);
	T_ASSERT(ms_until_shut(sb[1], 1000) >= 0);
	http_deadlines_counts(ds, &expired, &evicted);
	T_EQ_INT(expired, 1);
	close(sa[0]);
	close(sa[1]);
	conn_close(ds, sb, b);
	http_deadlines_free(ds);
}

/* The watcher sleeps through a second, from @ms_before ms on. */
static bool slept_a_second(long ms_before)
{
	nap_ms(ms_before);
	return thread_slept("http-deadline", 1000);
}

/* With no deadline armed, the watcher does not wake: not with no connection, not with one
 * whose request is being handled, and not once a fired deadline has left none. */
static void idle_watcher_sleeps(void)
{
	struct http_deadlines *ds = http_deadlines_new(100, 8);
	struct http_deadline *d;
	int sv[2];

	T_ASSERT(ds);
	T_ASSERT(slept_a_second(50)); /* from when the watcher has started and gone to sleep */

	T_EQ_INT(conn_open(ds, sv, &d), 0);
	http_deadline_handling(ds, d);
	T_ASSERT(slept_a_second(50));

	/* one deadline: woken to arm it and once to fire it, then asleep again */
	http_deadline_waiting(ds, d);
	T_ASSERT(ms_until_shut(sv[1], 1000) >= 0);
	T_ASSERT(slept_a_second(50));

	conn_close(ds, sv, d);
	http_deadlines_free(ds);
}

/* Over the limit, the connection that has waited longest for its request makes room. */
static void full_evicts_longest_waiting(void)
{
	struct http_deadlines *ds = http_deadlines_new(5000, 2);
	struct http_deadline *d[3];
	unsigned long expired, evicted;
	int sv[3][2];

	T_ASSERT(ds);
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(conn_open(ds, sv[i], &d[i]), 0);
		nap_ms(5); /* distinct deadlines */
	}
	T_ASSERT(ms_until_shut(sv[0][1], 500) >= 0);
	T_EQ_INT(ms_until_shut(sv[1][1], 100), -1);
	T_EQ_INT(ms_until_shut(sv[2][1], 100), -1);
	http_deadlines_counts(ds, &expired, &evicted);
	T_EQ_INT(expired, 0);
	T_EQ_INT(evicted, 1);
	for (int i = 0; i < 3; i++)
		conn_close(ds, sv[i], d[i]);
	http_deadlines_free(ds);
}

TEST_MAIN("http_deadline", TEST(deadline_fires_on_time), TEST(handling_clears_sending_rearms),
          TEST(removed_is_left_alone), TEST(idle_watcher_sleeps), TEST(full_evicts_longest_waiting))
