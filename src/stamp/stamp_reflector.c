// SPDX-License-Identifier: Apache-2.0
/*
 * STAMP Session-Reflector logic (RFC 8762 section 4.3). Checks run cheapest first so that a
 * flood costs little: allow list, IPsec origin, per-source token bucket, and only then the
 * HMAC and the decode. Per-source buckets and per-session sequence counters live in two fixed
 * hashed tables (REFLECT_SOURCES_MAX, PROBE_MAX_SESSIONS): a peer cannot make us allocate, and
 * when a probe run of slots is full the least recently seen entry is reused. Per-sender
 * counters live in a third, small table whose rows are never reused (see stamp_reflector.h).
 */
#include "stamp/stamp_reflector.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_PROBES 8 /* linear probing run; beyond it the oldest entry is recycled */

struct src_slot {
	bool used;
	uint8_t key[18];  /* family, address (and for sessions port + SSID elsewhere) */
	uint64_t last_ns; /* monotonic time of the last packet */
	double tokens;
};

struct sess_slot {
	bool used;
	uint8_t key[22]; /* family, address, port, SSID */
	uint64_t last_ns;
	uint32_t next_seq;
};

/* Open addressing at most half full, so that a lookup ends at a match or an empty slot soon. */
#define SENDER_SLOTS (2 * REFLECT_SENDERS_MAX)
_Static_assert(REFLECT_SENDERS_MAX < 255, "sender_slot holds a row index + 1 in a uint8_t");

struct sender_row {
	uint8_t key[18]; /* written once, before the row is published */
	uint64_t c[STAMP_REFL_N];
};

struct stamp_reflector {
	struct stamp_reflector_config cfg;
	struct stamp_auth auth;
	struct src_slot *srcs;
	struct sess_slot *sess;
	uint64_t counters[STAMP_REFL_N];
	/* per sender: index of hashed slots (row + 1, 0 empty; the handling thread's own) */
	uint8_t sender_slot[SENDER_SLOTS];
	struct sender_row rows[REFLECT_SENDERS_MAX + 1]; /* the last one is "other" */
	uint32_t nrows; /* rows published (release store), read by the metrics thread */
};

static const char *const result_names[STAMP_REFL_N] = {
    [STAMP_REFL_REFLECTED] = "reflected",     [STAMP_REFL_MALFORMED] = "malformed",
    [STAMP_REFL_AUTH_FAILED] = "auth_failed", [STAMP_REFL_RATE_LIMITED] = "rate_limited",
    [STAMP_REFL_NOT_ALLOWED] = "not_allowed", [STAMP_REFL_NOT_IPSEC] = "not_ipsec",
};

const char *stamp_refl_result_name(enum stamp_refl_result r)
{
	return r < STAMP_REFL_N ? result_names[r] : "unknown";
}

struct stamp_reflector *stamp_reflector_new(const struct stamp_reflector_config *cfg)
{
	struct stamp_reflector *r;

	if (cfg->nallow > REFLECT_ALLOW_MAX)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cfg = *cfg;
	if (cfg->authenticated && stamp_auth_init(&r->auth, cfg->key, cfg->key_len) < 0)
		goto out_free;
	r->srcs = calloc(REFLECT_SOURCES_MAX, sizeof(*r->srcs));
	r->sess = calloc(PROBE_MAX_SESSIONS, sizeof(*r->sess));
	if (!r->srcs || !r->sess)
		goto out_free;
	return r;
out_free:
	stamp_reflector_free(r);
	return NULL;
}

void stamp_reflector_free(struct stamp_reflector *r)
{
	if (!r)
		return;
	free(r->srcs);
	free(r->sess);
	explicit_bzero(r, sizeof(*r)); /* the key material */
	free(r);
}

