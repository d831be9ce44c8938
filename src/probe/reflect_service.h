/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STAMP reflector inside `serve`: the `reflector:` section of the configuration file, the
 * reflector on its `threads` threads (stamp_reflect_pool.h), and its metrics,
 * ipsec_reflector_packets_total{result} and the per-sender rows. YAML shape in docs/probes.md.
 */
#ifndef IKEWATCH_REFLECT_SERVICE_H
#define IKEWATCH_REFLECT_SERVICE_H

#include <stddef.h>
#include <yaml.h>

struct prom_writer;
struct reflect_config;
struct reflect_service;

/* @node may be NULL (no reflector: *ret is NULL). 0, -EINVAL with @err, or -ENOMEM. */
int reflect_config_parse(yaml_document_t *doc, yaml_node_t *node, struct reflect_config **ret,
                         char *err, size_t errlen);
void reflect_config_free(struct reflect_config *c);

/* Bind and start the threads. 0 or -errno (address in use, no permission for port 862). */
int reflect_service_start(const struct reflect_config *c, struct reflect_service **ret);
/* ipsec_reflector_packets_total{result}; thread-safe; NULL writes nothing. */
void reflect_service_write_metrics(struct reflect_service *s, struct prom_writer *w);
void reflect_service_free(struct reflect_service *s);

#endif
