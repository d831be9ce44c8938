// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch serve": the exporter daemon. Reads like a table of contents: options, config,
 * the collector (VICI), the HTTP endpoint, readiness to systemd, wait for a signal, tear down
 * in reverse order.
 */
#include "cmd/cmd.h"
#include "cmd/charon_opts.h"
#include "cmd/daemon_source.h"

#include "common/limits.h"
#include "common/log.h"
#include "common/service_manager.h"
#include "events/event_silence.h"
#include "events/events_service.h"
#include "exporter/collector.h"
#include "http/http_negotiate.h"
#include "http/http_server.h"
#include "probe/probe_set.h"
#include "probe/reflect_service.h"
#include "prom/prom_writer.h"
#include "status/status_page.h"
#include "stamp/stamp_clock.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct serve {
	struct config cfg;
	struct collector *collector;
	struct lsw_source *lsw; /* reads pluto instead of charon (daemon_source.h) */
	struct probe_config *probe_cfg;
	struct probe_set *probes;
	struct reflect_config *reflect_cfg;
	struct reflect_service *reflector;
	struct http_server *http;
	struct events_config events_cfg;
	struct events_service *events;
	size_t stream_mark; /* --web.stream-threshold; 0: the server's default */
};

static int serve_metrics(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct serve *s = ctx;
	struct prom_writer w;
	int err, end;

	err = http_reply_exposition(rq, reply, &w);
	if (err == 0)
		err = collector_scrape(s->collector, &w);
	if (err == 0) {
		/* written under their modules' locks: kept in memory until complete, so that a
		 * client reading the streamed answer slowly holds up none of them */
		buf_hold(&reply->body);
		if (s->probes)
			probe_set_write_metrics(s->probes, &w);
		if (s->reflector)
			reflect_service_write_metrics(s->reflector, &w);
		events_service_write_metrics(s->events, &w);
		buf_unhold(&reply->body);
	}
	end = prom_writer_finish(&w);
	return err < 0 ? err : end;
}

/* The probes' view of the tunnels, answered by the collector. */
static int serve_child_packets(void *ctx, const char *conn, const char *child, uint64_t *ret_out,
                               uint64_t *ret_in)
{
	return collector_child_packets(ctx, conn, child, ret_out, ret_in);
}

static int serve_find_child(void *ctx, const struct sockaddr *target, char *ret_conn,
                            size_t conn_len, char *ret_child, size_t child_len)
{
	return collector_find_child(ctx, target, ret_conn, conn_len, ret_child, child_len);
}

static int serve_source_in_local_ts(void *ctx, const char *conn, const char *child,
                                    const struct sockaddr *source)
{
	return collector_source_in_local_ts(ctx, conn, child, source);
}

/* Loaded connections show their event counters at 0 before the first event. */
static void touch_conn(void *ctx, const char *conn)
{
	event_counters_touch_conn(events_service_counters(ctx), conn, strlen(conn));
}

/* Parse the sections of the config file that belong to the probe modules. */
static int serve_parse_modules(struct serve *s)
{
	char err[512];

	if (s->cfg.probes &&
	    probe_config_parse(&s->cfg.doc, s->cfg.probes, &s->probe_cfg, err, sizeof(err)) < 0) {
		log_err("config: probes: %s", err);
		return -EINVAL;
	}
	if (events_config_parse(&s->cfg.doc, s->cfg.events, &s->events_cfg, err, sizeof(err)) < 0) {
		log_err("config: %s", err);
		return -EINVAL;
	}
	if (s->cfg.reflector && reflect_config_parse(&s->cfg.doc, s->cfg.reflector, &s->reflect_cfg,
	                                             err, sizeof(err)) < 0) {
		log_err("config: reflector: %s", err);
		return -EINVAL;
	}
	return 0;
}

