/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `probes:` section of the configuration file: a list of targets, each probed continuously
 * by `serve`. Parsed from the YAML node the config loader keeps for us; errors name the line.
 * The shape is documented in docs/probes.md.
 */
#ifndef IKEWATCH_PROBE_CONFIG_H
#define IKEWATCH_PROBE_CONFIG_H

#include "probe/probe_sess.h"
#include "probe/probe_stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#define PROBE_NAME_MAX 128

struct probe_target_config {
	char target[PROBE_NAME_MAX]; /* as written: the `target` label */
	char conn[PROBE_NAME_MAX];   /* empty: find the CHILD SA by its remote traffic selector */
	char child[PROBE_NAME_MAX];
	struct probe_target t;
	uint64_t interval_ns, timeout_ns, window_ns;
	enum probe_far_end far_end;
	bool mtu_enabled;
	uint32_t mtu_min, mtu_max, mtu_retries;
	uint64_t mtu_interval_ns;
};

struct probe_config {
	struct probe_target_config *targets;
	size_t n;
};

/* Parse the `probes:` list (@probes_node may be NULL: no probes). 0, -EINVAL with @err, or
 * -ENOMEM. */
int probe_config_parse(yaml_document_t *doc, yaml_node_t *probes_node, struct probe_config **ret,
                       char *err, size_t errlen);
void probe_config_free(struct probe_config *c);

#endif
