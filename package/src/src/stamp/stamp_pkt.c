// SPDX-License-Identifier: Apache-2.0
/*
 * STAMP packet codec (RFC 8762 sections 4.2 and 4.3, SSID from RFC 8972 section 3). Encoding
 * writes big-endian fields at fixed offsets into a zeroed buffer; decoding reads through the
 * bounded rd_* cursor. In unauthenticated mode a short packet is copied into a zero-filled
 * 44-octet frame first, so that every later read sees the RFC's layout (section 4.6).
 */
#include "stamp/stamp_pkt.h"

#include "common/rd.h"

#include <errno.h>
#include <nettle/memops.h>
#include <string.h>

/* NTP era 0 starts 70 years (17 leap days) before the Unix epoch. */
#define NTP_UNIX_OFFSET 2208988800ull

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

int stamp_auth_init(struct stamp_auth *a, const uint8_t *key, size_t len)
{
	if (len == 0 || len > STAMP_KEY_MAX)
		return -EINVAL;
	hmac_sha256_set_key(&a->ctx, len, key);
	return 0;
}

/* HMAC-SHA-256 over the first 96 octets, truncated to 128 bits (RFC 8762 section 4.4). */
static void stamp_hmac(const struct stamp_auth *a, const uint8_t *p, uint8_t out[STAMP_HMAC_LEN])
{
	struct hmac_sha256_ctx c = a->ctx;

	hmac_sha256_update(&c, STAMP_HMAC_COVERED, p);
	hmac_sha256_digest(&c, STAMP_HMAC_LEN, out);
}

static bool stamp_hmac_ok(const struct stamp_auth *a, const uint8_t *p)
{
	uint8_t mac[STAMP_HMAC_LEN];

	stamp_hmac(a, p, mac);
	/* constant time, so that a forger learns nothing from the reply timing */
	return memeql_sec(mac, p + STAMP_HMAC_COVERED, STAMP_HMAC_LEN) != 0;
}

/*
 * Offsets of the fields. Unauthenticated Session-Sender: Seq 0, Timestamp 4, EE 12, SSID 14,
 * MBZ 16..43. Authenticated: Seq 0, MBZ 4..15, Timestamp 16, EE 24, SSID 26, MBZ 28..95,
 * HMAC 96..111.
 */
int stamp_test_encode(const struct stamp_test *t, const struct stamp_auth *auth, uint8_t *buf,
                      size_t len)
{
	size_t base = auth ? STAMP_AUTH_LEN : STAMP_UNAUTH_LEN;
	size_t o = auth ? 16 : 4;

	if (len < base)
		return -EMSGSIZE;
	memset(buf, 0, len);
	put32(buf, t->seq);
	put64(buf + o, t->ts);
	put16(buf + o + 8, t->ee);
	put16(buf + o + 10, t->ssid);
	if (auth)
		stamp_hmac(auth, buf, buf + STAMP_HMAC_COVERED);
	return 0;
}

/*
 * Unauthenticated Session-Reflector: Seq 0, Timestamp 4, EE 12, SSID 14, Receive Timestamp 16,
 * Sender Seq 24, Sender Timestamp 28, Sender EE 36, MBZ 38, Sender TTL 40, MBZ 41..43.
 * Authenticated: Seq 0, MBZ, Timestamp 16, EE 24, SSID 26, MBZ, Receive Timestamp 32, MBZ,
 * Sender Seq 48, MBZ, Sender Timestamp 64, Sender EE 72, MBZ, Sender TTL 80, MBZ, HMAC 96.
 */
int stamp_reply_encode(const struct stamp_reply *r, const struct stamp_auth *auth, uint8_t *buf,
                       size_t len)
{
	if (len < (auth ? STAMP_AUTH_LEN : STAMP_UNAUTH_LEN))
		return -EMSGSIZE;
	memset(buf, 0, len);
	put32(buf, r->seq);
	if (auth) {
		put64(buf + 16, r->ts);
		put16(buf + 24, r->ee);
		put16(buf + 26, r->ssid);
		put64(buf + 32, r->rx_ts);
		put32(buf + 48, r->sender_seq);
		put64(buf + 64, r->sender_ts);
		put16(buf + 72, r->sender_ee);
		buf[80] = r->sender_ttl;
		stamp_hmac(auth, buf, buf + STAMP_HMAC_COVERED);
	} else {
		put64(buf + 4, r->ts);
		put16(buf + 12, r->ee);
		put16(buf + 14, r->ssid);
		put64(buf + 16, r->rx_ts);
		put32(buf + 24, r->sender_seq);
		put64(buf + 28, r->sender_ts);
		put16(buf + 36, r->sender_ee);
		buf[40] = r->sender_ttl;
	}
	return 0;
}

/*
 * Give the reader a full-size frame: authenticated packets must be complete; unauthenticated
 * ones of at least @min octets are zero-filled up to 44 into @frame.
 */
