// SPDX-License-Identifier: Apache-2.0
/*
 * The events module (see events_service.h): configuration, then start in dependency order
 * (counters, event stream, log source thread), stop in reverse. The log source runs on its own
 * thread; the event stream has its own; scrapes only take the counter store's mutex briefly.
 */
#include "events/events_service.h"

#include "common/log.h"
#include "config/config.h"
#include "config/config_error.h"
#include "events/event_feed.h"
#include "events/event_stream.h"
#include "logs/log_source_file.h"
#include "logs/log_source_journal.h"
#include "logs/log_source_stdin.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const source_names[] = {
    [EVENTS_LOG_VICI] = "vici",   [EVENTS_LOG_JOURNAL] = "journal", [EVENTS_LOG_FILE] = "file",
    [EVENTS_LOG_STDIN] = "stdin", [EVENTS_LOG_NONE] = "none",
};

void events_config_defaults(struct events_config *c)
{
	memset(c, 0, sizeof(*c));
	c->stream = true;
	c->log_source = EVENTS_LOG_VICI;
}

void events_config_done(struct events_config *c)
{
	free(c->log_file);
	free(c->state_file);
	c->log_file = c->state_file = NULL;
}

/* errors without a position; the section parser adds "line N: " (the one YAML error helper) */
#define fail(err, errlen, ...) config_fail(err, errlen, NULL, __VA_ARGS__)

static int set_path(char **dst, const char *value, const char *key, char *err, size_t errlen)
{
	char *p;

	if (!value[0] || strlen(value) >= 4096)
		return fail(err, errlen, "%s: want a path", key);
	p = strdup(value);
	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

int events_config_set(struct events_config *c, const char *key, const char *value, char *err,
                      size_t errlen)
{
	if (!key || !value)
		return fail(err, errlen, "missing value");
	if (strcmp(key, "stream") == 0) {
		if (config_bool(value, &c->stream) < 0)
			return fail(err, errlen, "stream: want true or false, not '%s'", value);
		return 0;
	}
	if (strcmp(key, "from_start") == 0) {
		if (config_bool(value, &c->from_start) < 0)
			return fail(err, errlen, "from_start: want true or false, not '%s'", value);
		return 0;
	}
	if (strcmp(key, "log_source") == 0) {
		for (size_t i = 0; i < sizeof(source_names) / sizeof(source_names[0]); i++)
			if (strcmp(value, source_names[i]) == 0) {
				c->log_source = (enum events_log_source)i;
				return 0;
			}
		return fail(err, errlen,
		            "log_source: want vici, journal, file, stdin or none, not '%s'", value);
	}
	if (strcmp(key, "log_file") == 0)
		return set_path(&c->log_file, value, key, err, errlen);
	if (strcmp(key, "state_file") == 0)
		return set_path(&c->state_file, value, key, err, errlen);
	return fail(err, errlen, "unknown key '%s'", key);
}

int events_config_parse(yaml_document_t *doc, yaml_node_t *node, struct events_config *ret,
                        char *err, size_t errlen)
{
	struct events_config c;
	char sub[400];
	int r;

	events_config_defaults(&c);
	if (node && node->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(doc, p->key);
			yaml_node_t *vn = yaml_document_get_node(doc, p->value);
			const char *k = config_scalar(kn), *v = config_scalar(vn);

			if (!k || !v) {
				events_config_done(&c);
				return config_fail(err, errlen, kn, "events: want 'key: value'");
			}
			r = events_config_set(&c, k, v, sub, sizeof(sub));
			if (r < 0) {
				events_config_done(&c);
				if (r == -EINVAL)
					config_fail(err, errlen, vn, "events: %s", sub);
				return r;
			}
		}
	} else if (node && !(node->type == YAML_SCALAR_NODE && config_scalar(node) &&
	                     !config_scalar(node)[0])) {
		return config_fail(err, errlen, node, "events: want a mapping");
	}
	if (c.log_source == EVENTS_LOG_FILE && !c.log_file) {
		events_config_done(&c);
		return fail(err, errlen, "events: log_source file needs log_file");
	}
	*ret = c;
	return 0;
}

struct events_service {
	struct event_counters *ec;
	struct event_stream *stream;
	struct event_feed feed;
	enum events_log_source source;
	struct log_file_source *file;
	struct log_journal_source *journal;
	pthread_t thread;
	bool thread_started;
	struct stopper stop;
	atomic_bool source_ended;
};

