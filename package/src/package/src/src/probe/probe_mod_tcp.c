// SPDX-License-Identifier: Apache-2.0
/*
 * TCP connect probes: a non-blocking connect per probe; a SYN-ACK (connected) or a RST
 * (ECONNREFUSED) both prove that the path carried the SYN and its answer. The sockets of the
 * probes in flight sit in one epoll set, whose descriptor is what the caller polls. The RTT is
 * measured in user space (no kernel timestamp for a handshake).
 */
#include "probe/probe_mod.h"

#include "common/clock.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_clock.h"
#include "stamp/stamp_sock.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

static int tcp_open(struct probe_sess *s)
{
	s->fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	for (int i = 0; i < PROBE_TCP_INFLIGHT; i++)
		s->tcp[i].fd = -1;
	return 0;
}

static void tcp_close_slot(struct probe_sess *s, int i)
{
	if (s->tcp[i].fd >= 0) {
		epoll_ctl(s->fd, EPOLL_CTL_DEL, s->tcp[i].fd, NULL);
		close(s->tcp[i].fd);
		s->tcp[i].fd = -1;
	}
}

static void tcp_close(struct probe_sess *s)
{
	for (int i = 0; i < PROBE_TCP_INFLIGHT; i++)
		tcp_close_slot(s, i);
}

static int tcp_send(struct probe_sess *s, uint32_t seq, uint32_t size)
{
	const struct sockaddr *dst = (const struct sockaddr *)&s->t.addr;
	struct epoll_event ev = {.events = EPOLLOUT};
	int slot = -1, fd, e;

	(void)size;
	/* a free slot, or the oldest probe's (it is long lost by now) */
	for (int i = 0; i < PROBE_TCP_INFLIGHT; i++) {
		if (s->tcp[i].fd < 0) {
			slot = i;
			break;
		}
		if (slot < 0 || (int32_t)(s->tcp[i].seq - s->tcp[slot].seq) < 0)
			slot = i;
	}
	tcp_close_slot(s, slot);
	fd = socket(dst->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (s->t.dscp >= 0)
		stamp_sock_set_dscp(fd, dst->sa_family, s->t.dscp);
	if (s->t.has_source && bind(fd, (const struct sockaddr *)&s->t.source,
	                            stamp_addr_len((const struct sockaddr *)&s->t.source)) < 0)
		goto out_errno;
	probe_sess_mark_sent(s, seq, stamp_clock_real_ns(), clock_mono_ns());
	if (connect(fd, dst, stamp_addr_len(dst)) < 0 && errno != EINPROGRESS)
		goto out_errno;
	ev.data.u32 = (uint32_t)slot;
	if (epoll_ctl(s->fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto out_errno;
	s->tcp[slot].fd = fd;
	s->tcp[slot].seq = seq;
	return 0;
out_errno:
	e = -errno;
	close(fd);
	return e;
}

static int tcp_recv(struct probe_sess *s, struct probe_event *ev)
{
	struct epoll_event e;
	const struct probe_sent *p;
	socklen_t sl = sizeof(int);
	int n, err = 0, slot;
	uint64_t mono;

	n = epoll_wait(s->fd, &e, 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EAGAIN;
	slot = (int)e.data.u32;
	if (slot >= PROBE_TCP_INFLIGHT || s->tcp[slot].fd < 0)
		return -EAGAIN;
	mono = clock_mono_ns();
	getsockopt(s->tcp[slot].fd, SOL_SOCKET, SO_ERROR, &err, &sl);
	ev->has_seq = true;
	ev->reply.seq = s->tcp[slot].seq;
	tcp_close_slot(s, slot);
	if (err != 0 && err != ECONNREFUSED) {
		ev->kind = PROBE_EV_UNREACH;
		ev->err = -err;
		return 0;
	}
	p = probe_sess_sent_at(s, ev->reply.seq);
	if (!p) {
		ev->kind = PROBE_EV_BAD;
		ev->err = -ENOENT;
		return 0;
	}
	ev->kind = PROBE_EV_REPLY;
	ev->reply.rtt_s = probe_sess_rtt(p, stamp_clock_real_ns(), mono, 0);
	ev->reply.mono_ns = mono;
	return 0;
}

const struct probe_mod_ops probe_mod_tcp = {
    .open = tcp_open,
    .send = tcp_send,
    .recv = tcp_recv,
    .close = tcp_close,
    .default_size = 0,
    .min_size = 0,
};
