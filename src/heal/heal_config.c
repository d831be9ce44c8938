// SPDX-License-Identifier: Apache-2.0
/*
 * Parsing of `heal:`. Durations go through num_parse_duration_ms, counts through num_parse_u64;
 * the restart command is an argv list whose first element must be an absolute path, because it
 * is run with posix_spawn and never through a shell.
 */
#include "heal/heal_config.h"

#include "common/num.h"
#include "config/config.h"
#include "config/config_error.h"
#include "heal/heal_webhook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void heal_config_defaults(struct heal_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "%s", HEAL_DEFAULT_LISTEN);
	c->check_interval_ms = 10000;
	c->alert_ttl_ms = 10 * 60000;
	c->confirm_checks = 3;
	c->backoff_initial_ms = 30000;
	c->backoff_max_ms = 30 * 60000;
	c->restart_interval_ms = 15 * 60000;
}

void heal_config_done(struct heal_config *c)
{
	for (uint32_t i = 0; i < c->n_allow; i++)
		free(c->allow[i]);
	for (uint32_t i = 0; i < c->restart_argc; i++)
		free(c->restart_argv[i]);
	memset(c, 0, sizeof(*c));
}

bool heal_config_allowed(const struct heal_config *c, const char *conn)
{
	for (uint32_t i = 0; i < c->n_allow; i++)
		if (strcmp(c->allow[i], conn) == 0)
			return true;
	return false;
}

/* errors without a position; heal_config_parse() adds "line N: " (the one YAML error helper) */
#define fail(err, errlen, ...) config_fail(err, errlen, NULL, __VA_ARGS__)

static int set_path(char *dst, size_t cap, const char *v, const char *key, char *err, size_t errlen)
{
	if (strlen(v) >= cap)
		return fail(err, errlen, "heal: %s: too long", key);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_dur(uint64_t *dst, const char *v, const char *key, char *err, size_t errlen)
{
	if (num_parse_duration_ms_str(v, 7ull * 86400000ull, dst) < 0)
		return fail(err, errlen, "heal: %s: '%s' is not a duration", key, v);
	return 0;
}

static int take_list(yaml_document_t *doc, yaml_node_t *n, char **out, uint32_t max,
                     uint32_t *ret_n, const char *key, char *err, size_t errlen)
{
	uint32_t k = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(err, errlen, "heal: %s: expected a list", key);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const char *s = config_scalar(yaml_document_get_node(doc, *it));

		if (!s)
			return fail(err, errlen, "heal: %s: items must be strings", key);
		if (k >= max)
			return fail(err, errlen, "heal: %s: more than %u items", key, max);
		out[k] = strdup(s);
		if (!out[k])
			return -ENOMEM;
		*ret_n = ++k;
	}
	return 0;
}

static int take_key(yaml_document_t *doc, const char *key, yaml_node_t *vn, struct heal_config *c,
                    char *err, size_t errlen)
{
	const char *v = config_scalar(vn);
	uint64_t u;
	int r;

	if (strcmp(key, "allowlist") == 0) {
		r = take_list(doc, vn, c->allow, HEAL_ALLOW_MAX, &c->n_allow, key, err, errlen);
		for (uint32_t i = 0; r == 0 && i < c->n_allow; i++)
			if (!heal_name_valid(c->allow[i], strlen(c->allow[i])))
				r = fail(err, errlen,
				         "heal: allowlist: '%s' is not a connection name",
				         c->allow[i]);
		return r;
	}
	if (strcmp(key, "restart_command") == 0) {
		r = take_list(doc, vn, c->restart_argv, HEAL_ARGV_MAX, &c->restart_argc, key, err,
		              errlen);
		if (r == 0 && (c->restart_argc == 0 || c->restart_argv[0][0] != '/'))
			r = fail(err, errlen,
			         "heal: restart_command: an argv list starting with an "
			         "absolute path");
		return r;
	}
	if (!v)
		return fail(err, errlen, "heal: %s: expected a scalar", key);
	if (strcmp(key, "listen") == 0)
		return set_path(c->listen, sizeof(c->listen), v, key, err, errlen);
	if (strcmp(key, "token_file") == 0)
		return set_path(c->token_file, sizeof(c->token_file), v, key, err, errlen);
	if (strcmp(key, "web_config") == 0)
		return set_path(c->web_config, sizeof(c->web_config), v, key, err, errlen);
	if (strcmp(key, "audit_log") == 0)
		return set_path(c->audit_log, sizeof(c->audit_log), v, key, err, errlen);
	if (strcmp(key, "notify_url") == 0) {
		if (strncmp(v, "http://", 7) != 0)
			return fail(err, errlen, "heal: notify_url: only http:// URLs");
		return set_path(c->notify_url, sizeof(c->notify_url), v, key, err, errlen);
	}
	if (strcmp(key, "bundle_dir") == 0)
		return set_path(c->bundle_dir, sizeof(c->bundle_dir), v, key, err, errlen);
	if (strcmp(key, "dry_run") == 0) {
		if (config_bool(v, &c->dry_run) < 0)
			return fail(err, errlen, "heal: dry_run: expected true or false");
		return 0;
	}
	if (strcmp(key, "confirm_checks") == 0) {
		if (num_parse_u64_str(v, 100, &u) < 0 || u == 0)
			return fail(err, errlen, "heal: confirm_checks: 1..100");
		c->confirm_checks = (uint32_t)u;
		return 0;
	}
	if (strcmp(key, "check_interval") == 0)
		return set_dur(&c->check_interval_ms, v, key, err, errlen);
	if (strcmp(key, "alert_ttl") == 0)
		return set_dur(&c->alert_ttl_ms, v, key, err, errlen);
	if (strcmp(key, "backoff_initial") == 0)
		return set_dur(&c->backoff_initial_ms, v, key, err, errlen);
	if (strcmp(key, "backoff_max") == 0)
		return set_dur(&c->backoff_max_ms, v, key, err, errlen);
	if (strcmp(key, "restart_interval") == 0)
		return set_dur(&c->restart_interval_ms, v, key, err, errlen);
	return fail(err, errlen, "heal: unknown key '%s'", key);
}

int heal_config_parse(yaml_document_t *doc, yaml_node_t *node, struct heal_config *ret, char *err,
                      size_t errlen)
{
	struct heal_config c;
	char sub[400] = "";
	int r = 0;

	heal_config_defaults(&c);
	if (node && node->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     r == 0 && p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(doc, p->key);
			yaml_node_t *vn = yaml_document_get_node(doc, p->value);
			const char *key = config_scalar(kn);

			if (!key)
				r = config_fail(err, errlen, kn, "heal: keys must be strings");
			else if ((r = take_key(doc, key, vn, &c, sub, sizeof(sub))) < 0)
				config_fail(err, errlen, vn, "%s", sub);
		}
	} else if (node && !(node->type == YAML_SCALAR_NODE && !node->data.scalar.length)) {
		r = config_fail(err, errlen, node, "heal: expected a mapping");
	}
	if (r == 0 && c.check_interval_ms < 100)
		r = fail(err, errlen, "heal: check_interval: at least 100ms");
	if (r == 0 && c.backoff_max_ms < c.backoff_initial_ms)
		r = fail(err, errlen, "heal: backoff_max is below backoff_initial");
	if (r < 0) {
		heal_config_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int heal_config_check_token(const char *token, char *err, size_t errlen)
{
	size_t n = strlen(token);

	if (n < HEAL_TOKEN_MIN)
		return fail(
		    err, errlen,
		    "heal: token_file: the token has %zu characters, at least %d are needed", n,
		    HEAL_TOKEN_MIN);
	return 0;
}
