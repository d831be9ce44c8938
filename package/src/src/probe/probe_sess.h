/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One probe stream to one target, by module: STAMP (RFC 8762, our reflector or a router's),
 * ICMP echo (a datagram "ping" socket where net.ipv4.ping_group_range allows it, else raw),
 * plain UDP echo (RFC 862 style: anything that sends the datagram back), and TCP connect
 * (SYN answered by SYN-ACK or RST proves the path). The session owns its socket(s) and the send
 * times of its probes (Unix and CLOCK_MONOTONIC, so that a clock step does not make an RTT);
 * it turns what comes back into events. Accounting is probe_stats' job, not this one's.
 */
#ifndef IKEWATCH_PROBE_SESS_H
#define IKEWATCH_PROBE_SESS_H

#include "probe/probe_stats.h"
#include "stamp/stamp_pkt.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum probe_module {
	PROBE_MOD_STAMP,
	PROBE_MOD_ICMP,
	PROBE_MOD_TCP,
	PROBE_MOD_UDP,
	PROBE_MOD_N,
};

/* "stamp", "icmp", "tcp", "udp": the `module` label. */
const char *probe_module_name(enum probe_module m);
int probe_module_parse(const char *s, enum probe_module *ret);
/* Default port of a module (862 for STAMP, 7 for UDP echo, 22 for TCP, 0 for ICMP). */
uint16_t probe_module_port(enum probe_module m);

struct probe_target {
	enum probe_module module;
	struct sockaddr_storage addr; /* port included where the module has one */
	struct sockaddr_storage source;
	bool has_source;
	uint32_t size; /* UDP payload (STAMP packet / echo datagram) or ICMP data; 0: default */
	int dscp;      /* -1: leave the default */
	bool authenticated;
	uint8_t key[STAMP_KEY_MAX];
	size_t key_len;
	uint16_t ssid;
	bool df; /* set DF (IP_PMTUDISC_PROBE) and report "too big" errors: for the MTU search */
};

enum probe_event_kind {
	PROBE_EV_REPLY,   /* .reply is filled */
	PROBE_EV_TOO_BIG, /* ICMP fragmentation needed / packet too big, or local EMSGSIZE */
	PROBE_EV_UNREACH, /* another ICMP error or a connect() failure */
	PROBE_EV_BAD,     /* a reply we had to drop: .err -EBADMSG malformed, -EACCES bad HMAC */
};

struct probe_event {
	enum probe_event_kind kind;
	bool has_seq;                  /* the event names the probe it is about */
	struct probe_reply_info reply; /* .seq valid when has_seq */
	uint32_t mtu;                  /* TOO_BIG: the MTU reported, 0 when unknown */
	size_t len;                    /* REPLY: octets received */
	uint8_t ttl;                   /* REPLY: TTL/Hop Limit of the reply (255 unknown) */
	bool kernel_ts;                /* REPLY: the receive time came from the kernel */
	int err;
	/* TOO_BIG, UNREACH from an ICMP error: who sent it and what it said */
	bool has_icmp;
	bool icmp6;
	uint8_t icmp_type, icmp_code;
	struct sockaddr_storage offender; /* AF_UNSPEC when the kernel did not say */
};

struct probe_sess;

/* 0 or -errno (-EPERM when neither a ping socket nor a raw socket is allowed). */
int probe_sess_open(const struct probe_target *t, struct probe_sess **ret);
void probe_sess_free(struct probe_sess *s);
/* The descriptor to poll for POLLIN. */
int probe_sess_fd(const struct probe_sess *s);
/* Send probe @seq with @size payload octets (0: the target's size). 0 or -errno. */
int probe_sess_send(struct probe_sess *s, uint32_t seq, uint32_t size);
/* Next event, or -EAGAIN when there is none now. */
int probe_sess_recv(struct probe_sess *s, struct probe_event *ret);
/* Default payload size of the module (44 for STAMP, 112 authenticated, 56 for ICMP, ...). */
uint32_t probe_sess_default_size(const struct probe_target *t);
/* Smallest payload the module can carry (its sequence number, timestamps, HMAC). */
uint32_t probe_sess_min_size(const struct probe_target *t);
/* IP + transport header octets in front of the payload (for MTU arithmetic). */
uint32_t probe_sess_overhead(const struct probe_target *t);

#endif
