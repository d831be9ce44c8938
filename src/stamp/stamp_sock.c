// SPDX-License-Identifier: Apache-2.0
/*
 * recvmsg/sendmsg with control messages for the STAMP sender and reflector. Loopback and veth
 * give no transmit timestamps, so only receive timestamps come from the kernel; when even those
 * are missing (a kernel without SO_TIMESTAMPNS support on this socket type), the clock is read
 * right after recvmsg returns.
 */
#include "stamp/stamp_sock.h"

#include "common/clock.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_clock.h"
#include "stamp/stamp_reflector.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static int sock_open(const struct sockaddr *bind_addr, bool shared, int *ret_fd)
{
	int one = 1, fd, fam = bind_addr->sa_family;

	fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (shared && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	/* best effort: without them we fall back to user-space times and TTL 255 */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (fam == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		/* a dual-stack socket (listen ":PORT") reports an IPv4 sender's TTL only so */
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	}
	if (bind(fd, bind_addr, stamp_addr_len(bind_addr)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

int stamp_sock_open(const struct sockaddr *bind_addr, int *ret_fd)
{
	return sock_open(bind_addr, false, ret_fd);
}

int stamp_sock_open_shared(const struct sockaddr *bind_addr, int *ret_fd)
{
	return sock_open(bind_addr, true, ret_fd);
}

int stamp_sock_set_dscp(int fd, int family, int dscp)
{
	int tos = (dscp & 0x3f) << 2;

	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0 ? -errno
		                                                                        : 0;
	return setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) < 0 ? -errno : 0;
}

static void parse_cmsgs(struct msghdr *m, struct stamp_rx *rx, struct stamp_rx_meta *meta)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			rx->rx_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			meta->kernel_ts = true;
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		           (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			int ttl;

			if (c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
				rx->ttl = (uint8_t)ttl;
			}
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			struct sockaddr_in *l = (struct sockaddr_in *)&meta->local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			meta->ifindex = pi.ipi_ifindex;
			l->sin_family = AF_INET;
			l->sin_addr = pi.ipi_addr;
			meta->have_local = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *l = (struct sockaddr_in6 *)&meta->local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			meta->ifindex = (int)pi.ipi6_ifindex;
			l->sin6_family = AF_INET6;
			l->sin6_addr = pi.ipi6_addr;
			meta->have_local = true;
		}
	}
}

int stamp_sock_recv(int fd, uint8_t *buf, size_t cap, struct stamp_rx *rx,
                    struct stamp_rx_meta *meta)
{
	union {
		char b[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {buf, cap};
	struct msghdr m = {0};
	ssize_t n;

	memset(rx, 0, sizeof(*rx));
	memset(meta, 0, sizeof(*meta));
	m.msg_name = &rx->src;
	m.msg_namelen = sizeof(rx->src);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	n = recvmsg(fd, &m, 0);
	if (n < 0)
		return -errno;
	rx->mono_ns = clock_mono_ns();
	rx->data = buf;
	rx->len = (size_t)n;
	rx->truncated = (m.msg_flags & MSG_TRUNC) != 0;
	rx->ttl = 255;
	parse_cmsgs(&m, rx, meta);
	if (!meta->kernel_ts)
		rx->rx_ns = stamp_clock_real_ns();
	return 0;
}

int stamp_sock_recv_batch(int fd, uint8_t *bufs, size_t cap, unsigned n, struct stamp_rx *rx,
                          struct stamp_rx_meta *meta)
{
	union ctl {
		char b[256];
		struct cmsghdr align;
	} ctl[STAMP_SOCK_BATCH];
	struct mmsghdr mm[STAMP_SOCK_BATCH];
	struct iovec iov[STAMP_SOCK_BATCH];
	uint64_t mono, real = 0;
	int got;

	if (n > STAMP_SOCK_BATCH)
		n = STAMP_SOCK_BATCH;
	memset(mm, 0, n * sizeof(mm[0]));
	for (unsigned i = 0; i < n; i++) {
		memset(&rx[i], 0, sizeof(rx[i]));
		iov[i] = (struct iovec){bufs + i * cap, cap};
		mm[i].msg_hdr.msg_name = &rx[i].src;
		mm[i].msg_hdr.msg_namelen = sizeof(rx[i].src);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i].b;
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].b);
	}
	got = recvmmsg(fd, mm, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	mono = clock_mono_ns();
	for (int i = 0; i < got; i++) {
		memset(&meta[i], 0, sizeof(meta[i]));
		rx[i].mono_ns = mono;
		rx[i].data = bufs + (size_t)i * cap;
		rx[i].len = mm[i].msg_len;
		rx[i].truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		rx[i].ttl = 255;
		parse_cmsgs(&mm[i].msg_hdr, &rx[i], &meta[i]);
		if (!meta[i].kernel_ts) {
			if (real == 0)
				real = stamp_clock_real_ns();
			rx[i].rx_ns = real;
		}
	}
	return got;
}

/* Control message that makes a reply leave from the address the request came to. */
static size_t pktinfo_cmsg(const struct stamp_rx_meta *meta, char *buf)
{
	struct cmsghdr *c = (struct cmsghdr *)buf;

	if (!meta || !meta->have_local)
		return 0;
	if (meta->local.ss_family == AF_INET) {
		struct in_pktinfo pi = {0};

		pi.ipi_spec_dst = ((const struct sockaddr_in *)&meta->local)->sin_addr;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	{
		struct in6_pktinfo pi = {0};

		pi.ipi6_addr = ((const struct sockaddr_in6 *)&meta->local)->sin6_addr;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
}

int stamp_sock_send_batch(int fd, const struct stamp_tx *tx, unsigned n)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl[STAMP_SOCK_BATCH];
	struct mmsghdr mm[STAMP_SOCK_BATCH];
	struct iovec iov[STAMP_SOCK_BATCH];
	unsigned done = 0;

	if (n > STAMP_SOCK_BATCH)
		n = STAMP_SOCK_BATCH;
	memset(mm, 0, n * sizeof(mm[0]));
	memset(ctl, 0, n * sizeof(ctl[0]));
	for (unsigned i = 0; i < n; i++) {
		iov[i] = (struct iovec){(void *)tx[i].data, tx[i].len};
		mm[i].msg_hdr.msg_name = (void *)tx[i].dst;
		mm[i].msg_hdr.msg_namelen = stamp_addr_len((const struct sockaddr *)tx[i].dst);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_controllen = pktinfo_cmsg(tx[i].meta, ctl[i].b);
		mm[i].msg_hdr.msg_control = mm[i].msg_hdr.msg_controllen ? ctl[i].b : NULL;
	}
	while (done < n) {
		int r = sendmmsg(fd, mm + done, n - done, 0);

		if (r < 0) {
			/* one bad destination must not stop the rest: skip it */
			if (errno == EINTR)
				continue;
			done++;
			continue;
		}
		done += (unsigned)r;
	}
	return (int)done;
}

int stamp_sock_send(int fd, const void *p, size_t len, const struct sockaddr *dst,
                    const struct stamp_rx_meta *meta)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)p, len};
	struct msghdr m = {0};

	m.msg_name = (void *)dst;
	m.msg_namelen = stamp_addr_len(dst);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (meta && meta->have_local) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.b;
		c = (struct cmsghdr *)ctl.b;
		if (meta->local.ss_family == AF_INET) {
			struct in_pktinfo pi = {0};

			pi.ipi_spec_dst = ((const struct sockaddr_in *)&meta->local)->sin_addr;
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			m.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			struct in6_pktinfo pi = {0};

			pi.ipi6_addr = ((const struct sockaddr_in6 *)&meta->local)->sin6_addr;
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			m.msg_controllen = CMSG_SPACE(sizeof(pi));
		}
	}
	if (sendmsg(fd, &m, 0) < 0)
		return -errno;
	return 0;
}
