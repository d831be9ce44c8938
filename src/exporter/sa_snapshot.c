// SPDX-License-Identifier: Apache-2.0
/*
 * Builds a struct sa_snapshot from VICI list-conn, list-sa and list-cert events (contract in
 * sa_snapshot.h). Field names are those of strongSwan's vici README ("list-sa", "list-conn",
 * "list-cert"); every value arrives as a string and numbers go through the checked parsers.
 * Certificates arrive as DER and are read with GnuTLS.
 */
#include "exporter/sa_snapshot.h"

#include "common/array.h"
#include "common/limits.h"
#include "common/num.h"
#include "exporter/snap_conns.h"

#include <errno.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void sa_snapshot_init(struct sa_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
}

/* Give back a shared table of connections (the snapshot's own array went when it was taken). */
static void snap_drop_table(struct sa_snapshot *s)
{
	if (!s->conn_table)
		return;
	snap_conns_unref(s->conn_table);
	s->conn_table = NULL;
	s->conns = NULL;
	s->n_conns = s->cap_conns = 0;
}

void sa_snapshot_reset(struct sa_snapshot *s)
{
	snap_drop_table(s);
	arena_reset(&s->arena);
	memset(s->recent, 0, sizeof(s->recent));
	s->n_conns = s->n_ikes = s->n_certs = 0;
	s->dropped = 0;
}

void sa_snapshot_release(struct sa_snapshot *s)
{
	uint32_t n = s->n_ikes;

	sa_snapshot_reset(s);
	arena_release(&s->arena);
	free(s->ikes);
	s->ikes = NULL;
	s->cap_ikes = 0;
	s->ikes_hint = n > EXPORT_CHILDREN_MAX / 9 * 8 ? EXPORT_CHILDREN_MAX : n + n / 8;
}

void sa_snapshot_done(struct sa_snapshot *s)
{
	snap_drop_table(s);
	arena_done(&s->arena);
	free(s->conns);
	free(s->ikes);
	free(s->certs);
	memset(s, 0, sizeof(*s));
}

bool snap_ike_state_up(const char *state)
{
	return strcmp(state, "ESTABLISHED") == 0 || strcmp(state, "REKEYING") == 0 ||
	       strcmp(state, "REKEYED") == 0;
}

bool snap_child_state_up(const char *state)
{
	return strcmp(state, "INSTALLED") == 0 || strcmp(state, "REKEYING") == 0 ||
	       strcmp(state, "REKEYED") == 0 || strcmp(state, "UPDATING") == 0;
}

/* Grow one of the snapshot's arrays by one element. */
static void *snap_grow(void **arr, uint32_t *n, uint32_t *cap, size_t elem, uint32_t max)
{
	if (array_reserve_u32(arr, elem, *n, 1, cap, 16, max) < 0)
		return NULL;
	return (char *)*arr + (size_t)(*n)++ * elem;
}

/*
 * Every key read from a section, found in one pass over the section instead of one scan per
 * key (which cost a third of a scrape at a thousand SAs). Keys are bucketed by length, so a
 * section element is matched with one or two memcmp()s.
 */
/* clang-format 14 never converges on this list (each run moves it again): kept by hand */
/* clang-format off */
#define SNAP_KEYS(X)                                                                               \
	X(UNIQUEID, "uniqueid") X(REQID, "reqid") X(STATE, "state") X(MODE, "mode")                \
	X(PROTOCOL, "protocol") X(ENCAP, "encap") X(SPI_IN, "spi-in") X(SPI_OUT, "spi-out")        \
	X(ENCR_ALG, "encr-alg") X(ENCR_KEYSIZE, "encr-keysize") X(INTEG_ALG, "integ-alg")          \
	X(INTEG_KEYSIZE, "integ-keysize") X(DH_GROUP, "dh-group") X(BYTES_IN, "bytes-in")          \
	X(BYTES_OUT, "bytes-out") X(PACKETS_IN, "packets-in") X(PACKETS_OUT, "packets-out")        \
	X(USE_IN, "use-in") X(USE_OUT, "use-out") X(INSTALL_TIME, "install-time")                  \
	X(REKEY_TIME, "rekey-time") X(LIFE_TIME, "life-time") X(LOCAL_TS, "local-ts")              \
	X(REMOTE_TS, "remote-ts") X(NAME, "name") X(VERSION, "version")                            \
	X(LOCAL_HOST, "local-host") X(REMOTE_HOST, "remote-host") X(LOCAL_ID, "local-id")          \
	X(REMOTE_ID, "remote-id") X(PRF_ALG, "prf-alg") X(NAT_LOCAL, "nat-local")                  \
	X(NAT_REMOTE, "nat-remote") X(NAT_FAKE, "nat-fake") X(NAT_ANY, "nat-any")                  \
	X(INITIATOR, "initiator") X(TASKS_QUEUED, "tasks-queued")                                  \
	X(TASKS_ACTIVE, "tasks-active") X(TASKS_PASSIVE, "tasks-passive")                          \
	X(ESTABLISHED, "established") X(REAUTH_TIME, "reauth-time") X(CHILD_SAS, "child-sas")      \
	X(REMOTE_ADDRS, "remote_addrs") X(CHILDREN, "children") X(TYPE, "type") X(FLAG, "flag")    \
	X(HAS_PRIVKEY, "has_privkey") X(DATA, "data") X(CONF_REKEY_TIME, "rekey_time")          \
	X(CLASS, "class")
