// SPDX-License-Identifier: Apache-2.0
/*
 * The reflector on several threads, over loopback: the sockets share one port (also when the
 * kernel picks it), a plain reflector cannot take that port, every request from senders on many
 * addresses and ports is answered, and the counters read back as one reflector's: summed, one
 * row per sender address, and no more listed senders than one reflector lists.
 */
#include "test.h"
#include "thread_stat.h"

#include "common/clock.h"
#include "common/limits.h"
#include "stamp/stamp_pkt.h"
#include "stamp/stamp_reflect_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(const char *ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/* One request from a socket bound to @ip (any port); 1 when its reply came back. */
static int ask(const char *ip, uint16_t port)
{
	struct sockaddr_in from = loopback(ip, 0), to = loopback("127.0.0.1", port);
	struct stamp_test t = {.seq = 1, .ee = 1, .ssid = 3}; /* a zero multiplier is malformed */
	uint8_t req[64], rep[128];
	struct pollfd pfd;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok = 0;

	if (fd < 0)
		return 0;
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) == 0 &&
	    stamp_test_encode(&t, NULL, req, 44) == 0 &&
	    sendto(fd, req, 44, 0, (struct sockaddr *)&to, sizeof(to)) == 44 &&
	    poll(&pfd, 1, 2000) == 1 && recv(fd, rep, sizeof(rep), 0) == 44)
		ok = 1;
	close(fd);
	return ok;
}

static void bad_sizes_refused(void)
{
	struct stamp_reflector_config cfg = {0};
	struct sockaddr_in at = loopback("127.0.0.1", 0);
	struct stamp_reflect_pool *p = NULL;

	T_EQ_INT(stamp_reflect_pool_new(&cfg, (struct sockaddr *)&at, 0, &p), -EINVAL);
	T_EQ_INT(stamp_reflect_pool_new(&cfg, (struct sockaddr *)&at, REFLECT_THREADS_MAX + 1, &p),
	         -EINVAL);
	T_ASSERT(p == NULL);
	stamp_reflect_pool_free(NULL);
}

static void threads_share_a_port_and_sum(void)
{
	struct stamp_reflector_config cfg = {0};
	struct sockaddr_in at = loopback("127.0.0.1", 0);
	struct stamp_reflect_pool *p = NULL, *plain = NULL;
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	uint64_t c[STAMP_REFL_N];
	unsigned busy = 0, answered = 0;
	uint16_t port;
	size_t n;

	T_EQ_INT(stamp_reflect_pool_new(&cfg, (struct sockaddr *)&at, 3, &p), 0);
	T_EQ_INT(stamp_reflect_pool_size(p), 3);
	port = stamp_reflect_pool_port(p);
	T_ASSERT(port != 0);
	/* the port is taken for a reflector that does not share */
	at = loopback("127.0.0.1", port);
	T_ASSERT(stamp_reflect_pool_new(&cfg, (struct sockaddr *)&at, 1, &plain) < 0);
	T_EQ_INT(stamp_reflect_pool_start(p), 0);
	/* 8 source ports on each of two addresses: the kernel spreads the flows */
	for (int i = 0; i < 16; i++)
		answered += (unsigned)ask(i % 2 ? "127.0.0.2" : "127.0.0.1", port);
	T_EQ_INT(answered, 16);
	stamp_reflect_pool_stop(p);
	T_EQ_INT(stamp_reflect_pool_join(p), 0);
	stamp_reflect_pool_counters(p, c);
	T_EQ_INT(c[STAMP_REFL_REFLECTED], 16);
	T_EQ_INT(c[STAMP_REFL_MALFORMED], 0);
	for (unsigned t = 0; t < 3; t++)
		busy += stamp_reflect_pool_reflected_by(p, t) > 0;
	T_ASSERT(busy >= 2); /* all 16 flows on one of 3 sockets: 1 in 14 million */
	n = stamp_reflect_pool_senders(p, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(n, 3); /* two addresses, once each, and the other row */
	for (size_t k = 0; k < 2; k++)
		T_EQ_INT(rows[k].c[STAMP_REFL_REFLECTED], 8);
	T_EQ_INT(rows[2].addr.ss_family, AF_UNSPEC);
	T_EQ_INT(rows[2].c[STAMP_REFL_REFLECTED], 0);
	stamp_reflect_pool_free(p);
}

/* More sender addresses than one reflector lists, spread over the threads: the merged list
 * keeps the bound and the rest goes to the other row, so that nothing is lost. */
static void merged_senders_keep_the_bound(void)
{
	struct stamp_reflector_config cfg = {0};
	struct sockaddr_in at = loopback("127.0.0.1", 0);
	struct stamp_reflect_pool *p = NULL;
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	const unsigned senders = REFLECT_SENDERS_MAX + 16;
	uint64_t listed = 0;
	unsigned answered = 0;
	size_t n;

	T_EQ_INT(stamp_reflect_pool_new(&cfg, (struct sockaddr *)&at, 2, &p), 0);
	T_EQ_INT(stamp_reflect_pool_start(p), 0);
	for (unsigned i = 0; i < senders; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.1.%u", i + 1);
		answered += (unsigned)ask(ip, stamp_reflect_pool_port(p));
	}
	T_EQ_INT(answered, senders);
	n = stamp_reflect_pool_senders(p, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(n, REFLECT_SENDERS_MAX + 1);
	for (size_t k = 0; k < REFLECT_SENDERS_MAX; k++) {
		T_EQ_INT(rows[k].addr.ss_family, AF_INET);
		listed += rows[k].c[STAMP_REFL_REFLECTED];
	}
	T_EQ_INT(listed, REFLECT_SENDERS_MAX);
	T_EQ_INT(rows[REFLECT_SENDERS_MAX].c[STAMP_REFL_REFLECTED], 16);
	/* too small a table is refused rather than cut short */
	T_EQ_INT(stamp_reflect_pool_senders(p, rows, REFLECT_SENDERS_MAX), 0);
	stamp_reflect_pool_free(p); /* stops and joins the running threads itself */
}

/* With nothing to reflect, the threads sleep (no timeout wakes them to look at a flag); a
 * stop ends their wait at once, and a reflector answers right after waking from it. */
static void idle_threads_sleep(void)
{
	struct stamp_reflector_config cfg = {0};
	struct sockaddr_in at = loopback("127.0.0.1", 0);
	struct stamp_reflect_pool *p = NULL;
	uint64_t t0;

	T_EQ_INT(stamp_reflect_pool_new(&cfg, (struct sockaddr *)&at, 1, &p), 0);
	T_EQ_INT(stamp_reflect_pool_start(p), 0);
	T_EQ_INT(ask("127.0.0.1", stamp_reflect_pool_port(p)), 1);
	T_ASSERT(thread_slept("stamp-reflect", 1000));
	T_EQ_INT(ask("127.0.0.1", stamp_reflect_pool_port(p)), 1);
	t0 = clock_mono_ms();
	stamp_reflect_pool_stop(p);
	T_EQ_INT(stamp_reflect_pool_join(p), 0);
	T_ASSERT(clock_mono_ms() - t0 < 100);
	stamp_reflect_pool_free(p);
}

TEST_MAIN("stamp_reflect_pool", TEST(bad_sizes_refused), TEST(threads_share_a_port_and_sum),
          TEST(merged_senders_keep_the_bound), TEST(idle_threads_sleep))
