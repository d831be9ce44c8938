// SPDX-License-Identifier: Apache-2.0
/*
 * Builds a struct sa_snapshot from VICI list-conn, list-sa and list-cert events (contract in
 * sa_snapshot.h). Field names are those of strongSwan's vici README ("list-sa", "list-conn",
 * "list-cert"); every value arrives as a string and numbers go through the checked parsers.
 * Certificates arrive as DER and are read with GnuTLS.
 */
#include "exporter/sa_snapshot.h"

#include "common/limits.h"
#include "common/num.h"

#include <errno.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>

void sa_snapshot_init(struct sa_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
}

void sa_snapshot_reset(struct sa_snapshot *s)
{
	arena_reset(&s->arena);
	s->n_conns = s->n_ikes = s->n_certs = 0;
	s->dropped = 0;
}

void sa_snapshot_done(struct sa_snapshot *s)
{
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
	if (*n >= max)
		return NULL;
	if (*n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		void *p = reallocarray(*arr, ncap, elem);

		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return (char *)*arr + (size_t)(*n)++ * elem;
}

static const char *snap_str(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
			    const char *key)
{
	const char *v;
	size_t len;

	char *out;

	if (vici_get_str(m, sec, key, &v, &len) < 0)
		return "";
	out = arena_strndup(&s->arena, v, len);
	return out ? out : "";
}

static uint64_t snap_u64(const struct vici_msg *m, uint32_t sec, const char *key)
{
	uint64_t v;

	return vici_get_u64(m, sec, key, &v) == 0 ? v : 0;
}

static int64_t snap_i64(const struct vici_msg *m, uint32_t sec, const char *key)
{
	int64_t v;

	return vici_get_i64(m, sec, key, &v) == 0 ? v : SNAP_NONE;
}

static bool snap_yes(const struct vici_msg *m, uint32_t sec, const char *key)
{
	uint32_t i = vici_find(m, sec, key);

	return i && vici_value_is(&m->elems[i], "yes");
}

/* A list's items joined with ","; "" for an absent or empty list. */
static const char *snap_list(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
			     const char *key)
{
	uint32_t l = vici_find(m, sec, key);
	size_t len = 0, off = 0;
	char *out;

	if (!l || m->elems[l].type != VICI_ELEM_LIST_START)
		return "";
	vici_foreach_child(m, l, i) len += m->elems[i].value_len + 1u;
	if (len == 0)
		return "";
	out = arena_alloc(&s->arena, len);
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
	return out;
}

/* "AES_CBC" + "256" -> "AES_CBC-256", as swanctl prints algorithms. */
static const char *snap_alg(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
			    const char *alg_key, const char *size_key)
{
	const char *alg, *size;
	size_t alen, slen;
	char *out;

	if (vici_get_str(m, sec, alg_key, &alg, &alen) < 0)
		return "";
	if (vici_get_str(m, sec, size_key, &size, &slen) < 0 || slen == 0) {
		out = arena_strndup(&s->arena, alg, alen);
		return out ? out : "";
	}
	out = arena_alloc(&s->arena, alen + slen + 2);
	if (!out)
		return "";
	memcpy(out, alg, alen);
	out[alen] = '-';
	memcpy(out + alen + 1, size, slen);
	out[alen + 1 + slen] = '\0';
	return out;
}

static const char *snap_nat(const struct vici_msg *m, uint32_t sec)
{
	bool local = snap_yes(m, sec, "nat-local"), remote = snap_yes(m, sec, "nat-remote");

	if (local && remote)
		return "both";
	if (local)
		return "local";
	if (remote)
		return "remote";
	if (snap_yes(m, sec, "nat-fake") || snap_yes(m, sec, "nat-any"))
		return "fake";
	return "none";
}

static bool snap_list_nonempty(const struct vici_msg *m, uint32_t sec, const char *key)
{
	uint32_t l = vici_find(m, sec, key);

	return l && m->elems[l].type == VICI_ELEM_LIST_START && vici_child_first(m, l) != 0;
}

/* The CHILD config name: the "name" key (5.9 sends it), else the section key without its
 * "-<uniqueid>" suffix. */
static const char *snap_child_name(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec)
{
	const struct vici_elem *e = &m->elems[sec];
	const char *v;
	size_t len;

	if (vici_get_str(m, sec, "name", &v, &len) == 0 && len > 0)
		return arena_strndup(&s->arena, v, len);
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
	v = arena_strndup(&s->arena, e->name, len);
	return v ? v : "";
}

static void snap_parse_child(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
			     struct snap_child *c)
{
	c->name = snap_child_name(s, m, sec);
	c->uniqueid = (uint32_t)snap_u64(m, sec, "uniqueid");
	c->reqid = (uint32_t)snap_u64(m, sec, "reqid");
	c->state = snap_str(s, m, sec, "state");
	c->mode = snap_str(s, m, sec, "mode");
	c->protocol = snap_str(s, m, sec, "protocol");
	c->encap = snap_yes(m, sec, "encap");
	c->spi_in = snap_str(s, m, sec, "spi-in");
	c->spi_out = snap_str(s, m, sec, "spi-out");
	c->encr = snap_alg(s, m, sec, "encr-alg", "encr-keysize");
	c->integ = snap_alg(s, m, sec, "integ-alg", "integ-keysize");
	c->dh_group = snap_str(s, m, sec, "dh-group");
	c->bytes_in = snap_u64(m, sec, "bytes-in");
	c->bytes_out = snap_u64(m, sec, "bytes-out");
	c->packets_in = snap_u64(m, sec, "packets-in");
	c->packets_out = snap_u64(m, sec, "packets-out");
	c->use_in = snap_i64(m, sec, "use-in");
	c->use_out = snap_i64(m, sec, "use-out");
	c->install_time = snap_i64(m, sec, "install-time");
	c->rekey_time = snap_i64(m, sec, "rekey-time");
	c->life_time = snap_i64(m, sec, "life-time");
	c->local_ts = snap_list(s, m, sec, "local-ts");
	c->remote_ts = snap_list(s, m, sec, "remote-ts");
}

int sa_snapshot_parse_ike(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
			  struct snap_ike *ike)
{
	const struct vici_elem *e = &m->elems[sec];
	uint32_t children, n = 0;

	if (e->type != VICI_ELEM_SECTION_START || !e->name)
		return -EBADMSG;
	memset(ike, 0, sizeof(*ike));
	ike->conn = arena_strndup(&s->arena, e->name, e->name_len);
	if (!ike->conn)
		return -ENOMEM;
	ike->uniqueid = (uint32_t)snap_u64(m, sec, "uniqueid");
	ike->state = snap_str(s, m, sec, "state");
	ike->version = snap_str(s, m, sec, "version");
	ike->local_host = snap_str(s, m, sec, "local-host");
	ike->remote_host = snap_str(s, m, sec, "remote-host");
	ike->local_id = snap_str(s, m, sec, "local-id");
	ike->remote_id = snap_str(s, m, sec, "remote-id");
	ike->encr = snap_alg(s, m, sec, "encr-alg", "encr-keysize");
	ike->integ = snap_alg(s, m, sec, "integ-alg", "integ-keysize");
	ike->prf = snap_str(s, m, sec, "prf-alg");
	ike->dh_group = snap_str(s, m, sec, "dh-group");
	ike->nat = snap_nat(m, sec);
	ike->initiator = snap_yes(m, sec, "initiator");
	ike->tasks_pending = snap_list_nonempty(m, sec, "tasks-queued") ||
			     snap_list_nonempty(m, sec, "tasks-active") ||
			     snap_list_nonempty(m, sec, "tasks-passive");
	ike->established = snap_i64(m, sec, "established");
	ike->rekey_time = snap_i64(m, sec, "rekey-time");
	ike->reauth_time = snap_i64(m, sec, "reauth-time");

	children = vici_find(m, sec, "child-sas");
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
		memset(&ike->children[ike->n_children], 0, sizeof(ike->children[0]));
		snap_parse_child(s, m, i, &ike->children[ike->n_children++]);
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

int sa_snapshot_add_conn(struct sa_snapshot *s, const struct vici_msg *m)
{
	vici_foreach_child(m, 0, i)
	{
		const struct vici_elem *e = &m->elems[i];
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
		c->name = arena_strndup(&s->arena, e->name, e->name_len);
		c->version = snap_str(s, m, i, "version");
		c->remote_addrs = snap_list(s, m, i, "remote_addrs");
		if (!c->name)
			return -ENOMEM;
		children = vici_find(m, i, "children");
		if (!children || m->elems[children].type != VICI_ELEM_SECTION_START)
			continue;
		vici_foreach_child(m, children, j) n++;
		if (n == 0)
			continue;
		c->children = arena_alloc(&s->arena, n * sizeof(*c->children));
		c->children_remote_ts = arena_alloc(&s->arena, n * sizeof(*c->children));
		if (!c->children || !c->children_remote_ts)
			return -ENOMEM;
		vici_foreach_child(m, children, j)
		{
			const struct vici_elem *ce = &m->elems[j];

			if (ce->type != VICI_ELEM_SECTION_START)
				continue;
			c->children[c->n_children] = arena_strndup(&s->arena, ce->name, ce->name_len);
			c->children_remote_ts[c->n_children] = snap_list(s, m, j, "remote-ts");
			if (!c->children[c->n_children])
				return -ENOMEM;
			c->n_children++;
		}
	}
	return 0;
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
	c->type = snap_str(s, m, 0, "type");
	c->flag = snap_str(s, m, 0, "flag");
	c->has_privkey = snap_yes(m, 0, "has_privkey");
	if (strcmp(c->type, "X509") == 0 && vici_get_str(m, 0, "data", &data, &len) == 0)
		snap_cert_x509(s, (const uint8_t *)data, len, c);
	return 0;
}
