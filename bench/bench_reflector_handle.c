// SPDX-License-Identifier: Apache-2.0
/*
 * bench_reflector_handle - nanoseconds per stamp_reflector_handle() call, in process, without
 * sockets: the reflector's own per-packet cost, which loopback packet rates (bench_reflector.sh)
 * hide under the kernel's. Senders rotate over SENDERS addresses; rate limiting off or on.
 *
 * Usage: bench_reflector_handle [PACKETS] [SENDERS]
 */
#include "common/num.h"
#include "stamp/stamp_reflector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(uint32_t rate, uint64_t packets, uint32_t senders)
{
	struct stamp_reflector_config cfg = {.rate_pps = rate, .burst = rate};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_test t = {.seq = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN], rep[STAMP_UNAUTH_LEN];
	struct stamp_rx rx = {.data = req, .len = sizeof(req), .ttl = 64};
	struct sockaddr_in *sin = (struct sockaddr_in *)&rx.src;
	double t0;
	size_t n;

	if (!r || stamp_test_encode(&t, NULL, req, sizeof(req)) < 0)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4000);
	t0 = now_s();
	for (uint64_t i = 0; i < packets; i++) {
		sin->sin_addr.s_addr = htonl(0x0a000001u + (uint32_t)(i % senders));
		rx.mono_ns =
		    i * 1000; /* 1 Mpps: the bucket never empties at rate >= 1e6 / senders */
		stamp_reflector_handle(r, &rx, i, 1, rep, sizeof(rep), &n);
	}
	t0 = now_s() - t0;
	stamp_reflector_free(r);
	return t0 * 1e9 / (double)packets;
}

int main(int argc, char **argv)
{
	uint64_t packets = 5000000, senders = 1;

	if ((argc > 1 && num_parse_u64_str(argv[1], UINT64_MAX, &packets) < 0) ||
	    (argc > 2 && num_parse_u64_str(argv[2], 1u << 24, &senders) < 0) || packets == 0 ||
	    senders == 0) {
		fprintf(stderr, "usage: bench_reflector_handle [PACKETS] [SENDERS]\n");
		return 2;
	}
	printf("reflector_handle_ns senders=%llu rate_off=%.1f rate_on=%.1f\n",
	       (unsigned long long)senders, run(0, packets, (uint32_t)senders),
	       run(1000000, packets, (uint32_t)senders));
	return 0;
}
