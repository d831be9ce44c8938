// SPDX-License-Identifier: Apache-2.0
/*
 * Request deadlines and eviction (see http_deadline.h). The connections form a list under one
 * mutex, newest first. The watcher sleeps until the earliest deadline, or for good while none is
 * armed: a tick would wake an idle daemon several times a second for nothing (an exporter is
 * idle between scrapes). Every deadline is "now + timeout", so a deadline armed later is never
 * earlier than one already armed: the watcher needs waking only when it sleeps with none.
 * An fd stays valid while the mutex is held: libmicrohttpd reports a connection closed
 * (http_deadline_remove, which takes the mutex) before it closes the socket.
 */
#include "http/http_deadline.h"

#include "common/clock.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

struct http_deadline {
	struct http_deadline *prev, *next;
	int fd;
	uint64_t due_ms; /* 0: no deadline (handler running, or already shut down) */
	bool waiting;    /* no complete request yet: may be evicted */
	bool closing;    /* shut down by us, libmicrohttpd has not reported it closed yet */
};

struct http_deadlines {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	struct http_deadline *head;
	unsigned timeout_ms, max_conns, live;
	unsigned long expired, evicted;
	bool stop;
	bool asleep; /* the watcher waits with no deadline armed: arming one must wake it */
};

/* Under the lock. */
static void shut(struct http_deadlines *ds, struct http_deadline *d)
{
	/* both directions: libmicrohttpd's next read sees the end and closes */
	shutdown(d->fd, SHUT_RDWR);
	d->due_ms = 0;
	d->waiting = false;
	d->closing = true;
	ds->live--;
}

static void *watch(void *arg)
{
	struct http_deadlines *ds = arg;

	pthread_mutex_lock(&ds->lock);
	while (!ds->stop) {
		uint64_t now = clock_mono_ms(), next = 0;

		for (struct http_deadline *d = ds->head; d; d = d->next) {
			if (!d->due_ms)
				continue;
			if (d->due_ms <= now) {
				shut(ds, d);
				ds->expired++;
			} else if (!next || d->due_ms < next) {
				next = d->due_ms;
			}
		}
		ds->asleep = !next;
		if (!next) {
			pthread_cond_wait(&ds->wake, &ds->lock);
		} else {
			/* clock_mono_ms() counts CLOCK_MONOTONIC, the condition's clock */
			struct timespec ts = {.tv_sec = (time_t)(next / 1000),
			                      .tv_nsec = (long)(next % 1000) * 1000000L};

			pthread_cond_timedwait(&ds->wake, &ds->lock, &ts);
		}
		ds->asleep = false;
	}
	pthread_mutex_unlock(&ds->lock);
	return NULL;
}

/* Under the lock, after arming a deadline. */
static void armed(struct http_deadlines *ds)
{
	if (ds->asleep) {
		ds->asleep = false;
		pthread_cond_signal(&ds->wake);
	}
}

struct http_deadlines *http_deadlines_new(unsigned timeout_ms, unsigned max_conns)
{
	struct http_deadlines *ds = calloc(1, sizeof(*ds));
	pthread_condattr_t ca;

	if (!ds)
		return NULL;
	ds->timeout_ms = timeout_ms;
	ds->max_conns = max_conns;
	pthread_mutex_init(&ds->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ds->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&ds->thread, NULL, watch, ds) != 0) {
		pthread_cond_destroy(&ds->wake);
		pthread_mutex_destroy(&ds->lock);
		free(ds);
		return NULL;
	}
	/* named for top -H and for the test that checks it stays asleep */
	pthread_setname_np(ds->thread, "http-deadline");
	return ds;
}

void http_deadlines_free(struct http_deadlines *ds)
{
	if (!ds)
		return;
	pthread_mutex_lock(&ds->lock);
	ds->stop = true;
	pthread_cond_signal(&ds->wake);
	pthread_mutex_unlock(&ds->lock);
	pthread_join(ds->thread, NULL);
	/* a server that failed half-way may leave entries: they are ours to free */
	while (ds->head) {
		struct http_deadline *d = ds->head;

		ds->head = d->next;
		free(d);
	}
	pthread_cond_destroy(&ds->wake);
	pthread_mutex_destroy(&ds->lock);
	free(ds);
}

/* Under the lock, with the list over its limit: shut the connection that has waited longest
 * for a request (the earliest deadline among the waiting; @d itself last of all). */
static void make_room(struct http_deadlines *ds, struct http_deadline *d)
{
	struct http_deadline *victim = NULL;

	for (struct http_deadline *e = d->next; e; e = e->next)
		if (e->waiting && (!victim || e->due_ms <= victim->due_ms))
			victim = e;
	shut(ds, victim ? victim : d);
	ds->evicted++;
}

struct http_deadline *http_deadline_add(struct http_deadlines *ds, int fd)
{
	struct http_deadline *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = fd;
	d->waiting = true;
	pthread_mutex_lock(&ds->lock);
	d->due_ms = clock_mono_ms() + ds->timeout_ms;
	d->next = ds->head;
	if (ds->head)
		ds->head->prev = d;
	ds->head = d;
	if (++ds->live > ds->max_conns)
		make_room(ds, d);
	armed(ds);
	pthread_mutex_unlock(&ds->lock);
	return d;
}

void http_deadline_remove(struct http_deadlines *ds, struct http_deadline *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&ds->lock);
	if (d->prev)
		d->prev->next = d->next;
	else
		ds->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	if (!d->closing)
		ds->live--;
	pthread_mutex_unlock(&ds->lock);
	free(d);
}

static void set(struct http_deadlines *ds, struct http_deadline *d, bool arm, bool waiting)
{
	if (!d)
		return;
	pthread_mutex_lock(&ds->lock);
	if (!d->closing) {
		d->due_ms = arm ? clock_mono_ms() + ds->timeout_ms : 0;
		d->waiting = waiting;
		if (arm)
			armed(ds);
	}
	pthread_mutex_unlock(&ds->lock);
}

void http_deadline_handling(struct http_deadlines *ds, struct http_deadline *d)
{
	set(ds, d, false, false);
}

void http_deadline_sending(struct http_deadlines *ds, struct http_deadline *d)
{
	set(ds, d, true, false);
}

void http_deadline_waiting(struct http_deadlines *ds, struct http_deadline *d)
{
	set(ds, d, true, true);
}

void http_deadlines_counts(struct http_deadlines *ds, unsigned long *ret_expired,
                           unsigned long *ret_evicted)
{
	pthread_mutex_lock(&ds->lock);
	*ret_expired = ds->expired;
	*ret_evicted = ds->evicted;
	pthread_mutex_unlock(&ds->lock);
}
