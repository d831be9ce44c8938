/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file (YAML, as everything else in the Prometheus world). config_parse() is
 * a codec: bytes in, struct config out, or -EINVAL with a message naming the line and the key;
 * config_load() reads the file (at most CONFIG_FILE_MAX bytes) and parses it. Unknown keys are
 * errors, so a typo never silently falls back to a default. Sections owned by other modules
 * (probes, reflector, events, heal) are kept as YAML nodes for those modules to parse.
 */
#ifndef IKEWATCH_CONFIG_H
#define IKEWATCH_CONFIG_H

#include "common/limits.h"
#include "common/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define CONFIG_DEFAULT_LISTEN "127.0.0.1:9917"

struct config {
	yaml_document_t doc;
	bool has_doc;
	/* web: listen_address, one or a list (at least one; as repeated --web.listen-address) */
	const char *web_listen[HTTP_LISTEN_MAX];
	size_t n_web_listen;
	bool web_systemd_socket;     /* the sockets systemd passes instead of web_listen */
	const char *web_config_file; /* NULL: plain HTTP */
	/* vici: */
	const char *vici_socket;
	unsigned vici_timeout_ms;
	const char *swanctl_conf;    /* the configured proposals' source; NULL: swanctl's default */
	const char *strongswan_conf; /* charon's retransmit settings; NULL: /etc/strongswan.conf */
	/* exporter: */
	bool redact_identities;
	unsigned cert_interval_s;
	/* log: */
	enum log_level log_level;
	enum log_format log_format;
	/* clock: the operator's bound on this clock's error, 0: trust the kernel (stamp_clock.h) */
	unsigned clock_max_error_us;
	/* other modules' sections, or NULL */
	yaml_node_t *probes, *reflector, *events, *heal;
};

/* Defaults only (what `serve` uses without --config). */
void config_defaults(struct config *c);
int config_parse(const char *text, size_t len, struct config *ret, char *err, size_t errlen);
int config_load(const char *path, struct config *ret, char *err, size_t errlen);
void config_done(struct config *c);

/* Helpers for module parsers: the value of @key in mapping @map, or NULL. */
yaml_node_t *config_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
/* A scalar's text (NUL-terminated by libyaml), or NULL if @n is not a scalar. */
const char *config_scalar(yaml_node_t *n);
/* "true"/"false"/"yes"/"no" -> 0 and *ret, else -EINVAL. */
int config_bool(const char *s, bool *ret);

#endif
