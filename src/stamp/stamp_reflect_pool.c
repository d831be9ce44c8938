// SPDX-License-Identifier: Apache-2.0
/*
 * N reflectors on N sockets sharing one address, read back as one (stamp_reflect_pool.h).
 */
#include "stamp/stamp_reflect_pool.h"

#include "common/limits.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_reflect_loop.h"
#include "stamp/stamp_sock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pool_thread {
	struct stamp_reflector *r;
	int fd;
	int err;
	const struct stopper *stop;
	pthread_t thread;
	bool running;
};

struct stamp_reflect_pool {
	unsigned n;
	struct stopper stop;
	struct pool_thread t[];
};

int stamp_reflect_pool_new(const struct stamp_reflector_config *cfg, const struct sockaddr *addr,
                           unsigned n, struct stamp_reflect_pool **ret)
{
	struct stamp_reflect_pool *p;
	struct sockaddr_storage at;
	int e = 0;

	if (n < 1 || n > REFLECT_THREADS_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p) + n * sizeof(p->t[0]));
	if (!p)
		return -ENOMEM;
	p->n = n;
	for (unsigned i = 0; i < n; i++)
		p->t[i].fd = -1;
	e = stopper_init(&p->stop);
	memset(&at, 0, sizeof(at));
	memcpy(&at, addr, stamp_addr_len(addr));
	for (unsigned i = 0; i < n && e == 0; i++) {
		p->t[i].r = stamp_reflector_new(cfg);
		if (!p->t[i].r) {
			e = -ENOMEM;
			break;
		}
		/* one thread: a plain socket, so that a second reflector on the port fails */
		e = n > 1 ? stamp_sock_open_shared((struct sockaddr *)&at, &p->t[i].fd)
		          : stamp_sock_open((struct sockaddr *)&at, &p->t[i].fd);
		/* port 0: the others share the port the kernel gave the first */
		if (e == 0 && i == 0 && stamp_addr_port((struct sockaddr *)&at) == 0) {
			socklen_t len = sizeof(at);

			if (getsockname(p->t[0].fd, (struct sockaddr *)&at, &len) < 0)
				e = -errno;
		}
	}
	if (e < 0) {
		stamp_reflect_pool_free(p);
		return e;
	}
	*ret = p;
	return 0;
}

static void *pool_run(void *arg)
{
	struct pool_thread *t = arg;

	t->err = stamp_reflect_run(t->r, t->fd, t->stop);
	return NULL;
}

int stamp_reflect_pool_start(struct stamp_reflect_pool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		int e;

		p->t[i].stop = &p->stop;
		e = pthread_create(&p->t[i].thread, NULL, pool_run, &p->t[i]);
		if (e != 0) {
			stamp_reflect_pool_stop(p);
			stamp_reflect_pool_join(p);
			return -e;
		}
		p->t[i].running = true;
		pthread_setname_np(p->t[i].thread, "stamp-reflect"); /* top -H, the idle test */
	}
	return 0;
}

void stamp_reflect_pool_stop(struct stamp_reflect_pool *p)
{
	stopper_stop(&p->stop);
}

int stamp_reflect_pool_join(struct stamp_reflect_pool *p)
{
	int e = 0;

	for (unsigned i = 0; i < p->n; i++) {
		if (!p->t[i].running)
			continue;
		pthread_join(p->t[i].thread, NULL);
		p->t[i].running = false;
		if (p->t[i].err < 0 && e == 0)
			e = p->t[i].err;
	}
	return e;
}

void stamp_reflect_pool_free(struct stamp_reflect_pool *p)
{
	if (!p)
		return;
	stamp_reflect_pool_stop(p);
	stamp_reflect_pool_join(p);
	stopper_done(&p->stop);
	for (unsigned i = 0; i < p->n; i++) {
		if (p->t[i].fd >= 0)
			close(p->t[i].fd);
		stamp_reflector_free(p->t[i].r);
	}
	free(p);
}

unsigned stamp_reflect_pool_size(const struct stamp_reflect_pool *p)
{
	return p->n;
}

uint16_t stamp_reflect_pool_port(const struct stamp_reflect_pool *p)
{
	struct sockaddr_storage at;
	socklen_t len = sizeof(at);

	if (getsockname(p->t[0].fd, (struct sockaddr *)&at, &len) < 0)
		return 0;
	return stamp_addr_port((struct sockaddr *)&at);
}

void stamp_reflect_pool_counters(const struct stamp_reflect_pool *p, uint64_t ret[STAMP_REFL_N])
{
	memset(ret, 0, STAMP_REFL_N * sizeof(ret[0]));
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t one[STAMP_REFL_N];

		stamp_reflector_counters(p->t[i].r, one);
		for (int k = 0; k < STAMP_REFL_N; k++)
			ret[k] += one[k];
	}
}

uint64_t stamp_reflect_pool_reflected_by(const struct stamp_reflect_pool *p, unsigned t)
{
	uint64_t one[STAMP_REFL_N];

	if (t >= p->n)
		return 0;
	stamp_reflector_counters(p->t[t].r, one);
	return one[STAMP_REFL_REFLECTED];
}

static void add_row(struct stamp_sender_count *to, const struct stamp_sender_count *from)
{
	for (int k = 0; k < STAMP_REFL_N; k++)
		to->c[k] += from->c[k];
}

size_t stamp_reflect_pool_senders(const struct stamp_reflect_pool *p,
                                  struct stamp_sender_count *ret, size_t cap)
{
	struct stamp_sender_count other = {.addr.ss_family = AF_UNSPEC};
	size_t n = 0;

	if (cap < REFLECT_SENDERS_MAX + 1)
		return 0;
	for (unsigned i = 0; i < p->n; i++) {
		struct stamp_sender_count one[REFLECT_SENDERS_MAX + 1];
		size_t got = stamp_reflector_senders(p->t[i].r, one, REFLECT_SENDERS_MAX + 1);

		for (size_t k = 0; k < got; k++) {
			size_t j = 0;

			if (one[k].addr.ss_family == AF_UNSPEC) {
				add_row(&other, &one[k]);
				continue;
			}
			while (j < n && !stamp_addr_equal((const struct sockaddr *)&ret[j].addr,
			                                  (const struct sockaddr *)&one[k].addr))
				j++;
			if (j < n)
				add_row(&ret[j], &one[k]);
			else if (n < REFLECT_SENDERS_MAX)
				ret[n++] = one[k];
			else
				add_row(&other, &one[k]);
		}
	}
	ret[n++] = other;
	return n;
}
