// SPDX-License-Identifier: Apache-2.0
/*
 * The floor for bench_reflector.sh: the least a UDP reflector can do on this kernel. Batched
 * (recvmmsg and sendmmsg, 64 datagrams at a time, as stamp_reflect_loop.c does), each datagram
 * sent back unchanged to where it came from: no parsing, no timestamps, no HMAC, no counters.
 * A reflector at this rate costs nothing above the kernel's own per-packet work.
 *
 * Usage: bench_echo_floor ADDR PORT   (runs until killed)
 */
#include "common/num.h"
#include "stamp/stamp_addr.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64

int main(int argc, char **argv)
{
	static uint8_t buf[BATCH][2048];
	struct sockaddr_storage ss, from[BATCH];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t port;
	socklen_t sl;
	int fd;

	if (argc != 3 || stamp_addr_parse(argv[1], 0, &ss, &sl) < 0 ||
	    num_parse_u64_str(argv[2], 65535, &port) < 0) {
		fprintf(stderr, "usage: %s ADDR PORT\n", argv[0]);
		return 2;
	}
	stamp_addr_set_port((struct sockaddr *)&ss, (uint16_t)port);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("socket/bind");
		return 1;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int got;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return 1;
		for (unsigned i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){buf[i], sizeof(buf[i])};
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			continue;
		for (int i = 0; i < got; i++)
			iov[i].iov_len = mm[i].msg_len;
		sendmmsg(fd, mm, (unsigned)got, 0);
	}
}