/* clang-format on */

enum snap_key {
#define SNAP_KEY_ENUM(id, name) K_##id,
	SNAP_KEYS(SNAP_KEY_ENUM) K_COUNT
#undef SNAP_KEY_ENUM
};

static const char *const snap_key_names[K_COUNT] = {
#define SNAP_KEY_NAME(id, name) [K_##id] = name,
    SNAP_KEYS(SNAP_KEY_NAME)
#undef SNAP_KEY_NAME
};

#define SNAP_KEY_LEN_MAX 16

/* A name's slot in snap_buckets.slot: from its length and its first and last bytes, which tell
 * the keys apart (and most names that are no key from them, without a memcmp). */
#define SNAP_SLOTS 256
static unsigned snap_slot(const char *name, size_t len)
{
	return (unsigned)(len * 37 + (unsigned char)name[0] * 5 + (unsigned char)name[len - 1]) &
	       (SNAP_SLOTS - 1);
}
#define SNAP_SLOT_SHARED 0xff

/* Keys of each length, and the slot table, built once. */
static struct {
	uint8_t first[SNAP_KEY_LEN_MAX + 2]; /* keys of length L are order[first[L]..first[L+1]) */
	uint8_t order[K_COUNT];
	uint8_t len[K_COUNT];
	/* 0: no key; k + 1: only key k; SNAP_SLOT_SHARED: several (search the length's bucket) */
	uint8_t slot[SNAP_SLOTS];
} snap_buckets;
static pthread_once_t snap_buckets_once = PTHREAD_ONCE_INIT;

static void snap_buckets_init(void)
{
	unsigned n = 0;

	_Static_assert(K_COUNT < SNAP_SLOT_SHARED, "slot values are key numbers + 1");
	for (size_t len = 0; len <= SNAP_KEY_LEN_MAX; len++) {
		snap_buckets.first[len] = (uint8_t)n;
		for (unsigned k = 0; k < K_COUNT; k++)
			if (strlen(snap_key_names[k]) == len)
				snap_buckets.order[n++] = (uint8_t)k;
	}
	snap_buckets.first[SNAP_KEY_LEN_MAX + 1] = (uint8_t)n;
	for (unsigned k = 0; k < K_COUNT; k++) {
		size_t len = strlen(snap_key_names[k]);
		uint8_t *v = &snap_buckets.slot[snap_slot(snap_key_names[k], len)];

		snap_buckets.len[k] = (uint8_t)len;
		*v = *v ? SNAP_SLOT_SHARED : (uint8_t)(k + 1);
	}
}

/* Are the @len bytes (1 to 16) at @a and @b equal? Inline, with two overlapping
 * loads from each end instead of a call to memcmp(), which cost as much as the whole rest of
 * sec_index() for names this short. Never reads outside either span. */
static inline bool key_eq(const char *a, const char *b, size_t len)
{
	_Static_assert(SNAP_KEY_LEN_MAX <= 16, "two 8-byte loads cover a key");
	if (len >= 8) {
		uint64_t a0, a1, b0, b1;

		memcpy(&a0, a, 8);
		memcpy(&b0, b, 8);
		memcpy(&a1, a + len - 8, 8);
		memcpy(&b1, b + len - 8, 8);
		return a0 == b0 && a1 == b1;
	}
	if (len >= 4) {
		uint32_t a0, a1, b0, b1;

		memcpy(&a0, a, 4);
		memcpy(&b0, b, 4);
		memcpy(&a1, a + len - 4, 4);
		memcpy(&b1, b + len - 4, 4);
		return a0 == b0 && a1 == b1;
	}
	/* 1 to 3 bytes: the first, middle and last cover them all */
	return a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1];
}

