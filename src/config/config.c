// SPDX-License-Identifier: Apache-2.0
/*
 * Configuration file parsing with libyaml's document API (see config.h). Each section is a
 * table of {key, parser}; the parsers are the checked helpers of common/num.h.
 */
#include "config/config.h"

#include "build_config.h"
#include "common/file_read.h"
#include "common/limits.h"
#include "common/num.h"
#include "config/config_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->web_listen[0] = CONFIG_DEFAULT_LISTEN;
	c->n_web_listen = 1;
	c->vici_socket = IKEWATCH_DEFAULT_VICI_SOCKET;
	c->vici_timeout_ms = VICI_TIMEOUT_MS;
	c->cert_interval_s = 60;
	c->log_level = LOG_LEVEL_INFO;
	c->log_format = LOG_FORMAT_LOGFMT;
}

void config_done(struct config *c)
{
	if (c->has_doc)
		yaml_document_delete(&c->doc);
	config_defaults(c);
}

yaml_node_t *config_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

const char *config_scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int config_bool(const char *s, bool *ret)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
		*ret = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

struct config_key {
	const char *name;
	int (*parse)(struct config *c, yaml_node_t *value, char *err, size_t errlen);
};

static int want_scalar(yaml_node_t *v, const char *key, const char **ret, char *err, size_t n)
{
	const char *s = config_scalar(v);

	if (!s || !*s)
		return config_fail(err, n, v, "%s: expected a non-empty value", key);
	*ret = s;
	return 0;
}

static int parse_duration(yaml_node_t *v, const char *key, uint64_t max_ms, uint64_t *ret,
                          char *err, size_t n)
{
	const char *s = NULL;

	if (want_scalar(v, key, &s, err, n) < 0)
		return -EINVAL;
	if (num_parse_duration_ms_str(s, max_ms, ret) < 0)
		return config_fail(err, n, v, "%s: '%s' is not a duration (e.g. 500ms, 5s, 2m)",
		                   key, s);
	return 0;
}

/* One address, or a list of them: serve listens on every one. */
static int p_web_listen(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	yaml_node_item_t *it;
	size_t k = 0;

	if (v->type != YAML_SEQUENCE_NODE) {
		c->n_web_listen = 1;
		return want_scalar(v, "web.listen_address", &c->web_listen[0], err, n);
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, k++) {
		if (k == HTTP_LISTEN_MAX)
			return config_fail(err, n, v, "web.listen_address: at most %d addresses",
			                   HTTP_LISTEN_MAX);
		if (want_scalar(yaml_document_get_node(&c->doc, *it), "web.listen_address",
		                &c->web_listen[k], err, n) < 0)
			return -EINVAL;
	}
	if (k == 0)
		return config_fail(err, n, v, "web.listen_address: the list is empty");
	c->n_web_listen = k;
	return 0;
}

static int p_web_systemd(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	if (config_bool(config_scalar(v), &c->web_systemd_socket) < 0)
		return config_fail(err, n, v, "web.systemd_socket: expected true or false");
	return 0;
}

static int p_web_config(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	return want_scalar(v, "web.config_file", &c->web_config_file, err, n);
}

static int p_vici_socket(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	return want_scalar(v, "vici.socket", &c->vici_socket, err, n);
}

static int p_vici_swanctl_conf(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	return want_scalar(v, "vici.swanctl_conf", &c->swanctl_conf, err, n);
}

static int p_vici_strongswan_conf(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	return want_scalar(v, "vici.strongswan_conf", &c->strongswan_conf, err, n);
}

static int p_vici_timeout(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	uint64_t ms;

	if (parse_duration(v, "vici.timeout", 600000, &ms, err, n) < 0)
		return -EINVAL;
	if (ms == 0)
		return config_fail(err, n, v, "vici.timeout: must be more than 0");
	c->vici_timeout_ms = (unsigned)ms;
	return 0;
}

static int p_redact(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	if (config_bool(config_scalar(v), &c->redact_identities) < 0)
		return config_fail(err, n, v, "exporter.redact_identities: expected true or false");
	return 0;
}

static int p_cert_interval(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	uint64_t ms;

	if (parse_duration(v, "exporter.cert_interval", 86400000, &ms, err, n) < 0)
		return -EINVAL;
	c->cert_interval_s = (unsigned)(ms / 1000);
	return 0;
}

static int p_log_level(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	const char *s = config_scalar(v);

	if (!s || log_level_parse(s, &c->log_level) < 0)
		return config_fail(err, n, v, "log.level: expected error, warn, info or debug");
	return 0;
}

static int p_log_format(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	const char *s = config_scalar(v);

	if (!s || log_format_parse(s, &c->log_format) < 0)
		return config_fail(err, n, v, "log.format: expected logfmt or json");
	return 0;
}

