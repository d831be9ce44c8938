/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UDP sockets for STAMP: kernel receive timestamps (SO_TIMESTAMPNS, falling back to reading
 * the clock after recvmsg when the kernel gives none), the received TTL/Hop Limit (for the
 * Session-Sender TTL field), the local address and interface of each packet (IP_PKTINFO), so
 * that a reflector answers from the address it was asked on, and DSCP marking.
 */
#ifndef IKEWATCH_STAMP_SOCK_H
#define IKEWATCH_STAMP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STAMP_SOCK_BATCH 32

struct stamp_rx;

/* What recvmsg told us besides the payload. */
struct stamp_rx_meta {
	int ifindex;
	struct sockaddr_storage local; /* destination address of the packet (port 0) */
	bool have_local;
	bool kernel_ts; /* rx_ns came from the kernel */
};

/* A UDP socket bound to @bind (port 0: any) with the options above; @ret_fd on success. */
int stamp_sock_open(const struct sockaddr *bind, int *ret_fd);
/* The same with SO_REUSEPORT: several such sockets share @bind, and the kernel hashes each
 * sender (address and port pair) onto one of them, so one thread per socket serves a core. */
int stamp_sock_open_shared(const struct sockaddr *bind, int *ret_fd);
/* DSCP (0..63) into TOS / Traffic Class. */
int stamp_sock_set_dscp(int fd, int family, int dscp);
/*
 * Receive one datagram into @buf: fills rx (data, len, truncated, src, rx_ns, mono_ns, ttl)
 * and @meta. 0, -EAGAIN when nothing is waiting, or another -errno.
 */
int stamp_sock_recv(int fd, uint8_t *buf, size_t cap, struct stamp_rx *rx,
                    struct stamp_rx_meta *meta);
/*
 * Receive up to @n datagrams in one recvmmsg(2): buffer i is @bufs + i * @cap. Returns how
 * many (rx[i] and meta[i] filled as stamp_sock_recv does), -EAGAIN or another -errno.
 */
int stamp_sock_recv_batch(int fd, uint8_t *bufs, size_t cap, unsigned n, struct stamp_rx *rx,
                          struct stamp_rx_meta *meta);
/* One datagram of a batch to send: payload, destination, source address (meta). */
struct stamp_tx {
	const uint8_t *data;
	size_t len;
	const struct sockaddr_storage *dst;
	const struct stamp_rx_meta *meta;
};
/* Send @n datagrams with sendmmsg(2); returns how many went, or -errno. */
int stamp_sock_send_batch(int fd, const struct stamp_tx *tx, unsigned n);
/* Send to @dst, from @meta's local address when it has one. 0 or -errno. */
int stamp_sock_send(int fd, const void *p, size_t len, const struct sockaddr *dst,
                    const struct stamp_rx_meta *meta);

#endif
