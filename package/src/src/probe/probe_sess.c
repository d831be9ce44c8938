// SPDX-License-Identifier: Apache-2.0
/*
 * Probe sessions: module dispatch, the send-time ring, and the socket plumbing the UDP-based
 * modules share (connected sockets, DF with IP_PMTUDISC_PROBE, ICMP errors through IP_RECVERR,
 * kernel receive timestamps).
 */
#include "probe/probe_mod.h"

#include "common/clock.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_clock.h"
#include "stamp/stamp_sock.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const module_names[PROBE_MOD_N] = {"stamp", "icmp", "tcp", "udp"};

static const struct probe_mod_ops *const module_ops[PROBE_MOD_N] = {
    &probe_mod_stamp,
    &probe_mod_icmp,
    &probe_mod_tcp,
    &probe_mod_udp,
};

const char *probe_module_name(enum probe_module m)
{
	return m < PROBE_MOD_N ? module_names[m] : "unknown";
}

int probe_module_parse(const char *s, enum probe_module *ret)
{
	for (int i = 0; i < PROBE_MOD_N; i++)
		if (strcmp(s, module_names[i]) == 0) {
			*ret = (enum probe_module)i;
			return 0;
		}
	return -EINVAL;
}

uint16_t probe_module_port(enum probe_module m)
{
	switch (m) {
	case PROBE_MOD_STAMP:
		return STAMP_PORT;
	case PROBE_MOD_UDP:
		return 7; /* RFC 862 echo */
	case PROBE_MOD_TCP:
		return 22;
	default:
		return 0;
	}
}

uint32_t probe_sess_default_size(const struct probe_target *t)
{
	if (t->module == PROBE_MOD_STAMP && t->authenticated)
		return STAMP_AUTH_LEN;
	return t->module < PROBE_MOD_N ? module_ops[t->module]->default_size : 0;
}

uint32_t probe_sess_min_size(const struct probe_target *t)
{
	if (t->module == PROBE_MOD_STAMP && t->authenticated)
		return STAMP_AUTH_LEN;
	return t->module < PROBE_MOD_N ? module_ops[t->module]->min_size : 0;
}

uint32_t probe_sess_overhead(const struct probe_target *t)
{
	uint32_t ip = t->addr.ss_family == AF_INET6 ? 40 : 20;

	return ip + 8; /* UDP and ICMP echo headers are both 8 octets */
}

int probe_sess_open(const struct probe_target *t, struct probe_sess **ret)
{
	struct probe_sess *s;
	int e;

	if (t->module >= PROBE_MOD_N ||
	    (t->addr.ss_family != AF_INET && t->addr.ss_family != AF_INET6))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->t = *t;
	s->ops = module_ops[t->module];
	s->fd = -1;
	if (s->t.size == 0)
		s->t.size = probe_sess_default_size(t);
	if (t->authenticated && stamp_auth_init(&s->auth, t->key, t->key_len) < 0) {
		e = -EINVAL;
		goto out_free;
	}
	e = s->ops->open(s);
	if (e < 0)
		goto out_free;
	*ret = s;
	return 0;
out_free:
	explicit_bzero(s, sizeof(*s));
	free(s);
	return e;
}

void probe_sess_free(struct probe_sess *s)
{
	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(s);
	if (s->fd >= 0)
		close(s->fd);
	explicit_bzero(&s->auth, sizeof(s->auth));
	explicit_bzero(s->t.key, sizeof(s->t.key));
	free(s);
}

int probe_sess_fd(const struct probe_sess *s)
{
	return s->fd;
}

int probe_sess_send(struct probe_sess *s, uint32_t seq, uint32_t size)
{
	if (size == 0)
		size = s->t.size;
	if (size < s->ops->min_size || size > PROBE_PKT_MAX - 64)
		return -EINVAL;
	if (s->t.module == PROBE_MOD_STAMP && s->t.authenticated && size < STAMP_AUTH_LEN)
		return -EINVAL;
	return s->ops->send(s, seq, size);
}

int probe_sess_recv(struct probe_sess *s, struct probe_event *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->ttl = 255;
	return s->ops->recv(s, ret);
}

void probe_sess_mark_sent(struct probe_sess *s, uint32_t seq, uint64_t real_ns, uint64_t mono_ns)
{
	struct probe_sent *p = &s->sent[seq % PROBE_WINDOW];

	p->seq = seq;
	p->used = true;
	p->real_ns = real_ns;
	p->mono_ns = mono_ns;
}