static int serve_start_probes(struct serve *s)
{
	int r;

	if (s->reflect_cfg) {
		r = reflect_service_start(s->reflect_cfg, &s->reflector);
		if (r < 0) {
			log_msg_err(LOG_LEVEL_ERR, strerror(-r), "reflector: cannot start");
			return r;
		}
	}
	if (s->probe_cfg && s->probe_cfg->n > 0) {
		r = probe_set_start(s->probe_cfg,
		                    &(struct probe_child_ops){
		                        .child_packets = serve_child_packets,
		                        .find_child = serve_find_child,
		                        .source_in_local_ts = serve_source_in_local_ts,
		                        .ctx = s->collector,
		                    },
		                    &s->probes);
		if (r < 0) {
			log_msg_err(LOG_LEVEL_ERR, strerror(-r), "probes: cannot start");
			return r;
		}
		log_info("probes: %zu target(s)", s->probe_cfg->n);
	}
	return 0;
}

static int serve_landing(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct serve *s = ctx;

	(void)rq;
	reply->content_type = "text/html; charset=utf-8";
	status_page_write(&reply->body, s->collector, s->probes,
	                  events_service_counters(s->events));
	return 0;
}

static int serve_ready(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct serve *s = ctx;

	(void)rq;
	if (collector_ready(s->collector))
		return http_reply_text(reply, 200, "OK\n");
	return http_reply_text(reply, 503, "Service Unavailable\n");
}

/* The exporter's routes on the one HTTP server (src/http). */
static int serve_start_http(struct serve *s)
{
	const struct http_route routes[] = {
	    {"/metrics", "GET", serve_metrics, s, HTTP_ROUTE_GZIP | HTTP_ROUTE_STREAM, 0},
	    {"/", "GET", serve_landing, s, 0, 0},
	    {"/-/healthy", "GET", http_handle_healthy, NULL, 0, 0},
	    {"/-/ready", "GET", serve_ready, s, 0, 0},
	};

	return http_server_start(
	    &(struct http_config){.listens = s->cfg.web_listen,
	                          .n_listens = s->cfg.n_web_listen,
	                          .systemd_socket = s->cfg.web_systemd_socket,
	                          .web_config_file = s->cfg.web_config_file,
	                          .routes = routes,
	                          .n_routes = sizeof(routes) / sizeof(routes[0]),
	                          .stream_mark = s->stream_mark},
	    &s->http);
}

/* --events.* flags, applied over the config file's events: section. */
#define SERVE_EVENT_FLAGS_MAX 8
struct serve_event_flag {
	const char *key, *value;
};

struct serve_flags {
	struct charon_flags charon;
	struct serve_event_flag ev[SERVE_EVENT_FLAGS_MAX];
	size_t n_ev;
	size_t stream_mark;
};

static const char *const log_sources[] = {"vici", "journal", "file", "stdin", "none", NULL};

static const struct opt serve_opts[] = {
    {OPT_WEB_LISTEN, 0, "web.listen-address", OPT_T_LISTEN, "ADDR",
     "where to listen (default " CONFIG_DEFAULT_LISTEN ";\n"
     "[::1]:PORT, or :PORT for all addresses); repeatable:\n"
     "listens on each",
     .flags = OPT_REPEAT},
    {OPT_WEB_SYSTEMD_SOCKET, 0, "web.systemd-socket", OPT_T_FLAG, NULL,
     "listen on the sockets systemd passes (socket\n"
     "activation, ikewatch.socket) instead of\n"
     "--web.listen-address"},
    {OPT_WEB_CONFIG, 0, "web.config.file", OPT_T_FILE, "FILE",
     "TLS and basic auth, exporter-toolkit format\n(docs/security.md)"},
    {OPT_WEB_STREAM_THRESHOLD, 0, "web.stream-threshold", OPT_T_SIZE, "BYTES",
     "send /metrics as it is written (chunked) once it\n"
     "grows past this size, in flat memory (default\n"
     "262144; 4096 to 67108864, where it never streams)",
     4096, HTTP_BODY_MAX},
    {OPT_EVENTS_STREAM, 0, "events.stream", OPT_T_BOOL, "BOOL",
     "VICI event connection for rekeys and up/down events\n(default true)"},
    {OPT_EVENTS_LOG_SOURCE, 0, "events.log-source", OPT_T_CHOICE, "SRC",
     "where charon's log lines come from: vici (default),\njournal, file, stdin or none",
     .choices = log_sources},
    {OPT_EVENTS_LOG_FILE, 0, "events.log-file", OPT_T_PATH, "FILE",
     "the charon log file, for --events.log-source file"},
    {OPT_EVENTS_STATE_FILE, 0, "events.state-file", OPT_T_PATH, "FILE",
     "remember the journal cursor / file offset here, so a\n"
     "restart does not count old lines again"},
    {OPT_END},
};