static int stamp_frame(const uint8_t *p, size_t len, const struct stamp_auth *auth, size_t min,
                       uint8_t frame[STAMP_UNAUTH_LEN], struct rd *ret)
{
	if (auth) {
		if (len < STAMP_AUTH_LEN)
			return -EBADMSG;
		if (!stamp_hmac_ok(auth, p))
			return -EACCES;
		rd_init(ret, p, STAMP_AUTH_LEN);
		return 0;
	}
	if (len < min)
		return -EBADMSG;
	if (len >= STAMP_UNAUTH_LEN) {
		rd_init(ret, p, STAMP_UNAUTH_LEN);
		return 0;
	}
	memset(frame, 0, STAMP_UNAUTH_LEN);
	memcpy(frame, p, len);
	rd_init(ret, frame, STAMP_UNAUTH_LEN);
	return 0;
}

int stamp_test_decode(const uint8_t *p, size_t len, const struct stamp_auth *auth,
                      struct stamp_test *ret)
{
	uint8_t frame[STAMP_UNAUTH_LEN];
	struct stamp_test t;
	struct rd r;
	int e;

	e = stamp_frame(p, len, auth, STAMP_TEST_MIN_LEN, frame, &r);
	if (e < 0)
		return e;
	if (rd_u32(&r, &t.seq) || (auth && rd_skip(&r, 12)) || rd_u64(&r, &t.ts) ||
	    rd_u16(&r, &t.ee) || rd_u16(&r, &t.ssid))
		return -EBADMSG;
	/* A TWAMP-Light sender that stops after the Error Estimate has no SSID: zero-filled. */
	if (!stamp_ee_valid(t.ee))
		return -EBADMSG;
	*ret = t;
	return 0;
}

int stamp_reply_decode(const uint8_t *p, size_t len, const struct stamp_auth *auth,
                       struct stamp_reply *ret)
{
	uint8_t frame[STAMP_UNAUTH_LEN];
	struct stamp_reply x;
	struct rd r;
	int e;

	e = stamp_frame(p, len, auth, STAMP_REPLY_MIN_LEN, frame, &r);
	if (e < 0)
		return e;
	if (auth) {
		if (rd_u32(&r, &x.seq) || rd_skip(&r, 12) || rd_u64(&r, &x.ts) ||
		    rd_u16(&r, &x.ee) || rd_u16(&r, &x.ssid) || rd_skip(&r, 4) ||
		    rd_u64(&r, &x.rx_ts) || rd_skip(&r, 8) || rd_u32(&r, &x.sender_seq) ||
		    rd_skip(&r, 12) || rd_u64(&r, &x.sender_ts) || rd_u16(&r, &x.sender_ee) ||
		    rd_skip(&r, 6) || rd_u8(&r, &x.sender_ttl))
			return -EBADMSG;
	} else {
		if (rd_u32(&r, &x.seq) || rd_u64(&r, &x.ts) || rd_u16(&r, &x.ee) ||
		    rd_u16(&r, &x.ssid) || rd_u64(&r, &x.rx_ts) || rd_u32(&r, &x.sender_seq) ||
		    rd_u64(&r, &x.sender_ts) || rd_u16(&r, &x.sender_ee) || rd_skip(&r, 2) ||
		    rd_u8(&r, &x.sender_ttl))
			return -EBADMSG;
	}
	/* The reflector's own estimate must be valid; the copied sender's one is not ours to judge
	 * (a zero-filled short reply has none). */
	if (!stamp_ee_valid(x.ee))
		return -EBADMSG;
	*ret = x;
	return 0;
}

uint16_t stamp_ee_make(bool synced, uint8_t scale, uint8_t multiplier)
{
	if (multiplier == 0)
		multiplier = 1;
	return (uint16_t)((synced ? STAMP_EE_S : 0) | (uint16_t)(scale & 0x3f) << 8 | multiplier);
}

bool stamp_ee_valid(uint16_t ee)
{
	/* RFC 4656 section 4.1.2: Multiplier MUST NOT be zero; such a packet is corrupt. */
	return (ee & 0xff) != 0;
}

bool stamp_ee_synced(uint16_t ee)
{
	return (ee & STAMP_EE_S) != 0;
}

double stamp_ee_seconds(uint16_t ee)
{
	int scale = (ee >> 8) & 0x3f;
	double v = (double)(ee & 0xff);

	/* Multiplier * 2^-32 * 2^Scale, computed without a libm call */
	for (int i = 0; i < 32; i++)
		v /= 2.0;
	for (int i = 0; i < scale; i++)
		v *= 2.0;
	return v;
}

uint64_t stamp_ntp_from_ns(uint64_t unix_ns)
{
	uint64_t sec = unix_ns / 1000000000u + NTP_UNIX_OFFSET;
	uint64_t nsec = unix_ns % 1000000000u;
	/* fraction = nsec * 2^32 / 1e9, exact in 64 bits since nsec < 2^30 */
	uint64_t frac = (nsec << 32) / 1000000000u;

	return (sec & 0xffffffffu) << 32 | frac;
}

uint64_t stamp_ts_to_ns(uint64_t ts, bool ptp)
{
	uint64_t sec = ts >> 32, low = ts & 0xffffffffu;

	if (ptp)
		/* PTPv2 truncated: seconds since 1970 and nanoseconds (RFC 8762 section 4.2.1) */
		return sec * 1000000000u + (low < 1000000000u ? low : 999999999u);
	/* NTP era 1 starts in 2036: small second counts belong to it (RFC 5905 section 6) */
	if (sec < NTP_UNIX_OFFSET)
		sec += 1ull << 32;
	return (sec - NTP_UNIX_OFFSET) * 1000000000u + ((low * 1000000000u) >> 32);
}
