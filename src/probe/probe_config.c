// SPDX-License-Identifier: Apache-2.0
/*
 * Parser of the `probes:` list. Every key is known or an error (a typo must not silently fall
 * back to a default); numbers and durations go through the checked helpers; the HMAC key file
 * is read here so that a bad path fails at start-up, not at the first probe.
 */
#include "probe/probe_config.h"

#include "probe/probe_target.h"

#include "common/limits.h"
#include "common/num.h"
#include "config/config.h"
#include "config/config_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

/* "line N: probes: ..." through the one YAML error helper (the format is a literal) */
#define fail(err, errlen, n, ...) config_fail(err, errlen, n, "probes: " __VA_ARGS__)

static int copy_name(char *dst, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PROBE_NAME_MAX)
		return -EINVAL;
	memcpy(dst, s, n + 1);
	return 0;
}

static int parse_mtu(yaml_document_t *doc, yaml_node_t *m, struct probe_target_config *tc,
                     char *err, size_t errlen)
{
	if (m->type != YAML_MAPPING_NODE)
		return fail(err, errlen, m, "mtu must be a mapping");
	tc->mtu_enabled = true;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		const char *k = config_scalar(yaml_document_get_node(doc, p->key));
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *v = config_scalar(vn);
		uint64_t x;

		if (!k || !v)
			return fail(err, errlen, vn, "mtu: keys and values must be scalars");
		if (strcmp(k, "enabled") == 0) {
			if (config_bool(v, &tc->mtu_enabled) < 0)
				return fail(err, errlen, vn, "mtu.enabled: not a boolean");
		} else if (strcmp(k, "min") == 0 || strcmp(k, "max") == 0) {
			if (num_parse_u64_str(v, PROBE_MTU_LIMIT, &x) < 0 || x < 68)
				return fail(err, errlen, vn, "mtu.%s: 68..65535 expected", k);
			*(k[1] == 'i' ? &tc->mtu_min : &tc->mtu_max) = (uint32_t)x;
		} else if (strcmp(k, "retries") == 0) {
			if (num_parse_u64_str(v, PROBE_MTU_RETRIES_MAX, &x) < 0 || x == 0)
				return fail(err, errlen, vn, "mtu.retries: 1..100 expected");
			tc->mtu_retries = (uint32_t)x;
		} else if (strcmp(k, "interval") == 0) {
			if (num_parse_duration_ms_str(v, 86400000, &x) < 0 || x < 1000)
				return fail(err, errlen, vn, "mtu.interval: 1s..24h expected");
			tc->mtu_interval_ns = x * MS;
		} else {
			return fail(err, errlen, vn, "mtu: unknown key '%s'", k);
		}
	}
	return 0;
}

/* How errors name the fields of a target: the config file's keys. */
static const char *const field_names[PT_N] = {
    [PT_TARGET] = "target",     [PT_PORT] = "port", [PT_SOURCE] = "source",
    [PT_KEY] = "hmac_key_file", [PT_SIZE] = "size", [PT_MTU_MIN] = "mtu.min",
    [PT_MTU_MAX] = "mtu.max",
};

