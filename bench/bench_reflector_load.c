// SPDX-License-Identifier: Apache-2.0
/*
 * Load generator for bench_reflector.sh: keeps WINDOW STAMP test packets (44 octets, or 112
 * authenticated with the HMAC key in KEYFILE) in flight
 * to ADDR:PORT over one connected UDP socket (sendmmsg/recvmmsg, 64 at a time) for SECONDS and
 * prints the replies per second. Any same-sized datagram back counts as a reply, so the same tool
 * measures our reflector and a plain UDP echo responder. When nothing comes back for 20 ms the
 * window is refilled, so a dropped packet cannot stall the run.
 *
 * Usage: bench_reflector_load ADDR PORT SECONDS WINDOW [KEYFILE]
 */
#include "common/clock.h"
#include "common/num.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_keyfile.h"
#include "stamp/stamp_pkt.h"

#include <errno.h>
#include <string.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint64_t secs, window, replies = 0, sent = 0, start, end;
	static uint8_t pkt[BATCH][STAMP_AUTH_LEN], in[BATCH][2048];
	struct stamp_test t = {.ee = 1};
	struct stamp_auth auth, *a = NULL;
	size_t len = STAMP_UNAUTH_LEN;
	int fd;

	if (argc == 6) {
		uint8_t key[STAMP_KEY_MAX];
		size_t klen;

		if (stamp_key_load(argv[5], key, &klen) < 0 ||
		    stamp_auth_init(&auth, key, klen) < 0) {
			fprintf(stderr, "%s: cannot use the key in %s\n", argv[0], argv[5]);
			return 2;
		}
		a = &auth;
		len = STAMP_AUTH_LEN;
	}
	if (argc < 5 || argc > 6 || stamp_addr_parse(argv[1], 0, &ss, &sl) < 0 ||
	    num_parse_u64_str(argv[3], 3600, &secs) < 0 ||
	    num_parse_u64_str(argv[4], 4096, &window) < 0 || window == 0) {
		fprintf(stderr, "usage: %s ADDR PORT SECONDS WINDOW [KEYFILE]\n", argv[0]);
		return 2;
	}
	{
		uint64_t port;

		if (num_parse_u64_str(argv[2], 65535, &port) < 0)
			return 2;
		stamp_addr_set_port((struct sockaddr *)&ss, (uint16_t)port);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("socket/connect");
		return 1;
	}
	start = clock_mono_ns();
	end = start + secs * 1000000000u;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct mmsghdr mm[BATCH];
		struct iovec iov[BATCH];
		uint64_t now = clock_mono_ns();
		unsigned k = 0;
		int got;

		if (now >= end)
			break;
		/* refill the window with one sendmmsg: the generator must not be what we measure */
		while (sent - replies + k < window && k < BATCH) {
			t.seq = (uint32_t)(sent + k);
			stamp_test_encode(&t, a, pkt[k], len);
			iov[k] = (struct iovec){pkt[k], len};
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			k++;
		}
		if (k) {
			got = sendmmsg(fd, mm, k, MSG_DONTWAIT);
			if (got > 0)
				sent += (unsigned)got;
		}
		if (poll(&p, 1, 20) == 0) {
			replies = sent; /* lost ones: refill the window */
			continue;
		}
		for (unsigned i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){in[i], sizeof(in[i])};
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < got; i++)
			if (mm[i].msg_len == len)
				replies++;
	}
	printf("%.0f\n", (double)replies / ((double)(clock_mono_ns() - start) / 1e9));
	close(fd);
	return 0;
}
