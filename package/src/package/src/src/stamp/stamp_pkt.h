/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STAMP test packets (RFC 8762, with the Session-Sender Identifier of RFC 8972 section 3):
 * encode and decode the Session-Sender and Session-Reflector packets in unauthenticated
 * (44-octet) and authenticated (112-octet, HMAC-SHA-256 truncated to 128 bits over the first
 * 96 octets, RFC 8762 section 4.4) mode. Pure functions: no I/O, no logging, no clocks.
 *
 * Leniency is where RFC 8762 allows it and nowhere else: an unauthenticated packet shorter than
 * 44 octets is read as if zero-filled (section 4.6 interop with TWAMP-Light senders), as long as
 * it holds the fields needed to use it; MBZ fields are ignored on receipt (section 4.2.1).
 * Strict: an Error Estimate with a zero Multiplier is corrupt (RFC 4656 section 4.1.2), an
 * authenticated packet must be at least 112 octets and its HMAC must match.
 */
#ifndef IKEWATCH_STAMP_PKT_H
#define IKEWATCH_STAMP_PKT_H

#include <nettle/hmac.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STAMP_PORT 862
#define STAMP_UNAUTH_LEN 44
#define STAMP_AUTH_LEN 112
#define STAMP_HMAC_LEN 16
#define STAMP_HMAC_COVERED 96
/* A Session-Sender packet must hold Sequence Number, Timestamp and Error Estimate (the
 * TWAMP-Light minimum); a reflected packet must reach the Session-Sender Timestamp, without
 * which it cannot be matched to its request. */
#define STAMP_TEST_MIN_LEN 14
#define STAMP_REPLY_MIN_LEN 36

/* Error Estimate (RFC 4656 section 4.1.2, RFC 8762 section 4.2.1): S | Z | Scale(6) | Mult(8). */
#define STAMP_EE_S 0x8000u /* the clock is synchronised to UTC */
#define STAMP_EE_Z 0x4000u /* timestamps are PTPv2 truncated, not NTP */

struct stamp_test {
	uint32_t seq;
	uint64_t ts; /* T1, 64-bit NTP (or PTP when ee has Z) */
	uint16_t ee;
	uint16_t ssid;
};

struct stamp_reply {
	uint32_t seq; /* the reflector's own sequence number when stateful */
	uint64_t ts;  /* T3: transmit time at the reflector */
	uint16_t ee;
	uint16_t ssid;
	uint64_t rx_ts; /* T2: receive time at the reflector */
	uint32_t sender_seq;
	uint64_t sender_ts; /* T1, copied */
	uint16_t sender_ee;
	uint8_t sender_ttl; /* TTL/Hop Limit of the request as it arrived */
};

/* A keyed HMAC-SHA-256 state, set once; using it does not change it (thread-safe to share). */
struct stamp_auth {
	struct hmac_sha256_ctx ctx;
};

#define STAMP_KEY_MAX 64

/* 0, or -EINVAL for an empty key or one longer than STAMP_KEY_MAX. */
int stamp_auth_init(struct stamp_auth *a, const uint8_t *key, size_t len);

/*
 * Write a packet of exactly @len octets into @buf (padding with zeros), authenticated when
 * @auth is non-NULL. 0, or -EMSGSIZE when @len is below the mode's base length.
 */
int stamp_test_encode(const struct stamp_test *t, const struct stamp_auth *auth, uint8_t *buf,
                      size_t len);
int stamp_reply_encode(const struct stamp_reply *r, const struct stamp_auth *auth, uint8_t *buf,
                       size_t len);

/*
 * Decode; @auth non-NULL means authenticated mode. 0, -EBADMSG for a malformed packet,
 * -EACCES for an HMAC mismatch. *ret is written only on success.
 */
int stamp_test_decode(const uint8_t *p, size_t len, const struct stamp_auth *auth,
                      struct stamp_test *ret);
int stamp_reply_decode(const uint8_t *p, size_t len, const struct stamp_auth *auth,
                       struct stamp_reply *ret);

/* Error Estimate helpers. */
uint16_t stamp_ee_make(bool synced, uint8_t scale, uint8_t multiplier);
bool stamp_ee_valid(uint16_t ee);
bool stamp_ee_synced(uint16_t ee);
/* The error bound in seconds: Multiplier * 2^(Scale - 32). */
double stamp_ee_seconds(uint16_t ee);

/* Timestamps (RFC 8762 section 4.2.1: NTP 64-bit by default, PTPv2 truncated when Z is set). */
uint64_t stamp_ntp_from_ns(uint64_t unix_ns);
/* Unix nanoseconds from a packet timestamp; @ptp selects the PTPv2 truncated format. */
uint64_t stamp_ts_to_ns(uint64_t ts, bool ptp);

#endif