static int parse_one(yaml_document_t *doc, yaml_node_t *item, struct probe_target_config *tc,
                     char *err, size_t errlen)
{
	struct probe_target_spec spec;
	const char *target = NULL;
	char why[320];
	uint64_t x, port = 0;
	bool has_port = false;
	int e;

	if (item->type != YAML_MAPPING_NODE)
		return fail(err, errlen, item, "each probe must be a mapping");
	probe_target_spec_init(&spec, field_names);
	spec.no_port = true;
	*tc = (struct probe_target_config){.interval_ns = PROBE_INTERVAL_DEFAULT_NS,
	                                   .timeout_ns = PROBE_TIMEOUT_DEFAULT_NS,
	                                   .window_ns = 10000 * MS,
	                                   .mtu_max = PROBE_MTU_MAX_DEFAULT,
	                                   .mtu_retries = PROBE_MTU_RETRIES_DEFAULT,
	                                   .mtu_interval_ns = 300000 * MS};
	for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top;
	     p++) {
		const char *k = config_scalar(yaml_document_get_node(doc, p->key));
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *v = config_scalar(vn);

		if (!k)
			return fail(err, errlen, vn, "keys must be scalars");
		if (strcmp(k, "mtu") == 0) {
			e = parse_mtu(doc, vn, tc, err, errlen);
			if (e < 0)
				return e;
			continue;
		}
		if (!v)
			return fail(err, errlen, vn, "%s: a scalar value expected", k);
		if (strcmp(k, "target") == 0) {
			target = v;
		} else if (strcmp(k, "port") == 0) {
			if (num_parse_u64_str(v, 65535, &port) < 0 || port == 0)
				return fail(err, errlen, vn, "port: 1..65535 expected");
			has_port = true;
		} else if (strcmp(k, "module") == 0) {
			if (probe_module_parse(v, &spec.module) < 0)
				return fail(err, errlen, vn,
				            "module: stamp, icmp, tcp or udp expected");
		} else if (strcmp(k, "conn") == 0) {
			if (copy_name(tc->conn, v) < 0)
				return fail(err, errlen, vn, "conn: bad name");
		} else if (strcmp(k, "child") == 0) {
			if (copy_name(tc->child, v) < 0)
				return fail(err, errlen, vn, "child: bad name");
		} else if (strcmp(k, "interval") == 0 || strcmp(k, "timeout") == 0 ||
		           strcmp(k, "window") == 0) {
			/* sub-second intervals are fine ("200ms"); the floor is the probes' one */
			if (num_parse_duration_ms_str(v, PROBE_INTERVAL_MAX_NS / MS, &x) < 0 ||
			    x * MS < PROBE_INTERVAL_MIN_NS)
				return fail(err, errlen, vn, "%s: a duration of 10ms..1h expected",
				            k);
			*(k[0] == 'i'   ? &tc->interval_ns
			  : k[0] == 't' ? &tc->timeout_ns
			                : &tc->window_ns) = x * MS;
		} else if (strcmp(k, "size") == 0) {
			if (num_parse_u64_str(v, PROBE_SIZE_MAX, &x) < 0)
				return fail(err, errlen, vn, "size: 0..%u expected",
				            PROBE_SIZE_MAX);
			spec.size = (uint32_t)x;
		} else if (strcmp(k, "dscp") == 0) {
			if (num_parse_u64_str(v, 63, &x) < 0)
				return fail(err, errlen, vn, "dscp: 0..63 expected");
			spec.dscp = (int)x;
		} else if (strcmp(k, "source") == 0) {
			spec.source = v;
		} else if (strcmp(k, "hmac_key_file") == 0) {
			spec.key_file = v;
		} else if (strcmp(k, "ssid") == 0) {
			if (num_parse_u64_str(v, 65535, &x) < 0)
				return fail(err, errlen, vn, "ssid: 0..65535 expected");
			spec.ssid = (uint16_t)x;
		} else if (strcmp(k, "reflector") == 0) {
			if (strcmp(v, "auto") == 0)
				tc->far_end = PROBE_FAR_AUTO;
			else if (strcmp(v, "stateful") == 0)
				tc->far_end = PROBE_FAR_STATEFUL;
			else if (strcmp(v, "stateless") == 0)
				tc->far_end = PROBE_FAR_STATELESS;
			else
				return fail(err, errlen, vn,
				            "reflector: auto, stateful or stateless");
		} else {
			return fail(err, errlen, vn, "unknown key '%s'", k);
		}
	}
	if (!target || copy_name(tc->target, target) < 0)
		return fail(err, errlen, item, "target: an IP address is required");
	if (spec.module == PROBE_MOD_TCP && !has_port)
		return fail(err, errlen, item, "target %s: module tcp needs a port", target);
	spec.target = target;
	spec.port = (uint16_t)port;
	if (probe_target_build(&spec, &tc->t, why, sizeof(why)) < 0)
		return fail(err, errlen, item, "%s", why);
	if (tc->t.module != PROBE_MOD_STAMP)
		tc->far_end = PROBE_FAR_STATELESS;
	/* the MTU search starts where the family allows: 1280 for IPv6, not IPv4's 576 */
	if (tc->mtu_min == 0)
		tc->mtu_min = probe_mtu_min_default(tc->t.addr.ss_family);
	if (tc->mtu_enabled && probe_target_check_mtu(&tc->t, tc->mtu_min, tc->mtu_max, field_names,
	                                              why, sizeof(why)) < 0)
		return fail(err, errlen, item, "%s", why);
	if (tc->child[0] && !tc->conn[0])
		return fail(err, errlen, item, "child without conn");
	return 0;
}

int probe_config_parse(yaml_document_t *doc, yaml_node_t *probes_node, struct probe_config **ret,
                       char *err, size_t errlen)
{
	struct probe_config *c;
	size_t n;
	int e;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (!probes_node) {
		*ret = c;
		return 0;
	}
	if (probes_node->type != YAML_SEQUENCE_NODE) {
		free(c);
		return fail(err, errlen, probes_node, "a list of targets expected");
	}
	n = (size_t)(probes_node->data.sequence.items.top - probes_node->data.sequence.items.start);
	if (n > PROBE_MAX_TARGETS) {
		free(c);
		return fail(err, errlen, probes_node, "more than %d targets", PROBE_MAX_TARGETS);
	}
	c->targets = calloc(n ? n : 1, sizeof(*c->targets));
	if (!c->targets) {
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item =
		    yaml_document_get_node(doc, probes_node->data.sequence.items.start[i]);

		if (!item) {
			e = fail(err, errlen, probes_node, "bad list item");
			goto out_free;
		}
		e = parse_one(doc, item, &c->targets[i], err, errlen);
		if (e < 0)
			goto out_free;
		c->n++;
	}
	*ret = c;
	return 0;
out_free:
	probe_config_free(c);
	return e;
}

void probe_config_free(struct probe_config *c)
{
	if (!c)
		return;
	if (c->targets)
		explicit_bzero(c->targets, c->n * sizeof(*c->targets));
	free(c->targets);
	free(c);
}