const struct probe_sent *probe_sess_sent_at(const struct probe_sess *s, uint32_t seq)
{
	const struct probe_sent *p = &s->sent[seq % PROBE_WINDOW];

	return p->used && p->seq == seq ? p : NULL;
}

double probe_sess_rtt(const struct probe_sent *p, uint64_t rx_real_ns, uint64_t rx_mono_ns,
                      int64_t dwell_ns)
{
	int64_t real = (int64_t)(rx_real_ns - p->real_ns);
	int64_t mono = (int64_t)(rx_mono_ns - p->mono_ns);
	int64_t rtt;

	/* the kernel stamps before we read the monotonic clock, never after */
	if (real < 0 || real > mono + 1000000)
		real = mono;
	if (dwell_ns < 0 || dwell_ns > real)
		dwell_ns = 0;
	rtt = real - dwell_ns;
	return (double)rtt * 1e-9;
}

int probe_sess_udp_socket(struct probe_sess *s, int type, int proto)
{
	const struct sockaddr *dst = (const struct sockaddr *)&s->t.addr;
	int fam = dst->sa_family, one = 1, fd;

	fd = socket(fam, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (fam == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
	}
	if (s->t.df) {
		/* DF on, and sends above the cached path MTU are allowed: we are the search */
		int v = fam == AF_INET ? IP_PMTUDISC_PROBE : IPV6_PMTUDISC_PROBE;

		if (setsockopt(fd, fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		               fam == AF_INET ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, &v,
		               sizeof(v)) < 0)
			goto out_errno;
	}
	if (s->t.dscp >= 0)
		stamp_sock_set_dscp(fd, fam, s->t.dscp);
	if (s->t.has_source && bind(fd, (const struct sockaddr *)&s->t.source,
	                            stamp_addr_len((const struct sockaddr *)&s->t.source)) < 0)
		goto out_errno;
	if (type == SOCK_DGRAM && connect(fd, dst, stamp_addr_len(dst)) < 0)
		goto out_errno;
	s->fd = fd;
	return 0;
out_errno:
	one = -errno;
	close(fd);
	return one;
}

int probe_sess_read_errqueue(struct probe_sess *s, struct probe_event *ev, size_t *ret_len)
{
	union {
		char b[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {s->buf, sizeof(s->buf)};
	struct msghdr m = {.msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = ctl.b,
	                   .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(s->fd, &m, MSG_ERRQUEUE);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	*ret_len = (size_t)n;
	ev->kind = PROBE_EV_UNREACH;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		struct sock_extended_err ee;

		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) ||
		    c->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		ev->err = -(int)ee.ee_errno;
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
			size_t olen = c->cmsg_len - CMSG_LEN(sizeof(ee));

			ev->has_icmp = true;
			ev->icmp6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
			ev->icmp_type = ee.ee_type;
			ev->icmp_code = ee.ee_code;
			/* the offender follows the error (SO_EE_OFFENDER): the router that spoke */
			if (olen > sizeof(ev->offender))
				olen = sizeof(ev->offender);
			memcpy(&ev->offender, CMSG_DATA(c) + sizeof(ee), olen);
		}
		if (ee.ee_errno == EMSGSIZE ||
		    (ee.ee_origin == SO_EE_ORIGIN_ICMP && ee.ee_type == ICMP_DEST_UNREACH &&
		     ee.ee_code == ICMP_FRAG_NEEDED) ||
		    (ee.ee_origin == SO_EE_ORIGIN_ICMP6 && ee.ee_type == ICMP6_PACKET_TOO_BIG)) {
			ev->kind = PROBE_EV_TOO_BIG;
			ev->mtu = ee.ee_info;
		}
	}
	return 0;
}

int probe_sess_recv_ts(struct probe_sess *s, size_t *ret_len, uint64_t *ret_real_ns,
                       bool *ret_kernel, uint8_t *ret_ttl, struct sockaddr_storage *ret_from)
{
	union {
		char b[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {s->buf, sizeof(s->buf)};
	struct msghdr m = {.msg_name = ret_from,
	                   .msg_namelen = sizeof(*ret_from),
	                   .msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = ctl.b,
	                   .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(s->fd, &m, 0);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	*ret_len = (size_t)n;
	*ret_kernel = false;
	*ret_ttl = 255;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*ret_real_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			*ret_kernel = true;
		} else if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) &&
		           c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			*ret_ttl = (uint8_t)v;
		}
	}
	if (!*ret_kernel)
		*ret_real_ns = stamp_clock_real_ns();
	return 0;
}