/* Equal spans of any length: short ones (most values a snapshot keeps) inline, as key_eq(). */
static inline bool bytes_eq(const char *a, const char *b, size_t len)
{
	if (len == 0)
		return true;
	return len <= 16 ? key_eq(a, b, len) : memcmp(a, b, len) == 0;
}

/* A section's children by key: the first element with each name, or 0. */
struct sec_ix {
	const struct vici_msg *m;
	uint32_t at[K_COUNT];
};

static void sec_index(struct sec_ix *x, const struct vici_msg *m, uint32_t sec)
{
	pthread_once(&snap_buckets_once, snap_buckets_init);
	x->m = m;
	memset(x->at, 0, sizeof(x->at));
	vici_foreach_child(m, sec, i)
	{
		const struct vici_elem *e = &m->elems[i];
		unsigned k;

		if (!e->name || e->name_len > SNAP_KEY_LEN_MAX || e->name_len == 0)
			continue;
		k = snap_buckets.slot[snap_slot(e->name, e->name_len)];
		if (k == 0)
			continue;
		if (k != SNAP_SLOT_SHARED) {
			k--;
			if (!x->at[k] && snap_buckets.len[k] == e->name_len &&
			    key_eq(snap_key_names[k], e->name, e->name_len))
				x->at[k] = i;
			continue;
		}
		for (unsigned b = snap_buckets.first[e->name_len];
		     b < snap_buckets.first[e->name_len + 1]; b++) {
			k = snap_buckets.order[b];

			if (key_eq(snap_key_names[k], e->name, e->name_len)) {
				if (!x->at[k])
					x->at[k] = i;
				break;
			}
		}
	}
}

/* The value of a key/value child; false when absent or of another type. */
static bool ix_value(const struct sec_ix *x, enum snap_key k, const char **ret, size_t *ret_len)
{
	const struct vici_elem *e;

	if (!x->at[k])
		return false;
	e = &x->m->elems[x->at[k]];
	if (e->type != VICI_ELEM_KEY_VALUE)
		return false;
	*ret = e->value;
	*ret_len = e->value_len;
	return true;
}

/*
 * Text fields whose value the SA before most likely had too: each keeps its last copy in
 * s->recent[], and an equal value shares it. At ten thousand SAs this halves the strings of a
 * snapshot (two of them are held) and spares most copies. Fields that differ from SA to SA
 * (SPIs, the peer's address and identity) are copied without looking (F_NONE).
 */
enum snap_field {
	F_IKE_CONN,
	F_IKE_STATE,
	F_IKE_VERSION,
	F_IKE_LOCAL_HOST,
	F_IKE_LOCAL_ID,
	F_IKE_ENCR,
	F_IKE_INTEG,
	F_IKE_PRF,
	F_IKE_DH,
	F_CHILD_NAME,
	F_CHILD_STATE,
	F_CHILD_MODE,
	F_CHILD_PROTOCOL,
	F_CHILD_ENCR,
	F_CHILD_INTEG,
	F_CHILD_DH,
	F_CHILD_LOCAL_TS,
	F_CHILD_REMOTE_TS,
	F_CONN_VERSION,
	F_CONN_CHILD,
	F_CONN_CHILD_TS,
	F_CERT_TYPE,
	F_CERT_FLAG,
	F_COUNT,
	F_NONE = F_COUNT,
};
_Static_assert(F_COUNT <= SNAP_RECENT_MAX, "a recent[] slot per field");

/* The text @a, or "@a-@b" when @blen > 0, as a NUL-terminated string of @s: the field's last
 * copy when it is the same text, else a new copy (NULL: out of memory). */
static const char *snap_keep(struct sa_snapshot *s, enum snap_field f, const char *a, size_t alen,
                             const char *b, size_t blen)
{
	size_t len = blen ? alen + 1 + blen : alen;
	struct snap_recent *r = f < F_COUNT ? &s->recent[f] : NULL;
	char *out;

	if (len == 0)
		return "";
	if (r && r->s && r->len == len && bytes_eq(r->s, a, alen) &&
	    (!blen || (r->s[alen] == '-' && bytes_eq(r->s + alen + 1, b, blen))))
		return r->s;
	out = arena_alloc_chars(&s->arena, len + 1);
	if (!out)
		return NULL;
	memcpy(out, a, alen);
	if (blen) {
		out[alen] = '-';
		memcpy(out + alen + 1, b, blen);
	}
	out[len] = '\0';
	if (r) {
		r->s = out;
		r->len = len;
	}
	return out;
}