static const struct opt *const serve_tables[] = {serve_opts, charon_opts, daemon_opts,
                                                 log_format_opts, NULL};

static int serve_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                      size_t errlen)
{
	struct serve_flags *f = ctx;

	if (o->id == OPT_WEB_LISTEN && f->charon.n_web_listen == HTTP_LISTEN_MAX) {
		snprintf(err, errlen, "at most %d listen addresses", HTTP_LISTEN_MAX);
		return -1;
	}
	if (charon_flags_take(&f->charon, o, v))
		return 0;
	if (o->id == OPT_WEB_STREAM_THRESHOLD) {
		f->stream_mark = (size_t)v->num;
		return 0;
	}
	if (f->n_ev >= SERVE_EVENT_FLAGS_MAX) {
		snprintf(err, errlen, "too many --events.* flags");
		return -1;
	}
	/* "events.log-file" sets the events: key "log_file" */
	f->ev[f->n_ev++] = (struct serve_event_flag){o->long_name, v->text};
	return 0;
}

/* Tells systemd (Type=notify) of a state change. A failure is only worth a warning, but one is
 * due: a start never reported ready ends in systemd's start timeout, and this names why. */
static void notify(const char *state)
{
	int r = service_notify(state);

	if (r < 0)
		log_msg_err(LOG_LEVEL_WARN, strerror(-r),
		            "cannot tell systemd %s (NOTIFY_SOCKET=%s)", state,
		            getenv("NOTIFY_SOCKET"));
}