static void *source_main(void *arg)
{
	struct events_service *s = arg;
	struct log_sink sink = event_feed_sink(&s->feed);

	switch (s->source) {
	case EVENTS_LOG_FILE:
		log_file_source_run(s->file, &s->stop);
		break;
	case EVENTS_LOG_JOURNAL:
		log_journal_source_run(s->journal, &s->stop);
		break;
	case EVENTS_LOG_STDIN: {
		int r = log_stdin_source_run(STDIN_FILENO, &sink, &s->stop, NULL);

		if (r < 0)
			log_warn("events: stdin: %s", strerror(-r));
		else if (!stopper_stopped(&s->stop))
			log_info("events: end of stdin");
		break;
	}
	default:
		break;
	}
	atomic_store(&s->source_ended, true);
	return NULL;
}

struct events_service *events_service_start(const struct events_config *cfg,
                                            const char *vici_socket, struct sa_counters *sac,
                                            int *ret_err)
{
	struct events_service *s = calloc(1, sizeof(*s));
	struct log_sink sink;
	int r = -ENOMEM;

	if (!s)
		goto out_err;
	r = stopper_init(&s->stop);
	if (r < 0)
		goto out_free;
	r = -ENOMEM;
	s->ec = event_counters_new();
	if (!s->ec)
		goto out_free;
	s->source = cfg->log_source;
	s->feed.ec = s->ec;
	/* lifecycle events from log lines only when no VICI event stream counts them */
	s->feed.lifecycle = !cfg->stream;
	sink = event_feed_sink(&s->feed);
	if (cfg->stream || cfg->log_source == EVENTS_LOG_VICI) {
		struct event_stream_opts o = {
		    .socket = vici_socket,
		    .with_log = cfg->log_source == EVENTS_LOG_VICI,
		    .sa_counters = sac,
		};

		s->stream = event_stream_new(&o, s->ec);
		if (!s->stream)
			goto out_free;
	}
	if (cfg->log_source == EVENTS_LOG_FILE) {
		struct log_file_opts o = {
		    .path = cfg->log_file,
		    .state_path = cfg->state_file,
		    .from_start = cfg->from_start,
		};

		s->file = log_file_source_new(&o, &sink);
		r = -EINVAL;
		if (!s->file)
			goto out_free;
		/* open and position now, so that "new lines" means lines from serve's start on; a
		 * file that is not there yet is retried by the thread */
		r = log_file_source_poll(s->file);
		if (r < 0)
			log_warn("events: %s: %s (will retry)", cfg->log_file, strerror(-r));
	} else if (cfg->log_source == EVENTS_LOG_JOURNAL) {
		struct log_journal_opts o = {
		    .state_path = cfg->state_file,
		    .from_start = cfg->from_start,
		};

		s->journal = log_journal_source_new(&o, &sink, &r);
		if (!s->journal)
			goto out_free;
	}
	if (s->stream) {
		r = event_stream_start(s->stream);
		if (r < 0)
			goto out_free;
	}
	if (s->file || s->journal || s->source == EVENTS_LOG_STDIN) {
		r = -pthread_create(&s->thread, NULL, source_main, s);
		if (r < 0)
			goto out_free;
		pthread_setname_np(s->thread, "log-source"); /* top -H, bench_idle.sh */
		s->thread_started = true;
	}
	log_info("events: stream %s, log source %s", s->stream ? "on" : "off",
	         source_names[s->source]);
	return s;

out_free:
	events_service_stop(s);
out_err:
	if (ret_err)
		*ret_err = r;
	return NULL;
}

void events_service_stop(struct events_service *s)
{
	if (!s)
		return;
	stopper_stop(&s->stop);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	event_stream_free(s->stream);
	log_file_source_free(s->file);
	log_journal_source_free(s->journal);
	event_counters_free(s->ec);
	stopper_done(&s->stop);
	free(s);
}

struct event_counters *events_service_counters(struct events_service *s)
{
	return s ? s->ec : NULL;
}

void events_service_write_metrics(struct events_service *s, struct prom_writer *w)
{
	if (!s)
		return;
	event_counters_write_metrics(s->ec, w);
	if (s->stream)
		event_stream_write_metrics(s->stream, w);
	if (s->file) {
		struct log_file_stats st;

		log_file_source_stats(s->file, &st);
		prom_family(w, "ikewatch_log_file_rotations_total", PROM_COUNTER,
		            "Times the followed charon log file was replaced (rotated).");
		prom_sample_u64(w, NULL, 0, st.rotations);
		prom_family(w, "ikewatch_log_file_truncations_total", PROM_COUNTER,
		            "Times the followed charon log file was truncated in place.");
		prom_sample_u64(w, NULL, 0, st.truncations);
	}
}
