// SPDX-License-Identifier: Apache-2.0
/*
 * Receive, decide, reply. T3 is read just before the reply is built; T2 comes from the kernel.
 * The interface of each packet (IP_PKTINFO) says whether it came out of an IPsec tunnel; names
 * are cached per ifindex so that the hot path does no ioctl.
 */
#include "stamp/stamp_reflect_loop.h"

#include "common/limits.h"
#include "common/log.h"
#include "stamp/stamp_clock.h"
#include "stamp/stamp_reflector.h"
#include "stamp/stamp_sock.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define IFCACHE 32

struct ifcache {
	int ifindex[IFCACHE];
	bool ipsec[IFCACHE];
	unsigned n;
};

bool stamp_ifname_is_ipsec(const char *name)
{
	return strncmp(name, "ipsec", 5) == 0 || strncmp(name, "xfrm", 4) == 0 ||
	       strncmp(name, "vti", 3) == 0 || strncmp(name, "ip_vti", 6) == 0;
}

static bool via_ipsec(struct ifcache *c, int ifindex)
{
	char name[IF_NAMESIZE];
	bool v;

	if (ifindex <= 0)
		return false;
	for (unsigned i = 0; i < c->n && i < IFCACHE; i++)
		if (c->ifindex[i] == ifindex)
			return c->ipsec[i];
	v = if_indextoname((unsigned)ifindex, name) && stamp_ifname_is_ipsec(name);
	/* a ring: interfaces come and go (ipsec0 is recreated with charon) */
	c->ifindex[c->n % IFCACHE] = ifindex;
	c->ipsec[c->n % IFCACHE] = v;
	c->n++;
	return v;
}

/* Buffers of one batch, per thread (serve runs the loop in a thread of its own). */
struct batch {
	uint8_t in[STAMP_SOCK_BATCH][REFLECT_PKT_MAX];
	uint8_t out[STAMP_SOCK_BATCH][REFLECT_PKT_MAX];
	struct stamp_rx rx[STAMP_SOCK_BATCH];
	struct stamp_rx_meta meta[STAMP_SOCK_BATCH];
	struct stamp_tx tx[STAMP_SOCK_BATCH];
};

int stamp_reflect_run(struct stamp_reflector *r, int fd, const struct stopper *stop)
{
	struct batch *b = malloc(sizeof(*b));
	struct ifcache cache = {0};
	uint16_t ee = stamp_clock_ee();
	uint64_t ee_at = 0;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	while (!stopper_stopped(stop)) {
		/* no timeout: an idle reflector sleeps until a packet comes or a stop */
		int e = stopper_wait(stop, fd, POLLIN, -1);

		if (e < 0 && e != -EINTR) {
			ret = e;
			break;
		}
		if (e <= 0)
			continue;
		/* drain the socket in batches: one recvmmsg and one sendmmsg per batch */
		for (;;) {
			unsigned ntx = 0;
			int got = stamp_sock_recv_batch(fd, &b->in[0][0], REFLECT_PKT_MAX,
			                                STAMP_SOCK_BATCH, b->rx, b->meta);

			if (got == -EAGAIN || got == -EINTR || got == 0)
				break;
			if (got < 0) {
				log_debug("stamp reflector: receive: %s", strerror(-got));
				break;
			}
			/* the clock's sync state changes slowly: refresh once a second */
			if (b->rx[0].mono_ns - ee_at > 1000000000u) {
				ee = stamp_clock_ee();
				ee_at = b->rx[0].mono_ns;
			}
			for (int i = 0; i < got; i++) {
				size_t n = 0;

				b->rx[i].via_ipsec = via_ipsec(&cache, b->meta[i].ifindex);
				if (stamp_reflector_handle(r, &b->rx[i], stamp_clock_real_ns(), ee,
				                           b->out[ntx], REFLECT_PKT_MAX,
				                           &n) != STAMP_REFL_REFLECTED)
					continue;
				b->tx[ntx] =
				    (struct stamp_tx){b->out[ntx], n, &b->rx[i].src, &b->meta[i]};
				ntx++;
			}
			if (ntx)
				stamp_sock_send_batch(fd, b->tx, ntx);
			if (got < STAMP_SOCK_BATCH)
				break;
		}
	}
	free(b);
	return ret;
}
