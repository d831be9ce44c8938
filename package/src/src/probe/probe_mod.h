/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside a probe session: the state the modules share and the operations each module
 * (probe_mod_<name>.c) provides. Not for use outside src/probe.
 */
#ifndef IKEWATCH_PROBE_MOD_H
#define IKEWATCH_PROBE_MOD_H

#include "probe/probe_sess.h"

#define PROBE_TCP_INFLIGHT 32
#define PROBE_PKT_MAX 65536

struct probe_sent {
	uint32_t seq;
	bool used;
	uint64_t real_ns, mono_ns;
};

struct probe_tcp_conn {
	int fd;
	uint32_t seq;
};

struct probe_sess {
	struct probe_target t;
	const struct probe_mod_ops *ops;
	int fd; /* the socket, or the epoll set for TCP */
	struct stamp_auth auth;
	uint16_t ee; /* our Error Estimate, refreshed every second */
	uint64_t ee_at;
	bool icmp_raw;
	uint16_t icmp_id;
	struct probe_tcp_conn tcp[PROBE_TCP_INFLIGHT];
	struct probe_sent sent[PROBE_WINDOW];
	uint8_t buf[PROBE_PKT_MAX];
};

struct probe_mod_ops {
	int (*open)(struct probe_sess *s);
	/* write the probe into s->buf (or connect) and send it */
	int (*send)(struct probe_sess *s, uint32_t seq, uint32_t size);
	int (*recv)(struct probe_sess *s, struct probe_event *ev);
	void (*close)(struct probe_sess *s);
	uint32_t default_size;
	uint32_t min_size;
};

extern const struct probe_mod_ops probe_mod_stamp, probe_mod_icmp, probe_mod_tcp, probe_mod_udp;

/* Remember when @seq left (called right before the send syscall). */
void probe_sess_mark_sent(struct probe_sess *s, uint32_t seq, uint64_t real_ns, uint64_t mono_ns);
/* When @seq left, or NULL when we never sent it (or it is older than the ring). */
const struct probe_sent *probe_sess_sent_at(const struct probe_sess *s, uint32_t seq);
/*
 * Round trip from the send record and a receive time, minus the far end's dwell time: use the
 * Unix clock (kernel timestamps) unless it disagrees with the monotonic shadow by more than
 * 1 ms, which means the clock was stepped; then use the monotonic times.
 */
double probe_sess_rtt(const struct probe_sent *p, uint64_t rx_real_ns, uint64_t rx_mono_ns,
                      int64_t dwell_ns);
/* Open a UDP socket toward the target (connected, source bound, DSCP, DF, IP_RECVERR). */
int probe_sess_udp_socket(struct probe_sess *s, int type, int proto);
/* Read one ICMP error from the error queue into @ev; the original payload goes to s->buf
 * (its length to *ret_len). 0, -EAGAIN when the queue is empty. */
int probe_sess_read_errqueue(struct probe_sess *s, struct probe_event *ev, size_t *ret_len);
/* recvmsg with SO_TIMESTAMPNS and TTL: payload into s->buf. */
int probe_sess_recv_ts(struct probe_sess *s, size_t *ret_len, uint64_t *ret_real_ns,
                       bool *ret_kernel, uint8_t *ret_ttl, struct sockaddr_storage *ret_from);

#endif