static const char *snap_str(struct sa_snapshot *s, const struct sec_ix *x, enum snap_key k,
                            enum snap_field f)
{
	const char *v, *out;
	size_t len;

	if (!ix_value(x, k, &v, &len))
		return "";
	out = snap_keep(s, f, v, len, NULL, 0);
	return out ? out : "";
}

static uint64_t snap_u64(const struct sec_ix *x, enum snap_key k)
{
	const char *v;
	size_t len;
	uint64_t n;

	return ix_value(x, k, &v, &len) && num_parse_u64(v, len, UINT64_MAX, &n) == 0 ? n : 0;
}

static int64_t snap_i64(const struct sec_ix *x, enum snap_key k)
{
	const char *v;
	size_t len;
	int64_t n;

	return ix_value(x, k, &v, &len) && num_parse_i64(v, len, INT64_MIN, INT64_MAX, &n) == 0
	           ? n
	           : SNAP_NONE;
}

static bool snap_yes(const struct sec_ix *x, enum snap_key k)
{
	return x->at[k] && vici_value_is(&x->m->elems[x->at[k]], "yes");
}

/* The list child @k, or 0. */
static uint32_t ix_list(const struct sec_ix *x, enum snap_key k)
{
	uint32_t l = x->at[k];

	return l && x->m->elems[l].type == VICI_ELEM_LIST_START ? l : 0;
}

/* Is the recent copy @r the items of list @l joined with "," (@len bytes)? */
static bool recent_is_list(const struct snap_recent *r, const struct vici_msg *m, uint32_t l,
                           size_t len)
{
	size_t off = 0;

	if (!r->s || r->len != len)
		return false;
	vici_foreach_child(m, l, i)
	{
		if (off && r->s[off++] != ',')
			return false;
		if (!bytes_eq(r->s + off, m->elems[i].value, m->elems[i].value_len))
			return false;
		off += m->elems[i].value_len;
	}
	return true;
}

/* A list's items joined with ","; "" for an absent or empty list. */
static const char *snap_list(struct sa_snapshot *s, const struct sec_ix *x, enum snap_key k,
                             enum snap_field f)
{
	const struct vici_msg *m = x->m;
	struct snap_recent *r = f < F_COUNT ? &s->recent[f] : NULL;
	uint32_t l = ix_list(x, k), first;
	size_t len = 0, off = 0;
	char *out;

	if (!l || !(first = vici_child_first(m, l)))
		return "";
	if (!vici_child_next(m, l, first)) {
		/* one item, the usual traffic selector or address */
		out = (char *)snap_keep(s, f, m->elems[first].value, m->elems[first].value_len,
		                        NULL, 0);
		return out ? out : "";
	}
	vici_foreach_child(m, l, i) len += m->elems[i].value_len + 1u;
	len--; /* no "," after the last */
	if (r && recent_is_list(r, m, l, len))
		return r->s;
	out = arena_alloc_chars(&s->arena, len + 1);
	if (!out)
		return "";
	vici_foreach_child(m, l, i)
	{
		if (off)
			out[off++] = ',';
		memcpy(out + off, m->elems[i].value, m->elems[i].value_len);
		off += m->elems[i].value_len;
	}
	out[off] = '\0';
	if (r) {
		r->s = out;
		r->len = len;
	}
	return out;
}

/* "AES_CBC" + "256" -> "AES_CBC-256", as swanctl prints algorithms. */
static const char *snap_alg(struct sa_snapshot *s, const struct sec_ix *x, enum snap_key alg_key,
                            enum snap_key size_key, enum snap_field f)
{
	const char *alg, *size = NULL, *out;
	size_t alen, slen;

	if (!ix_value(x, alg_key, &alg, &alen))
		return "";
	if (!ix_value(x, size_key, &size, &slen))
		slen = 0;
	out = snap_keep(s, f, alg, alen, size, slen);
	return out ? out : "";
}

