// SPDX-License-Identifier: Apache-2.0
#include "common/stopper.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int stopper_init(struct stopper *s)
{
	atomic_init(&s->stopped, false);
	s->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return s->fd < 0 ? -errno : 0;
}

void stopper_done(struct stopper *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void stopper_stop(struct stopper *s)
{
	uint64_t one = 1;

	atomic_store(&s->stopped, true);
	/* only a counter at its maximum fails, and the fd is readable then anyway */
	(void)!write(s->fd, &one, sizeof(one));
}

void stopper_rearm(struct stopper *s)
{
	uint64_t n;

	atomic_store(&s->stopped, false);
	(void)!read(s->fd, &n, sizeof(n)); /* EAGAIN when it was not stopped: fine */
}

int stopper_wait(const struct stopper *s, int fd, short events, int ms)
{
	struct pollfd p[2] = {{.fd = fd, .events = events},
	                      {.fd = s ? s->fd : -1, .events = POLLIN}};

	if (poll(p, 2, ms) < 0)
		return -errno;
	return p[0].revents;
}

bool stopper_nap(const struct stopper *s, int ms)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};

	if (!stopper_stopped(s))
		poll(&p, 1, ms);
	return stopper_stopped(s);
}
