// SPDX-License-Identifier: Apache-2.0
/*
 * Plain UDP echo (RFC 862 and anything that sends a datagram back unchanged): our datagram
 * carries a magic and the sequence number, the RTT is the kernel receive time minus the send
 * time. The far end keeps no state, so loss has no direction.
 */
#include "probe/probe_mod.h"

#include "common/clock.h"
#include "common/rd.h"
#include "stamp/stamp_clock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t udp_magic[4] = {'I', 'K', 'W', 'U'};

static int udp_open(struct probe_sess *s)
{
	return probe_sess_udp_socket(s, SOCK_DGRAM, 0);
}

static int udp_send(struct probe_sess *s, uint32_t seq, uint32_t size)
{
	uint64_t mono = clock_mono_ns(), real = stamp_clock_real_ns();
	ssize_t n;

	memset(s->buf, 0, size);
	memcpy(s->buf, udp_magic, 4);
	s->buf[4] = (uint8_t)(seq >> 24);
	s->buf[5] = (uint8_t)(seq >> 16);
	s->buf[6] = (uint8_t)(seq >> 8);
	s->buf[7] = (uint8_t)seq;
	probe_sess_mark_sent(s, seq, real, mono);
	n = send(s->fd, s->buf, size, 0);
	return n < 0 ? -errno : 0;
}

/* Untrusted bytes (whatever answered on the echo port) through the bounded reader. */
static bool parse_echo(const uint8_t *p, size_t len, uint32_t *ret_seq)
{
	const uint8_t *magic;
	uint32_t seq;
	struct rd r;

	rd_init(&r, p, len);
	if (rd_bytes(&r, 4, &magic) || rd_u32(&r, &seq) || memcmp(magic, udp_magic, 4) != 0)
		return false;
	*ret_seq = seq;
	return true;
}

static int udp_recv(struct probe_sess *s, struct probe_event *ev)
{
	struct sockaddr_storage from;
	const struct probe_sent *p;
	uint64_t t4, mono;
	uint32_t seq;
	size_t len;
	int e;

	e = probe_sess_read_errqueue(s, ev, &len);
	if (e == 0) {
		ev->has_seq = parse_echo(s->buf, len, &ev->reply.seq);
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
	if (!parse_echo(s->buf, len, &seq) || !(p = probe_sess_sent_at(s, seq))) {
		ev->kind = PROBE_EV_BAD;
		ev->err = -EBADMSG;
		return 0;
	}
	ev->kind = PROBE_EV_REPLY;
	ev->has_seq = true;
	ev->reply = (struct probe_reply_info){
	    .seq = seq, .rtt_s = probe_sess_rtt(p, t4, mono, 0), .mono_ns = mono};
	return 0;
}

const struct probe_mod_ops probe_mod_udp = {
    .open = udp_open,
    .send = udp_send,
    .recv = udp_recv,
    .default_size = 64,
    .min_size = 8,
};