static const char *snap_nat(const struct sec_ix *x)
{
	bool local = snap_yes(x, K_NAT_LOCAL), remote = snap_yes(x, K_NAT_REMOTE);

	if (local && remote)
		return "both";
	if (local)
		return "local";
	if (remote)
		return "remote";
	if (snap_yes(x, K_NAT_FAKE) || snap_yes(x, K_NAT_ANY))
		return "fake";
	return "none";
}

static bool snap_list_nonempty(const struct sec_ix *x, enum snap_key k)
{
	uint32_t l = ix_list(x, k);

	return l && vici_child_first(x->m, l) != 0;
}

/* The CHILD config name: the "name" key (5.9 sends it), else the section key without its
 * "-<uniqueid>" suffix. */
static const char *snap_child_name(struct sa_snapshot *s, const struct sec_ix *x,
                                   const struct vici_elem *e)
{
	const char *v;
	size_t len;

	if (ix_value(x, K_NAME, &v, &len) && len > 0)
		return snap_keep(s, F_CHILD_NAME, v, len, NULL, 0);
	len = e->name_len;
	for (size_t i = len; i > 0; i--) {
		char c = e->name[i - 1];

		if (c == '-' && i < len) {
			len = i - 1;
			break;
		}
		if (c < '0' || c > '9')
			break;
	}
	v = snap_keep(s, F_CHILD_NAME, e->name, len, NULL, 0);
	return v ? v : "";
}

void sa_snapshot_parse_child(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
                             uint32_t name_sec, struct snap_child *c)
{
	struct sec_ix ix, *x = &ix;

	memset(c, 0, sizeof(*c));
	sec_index(x, m, sec);
	c->name = snap_child_name(s, x, &m->elems[name_sec]);
	c->uniqueid = (uint32_t)snap_u64(x, K_UNIQUEID);
	c->reqid = (uint32_t)snap_u64(x, K_REQID);
	c->state = snap_str(s, x, K_STATE, F_CHILD_STATE);
	c->mode = snap_str(s, x, K_MODE, F_CHILD_MODE);
	c->protocol = snap_str(s, x, K_PROTOCOL, F_CHILD_PROTOCOL);
	c->encap = snap_yes(x, K_ENCAP);
	c->spi_in = snap_str(s, x, K_SPI_IN, F_NONE);
	c->spi_out = snap_str(s, x, K_SPI_OUT, F_NONE);
	c->encr = snap_alg(s, x, K_ENCR_ALG, K_ENCR_KEYSIZE, F_CHILD_ENCR);
	c->integ = snap_alg(s, x, K_INTEG_ALG, K_INTEG_KEYSIZE, F_CHILD_INTEG);
	c->dh_group = snap_str(s, x, K_DH_GROUP, F_CHILD_DH);
	c->totals.bytes_in = snap_u64(x, K_BYTES_IN);
	c->totals.bytes_out = snap_u64(x, K_BYTES_OUT);
	c->totals.packets_in = snap_u64(x, K_PACKETS_IN);
	c->totals.packets_out = snap_u64(x, K_PACKETS_OUT);
	c->use_in = snap_i64(x, K_USE_IN);
	c->use_out = snap_i64(x, K_USE_OUT);
	c->install_time = snap_i64(x, K_INSTALL_TIME);
	c->rekey_time = snap_i64(x, K_REKEY_TIME);
	c->life_time = snap_i64(x, K_LIFE_TIME);
	c->local_ts = snap_list(s, x, K_LOCAL_TS, F_CHILD_LOCAL_TS);
	c->remote_ts = snap_list(s, x, K_REMOTE_TS, F_CHILD_REMOTE_TS);
}

int sa_snapshot_parse_ike(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
                          struct snap_ike *ike)
{
	const struct vici_elem *e = &m->elems[sec];
	struct sec_ix ix, *x = &ix;
	uint32_t children, n = 0;