/* Block the signals that end us before any thread starts, so that only sigwait() sees them. */
static void serve_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int serve_run(int argc, char **argv)
{
	struct serve_flags flags = {0};
	struct serve s = {0};
	char err[256];
	sigset_t sigs;
	int r, sig;

	if (opt_parse(&cmd_serve, argc, argv, serve_take, &flags) < 0)
		return 2;
	if ((r = charon_flags_resolve(&cmd_serve, &flags.charon, &s.cfg)) != 0)
		return r;
	s.stream_mark = flags.stream_mark;
	log_setup(s.cfg.log_level);
	log_set_format(s.cfg.log_format);
	stamp_clock_assume_synced(s.cfg.clock_max_error_us);
	/* one malloc arena: glibc gives each of the HTTP, probe and event threads its own, and
	 * their high-water marks add up (16.6 MiB against 9.8 MiB after 30 scrapes of 1,000 SAs,
	 * docs/benchmarks.md); our threads allocate little and seldom at the same time */
	mallopt(M_ARENA_MAX, 1);
	/* and a fixed mmap threshold: glibc raises it to the size of each large block freed, so a
	 * scrape's big buffers, once freed, come from the heap the next time and stay resident
	 * between scrapes (RssAnon 20.2 against 16.2 MiB after scrapes of 10,000 SAs). 576 KiB:
	 * above the answer buffers (up to 512 KiB, twice the default stream mark), which are then
	 * reused instead of mapped and faulted in at every scrape (130 SAs: 0.48 ms a scrape,
	 * against 0.63 with 384 KiB); the snapshots, views and indexes of large scrapes are above
	 * it and go back to the kernel when freed (docs/benchmarks.md, issue 16). Setting it also
	 * fixes the heap's trim threshold, at 128 KiB: a heap whose free top passed that was cut
	 * back and grown again at the next scrape (181 page faults a 1,000-SA scrape, its snapshot
	 * given back, against 1 at 2 MiB) */
	mallopt(M_MMAP_THRESHOLD, 576 * 1024);
	mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
	if (serve_parse_modules(&s) < 0) {
		r = 1;
		goto out_config;
	}
	for (size_t i = 0; i < flags.n_ev; i++) {
		char key[32];
		size_t k = 0;

		for (const char *p = flags.ev[i].key + strlen("events."); *p && k + 1 < sizeof(key);
		     p++)
			key[k++] = *p == '-' ? '_' : *p;
		key[k] = '\0';
		if (events_config_set(&s.events_cfg, key, flags.ev[i].value, err, sizeof(err)) <
		    0) {
			r = cmd_usage_error(&cmd_serve, "--%s: %s", flags.ev[i].key, err);
			goto out_config;
		}
	}
	serve_block_signals(&sigs);

	const struct collector_source *src;

	if (daemon_source_open(&cmd_serve, &flags.charon, &s.cfg, &src, &s.lsw) != 0) {
		r = 1;
		goto out_config;
	}
	daemon_source_events(src, &s.events_cfg);
	s.collector = collector_new(&(struct collector_config){
	    .source = src,
	    .vici_socket = s.cfg.vici_socket,
	    .vici_timeout_ms = s.cfg.vici_timeout_ms,
	    .cert_interval_s = s.cfg.cert_interval_s,
	    .redact_ids = s.cfg.redact_identities,
	    .proposals = true,
	    .swanctl_conf = s.cfg.swanctl_conf,
	});
	if (!s.collector) {
		log_err("cannot set up the collector for %s (path too long, or out of memory)",
		        s.cfg.vici_socket);
		r = 1;
		goto out_config;
	}
	s.events = events_service_start(&s.events_cfg, s.cfg.vici_socket,
	                                collector_counters(s.collector), &r);
	if (!s.events) {
		log_msg_err(LOG_LEVEL_ERR, strerror(-r), "events: cannot start");
		r = 1;
		goto out_probes;
	}
	collector_on_conn(s.collector, touch_conn, s.events);
	event_silence_attach(s.collector, s.events, s.cfg.strongswan_conf, src != NULL);
	if (serve_start_probes(&s) < 0) {
		r = 1;
		goto out_probes;
	}
	r = serve_start_http(&s);
	if (r < 0) {
		/* the server has logged which address or socket, and why: one line */
		r = 1;
		goto out_probes;
	}
	log_info("serving metrics at /metrics on %s (%s), reading %s",
	         http_server_addresses(s.http), http_server_tls(s.http) ? "https" : "http",
	         s.cfg.vici_socket);
	notify("READY=1");

	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
		if (sig == SIGHUP)
			log_info(
			    "SIGHUP: nothing to reload yet; restart to apply a changed config");
	} while (sig == SIGHUP);
	log_info("signal %d: shutting down", sig);
	notify("STOPPING=1");
	r = 0;

	http_server_free(s.http);
out_probes:
	probe_set_free(s.probes);
	reflect_service_free(s.reflector);
	events_service_stop(s.events);
	collector_free(s.collector);
out_config:
	lsw_source_free(s.lsw);
	events_config_done(&s.events_cfg);
	probe_config_free(s.probe_cfg);
	reflect_config_free(s.reflect_cfg);
	config_done(&s.cfg);
	return r;
}

const struct cmd cmd_serve = {
    .name = "serve",
    .run = serve_run,
    .summary = "run the exporter: Prometheus metrics of the tunnels at /metrics",
    .synopsis = "[OPTIONS]",
    .description =
        "Serves Prometheus metrics of strongSwan's IKE and CHILD SAs, read over VICI at\n"
        "each scrape, plus a status page at / and /-/healthy, /-/ready; counts rekeys,\n"
        "failures, retransmits and IKE errors from charon's events and logs. With a config\n"
        "file, also runs data-plane probes through the tunnels (probes:) and a STAMP\n"
        "reflector (reflector:), see docs/probes.md. Listens on every --web.listen-address\n"
        "(IPv4 and IPv6 alike), or on the sockets systemd passes with --web.systemd-socket\n"
        "(ikewatch.socket; docs/security.md).\n",
    .opts = serve_tables,
    .footer = "Signals: SIGINT/SIGTERM stop the daemon cleanly.\n",
};
