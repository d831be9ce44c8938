// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch textfile": the same metrics as serve, written to a file for node_exporter's
 * textfile collector, once or every --interval. Each write replaces the file atomically, so
 * node_exporter never reads half a file.
 */
#include "cmd/cmd.h"
#include "cmd/charon_opts.h"
#include "cmd/daemon_source.h"

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/limits.h"
#include "common/log.h"
#include "events/event_silence.h"
#include "events/events_service.h"
#include "exporter/collector.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t textfile_stop;

static void textfile_on_signal(int sig)
{
	(void)sig;
	textfile_stop = 1;
}

/* Loaded connections show their event counters at 0 before the first event. */
static void touch_conn(void *ctx, const char *conn)
{
	event_counters_touch_conn(events_service_counters(ctx), conn, strlen(conn));
}

static int textfile_write(struct collector *col, struct events_service *events, const char *path)
{
	struct buf out;
	struct prom_writer w;
	int err;

	buf_init(&out, HTTP_BODY_MAX);
	prom_writer_init(&w, &out);
	err = collector_scrape(col, &w);
	events_service_write_metrics(events, &w);
	if (err == 0)
		err = out.err;
	if (err == 0)
		err = atomic_file_write(path, out.data ? out.data : "", out.len, 0644);
	buf_done(&out);
	return err;
}

struct textfile_flags {
	struct charon_flags charon;
	const char *output;
	uint64_t interval_ms;
};

static int textfile_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                         size_t errlen)
{
	struct textfile_flags *f = ctx;

	(void)err;
	(void)errlen;
	if (o->id == OPT_OUTPUT)
		f->output = v->text;
	else if (o->id == OPT_INTERVAL)
		f->interval_ms = v->num / 1000000u;
	else
		charon_flags_take(&f->charon, o, v);
	return 0;
}

static int textfile_run(int argc, char **argv)
{
	struct textfile_flags flags = {0};
	const char *output;
	uint64_t interval_ms;
	struct events_service *events = NULL;
	struct events_config events_cfg;
	const struct collector_source *src;
	struct lsw_source *lsw;
	struct collector *col;
	char err_text[256];
	struct config cfg;
	int r, err;

	if (opt_parse(&cmd_textfile, argc, argv, textfile_take, &flags) < 0)
		return 2;
	if (!flags.output)
		return cmd_usage_error(&cmd_textfile, "--output FILE is required");
	output = flags.output;
	interval_ms = flags.interval_ms;
	if ((r = charon_flags_resolve(&cmd_textfile, &flags.charon, &cfg)) != 0)
		return r;
	log_setup(cfg.log_level);
	log_set_format(cfg.log_format);
	if (daemon_source_open(&cmd_textfile, &flags.charon, &cfg, &src, &lsw) != 0) {
		config_done(&cfg);
		return 1;
	}
	col = collector_new(&(struct collector_config){.source = src,
	                                               .vici_socket = cfg.vici_socket,
	                                               .vici_timeout_ms = cfg.vici_timeout_ms,
	                                               .cert_interval_s = cfg.cert_interval_s,
	                                               .redact_ids = cfg.redact_identities,
	                                               .proposals = true,
	                                               .swanctl_conf = cfg.swanctl_conf});
	if (!col) {
		log_err("bad VICI socket path '%s'", cfg.vici_socket);
		lsw_source_free(lsw);
		config_done(&cfg);
		return 1;
	}
	/* repeated writes also count events between them, as serve does (events: section) */
	events_config_defaults(&events_cfg);
	if (interval_ms) {
		if (events_config_parse(&cfg.doc, cfg.events, &events_cfg, err_text,
		                        sizeof(err_text)) < 0) {
			log_err("config: %s", err_text);
			r = 1;
			goto out;
		}
		daemon_source_events(src, &events_cfg);
		events = events_service_start(&events_cfg, cfg.vici_socket, collector_counters(col),
		                              &err);
		if (!events) {
			log_msg_err(LOG_LEVEL_ERR, strerror(-err), "events: cannot start");
			r = 1;
			goto out;
		}
		collector_on_conn(col, touch_conn, events);
		event_silence_attach(col, events, cfg.strongswan_conf, src != NULL);
	}
	signal(SIGINT, textfile_on_signal);
	signal(SIGTERM, textfile_on_signal);
	r = 0;
	do {
		uint64_t next = clock_mono_ms() + interval_ms;

		err = textfile_write(col, events, output);
		if (err < 0) {
			log_msg_err(LOG_LEVEL_ERR, strerror(-err), "cannot write %s", output);
			r = 1;
			if (!interval_ms)
				break;
		}
		while (interval_ms && !textfile_stop && clock_mono_ms() < next) {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
	} while (interval_ms && !textfile_stop);
	if (interval_ms)
		r = 0;
out:
	events_service_stop(events);
	events_config_done(&events_cfg);
	collector_free(col);
	lsw_source_free(lsw);
	config_done(&cfg);
	return r;
}

static const struct opt textfile_opts[] = {
    {OPT_OUTPUT, 'o', "output", OPT_T_PATH, "FILE",
     "the file to write (in node_exporter's textfile\ndirectory, --collector.textfile.directory)"},
    {OPT_INTERVAL, 0, "interval", OPT_T_DURATION, "DURATION",
     "repeat every DURATION (e.g. 30s; 1s to 1d)", 1000000000ull, 86400000000000ull},
    {OPT_END},
};

static const struct opt *const textfile_tables[] = {textfile_opts, charon_opts, daemon_opts,
                                                    log_format_opts, NULL};

const struct cmd cmd_textfile = {
    .name = "textfile",
    .run = textfile_run,
    .summary = "write the metrics to a file for node_exporter's textfile collector",
    .synopsis = "--output FILE.prom [--interval DURATION] [OPTIONS]",
    .description = "Writes the same metrics as 'serve' to FILE.prom, replacing it atomically\n"
                   "(temporary file, then rename). Once by default; with --interval (1s or more),\n"
                   "again and again until SIGINT/SIGTERM, and then the event counters (rekeys,\n"
                   "failures, retransmits; events: in the config file) are written too.\n",
    .opts = textfile_tables,
    .footer = "Exit status: 0 written (a charon that does not answer still gives a file with\n"
              "ipsec_up 0), 1 the file could not be written, 2 usage error.\n",
};
