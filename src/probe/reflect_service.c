// SPDX-License-Identifier: Apache-2.0
/*
 * Reflector configuration and threads for `serve`. Keys: listen, hmac_key_file, stateless,
 * rate, burst, allow (list of prefixes), ipsec_only, threads. Unknown keys are errors.
 */
#include "probe/reflect_service.h"

#include "common/netaddr.h"
#include "common/num.h"
#include "config/config.h"
#include "config/config_error.h"
#include "prom/prom_writer.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_keyfile.h"
#include "stamp/stamp_reflect_pool.h"
#include "stamp/stamp_reflector.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reflect_config {
	struct sockaddr_storage listen;
	struct stamp_reflector_config rc;
	unsigned threads;
};

struct reflect_service {
	struct stamp_reflect_pool *pool;
};

/* "line N: reflector: ..." through the one YAML error helper (the format is a literal) */
#define fail(err, errlen, n, ...) config_fail(err, errlen, n, "reflector: " __VA_ARGS__)

static int parse_allow(yaml_document_t *doc, yaml_node_t *list, struct stamp_reflector_config *rc,
                       char *err, size_t errlen)
{
	if (list->type != YAML_SEQUENCE_NODE)
		return fail(err, errlen, list, "allow: a list of prefixes expected");
	for (yaml_node_item_t *i = list->data.sequence.items.start;
	     i < list->data.sequence.items.top; i++) {
		yaml_node_t *n = yaml_document_get_node(doc, *i);
		const char *v = config_scalar(n);

		if (rc->nallow >= REFLECT_ALLOW_MAX)
			return fail(err, errlen, n, "allow: more than %d prefixes",
			            REFLECT_ALLOW_MAX);
		if (!v || stamp_prefix_parse(v, &rc->allow[rc->nallow]) < 0)
			return fail(err, errlen, n, "allow: bad prefix");
		rc->nallow++;
	}
	return 0;
}

int reflect_config_parse(yaml_document_t *doc, yaml_node_t *node, struct reflect_config **ret,
                         char *err, size_t errlen)
{
	struct reflect_config *c;
	socklen_t sl;
	uint64_t x;
	int e = -EINVAL;

	*ret = NULL;
	if (!node)
		return 0;
	if (node->type != YAML_MAPPING_NODE)
		return fail(err, errlen, node, "a mapping expected");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rc.rate_pps = REFLECT_RATE_PPS_DEFAULT;
	c->threads = 1;
	stamp_addr_parse("0.0.0.0", STAMP_PORT, &c->listen, &sl);
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
	     p++) {
		const char *k = config_scalar(yaml_document_get_node(doc, p->key));
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *v = config_scalar(vn);

		if (k && strcmp(k, "allow") == 0) {
			e = parse_allow(doc, vn, &c->rc, err, errlen);
			if (e < 0)
				goto out_free;
			continue;
		}
		e = -EINVAL;
		if (!k || !v) {
			fail(err, errlen, vn, "scalar keys and values expected");
			goto out_free;
		}
		if (strcmp(k, "listen") == 0) {
			int le = netaddr_parse_listen(v, STAMP_PORT, &c->listen, &sl);

			if (le < 0) {
				fail(err, errlen, vn, "listen: %s", netaddr_strerror(le));
				goto out_free;
			}
		} else if (strcmp(k, "hmac_key_file") == 0) {
			int ke = stamp_key_load(v, c->rc.key, &c->rc.key_len);

			if (ke < 0) {
				fail(err, errlen, vn, "hmac_key_file %s: %s", v, strerror(-ke));
				goto out_free;
			}
			c->rc.authenticated = true;
		} else if (strcmp(k, "stateless") == 0 || strcmp(k, "ipsec_only") == 0) {
			if (config_bool(v, k[0] == 's' ? &c->rc.stateless : &c->rc.ipsec_only) <
			    0) {
				fail(err, errlen, vn, "%s: a boolean expected", k);
				goto out_free;
			}
		} else if (strcmp(k, "rate") == 0 || strcmp(k, "burst") == 0) {
			if (num_parse_u64_str(v, 10000000, &x) < 0) {
				fail(err, errlen, vn, "%s: 0..10000000 expected", k);
				goto out_free;
			}
			*(k[0] == 'r' ? &c->rc.rate_pps : &c->rc.burst) = (uint32_t)x;
		} else if (strcmp(k, "threads") == 0) {
			if (num_parse_u64_str(v, REFLECT_THREADS_MAX, &x) < 0 || x == 0) {
				fail(err, errlen, vn, "threads: 1..%d expected",
				     REFLECT_THREADS_MAX);
				goto out_free;
			}
			c->threads = (unsigned)x;
		} else {
			fail(err, errlen, vn, "unknown key '%s'", k);
			goto out_free;
		}
	}
	*ret = c;
	return 0;
out_free:
	reflect_config_free(c);
	return e;
}

void reflect_config_free(struct reflect_config *c)
{
	if (!c)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int reflect_service_start(const struct reflect_config *c, struct reflect_service **ret)
{
	struct reflect_service *s;
	int e;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	e = stamp_reflect_pool_new(&c->rc, (const struct sockaddr *)&c->listen, c->threads,
	                           &s->pool);
	if (e == 0)
		e = stamp_reflect_pool_start(s->pool);
	if (e < 0) {
		stamp_reflect_pool_free(s->pool);
		free(s);
		return e;
	}
	*ret = s;
	return 0;
}

/*
 * Per sender: "reflected" always, the other results once they happened (most senders never
 * see them), so at most (REFLECT_SENDERS_MAX + 1) * STAMP_REFL_N series.
 */
static void write_senders(const struct stamp_reflect_pool *p, struct prom_writer *w)
{
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	size_t n = stamp_reflect_pool_senders(p, rows, REFLECT_SENDERS_MAX + 1);

	prom_family(w, "ipsec_reflector_sender_packets_total", PROM_COUNTER,
	            "STAMP test packets received by the reflector from each sender address, by "
	            "what became of them; senders beyond the "
	            "listed ones are summed under sender=\"_other\".");
	for (size_t k = 0; k < n; k++) {
		char addr[INET6_ADDRSTRLEN];

		stamp_sender_name(&rows[k], addr, sizeof(addr));
		for (int i = 0; i < STAMP_REFL_N; i++) {
			struct prom_label l[2] = {PROM_LABEL("sender", addr),
			                          PROM_LABEL("result", stamp_refl_result_name(i))};

			if (stamp_sender_shown(&rows[k], i))
				prom_sample_u64(w, l, 2, rows[k].c[i]);
		}
	}
}

void reflect_service_write_metrics(struct reflect_service *s, struct prom_writer *w)
{
	uint64_t c[STAMP_REFL_N];

	if (!s)
		return;
	stamp_reflect_pool_counters(s->pool, c);
	prom_family(w, "ipsec_reflector_packets_total", PROM_COUNTER,
	            "STAMP test packets received by the reflector, by what became of them.");
	for (int i = 0; i < STAMP_REFL_N; i++) {
		struct prom_label l = PROM_LABEL("result", stamp_refl_result_name(i));

		prom_sample_u64(w, &l, 1, c[i]);
	}
	write_senders(s->pool, w);
}

void reflect_service_free(struct reflect_service *s)
{
	if (!s)
		return;
	stamp_reflect_pool_free(s->pool);
	free(s);
}
