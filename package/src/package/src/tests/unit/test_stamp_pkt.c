// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for the STAMP codec (RFC 8762 sections 4.2-4.4, RFC 8972 SSID): byte layouts written
 * out by hand from the RFC figures, round trips, zero-filled short packets, malformed packets,
 * HMAC acceptance and rejection, Error Estimate and timestamp conversions.
 */
#include "test.h"

#include "stamp/stamp_pkt.h"

#include <errno.h>

static const uint8_t key[] = "0123456789abcdef0123456789abcdef";

/* Seq 0x01020304, Timestamp 0x1112131415161718, EE 0x8101 (S, scale 1, mult 1), SSID 0xbeef. */
static const uint8_t test_unauth[STAMP_UNAUTH_LEN] = {
    0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14,
    0x15, 0x16, 0x17, 0x18, 0x81, 0x01, 0xbe, 0xef, /* MBZ 28 */
};

static void test_encode_matches_rfc_layout(void)
{
	struct stamp_test t = {0x01020304, 0x1112131415161718ull, 0x8101, 0xbeef};
	uint8_t b[STAMP_UNAUTH_LEN];

	T_EQ_INT(stamp_test_encode(&t, NULL, b, sizeof(b)), 0);
	T_ASSERT(memcmp(b, test_unauth, sizeof(b)) == 0);
	T_EQ_INT(stamp_test_encode(&t, NULL, b, 43), -EMSGSIZE);
}

static void test_decode_vector(void)
{
	struct stamp_test t;

	T_EQ_INT(stamp_test_decode(test_unauth, sizeof(test_unauth), NULL, &t), 0);
	T_EQ_INT(t.seq, 0x01020304);
	T_ASSERT(t.ts == 0x1112131415161718ull);
	T_EQ_INT(t.ee, 0x8101);
	T_EQ_INT(t.ssid, 0xbeef);
}

static void reply_unauth_layout(void)
{
	struct stamp_reply r = {
	    .seq = 7,
	    .ts = 0xa0a1a2a3a4a5a6a7ull,
	    .ee = 0x0001,
	    .ssid = 0x0102,
	    .rx_ts = 0xb0b1b2b3b4b5b6b7ull,
	    .sender_seq = 9,
	    .sender_ts = 0xc0c1c2c3c4c5c6c7ull,
	    .sender_ee = 0x8203,
	    .sender_ttl = 64,
	};
	static const uint8_t want[STAMP_UNAUTH_LEN] = {
	    0,    0,    0,    7,    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
	    0xa7, 0x00, 0x01, 0x01, 0x02, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
	    0xb6, 0xb7, 0,    0,    0,    9,    0xc0, 0xc1, 0xc2, 0xc3, 0xc4,
	    0xc5, 0xc6, 0xc7, 0x82, 0x03, 0,    0,    64,   0,    0,    0,
	};
	struct stamp_reply d;
	uint8_t b[60];

	T_EQ_INT(stamp_reply_encode(&r, NULL, b, STAMP_UNAUTH_LEN), 0);
	T_ASSERT(memcmp(b, want, sizeof(want)) == 0);
	/* padded: same fields, zero tail */
	T_EQ_INT(stamp_reply_encode(&r, NULL, b, sizeof(b)), 0);
	T_ASSERT(memcmp(b, want, sizeof(want)) == 0 && b[59] == 0);
	T_EQ_INT(stamp_reply_decode(b, sizeof(b), NULL, &d), 0);
	T_ASSERT(d.seq == 7 && d.ts == r.ts && d.ee == 1 && d.ssid == 0x0102 && d.rx_ts == r.rx_ts);
	T_ASSERT(d.sender_seq == 9 && d.sender_ts == r.sender_ts && d.sender_ee == 0x8203);
	T_EQ_INT(d.sender_ttl, 64);
}

