/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events module of serve (issue 3) in one piece: the counter store, the VICI event stream
 * and one log source (VICI `log` events, the journal, a followed file or stdin), configured by
 * the `events:` section of the config file:
 *
 *   events:
 *     stream: true           # VICI event connection for lifecycle events (default true)
 *     log_source: vici       # vici (default) | journal | file | stdin | none
 *     log_file: /var/log/charon.log   # log_source: file
 *     state_file: /var/lib/ikewatch/events.state   # journal cursor / file offset (default none)
 *     from_start: false      # without state: read existing lines too (default: only new ones)
 *
 * With stream: false, IKE/CHILD lifecycle events are counted from log lines instead.
 */
#ifndef IKEWATCH_EVENTS_SERVICE_H
#define IKEWATCH_EVENTS_SERVICE_H

#include "events/event_counters.h"
#include "events/event_stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct prom_writer;

enum events_log_source {
	EVENTS_LOG_VICI = 0,
	EVENTS_LOG_JOURNAL,
	EVENTS_LOG_FILE,
	EVENTS_LOG_STDIN,
	EVENTS_LOG_NONE,
};

struct events_config {
	bool stream;
	enum events_log_source log_source;
	char *log_file;   /* owned */
	char *state_file; /* owned, or NULL */
	bool from_start;
};

/* Defaults (stream on, log via VICI). */
void events_config_defaults(struct events_config *c);
/* Parse the `events:` mapping (@node may be NULL: defaults). 0, or -EINVAL with @err. */
int events_config_parse(yaml_document_t *doc, yaml_node_t *node, struct events_config *ret,
                        char *err, size_t errlen);
/* Set one option by name ("stream", "log_source", ...), for command-line flags. */
int events_config_set(struct events_config *c, const char *key, const char *value, char *err,
                      size_t errlen);
void events_config_done(struct events_config *c);

struct events_service;

/* Start the threads. @vici_socket is charon's socket; CHILD SAs that end are retired into @sac
 * (may be NULL) with their final counters. NULL on failure (*ret_err = -errno). */
struct events_service *events_service_start(const struct events_config *cfg,
                                            const char *vici_socket, struct sa_counters *sac,
                                            int *ret_err);
/* Stop the threads (saving log positions) and free everything. NULL is a no-op. */
void events_service_stop(struct events_service *s);
/* All event metrics: counters, stream and source health. */
void events_service_write_metrics(struct events_service *s, struct prom_writer *w);
/* The counter store, e.g. for event_counters_touch_conn(). */
struct event_counters *events_service_counters(struct events_service *s);

#endif
