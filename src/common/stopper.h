/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stop request that a waiting thread sees at once: a flag, and an eventfd made readable with
 * it. A thread that waits for I/O puts stopper_fd() in its poll set and waits with no timeout,
 * instead of waking every few hundred milliseconds to look at a flag: an idle daemon then does
 * not wake at all (a timer that fires for nothing costs power on every gateway, and shows in
 * powertop), and a stop takes effect at once rather than at the next tick.
 */
#ifndef IKEWATCH_STOPPER_H
#define IKEWATCH_STOPPER_H

#include <stdatomic.h>
#include <stdbool.h>

struct stopper {
	atomic_bool stopped;
	int fd; /* eventfd, readable once stopped */
};

/* Not stopped. 0 or -errno. */
int stopper_init(struct stopper *s);
/* Closes the eventfd; after stopper_init(), also one that failed. */
void stopper_done(struct stopper *s);
/* Ask every waiter to stop. Async-signal-safe: a signal handler may call it. */
void stopper_stop(struct stopper *s);
/* Not stopped again, for a restart; no thread may be waiting on @s meanwhile. */
void stopper_rearm(struct stopper *s);

static inline bool stopper_stopped(const struct stopper *s)
{
	return atomic_load(&s->stopped);
}

/* The fd to poll for POLLIN beside the thread's own; readable once stopped. */
static inline int stopper_fd(const struct stopper *s)
{
	return s->fd;
}

/* Sleep @ms milliseconds (-1: until stopped), or less if stopped meanwhile; true when stopped. */
bool stopper_nap(const struct stopper *s, int ms);
/* Wait up to @ms (-1: no timeout) for @events on @fd, or for a stop. @s may be NULL (no stop).
 * Returns @fd's revents (> 0) when it is ready, 0 on timeout or stop (stopper_stopped() tells
 * which), -errno when poll fails (-EINTR included: callers loop). */
int stopper_wait(const struct stopper *s, int fd, short events, int ms);

#endif
