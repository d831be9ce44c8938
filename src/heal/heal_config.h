/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `heal:` section of the configuration file (docs/heal.md), parsed from the YAML node that
 * config.c keeps for it. A codec: no I/O (file paths are only stored), no logging; unknown keys
 * are errors, so that a typo in a brake never silently disables it.
 */
#ifndef IKEWATCH_HEAL_CONFIG_H
#define IKEWATCH_HEAL_CONFIG_H

#include "common/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#define HEAL_DEFAULT_PORT 9918
#define HEAL_DEFAULT_LISTEN "127.0.0.1:9918"
/* The shortest webhook token taken: 16 characters (e.g. `openssl rand -hex 16` gives 32). */
#define HEAL_TOKEN_MIN 16

struct heal_config {
	char listen[64];
	char token_file[256]; /* Authorization: Bearer <contents> */
	char web_config[256]; /* basic auth users (exporter-toolkit web-config) */
	char *allow[HEAL_ALLOW_MAX];
	uint32_t n_allow;
	bool dry_run;
	uint64_t check_interval_ms, alert_ttl_ms;
	uint32_t confirm_checks;
	uint64_t backoff_initial_ms, backoff_max_ms, restart_interval_ms;
	char *restart_argv[HEAL_ARGV_MAX + 1]; /* NULL-terminated; argv[0] an absolute path */
	uint32_t restart_argc;
	char audit_log[256];
	char notify_url[256];
	char bundle_dir[256];
};

void heal_config_defaults(struct heal_config *c);
/* Parse @node (a mapping, or NULL for defaults) of @doc. 0 or -EINVAL with a message. */
int heal_config_parse(yaml_document_t *doc, yaml_node_t *node, struct heal_config *ret, char *err,
                      size_t errlen);
void heal_config_done(struct heal_config *c);
/* The token read from heal.token_file: 0, or -EINVAL with a message naming the key and the
 * minimum length. */
int heal_config_check_token(const char *token, char *err, size_t errlen);
bool heal_config_allowed(const struct heal_config *c, const char *conn);

#endif
