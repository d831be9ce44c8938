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

int stamp_reflect_run(struct stamp_reflector *r, int fd, const int *stop)
{
	static __thread uint8_t in[REFLECT_PKT_MAX], out[REFLECT_PKT_MAX];
	struct ifcache cache = {0};
	uint16_t ee = stamp_clock_ee();
	uint64_t ee_at = 0;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int e = poll(&p, 1, 200);

		if (e < 0 && errno != EINTR)
			return -errno;
		if (e <= 0)
			continue;
		for (;;) {
			struct stamp_rx rx;
			struct stamp_rx_meta meta;
			size_t n = 0;

			e = stamp_sock_recv(fd, in, sizeof(in), &rx, &meta);
			if (e == -EAGAIN || e == -EINTR)
				break;
			if (e < 0)
				return e;
			/* the clock's sync state changes slowly: refresh once a second */
			if (rx.mono_ns - ee_at > 1000000000u) {
				ee = stamp_clock_ee();
				ee_at = rx.mono_ns;
			}
			rx.via_ipsec = via_ipsec(&cache, meta.ifindex);
			if (stamp_reflector_handle(r, &rx, stamp_clock_real_ns(), ee, out, sizeof(out),
						   &n) != STAMP_REFL_REFLECTED)
				continue;
			e = stamp_sock_send(fd, out, n, (const struct sockaddr *)&rx.src, &meta);
			if (e < 0)
				log_debug("stamp reflector: send: %s", strerror(-e));
		}
	}
	return 0;
}