	if (e->type != VICI_ELEM_SECTION_START || !e->name)
		return -EBADMSG;
	memset(ike, 0, sizeof(*ike));
	sec_index(x, m, sec);
	ike->conn = snap_keep(s, F_IKE_CONN, e->name, e->name_len, NULL, 0);
	if (!ike->conn)
		return -ENOMEM;
	ike->uniqueid = (uint32_t)snap_u64(x, K_UNIQUEID);
	ike->state = snap_str(s, x, K_STATE, F_IKE_STATE);
	ike->version = snap_str(s, x, K_VERSION, F_IKE_VERSION);
	ike->local_host = snap_str(s, x, K_LOCAL_HOST, F_IKE_LOCAL_HOST);
	ike->remote_host = snap_str(s, x, K_REMOTE_HOST, F_NONE);
	ike->local_id = snap_str(s, x, K_LOCAL_ID, F_IKE_LOCAL_ID);
	ike->remote_id = snap_str(s, x, K_REMOTE_ID, F_NONE);
	ike->encr = snap_alg(s, x, K_ENCR_ALG, K_ENCR_KEYSIZE, F_IKE_ENCR);
	ike->integ = snap_alg(s, x, K_INTEG_ALG, K_INTEG_KEYSIZE, F_IKE_INTEG);
	ike->prf = snap_str(s, x, K_PRF_ALG, F_IKE_PRF);
	ike->dh_group = snap_str(s, x, K_DH_GROUP, F_IKE_DH);
	ike->nat = snap_nat(x);
	ike->initiator = snap_yes(x, K_INITIATOR);
	ike->tasks_pending = snap_list_nonempty(x, K_TASKS_QUEUED) ||
	                     snap_list_nonempty(x, K_TASKS_ACTIVE) ||
	                     snap_list_nonempty(x, K_TASKS_PASSIVE);
	ike->established = snap_i64(x, K_ESTABLISHED);
	ike->rekey_time = snap_i64(x, K_REKEY_TIME);
	ike->reauth_time = snap_i64(x, K_REAUTH_TIME);

	children = x->at[K_CHILD_SAS];
	if (!children || m->elems[children].type != VICI_ELEM_SECTION_START)
		return 0;
	vici_foreach_child(m, children, i) if (m->elems[i].type == VICI_ELEM_SECTION_START) n++;
	if (n == 0)
		return 0;
	ike->children = arena_alloc(&s->arena, n * sizeof(*ike->children));
	if (!ike->children)
		return -ENOMEM;
	vici_foreach_child(m, children, i)
	{
		if (m->elems[i].type != VICI_ELEM_SECTION_START)
			continue;
		sa_snapshot_parse_child(s, m, i, i, &ike->children[ike->n_children++]);
	}
	return 0;
}

int sa_snapshot_add_ike(struct sa_snapshot *s, const struct vici_msg *m)
{
	vici_foreach_child(m, 0, i)
	{
		struct snap_ike *ike;
		int err;

		if (m->elems[i].type != VICI_ELEM_SECTION_START)
			return -EBADMSG;
		/* after sa_snapshot_release(): as many as last time at once (or grow as usual) */
		if (!s->cap_ikes && s->ikes_hint)
			array_reserve_u32((void **)&s->ikes, sizeof(*s->ikes), 0, 1, &s->cap_ikes,
			                  s->ikes_hint, EXPORT_CHILDREN_MAX);
		ike = snap_grow((void **)&s->ikes, &s->n_ikes, &s->cap_ikes, sizeof(*s->ikes),
		                EXPORT_CHILDREN_MAX);
		if (!ike) {
			s->dropped++;
			continue;
		}
		err = sa_snapshot_parse_ike(s, m, i, ike);
		if (err < 0) {
			s->n_ikes--;
			return err;
		}
	}
	return 0;
}

static bool lists_uniqueid(const struct sa_snapshot *s, uint32_t upto, uint32_t uniqueid)
{
	for (uint32_t i = 0; i < upto; i++)
		if (s->ikes[i].uniqueid == uniqueid)
			return true;
	return false;
}

void sa_snapshot_keep_conn(struct sa_snapshot *s, uint32_t from, const char *conn)
{
	uint32_t n = from;

	/* what is dropped stays in the arena until the next reset */
	for (uint32_t i = from; i < s->n_ikes; i++)
		if (strcmp(s->ikes[i].conn, conn) == 0 &&
		    !lists_uniqueid(s, n, s->ikes[i].uniqueid))
			s->ikes[n++] = s->ikes[i];
	if (n < s->n_ikes)
		s->n_ikes = n;
}

/* Does a local auth round ("local", "local-1", ... sections of a list-conn) use a public key?
 * Then a certificate of ours must be valid at each reauthentication. */
