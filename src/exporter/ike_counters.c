// SPDX-License-Identifier: Apache-2.0
/*
 * `get-counters` (strongSwan vici_query.c get_counters()): with all = yes, the section
 * "counters" holds one section per connection the plugin has seen; without it, one section
 * named "" with the daemon-wide counters. The collector asks both ways. Each counter is a
 * decimal key/value named as in ike_counter_key().
 */
#include "exporter/ike_counters.h"

#include "common/array.h"
#include "common/limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[IKE_CTR_N] = {
    "ike-rekey-init",        "ike-rekey-resp",      "child-rekey",          "invalid",
    "invalid-spi",           "ike-init-in-req",     "ike-init-in-resp",     "ike-init-out-req",
    "ike-init-out-resp",     "ike-auth-in-req",     "ike-auth-in-resp",     "ike-auth-out-req",
    "ike-auth-out-resp",     "create-child-in-req", "create-child-in-resp", "create-child-out-req",
    "create-child-out-resp", "info-in-req",         "info-in-resp",         "info-out-req",
    "info-out-resp",
};

/* The exchanges in the order of their blocks of four (in-req, in-resp, out-req, out-resp). */
static const char *const exchanges[4] = {"ike_sa_init", "ike_auth", "create_child_sa",
                                         "informational"};

const char *ike_counter_key(enum ike_counter i)
{
	return (unsigned)i < IKE_CTR_N ? keys[i] : "unknown";
}

void ike_counters_init(struct ike_counters *c)
{
	memset(c, 0, sizeof(*c));
}

void ike_counters_reset(struct ike_counters *c)
{
	for (size_t i = 0; i < c->n_conns; i++)
		free(c->conns[i].name);
	c->n_conns = 0;
	c->have_global = false;
	memset(&c->global, 0, sizeof(c->global));
}

void ike_counters_done(struct ike_counters *c)
{
	ike_counters_reset(c);
	free(c->conns);
	ike_counters_init(c);
}

static int read_set(const struct vici_msg *m, uint32_t sec, uint64_t v[IKE_CTR_N])
{
	for (unsigned i = 0; i < IKE_CTR_N; i++)
		if (vici_get_u64(m, sec, keys[i], &v[i]) < 0)
			return -EBADMSG;
	return 0;
}

static int cmp_set(const void *a, const void *b)
{
	return strcmp(((const struct ike_counter_set *)a)->name,
	              ((const struct ike_counter_set *)b)->name);
}

int ike_counters_add(struct ike_counters *c, const struct vici_msg *m)
{
	uint32_t sec = vici_find(m, 0, "counters");
	size_t first = c->n_conns;
	int err = 0;

	if (!sec) {
		const char *ok;
		size_t len;

		if (vici_get_str(m, 0, "success", &ok, &len) == 0 && len == 2 &&
		    memcmp(ok, "no", 2) == 0)
			return -ENOENT;
		return -EBADMSG;
	}
	if (m->elems[sec].type != VICI_ELEM_SECTION_START)
		return -EBADMSG;
	vici_foreach_child(m, sec, i)
	{
		const struct vici_elem *e = &m->elems[i];
		struct ike_counter_set s = {0};

		if (e->type != VICI_ELEM_SECTION_START || read_set(m, i, s.v) < 0) {
			err = -EBADMSG;
			break;
		}
		if (e->name_len == 0) {
			c->global = s;
			c->have_global = true;
			continue;
		}
		if ((err = ARRAY_GROW(c->conns, c->n_conns, c->cap_conns, 16, EXPORT_CONNS_MAX)) <
		    0)
			break;
		if (!(s.name = strndup(e->name, e->name_len))) {
			err = -ENOMEM;
			break;
		}
		/* a name with a NUL in it is not a connection name that charon would give */
		if (strlen(s.name) != e->name_len) {
			free(s.name);
			err = -EBADMSG;
			break;
		}
		c->conns[c->n_conns++] = s;
	}
	if (c->n_conns > first)
		qsort(c->conns, c->n_conns, sizeof(*c->conns), cmp_set);
	return err;
}

