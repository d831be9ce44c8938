// SPDX-License-Identifier: Apache-2.0
/*
 * Drive the MTU search over a probe session with DF set: one probe at a time, each waiting for
 * its own reply, an ICMP error about it (read through IP_RECVERR), or the timeout. A local
 * EMSGSIZE (bigger than the outgoing interface) counts as "too big" without a hint.
 */
#include "probe/probe_mtu.h"

#include "common/clock.h"

#include <errno.h>
#include <poll.h>

static enum probe_mtu_outcome one_probe(struct probe_sess *sess, uint32_t seq, uint32_t payload,
                                        uint32_t overhead, uint64_t timeout_ns, uint32_t *ret_mtu)
{
	uint64_t deadline = clock_mono_ns() + timeout_ns;
	int e = probe_sess_send(sess, seq, payload);

	*ret_mtu = 0;
	if (e == -EMSGSIZE)
		return PROBE_MTU_TOO_BIG;
	for (;;) {
		struct pollfd p = {.fd = probe_sess_fd(sess), .events = POLLIN};
		struct probe_event ev;
		uint64_t now = clock_mono_ns();

		if (now >= deadline)
			return PROBE_MTU_TIMEOUT;
		poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
		while (probe_sess_recv(sess, &ev) == 0) {
			if (ev.kind == PROBE_EV_REPLY && ev.reply.seq == seq)
				return PROBE_MTU_PASSED;
			/* a "fragmentation needed, MTU m" for a packet of m bytes or less cannot be
			 * about this one: it is a late error about an earlier, larger probe (seen
			 * on kernel-libipsec), and taking it would shrink the result to this size
			 */
			if (ev.kind == PROBE_EV_TOO_BIG && !ev.has_seq && ev.mtu &&
			    ev.mtu >= payload + overhead)
				continue;
			if (ev.kind == PROBE_EV_TOO_BIG && (!ev.has_seq || ev.reply.seq == seq)) {
				*ret_mtu = ev.mtu;
				return PROBE_MTU_TOO_BIG;
			}
		}
	}
}

int probe_mtu_run(const struct probe_target *t, uint32_t min, uint32_t max, uint32_t retries,
                  uint64_t timeout_ns, probe_mtu_progress_fn progress, void *ctx, const int *stop,
                  struct probe_mtu_result *ret)
{
	struct probe_target dt = *t;
	struct probe_mtu_search s;
	struct probe_sess *sess;
	uint32_t size, seq = 0, overhead, floor_size;
	int e;

	dt.df = true;
	overhead = probe_sess_overhead(&dt);
	floor_size = overhead + probe_sess_default_size(&dt);
	if (min < floor_size)
		min = floor_size;
	e = probe_sess_open(&dt, &sess);
	if (e < 0)
		return e;
	probe_mtu_search_init(&s, min, max, retries);
	while ((size = probe_mtu_search_next(&s)) != 0 &&
	       !(stop && __atomic_load_n(stop, __ATOMIC_RELAXED))) {
		uint32_t mtu;
		enum probe_mtu_outcome o =
		    one_probe(sess, seq++, size - overhead, overhead, timeout_ns, &mtu);

		if (progress)
			progress(ctx, size, o, mtu);
		probe_mtu_search_report(&s, o, mtu);
	}
	probe_mtu_search_result(&s, ret);
	ret->probes = seq;
	probe_sess_free(sess);
	return 0;
}