static bool snap_conn_local_pubkey(const struct vici_msg *m, uint32_t conn)
{
	vici_foreach_child(m, conn, j)
	{
		const struct vici_elem *e = &m->elems[j];
		struct sec_ix ax;

		if (e->type != VICI_ELEM_SECTION_START || !e->name || e->name_len < 5 ||
		    memcmp(e->name, "local", 5) != 0 || (e->name_len > 5 && e->name[5] != '-'))
			continue;
		sec_index(&ax, m, j);
		if (ax.at[K_CLASS] && vici_value_is(&m->elems[ax.at[K_CLASS]], "public key"))
			return true;
	}
	return false;
}

int sa_snapshot_add_conn(struct sa_snapshot *s, const struct vici_msg *m)
{
	if (s->conn_table)
		return -EBUSY;
	vici_foreach_child(m, 0, i)
	{
		const struct vici_elem *e = &m->elems[i];
		struct sec_ix ix, *x = &ix;
		struct snap_conn *c;
		uint32_t children, n = 0;

		if (e->type != VICI_ELEM_SECTION_START)
			return -EBADMSG;
		c = snap_grow((void **)&s->conns, &s->n_conns, &s->cap_conns, sizeof(*s->conns),
		              EXPORT_CONNS_MAX);
		if (!c) {
			s->dropped++;
			continue;
		}
		memset(c, 0, sizeof(*c));
		sec_index(x, m, i);
		c->name = arena_strndup(&s->arena, e->name, e->name_len);
		c->version = snap_str(s, x, K_VERSION, F_CONN_VERSION);
		c->remote_addrs = snap_list(s, x, K_REMOTE_ADDRS, F_NONE);
		c->rekey_time = snap_i64(x, K_CONF_REKEY_TIME);
		if (!c->name)
			return -ENOMEM;
		c->local_pubkey = snap_conn_local_pubkey(m, i);
		children = x->at[K_CHILDREN];
		if (!children || m->elems[children].type != VICI_ELEM_SECTION_START)
			continue;
		vici_foreach_child(m, children, j) n++;
		if (n == 0)
			continue;
		c->children = arena_alloc(&s->arena, n * sizeof(*c->children));
		c->children_remote_ts = arena_alloc(&s->arena, n * sizeof(*c->children));
		c->children_rekey_time =
		    arena_alloc(&s->arena, n * sizeof(*c->children_rekey_time));
		if (!c->children || !c->children_remote_ts || !c->children_rekey_time)
			return -ENOMEM;
		vici_foreach_child(m, children, j)
		{
			const struct vici_elem *ce = &m->elems[j];

			if (ce->type != VICI_ELEM_SECTION_START)
				continue;
			c->children[c->n_children] =
			    snap_keep(s, F_CONN_CHILD, ce->name, ce->name_len, NULL, 0);
			{
				struct sec_ix cx;

				sec_index(&cx, m, j);
				c->children_remote_ts[c->n_children] =
				    snap_list(s, &cx, K_REMOTE_TS, F_CONN_CHILD_TS);
				c->children_rekey_time[c->n_children] =
				    snap_i64(&cx, K_CONF_REKEY_TIME);
			}
			if (!c->children[c->n_children])
				return -ENOMEM;
			c->n_children++;
		}
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool sa_snapshot_conn_equal(const struct snap_conn *a, const struct snap_conn *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->version, b->version) ||
	    !str_eq(a->remote_addrs, b->remote_addrs) || a->rekey_time != b->rekey_time ||
	    a->local_pubkey != b->local_pubkey || a->n_children != b->n_children ||
	    a->retx.timeout != b->retx.timeout || a->retx.base != b->retx.base ||
	    a->retx.tries != b->retx.tries || a->retx.configured != b->retx.configured ||
	    a->retx.model != b->retx.model || a->retx.limit != b->retx.limit)
		return false;
	for (uint32_t j = 0; j < a->n_children; j++)
		if (!str_eq(a->children[j], b->children[j]) ||
		    !str_eq(a->children_remote_ts[j], b->children_remote_ts[j]) ||
		    a->children_rekey_time[j] != b->children_rekey_time[j])
			return false;
	return true;
}