static int p_clock_max_error(struct config *c, yaml_node_t *v, char *err, size_t n)
{
	uint64_t ms;

	if (parse_duration(v, "clock.max_error", 10000, &ms, err, n) < 0)
		return -EINVAL;
	if (ms == 0)
		return config_fail(err, n, v, "clock.max_error: from 1ms to 10s");
	c->clock_max_error_us = (unsigned)(ms * 1000);
	return 0;
}

static const struct config_key web_keys[] = {
    {"listen_address", p_web_listen},
    {"systemd_socket", p_web_systemd},
    {"config_file", p_web_config},
    {NULL, NULL},
};
static const struct config_key vici_keys[] = {
    {"socket", p_vici_socket},
    {"timeout", p_vici_timeout},
    {"swanctl_conf", p_vici_swanctl_conf},
    {"strongswan_conf", p_vici_strongswan_conf},
    {NULL, NULL},
};
static const struct config_key exporter_keys[] = {
    {"redact_identities", p_redact},
    {"cert_interval", p_cert_interval},
    {NULL, NULL},
};
static const struct config_key clock_keys[] = {
    {"max_error", p_clock_max_error},
    {NULL, NULL},
};
static const struct config_key log_keys[] = {
    {"level", p_log_level},
    {"format", p_log_format},
    {NULL, NULL},
};

static const struct {
	const char *name;
	const struct config_key *keys; /* NULL: kept as a node for its module */
	size_t node_offset;
} sections[] = {
    {"web", web_keys, 0},
    {"vici", vici_keys, 0},
    {"exporter", exporter_keys, 0},
    {"log", log_keys, 0},
    {"clock", clock_keys, 0},
    {"probes", NULL, offsetof(struct config, probes)},
    {"reflector", NULL, offsetof(struct config, reflector)},
    {"events", NULL, offsetof(struct config, events)},
    {"heal", NULL, offsetof(struct config, heal)},
};

static int parse_section(struct config *c, const char *sec, const struct config_key *keys,
                         yaml_node_t *map, char *err, size_t n)
{
	if (map->type != YAML_MAPPING_NODE)
		return config_fail(err, n, map, "%s: expected a mapping", sec);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->doc, p->value);
		const char *name = config_scalar(k);
		const struct config_key *key;

		if (!name || !v)
			return config_fail(err, n, k, "%s: keys must be plain names", sec);
		for (key = keys; key->name && strcmp(key->name, name) != 0; key++)
			;
		if (!key->name)
			return config_fail(err, n, k, "%s: unknown key '%s'", sec, name);
		if (key->parse(c, v, err, n) < 0)
			return -EINVAL;
	}
	return 0;
}

int config_parse(const char *text, size_t len, struct config *c, char *err, size_t n)
{
	yaml_parser_t parser;
	yaml_node_t *root;
	int r;

	config_defaults(c);
	if (len > CONFIG_FILE_MAX)
		return config_fail(err, n, NULL, "file larger than %u bytes", CONFIG_FILE_MAX);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	r = yaml_parser_load(&parser, &c->doc);
	if (!r) {
		config_fail_at(err, n, &parser.problem_mark, "%s",
		               parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	c->has_doc = true;
	root = yaml_document_get_root_node(&c->doc);
	/* an empty file, or one with only "---" and comments (a null root): all defaults */
	if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		return 0;
	if (root->type != YAML_MAPPING_NODE) {
		r = config_fail(err, n, root, "the top level must be a mapping");
		goto out_fail;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->doc, p->value);
		const char *name = config_scalar(k);
		size_t i;

		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (name && strcmp(name, sections[i].name) == 0)
				break;
		if (i == sizeof(sections) / sizeof(sections[0]) || !v) {
			r = config_fail(err, n, k, "unknown section '%s'", name ? name : "?");
			goto out_fail;
		}
		if (sections[i].keys) {
			r = parse_section(c, name, sections[i].keys, v, err, n);
			if (r < 0)
				goto out_fail;
		} else {
			*(yaml_node_t **)((char *)c + sections[i].node_offset) = v;
		}
	}
	return 0;
out_fail:
	config_done(c);
	return r;
}

int config_load(const char *path, struct config *c, char *err, size_t n)
{
	char *text;
	size_t len;
	int r;

	config_defaults(c);
	r = file_read_all(path, CONFIG_FILE_MAX, &text, &len);
	if (r == -EFBIG) {
		snprintf(err, n, "%s: larger than %u bytes", path, CONFIG_FILE_MAX);
		return r;
	}
	if (r < 0) {
		snprintf(err, n, "%s: %s", path, strerror(-r));
		return r;
	}
	r = config_parse(text, len, c, err, n);
	free(text);
	if (r < 0) {
		/* prefix the path to the message, keeping it one line */
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		snprintf(err, n, "%s", tmp);
	}
	return r;
}
