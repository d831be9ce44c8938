// SPDX-License-Identifier: Apache-2.0
/*
 * The STAMP Session-Sender (RFC 8762 section 4.2) as a probe module. RTT is
 * (T4 - T1) - (T3 - T2) (section 4.2.1's timestamps: T1 ours at send, T2/T3 the reflector's,
 * T4 the kernel's receive time); one-way delays T2 - T1 and T4 - T3 only when both Error
 * Estimates have the S bit. The reflector's own sequence number goes to probe_stats for the
 * loss direction split.
 */
#include "probe/probe_mod.h"

#include "common/clock.h"
#include "stamp/stamp_clock.h"

#include <errno.h>
#include <sys/socket.h>

static int stamp_open(struct probe_sess *s)
{
	return probe_sess_udp_socket(s, SOCK_DGRAM, 0);
}

static int stamp_send(struct probe_sess *s, uint32_t seq, uint32_t size)
{
	struct stamp_test t = {.seq = seq, .ssid = s->t.ssid};
	uint64_t mono = clock_mono_ns(), real;
	ssize_t n;

	if (s->ee_at == 0 || mono - s->ee_at > 1000000000u) {
		s->ee = stamp_clock_ee();
		s->ee_at = mono;
	}
	t.ee = s->ee;
	real = stamp_clock_real_ns();
	t.ts = stamp_ntp_from_ns(real);
	if (stamp_test_encode(&t, s->t.authenticated ? &s->auth : NULL, s->buf, size) < 0)
		return -EINVAL;
	probe_sess_mark_sent(s, seq, real, mono);
	n = send(s->fd, s->buf, size, 0);
	return n < 0 ? -errno : 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int stamp_recv(struct probe_sess *s, struct probe_event *ev)
{
	struct sockaddr_storage from;
	struct stamp_reply r;
	const struct probe_sent *p;
	uint64_t t4, mono;
	int64_t dwell;
	size_t len;
	bool ptp;
	int e;

	e = probe_sess_read_errqueue(s, ev, &len);
	if (e == 0) {
		/* the error quotes our request: its first field is the sequence number */
		if (len >= 4) {
			ev->has_seq = true;
			ev->reply.seq = be32(s->buf);
		}
		return 0;
	}
	e = probe_sess_recv_ts(s, &len, &t4, &ev->kernel_ts, &ev->ttl, &from);
	if (e == -ECONNREFUSED || e == -EHOSTUNREACH || e == -ENETUNREACH) {
		ev->kind = PROBE_EV_UNREACH;
		ev->err = e;
		return 0;
	}
	if (e < 0)
		return e;
	mono = clock_mono_ns();
	ev->len = len;
	e = stamp_reply_decode(s->buf, len, s->t.authenticated ? &s->auth : NULL, &r);
	if (e < 0 || !(p = probe_sess_sent_at(s, r.sender_seq))) {
		ev->kind = PROBE_EV_BAD;
		ev->err = e < 0 ? e : -ENOENT;
		return 0;
	}
	ptp = (r.ee & STAMP_EE_Z) != 0;
	dwell = (int64_t)(stamp_ts_to_ns(r.ts, ptp) - stamp_ts_to_ns(r.rx_ts, ptp));
	ev->kind = PROBE_EV_REPLY;
	ev->has_seq = true;
	ev->reply = (struct probe_reply_info){
	    .seq = r.sender_seq,
	    .has_refl_seq = true,
	    .refl_seq = r.seq,
	    .rtt_s = probe_sess_rtt(p, t4, mono, dwell),
	    .mono_ns = mono,
	};
	if (stamp_ee_synced(r.ee) && stamp_ee_synced(s->ee)) {
		ev->reply.owd_valid = true;
		ev->reply.owd_fwd_s =
		    (double)(int64_t)(stamp_ts_to_ns(r.rx_ts, ptp) - p->real_ns) * 1e-9;
		ev->reply.owd_rev_s = (double)(int64_t)(t4 - stamp_ts_to_ns(r.ts, ptp)) * 1e-9;
	}
	return 0;
}

const struct probe_mod_ops probe_mod_stamp = {
    .open = stamp_open,
    .send = stamp_send,
    .recv = stamp_recv,
    .default_size = STAMP_UNAUTH_LEN,
    .min_size = STAMP_UNAUTH_LEN,
};
