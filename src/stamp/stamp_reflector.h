/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STAMP Session-Reflector's decisions (RFC 8762 section 4.3), apart from its socket: given
 * one received datagram, either build the reply or say why not. It never amplifies (a reply is
 * never longer than its request), drops and counts malformed packets and, in authenticated
 * mode, unauthenticated ones; limits replies per source address with a token bucket; restricts
 * sources to an allow list and optionally to packets that arrived through IPsec. Stateful
 * (section 4.3.1, the default): each session (source address, port, SSID) gets its own sequence
 * numbers, so that the sender can split loss by direction. No I/O, no clock reads: times come in.
 * One thread calls stamp_reflector_handle() (the tables are its own); the counters are read
 * from any thread.
 */
#ifndef IKEWATCH_STAMP_REFLECTOR_H
#define IKEWATCH_STAMP_REFLECTOR_H

#include "stamp/stamp_addr.h"
#include "stamp/stamp_pkt.h"

#include "common/limits.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum stamp_refl_result {
	STAMP_REFL_REFLECTED,
	STAMP_REFL_MALFORMED,
	STAMP_REFL_AUTH_FAILED,
	STAMP_REFL_RATE_LIMITED,
	STAMP_REFL_NOT_ALLOWED,
	STAMP_REFL_NOT_IPSEC,
	STAMP_REFL_N,
};

/* The `result` label value of ipsec_reflector_packets_total. */
const char *stamp_refl_result_name(enum stamp_refl_result r);

struct stamp_reflector_config {
	bool authenticated;
	uint8_t key[STAMP_KEY_MAX];
	size_t key_len;
	bool stateless;    /* copy the sender's sequence number (section 4.3.2) */
	uint32_t rate_pps; /* per source address; 0 means unlimited */
	uint32_t burst;    /* bucket depth; 0 means rate_pps */
	struct stamp_prefix allow[REFLECT_ALLOW_MAX]; /* empty list: everyone */
	size_t nallow;
	bool ipsec_only;
};

/* One datagram as the socket layer received it. */
struct stamp_rx {
	const uint8_t *data;
	size_t len;
	bool truncated; /* MSG_TRUNC: longer than our buffer */
	struct sockaddr_storage src;
	uint64_t rx_ns;   /* receive time, Unix ns (kernel timestamp when available) */
	uint64_t mono_ns; /* CLOCK_MONOTONIC at receipt, for the rate limiter */
	uint8_t ttl;      /* TTL or Hop Limit, 255 when unknown */
	bool via_ipsec;   /* the socket layer's verdict, used when ipsec_only */
};

struct stamp_reflector;

/* NULL on allocation failure or an invalid key. */
struct stamp_reflector *stamp_reflector_new(const struct stamp_reflector_config *cfg);
void stamp_reflector_free(struct stamp_reflector *r);

/*
 * Decide on @rx. On STAMP_REFL_REFLECTED, the reply (@ret_len octets, never more than rx->len)
 * is in @reply; @tx_ns is the transmit time to stamp (T3) and @ee our Error Estimate. Every call
 * is counted under its result. @cap must be at least rx->len.
 */
enum stamp_refl_result stamp_reflector_handle(struct stamp_reflector *r, const struct stamp_rx *rx,
                                              uint64_t tx_ns, uint16_t ee, uint8_t *reply,
                                              size_t cap, size_t *ret_len);

/* Snapshot of the counters, indexed by enum stamp_refl_result. Thread-safe. */
void stamp_reflector_counters(const struct stamp_reflector *r, uint64_t ret[STAMP_REFL_N]);

/*
 * Per-sender counters: a sender address gets a row when one of its packets is first reflected,
 * up to REFLECT_SENDERS_MAX rows, and keeps it for the reflector's lifetime (so that its
 * counters only grow); from then on every packet from that address is counted in its row,
 * whatever the result. Everything else is counted in the "other" row. Thread-safe against the
 * thread that calls stamp_reflector_handle() (rows are published with release stores).
 */
struct stamp_sender_count {
	struct sockaddr_storage addr; /* AF_UNSPEC for the "other" row */
	uint64_t c[STAMP_REFL_N];
};

/*
 * Fill @ret (room for @cap rows) with the listed senders in the order they were listed, then
 * the "other" row; returns the number of rows written (at most REFLECT_SENDERS_MAX + 1).
 */
size_t stamp_reflector_senders(const struct stamp_reflector *r, struct stamp_sender_count *ret,
                               size_t cap);

/* The `sender` label of @row: its address, or "_other". @len at least INET6_ADDRSTRLEN. */
void stamp_sender_name(const struct stamp_sender_count *row, char *out, size_t len);
/* Whether @row's @res is shown: "reflected" always, the other results once they happened. */
bool stamp_sender_shown(const struct stamp_sender_count *row, enum stamp_refl_result res);

#endif