const struct ike_counter_set *ike_counters_find(const struct ike_counters *c, const char *conn)
{
	struct ike_counter_set key = {.name = (char *)conn};

	if (!c->n_conns)
		return NULL;
	return bsearch(&key, c->conns, c->n_conns, sizeof(*c->conns), cmp_set);
}

/* One family, over the daemon-wide set (@conn false) or every connection's. */
static void write_family(struct prom_writer *w, const struct ike_counters *c, bool conn,
                         const char *name, const char *help, enum ike_counter from,
                         enum ike_counter to, const char *label, const char *const *values)
{
	size_t n = conn ? c->n_conns : 1;

	if (conn ? !c->n_conns : !c->have_global)
		return;
	prom_family(w, name, PROM_COUNTER, help);
	for (size_t s = 0; s < n; s++) {
		const struct ike_counter_set *set = conn ? &c->conns[s] : &c->global;

		for (unsigned i = from; i <= (unsigned)to; i++) {
			struct prom_label l[4];
			size_t nl = 0;

			if (conn)
				l[nl++] = PROM_LABEL("conn", set->name);
			if (label)
				l[nl++] = PROM_LABEL(label, values[i - from]);
			prom_sample_u64(w, l, nl, set->v[i]);
		}
	}
}

static void write_messages(struct prom_writer *w, const struct ike_counters *c, bool conn,
                           const char *name, const char *help)
{
	static const char *const dir[4] = {"in", "in", "out", "out"};
	static const char *const msg[4] = {"request", "response", "request", "response"};
	size_t n = conn ? c->n_conns : 1;

	if (conn ? !c->n_conns : !c->have_global)
		return;
	prom_family(w, name, PROM_COUNTER, help);
	for (size_t s = 0; s < n; s++) {
		const struct ike_counter_set *set = conn ? &c->conns[s] : &c->global;

		for (unsigned x = 0; x < 4; x++)
			for (unsigned k = 0; k < 4; k++) {
				struct prom_label l[4];
				size_t nl = 0;

				if (conn)
					l[nl++] = PROM_LABEL("conn", set->name);
				l[nl++] = PROM_LABEL("exchange", exchanges[x]);
				l[nl++] = PROM_LABEL("direction", dir[k]);
				l[nl++] = PROM_LABEL("message", msg[k]);
				prom_sample_u64(w, l, nl, set->v[IKE_CTR_INIT_IN_REQ + 4 * x + k]);
			}
	}
}

void ike_counters_write(struct prom_writer *w, const struct ike_counters *c)
{
	static const char *const roles[2] = {"initiator", "responder"};

	for (int conn = 0; conn < 2; conn++) {
		const char *pfx = conn ? "ipsec_ike_" : "ipsec_daemon_ike_";
		const char *whose = conn ? " on this connection" : ", daemon-wide";
		char name[64], help[200];

#define NAME(suffix) (snprintf(name, sizeof(name), "%s%s", pfx, suffix), name)
#define HELP(text) (snprintf(help, sizeof(help), "%s%s (counters plugin).", text, whose), help)
		write_messages(w, c, conn, NAME("messages_total"),
		               HELP("IKE messages by exchange, direction and request/response"));
		write_family(w, c, conn, NAME("invalid_messages_total"),
		             HELP("IKE messages dropped as invalid"), IKE_CTR_INVALID,
		             IKE_CTR_INVALID, NULL, NULL);
		write_family(w, c, conn, NAME("invalid_spi_messages_total"),
		             HELP("IKE messages dropped for an unknown IKE SPI"),
		             IKE_CTR_INVALID_SPI, IKE_CTR_INVALID_SPI, NULL, NULL);
		write_family(w, c, conn, NAME("sa_rekeys_total"),
		             HELP("IKE SA rekeys, by the side that started them"),
		             IKE_CTR_IKE_REKEY_INIT, IKE_CTR_IKE_REKEY_RESP, "role", roles);
		write_family(w, c, conn, NAME("child_sa_rekeys_total"), HELP("CHILD SA rekeys"),
		             IKE_CTR_CHILD_REKEY, IKE_CTR_CHILD_REKEY, NULL, NULL);
#undef NAME
#undef HELP
	}
}