int sa_snapshot_copy_conn(struct sa_snapshot *s, const struct snap_conn *src)
{
	struct snap_conn *c;
	uint32_t n = src->n_children;

	if (s->conn_table)
		return -EBUSY;
	c = snap_grow((void **)&s->conns, &s->n_conns, &s->cap_conns, sizeof(*s->conns),
	              EXPORT_CONNS_MAX);
	if (!c) {
		s->dropped++;
		return 0;
	}
	*c = *src;
	c->children = NULL;
	c->children_remote_ts = NULL;
	c->children_rekey_time = NULL;
	c->n_children = 0;
	c->name = snap_keep(s, F_NONE, src->name, strlen(src->name), NULL, 0);
	c->version = snap_keep(s, F_CONN_VERSION, src->version, strlen(src->version), NULL, 0);
	c->remote_addrs =
	    snap_keep(s, F_NONE, src->remote_addrs, strlen(src->remote_addrs), NULL, 0);
	if (!c->name || !c->version || !c->remote_addrs)
		goto nomem;
	if (n == 0)
		return 0;
	c->children = arena_alloc(&s->arena, n * sizeof(*c->children));
	c->children_remote_ts = arena_alloc(&s->arena, n * sizeof(*c->children_remote_ts));
	c->children_rekey_time = arena_alloc(&s->arena, n * sizeof(*c->children_rekey_time));
	if (!c->children || !c->children_remote_ts || !c->children_rekey_time)
		goto nomem;
	memcpy(c->children_rekey_time, src->children_rekey_time,
	       n * sizeof(*c->children_rekey_time));
	for (uint32_t j = 0; j < n; j++) {
		const char *ts = src->children_remote_ts[j];

		c->children[j] =
		    snap_keep(s, F_CONN_CHILD, src->children[j], strlen(src->children[j]), NULL, 0);
		c->children_remote_ts[j] = snap_keep(s, F_CONN_CHILD_TS, ts, strlen(ts), NULL, 0);
		if (!c->children[j] || !c->children_remote_ts[j])
			goto nomem;
	}
	c->n_children = n;
	return 0;
nomem:
	/* never half a connection: the caller's read fails and its snapshot is not published */
	s->n_conns--;
	return -ENOMEM;
}

/* Certificate details through GnuTLS; a certificate it cannot read is kept with its type only,
 * so that it still shows up (and the scrape does not fail). */
static void snap_cert_x509(struct sa_snapshot *s, const uint8_t *der, size_t len,
                           struct snap_cert *c)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t in = {.data = (unsigned char *)der, .size = (unsigned)len};
	gnutls_datum_t dn = {0};
	unsigned char serial[64];
	size_t serial_len = sizeof(serial);
	time_t t;

	if (len > UINT32_MAX || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_DER) < 0)
		goto out_deinit;
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		const char *subject = arena_strndup(&s->arena, (const char *)dn.data, dn.size);

		if (subject)
			c->subject = subject;
		gnutls_free(dn.data);
	}
	if (gnutls_x509_crt_get_serial(crt, serial, &serial_len) == 0) {
		static const char hex[] = "0123456789abcdef";
		char *out = arena_alloc(&s->arena, serial_len * 2 + 1);

		if (out) {
			for (size_t i = 0; i < serial_len; i++) {
				out[2 * i] = hex[serial[i] >> 4];
				out[2 * i + 1] = hex[serial[i] & 15];
			}
			out[serial_len * 2] = '\0';
			c->serial = out;
		}
	}
	t = gnutls_x509_crt_get_expiration_time(crt);
	if (t != (time_t)-1)
		c->not_after = (int64_t)t;
	t = gnutls_x509_crt_get_activation_time(crt);
	if (t != (time_t)-1)
		c->not_before = (int64_t)t;
out_deinit:
	gnutls_x509_crt_deinit(crt);
}

int sa_snapshot_add_cert(struct sa_snapshot *s, const struct vici_msg *m)
{
	struct sec_ix ix, *x = &ix;
	struct snap_cert *c;
	const char *data;
	size_t len;

	c = snap_grow((void **)&s->certs, &s->n_certs, &s->cap_certs, sizeof(*s->certs),
	              EXPORT_CERTS_MAX);
	if (!c) {
		s->dropped++;
		return 0;
	}
	memset(c, 0, sizeof(*c));
	c->subject = c->serial = "";
	c->not_before = c->not_after = SNAP_NONE;
	sec_index(x, m, 0);
	c->type = snap_str(s, x, K_TYPE, F_CERT_TYPE);
	c->flag = snap_str(s, x, K_FLAG, F_CERT_FLAG);
	c->has_privkey = snap_yes(x, K_HAS_PRIVKEY);
	if (strcmp(c->type, "X509") == 0 && ix_value(x, K_DATA, &data, &len))
		snap_cert_x509(s, (const uint8_t *)data, len, c);
	return 0;
}
