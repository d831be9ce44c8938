// SPDX-License-Identifier: Apache-2.0
/*
 * ICMP / ICMPv6 echo (RFC 792, RFC 4443). A datagram "ping" socket is used where
 * net.ipv4.ping_group_range admits our group: the kernel then picks the identifier and
 * delivers only our replies. Otherwise a raw socket (CAP_NET_RAW), where we choose the
 * identifier and filter the replies ourselves; on IPv4 a raw socket also hands us the IP
 * header, which is skipped through the bounded reader. Our data carries a magic and the
 * 32-bit sequence number (the ICMP field is only 16 bits).
 */
#include "probe/probe_mod.h"

#include "common/clock.h"
#include "common/rd.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_clock.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t icmp_magic[4] = {'I', 'K', 'W', 'P'};

static int icmp_open(struct probe_sess *s)
{
	bool v6 = s->t.addr.ss_family == AF_INET6;
	int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int e = probe_sess_udp_socket(s, SOCK_DGRAM, proto);

	if (e == -EACCES || e == -EPERM || e == -EPROTONOSUPPORT) {
		e = probe_sess_udp_socket(s, SOCK_RAW, proto);
		s->icmp_raw = true;
		/* identify our echoes among everybody's */
		s->icmp_id = (uint16_t)(getpid() ^ (uintptr_t)s);
	}
	return e;
}

/* RFC 1071 Internet checksum. */
static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int icmp_send(struct probe_sess *s, uint32_t seq, uint32_t size)
{
	bool v6 = s->t.addr.ss_family == AF_INET6;
	size_t len = 8 + size;
	uint64_t mono, real;
	uint16_t c;
	ssize_t n;

	memset(s->buf, 0, len);
	s->buf[0] = v6 ? 128 : 8; /* echo request */
	s->buf[4] = (uint8_t)(s->icmp_id >> 8);
	s->buf[5] = (uint8_t)s->icmp_id;
	s->buf[6] = (uint8_t)(seq >> 8);
	s->buf[7] = (uint8_t)seq;
	memcpy(s->buf + 8, icmp_magic, 4);
	s->buf[12] = (uint8_t)(seq >> 24);
	s->buf[13] = (uint8_t)(seq >> 16);
	s->buf[14] = (uint8_t)(seq >> 8);
	s->buf[15] = (uint8_t)seq;
	/* ICMPv6 checksums are filled in by the kernel (RFC 3542 section 3.1) */
	if (!v6) {
		c = csum(s->buf, len);
		s->buf[2] = (uint8_t)(c >> 8);
		s->buf[3] = (uint8_t)c;
	}
	mono = clock_mono_ns();
	real = stamp_clock_real_ns();
	probe_sess_mark_sent(s, seq, real, mono);
	if (s->icmp_raw)
		n = sendto(s->fd, s->buf, len, 0, (const struct sockaddr *)&s->t.addr,
		           stamp_addr_len((const struct sockaddr *)&s->t.addr));
	else
		n = send(s->fd, s->buf, len, 0);
	return n < 0 ? -errno : 0;
}

/* Find our echo reply in what the socket gave us; false for anybody else's ICMP. */
static bool parse_reply(struct probe_sess *s, size_t len, uint32_t *ret_seq)
{
	bool v6 = s->t.addr.ss_family == AF_INET6;
	const uint8_t *magic;
	uint8_t type, code, vihl;
	uint16_t cks, id, seq16;
	uint32_t seq;
	struct rd r;

	rd_init(&r, s->buf, len);
	if (s->icmp_raw && !v6) {
		/* the IPv4 header comes first on a raw socket: skip IHL words */
		if (rd_u8(&r, &vihl) || (vihl >> 4) != 4 || (vihl & 0xf) < 5 ||
		    rd_skip(&r, (size_t)(vihl & 0xf) * 4 - 1))
			return false;
	}
	if (rd_u8(&r, &type) || rd_u8(&r, &code) || rd_u16(&r, &cks) || rd_u16(&r, &id) ||
	    rd_u16(&r, &seq16) || rd_bytes(&r, 4, &magic) || rd_u32(&r, &seq))
		return false;
	if (type != (v6 ? 129 : 0) || memcmp(magic, icmp_magic, 4) != 0 || (uint16_t)seq != seq16)
		return false;
	if (s->icmp_raw && id != s->icmp_id)
		return false;
	*ret_seq = seq;
	return true;
}

static int icmp_recv(struct probe_sess *s, struct probe_event *ev)
{
	struct sockaddr_storage from;
	const struct probe_sent *p;
	uint64_t t4, mono;
	uint32_t seq;
	size_t len;
	int e;

	e = probe_sess_read_errqueue(s, ev, &len);
	if (e == 0)
		return 0;
	e = probe_sess_recv_ts(s, &len, &t4, &ev->kernel_ts, &ev->ttl, &from);
	if (e < 0)
		return e;
	mono = clock_mono_ns();
	ev->len = len;
	if (s->icmp_raw && !stamp_addr_equal((const struct sockaddr *)&from,
	                                     (const struct sockaddr *)&s->t.addr)) {
		/* not from our target: somebody else's traffic, not an event */
		return -EAGAIN;
	}
	if (!parse_reply(s, len, &seq)) {
		if (s->icmp_raw)
			return -EAGAIN; /* our own request on loopback, or another pinger */
		ev->kind = PROBE_EV_BAD;
		ev->err = -EBADMSG;
		return 0;
	}
	p = probe_sess_sent_at(s, seq);
	if (!p) {
		ev->kind = PROBE_EV_BAD;
		ev->err = -ENOENT;
		return 0;
	}
	if (s->icmp_raw && s->t.addr.ss_family == AF_INET && len > 0)
		ev->len = len - (size_t)(s->buf[0] & 0xf) * 4; /* ICMP octets, as ping counts */
	ev->kind = PROBE_EV_REPLY;
	ev->has_seq = true;
	ev->reply = (struct probe_reply_info){
	    .seq = seq, .rtt_s = probe_sess_rtt(p, t4, mono, 0), .mono_ns = mono};
	return 0;
}

const struct probe_mod_ops probe_mod_icmp = {
    .open = icmp_open,
    .send = icmp_send,
    .recv = icmp_recv,
    .default_size = 56,
    .min_size = 8,
};
