// SPDX-License-Identifier: Apache-2.0
/*
 * bench_reflector_handle - nanoseconds per stamp_reflector_handle() call, in process, without
 * sockets: the reflector's own per-packet cost, which loopback packet rates (bench_reflector.sh)
 * hide under the kernel's. Senders rotate over SENDERS addresses; rate limiting off or on; and,
 * rate limiting off, authenticated (HMAC-SHA-256 checked on the request and made for the reply).
 *
 * Usage: bench_reflector_handle [PACKETS] [SENDERS]
 */
#include "common/num.h"
#include "stamp/stamp_pkt.h"
#include "stamp/stamp_reflector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(uint32_t rate, uint64_t packets, uint32_t senders, bool hmac)
{
	struct stamp_reflector_config cfg = {
	    .rate_pps = rate, .burst = rate, .authenticated = hmac, .key_len = 32};
	struct stamp_reflector *r;
	struct stamp_test t = {.seq = 1, .ee = 1};
	struct stamp_auth auth;
	uint8_t req[STAMP_AUTH_LEN], rep[STAMP_AUTH_LEN];
	size_t len = hmac ? STAMP_AUTH_LEN : STAMP_UNAUTH_LEN;
	struct stamp_rx rx = {.data = req, .len = len, .ttl = 64};
	struct sockaddr_in *sin = (struct sockaddr_in *)&rx.src;
	uint64_t c[STAMP_REFL_N];
	double t0;
	size_t n;

	memset(cfg.key, 0x5a, cfg.key_len);
	r = stamp_reflector_new(&cfg);
	if (!r || stamp_auth_init(&auth, cfg.key, cfg.key_len) < 0 ||
	    stamp_test_encode(&t, hmac ? &auth : NULL, req, len) < 0)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4000);
	t0 = now_s();
	for (uint64_t i = 0; i < packets; i++) {
		sin->sin_addr.s_addr = htonl(0x0a000001u + (uint32_t)(i % senders));
		rx.mono_ns =
		    i * 1000; /* 1 Mpps: the bucket never empties at rate >= 1e6 / senders */
		stamp_reflector_handle(r, &rx, i, 1, rep, len, &n);
	}
	t0 = now_s() - t0;
	stamp_reflector_counters(r, c);
	stamp_reflector_free(r);
	/* every request reflected (or, rate limiting on, counted as limited): else it measured
	 * a shortcut */
	if (c[STAMP_REFL_REFLECTED] + c[STAMP_REFL_RATE_LIMITED] != packets)
		return -1;
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
	printf("reflector_handle_ns senders=%llu rate_off=%.1f rate_on=%.1f hmac=%.1f\n",
	       (unsigned long long)senders, run(0, packets, (uint32_t)senders, false),
	       run(1000000, packets, (uint32_t)senders, false),
	       run(0, packets / 10 ? packets / 10 : 1, (uint32_t)senders, true));
	return 0;
}