/* FNV-1a: not keyed, but a collision only makes two sources share a probing run. */
static uint32_t hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static size_t addr_key(const struct sockaddr_storage *ss, uint8_t *key)
{
	memset(key, 0, 18);
	if (ss->ss_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
	return 18;
}

/* Find the slot for @key, or claim a free or the least recently used one in its run. */
#define FIND_SLOT(table, size, key, ret_new)                                                       \
	({                                                                                         \
		uint32_t h_ = hash((key), sizeof((table)[0].key));                                 \
		size_t best_ = h_ % (size);                                                        \
		bool found_ = false;                                                               \
		for (size_t i_ = 0; i_ < SLOT_PROBES; i_++) {                                      \
			size_t s_ = (h_ + i_) % (size);                                            \
			if ((table)[s_].used &&                                                    \
			    memcmp((table)[s_].key, (key), sizeof((table)[0].key)) == 0) {         \
				best_ = s_;                                                        \
				found_ = true;                                                     \
				break;                                                             \
			}                                                                          \
			if (!(table)[s_].used) {                                                   \
				if ((table)[best_].used)                                           \
					best_ = s_;                                                \
			} else if ((table)[best_].used &&                                          \
			           (table)[s_].last_ns < (table)[best_].last_ns) {                 \
				best_ = s_;                                                        \
			}                                                                          \
		}                                                                                  \
		*(ret_new) = !found_;                                                              \
		&(table)[best_];                                                                   \
	})

static bool rate_ok(struct stamp_reflector *r, const struct stamp_rx *rx)
{
	uint8_t key[18];
	struct src_slot *s;
	double burst;
	bool fresh;

	if (r->cfg.rate_pps == 0)
		return true;
	burst = r->cfg.burst ? r->cfg.burst : r->cfg.rate_pps;
	addr_key(&rx->src, key);
	s = FIND_SLOT(r->srcs, REFLECT_SOURCES_MAX, key, &fresh);
	if (fresh) {
		memcpy(s->key, key, sizeof(key));
		s->used = true;
		s->tokens = burst;
	} else if (rx->mono_ns > s->last_ns) {
		s->tokens += (double)(rx->mono_ns - s->last_ns) * 1e-9 * r->cfg.rate_pps;
		if (s->tokens > burst)
			s->tokens = burst;
	}
	s->last_ns = rx->mono_ns > s->last_ns ? rx->mono_ns : s->last_ns;
	if (s->tokens < 1.0)
		return false;
	s->tokens -= 1.0;
	return true;
}

/* The reflector's own sequence number for this session (RFC 8762 section 4.3.1). */
static uint32_t next_seq(struct stamp_reflector *r, const struct stamp_rx *rx, uint16_t ssid)
{
	uint8_t key[22];
	struct sess_slot *s;
	uint16_t port = stamp_addr_port((const struct sockaddr *)&rx->src);
	bool fresh;

	addr_key(&rx->src, key);
	key[18] = (uint8_t)(port >> 8);
	key[19] = (uint8_t)port;
	key[20] = (uint8_t)(ssid >> 8);
	key[21] = (uint8_t)ssid;
	s = FIND_SLOT(r->sess, PROBE_MAX_SESSIONS, key, &fresh);
	if (fresh) {
		memcpy(s->key, key, sizeof(key));
		s->used = true;
		s->next_seq = 0;
	}
	s->last_ns = rx->mono_ns;
	return s->next_seq++;
}

static bool allowed(const struct stamp_reflector *r, const struct sockaddr *src)
{
	if (r->cfg.nallow == 0)
		return true;
	for (size_t i = 0; i < r->cfg.nallow; i++)
		if (stamp_prefix_match(&r->cfg.allow[i], src))
			return true;
	return false;
}

static enum stamp_refl_result decide(struct stamp_reflector *r, const struct stamp_rx *rx,
                                     uint64_t tx_ns, uint16_t ee, uint8_t *reply, size_t cap,
                                     size_t *ret_len)
{
	const struct stamp_auth *auth = r->cfg.authenticated ? &r->auth : NULL;
	uint8_t frame[STAMP_AUTH_LEN];
	struct stamp_reply rep;
	struct stamp_test t;
	size_t base = auth ? STAMP_AUTH_LEN : STAMP_UNAUTH_LEN;
	int e;

	if (rx->src.ss_family != AF_INET && rx->src.ss_family != AF_INET6)
		return STAMP_REFL_MALFORMED;
	if (!allowed(r, (const struct sockaddr *)&rx->src))
		return STAMP_REFL_NOT_ALLOWED;
	if (r->cfg.ipsec_only && !rx->via_ipsec)
		return STAMP_REFL_NOT_IPSEC;
	if (!rate_ok(r, rx))
		return STAMP_REFL_RATE_LIMITED;
	if (rx->truncated || rx->len > cap)
		return STAMP_REFL_MALFORMED;
	/* In authenticated mode anything without a full, valid HMAC is unauthenticated. */
	if (auth && rx->len < STAMP_AUTH_LEN)
		return STAMP_REFL_AUTH_FAILED;
	e = stamp_test_decode(rx->data, rx->len, auth, &t);
	if (e == -EACCES)
		return STAMP_REFL_AUTH_FAILED;
	if (e < 0)
		return STAMP_REFL_MALFORMED;

	rep = (struct stamp_reply){
	    .seq = r->cfg.stateless ? t.seq : next_seq(r, rx, t.ssid),
	    .ts = stamp_ntp_from_ns(tx_ns),
	    .ee = ee,
	    .ssid = t.ssid,
	    .rx_ts = stamp_ntp_from_ns(rx->rx_ns),
	    .sender_seq = t.seq,
	    .sender_ts = t.ts,
	    .sender_ee = t.ee,
	    .sender_ttl = rx->ttl,
	};
	if (rx->len >= base) {
		/* same length as the request (RFC 8762 section 4.3: symmetrical size) */
		stamp_reply_encode(&rep, auth, reply, rx->len);
	} else {
		/* a short unauthenticated request gets an equally short reply: never amplify */
		stamp_reply_encode(&rep, NULL, frame, STAMP_UNAUTH_LEN);
		memcpy(reply, frame, rx->len);
	}
	*ret_len = rx->len;
	return STAMP_REFL_REFLECTED;
}

/*
 * A cheap hash of the address words: the sender table is small and never evicts, so a
 * collision only lengthens a probe run, and this is the per-packet path (FNV over 18 octets
 * costs as much as the rest of the bookkeeping).
 */
static uint32_t sender_hash(const uint8_t *key)
{
	uint32_t w[4];

	uint32_t h;

	memcpy(w, key + 1, sizeof(w));
	/* MurmurHash3's finaliser: every address bit reaches the low bits the table uses */
	h = w[0] ^ w[1] ^ w[2] ^ w[3];
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/* Only the handling thread writes counters: a plain add made visible as one atomic store, no
 * locked read-modify-write on the per-packet path. */
static void bump(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/*
 * The row that counts packets from @src: its own if listed, a new one if this packet was
 * reflected and there is room, else "other". Only this thread writes the index and claims
 * rows, so the lookup needs no lock; the metrics thread sees a row once nrows covers it.
 */
static struct sender_row *sender_row(struct stamp_reflector *r, const struct sockaddr_storage *src,
                                     enum stamp_refl_result res)
{
	struct sender_row *other = &r->rows[REFLECT_SENDERS_MAX];
	uint8_t key[18];
	uint32_t h;

	if (src->ss_family != AF_INET && src->ss_family != AF_INET6)
		return other;
	addr_key(src, key);
	if (key[0] == 6 && IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)src)->sin6_addr)) {
		/* a dual-stack socket: list an IPv4 sender under its IPv4 address */
		memmove(key + 1, key + 13, 4);
		memset(key + 5, 0, 13);
		key[0] = 4;
	}
	h = sender_hash(key);
	for (size_t i = 0; i < SENDER_SLOTS; i++) {
		uint8_t *slot = &r->sender_slot[(h + i) % SENDER_SLOTS];
		struct sender_row *row;

		if (*slot) {
			row = &r->rows[*slot - 1];
			if (memcmp(row->key, key, sizeof(key)) == 0)
				return row;
			continue;
		}
		/* not listed: list it only for a packet we answered, so junk cannot take rows */
		if (res != STAMP_REFL_REFLECTED || r->nrows == REFLECT_SENDERS_MAX)
			return other;
		row = &r->rows[r->nrows];
		memcpy(row->key, key, sizeof(key));
		*slot = (uint8_t)(r->nrows + 1);
		__atomic_store_n(&r->nrows, r->nrows + 1, __ATOMIC_RELEASE);
		return row;
	}
	return other;
}