static void auth_roundtrip_and_layout(void)
{
	struct stamp_auth a;
	struct stamp_test t = {5, 0x1112131415161718ull, 0x0001, 3}, d;
	struct stamp_reply r = {.seq = 1,
	                        .ts = 2,
	                        .ee = 1,
	                        .ssid = 3,
	                        .rx_ts = 4,
	                        .sender_seq = 5,
	                        .sender_ts = 6,
	                        .sender_ee = 1,
	                        .sender_ttl = 255},
	                   rd;
	uint8_t b[STAMP_AUTH_LEN], c[STAMP_AUTH_LEN];

	T_EQ_INT(stamp_auth_init(&a, key, 32), 0);
	T_EQ_INT(stamp_test_encode(&t, &a, b, sizeof(b)), 0);
	/* Timestamp at 16, EE at 24, SSID at 26 (RFC 8762 4.2.2 with RFC 8972) */
	T_EQ_INT(b[3], 5);
	T_EQ_INT(b[16], 0x11);
	T_EQ_INT(b[25], 0x01);
	T_EQ_INT(b[27], 3);
	T_EQ_INT(stamp_test_decode(b, sizeof(b), &a, &d), 0);
	T_ASSERT(d.seq == 5 && d.ts == t.ts && d.ssid == 3);

	T_EQ_INT(stamp_reply_encode(&r, &a, c, sizeof(c)), 0);
	T_EQ_INT(c[39], 4);   /* Receive Timestamp at 32 */
	T_EQ_INT(c[51], 5);   /* Session-Sender Sequence Number at 48 */
	T_EQ_INT(c[71], 6);   /* Session-Sender Timestamp at 64 */
	T_EQ_INT(c[80], 255); /* Session-Sender TTL at 80 */
	T_EQ_INT(stamp_reply_decode(c, sizeof(c), &a, &rd), 0);
	T_ASSERT(rd.rx_ts == 4 && rd.sender_seq == 5 && rd.sender_ts == 6 && rd.sender_ttl == 255);
}

/* HMAC-SHA-256 with the key "Jefe" (RFC 4231 test case 2) over 96 zero octets, truncated to 128
 * bits, computed independently with Python's hmac module. */
static void hmac_known_answer(void)
{
	static const uint8_t want[16] = {0x64, 0xd7, 0x87, 0x17, 0x48, 0x1e, 0x12, 0x9b,
	                                 0x74, 0x6e, 0x12, 0x0e, 0xe8, 0x3e, 0x1e, 0x2d};
	struct stamp_auth a;
	struct stamp_test t = {0, 0, 0, 0};
	uint8_t b[STAMP_AUTH_LEN];

	T_EQ_INT(stamp_auth_init(&a, (const uint8_t *)"Jefe", 4), 0);
	T_EQ_INT(stamp_test_encode(&t, &a, b, sizeof(b)), 0);
	T_ASSERT(memcmp(b + 96, want, 16) == 0);
}

static void auth_rejects_wrong_key_and_tamper(void)
{
	struct stamp_auth a, wrong;
	struct stamp_test t = {1, 2, 1, 0}, d;
	uint8_t b[STAMP_AUTH_LEN];

	T_EQ_INT(stamp_auth_init(&a, key, 32), 0);
	T_EQ_INT(stamp_auth_init(&wrong, key, 31), 0);
	T_EQ_INT(stamp_test_encode(&t, &a, b, sizeof(b)), 0);
	T_EQ_INT(stamp_test_decode(b, sizeof(b), &wrong, &d), -EACCES);
	b[5] ^= 1;
	T_EQ_INT(stamp_test_decode(b, sizeof(b), &a, &d), -EACCES);
	b[5] ^= 1;
	b[100] ^= 0x80;
	T_EQ_INT(stamp_test_decode(b, sizeof(b), &a, &d), -EACCES);
	b[100] ^= 0x80;
	/* an unauthenticated-size packet in authenticated mode is malformed */
	T_EQ_INT(stamp_test_decode(b, STAMP_UNAUTH_LEN, &a, &d), -EBADMSG);
	T_EQ_INT(stamp_test_decode(b, 111, &a, &d), -EBADMSG);
	T_EQ_INT(stamp_test_decode(b, sizeof(b), &a, &d), 0);
	T_EQ_INT(stamp_auth_init(&a, key, 0), -EINVAL);
	T_EQ_INT(stamp_auth_init(&a, key, STAMP_KEY_MAX + 1), -EINVAL);
}