enum stamp_refl_result stamp_reflector_handle(struct stamp_reflector *r, const struct stamp_rx *rx,
                                              uint64_t tx_ns, uint16_t ee, uint8_t *reply,
                                              size_t cap, size_t *ret_len)
{
	enum stamp_refl_result res = decide(r, rx, tx_ns, ee, reply, cap, ret_len);

	bump(&r->counters[res]);
	bump(&sender_row(r, &rx->src, res)->c[res]);
	return res;
}

static void key_to_addr(const uint8_t *key, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (key[0] == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, key + 1, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, key + 1, 16);
	}
}

static void row_counts(const struct sender_row *row, uint64_t *c)
{
	for (int i = 0; i < STAMP_REFL_N; i++)
		c[i] = __atomic_load_n(&row->c[i], __ATOMIC_RELAXED);
}

size_t stamp_reflector_senders(const struct stamp_reflector *r, struct stamp_sender_count *ret,
                               size_t cap)
{
	uint32_t n = __atomic_load_n(&r->nrows, __ATOMIC_ACQUIRE);
	size_t k = 0;

	for (uint32_t i = 0; i < n && k < cap; i++, k++) {
		key_to_addr(r->rows[i].key, &ret[k].addr);
		row_counts(&r->rows[i], ret[k].c);
	}
	if (k < cap) {
		memset(&ret[k].addr, 0, sizeof(ret[k].addr));
		row_counts(&r->rows[REFLECT_SENDERS_MAX], ret[k].c);
		k++;
	}
	return k;
}

void stamp_reflector_counters(const struct stamp_reflector *r, uint64_t ret[STAMP_REFL_N])
{
	for (int i = 0; i < STAMP_REFL_N; i++)
		ret[i] = __atomic_load_n(&r->counters[i], __ATOMIC_RELAXED);
}

void stamp_sender_name(const struct stamp_sender_count *row, char *out, size_t len)
{
	if (row->addr.ss_family == AF_UNSPEC)
		snprintf(out, len, "_other");
	else
		stamp_addr_format((const struct sockaddr *)&row->addr, out, len);
}

bool stamp_sender_shown(const struct stamp_sender_count *row, enum stamp_refl_result res)
{
	return res == STAMP_REFL_REFLECTED || row->c[res] != 0;
}