static void short_packets_zero_filled(void)
{
	struct stamp_test t;
	struct stamp_reply r;
	uint8_t full[STAMP_UNAUTH_LEN];
	struct stamp_reply in = {.seq = 3,
	                         .ts = 4,
	                         .ee = 1,
	                         .ssid = 9,
	                         .rx_ts = 5,
	                         .sender_seq = 6,
	                         .sender_ts = 7,
	                         .sender_ee = 1,
	                         .sender_ttl = 60};

	/* a TWAMP-Light style 14-octet request: no SSID, zero-filled */
	T_EQ_INT(stamp_test_decode(test_unauth, 14, NULL, &t), 0);
	T_EQ_INT(t.ssid, 0);
	T_EQ_INT(t.seq, 0x01020304);
	T_EQ_INT(stamp_test_decode(test_unauth, 13, NULL, &t), -EBADMSG);
	T_EQ_INT(stamp_test_decode(test_unauth, 0, NULL, &t), -EBADMSG);

	/* a 36-octet reply lacks Sender EE and TTL: they read as zero */
	T_EQ_INT(stamp_reply_encode(&in, NULL, full, sizeof(full)), 0);
	T_EQ_INT(stamp_reply_decode(full, 36, NULL, &r), 0);
	T_ASSERT(r.sender_seq == 6 && r.sender_ts == 7 && r.sender_ee == 0 && r.sender_ttl == 0);
	T_EQ_INT(stamp_reply_decode(full, 35, NULL, &r), -EBADMSG);
}

static void zero_multiplier_is_corrupt(void)
{
	uint8_t b[STAMP_UNAUTH_LEN];
	struct stamp_test t;
	struct stamp_reply r;

	memcpy(b, test_unauth, sizeof(b));
	b[13] = 0; /* Multiplier */
	T_EQ_INT(stamp_test_decode(b, sizeof(b), NULL, &t), -EBADMSG);
	T_EQ_INT(stamp_reply_decode(b, sizeof(b), NULL, &r), -EBADMSG);
	b[13] = 1;
	/* MBZ octets are ignored on receipt (RFC 8762 section 4.2.1) */
	b[30] = 0xff;
	T_EQ_INT(stamp_test_decode(b, sizeof(b), NULL, &t), 0);
}

static void error_estimate(void)
{
	uint16_t ee = stamp_ee_make(true, 0, 1);

	T_EQ_INT(ee, 0x8001);
	T_ASSERT(stamp_ee_synced(ee));
	T_ASSERT(!stamp_ee_synced(stamp_ee_make(false, 10, 3)));
	/* 1 * 2^-32 s; scale 32 mult 1 -> 1 s; scale 22 mult 4 -> 2^-8 s */
	T_ASSERT(stamp_ee_seconds(0x0001) > 2.32e-10 && stamp_ee_seconds(0x0001) < 2.33e-10);
	T_ASSERT(stamp_ee_seconds(stamp_ee_make(false, 32, 1)) == 1.0);
	T_ASSERT(stamp_ee_seconds(stamp_ee_make(false, 22, 4)) == 1.0 / 256);
	T_EQ_INT(stamp_ee_make(false, 0, 0) & 0xff, 1); /* never emit a corrupt estimate */
}

static void timestamps(void)
{
	/* 2026-01-01T00:00:00.5Z: Unix 1767225600 -> NTP 3976214400, fraction 2^31 */
	uint64_t ns = 1767225600ull * 1000000000u + 500000000u;
	uint64_t ntp = stamp_ntp_from_ns(ns);

	T_ASSERT(ntp == (3976214400ull << 32 | 0x80000000u));
	T_ASSERT(stamp_ts_to_ns(ntp, false) == ns);
	/* round trip within one NTP fraction unit (233 ps) -> within 1 ns */
	ns += 123456789;
	T_ASSERT(ns - stamp_ts_to_ns(stamp_ntp_from_ns(ns), false) <= 1);
	/* PTPv2 truncated: seconds since 1970 and nanoseconds */
	T_ASSERT(stamp_ts_to_ns(5ull << 32 | 7, true) == 5000000007ull);
	/* NTP era 1 (after 2036-02-07): second 10 of era 1 */
	T_ASSERT(stamp_ts_to_ns(10ull << 32, false) ==
	         ((1ull << 32) + 10 - 2208988800ull) * 1000000000ull);
}

TEST_MAIN("stamp_pkt", TEST(test_encode_matches_rfc_layout), TEST(test_decode_vector),
          TEST(reply_unauth_layout), TEST(auth_roundtrip_and_layout), TEST(hmac_known_answer),
          TEST(auth_rejects_wrong_key_and_tamper), TEST(short_packets_zero_filled),
          TEST(zero_multiplier_is_corrupt), TEST(error_estimate), TEST(timestamps))
