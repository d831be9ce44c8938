// SPDX-License-Identifier: Apache-2.0
/*
 * Common options of the commands that talk to charon (see charon_opts.h).
 */
#include "cmd/charon_opts.h"

#include "build_config.h"

#include <stdio.h>

#define NS_PER_MS 1000000ull

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const log_formats[] = {"logfmt", "json", NULL};

const struct opt charon_opts[] = {
    {OPT_CONFIG, 0, "config", OPT_T_FILE, "FILE",
     "YAML configuration file (docs/configuration.md)"},
    {OPT_VICI_SOCKET, 0, "vici.socket", OPT_T_PATH, "PATH",
     "charon's VICI socket (default " IKEWATCH_DEFAULT_VICI_SOCKET ")"},
    {OPT_VICI_TIMEOUT, 0, "vici.timeout", OPT_T_DURATION, "DURATION",
     "time one VICI command may take (default 5s; 1ms to 10m)", NS_PER_MS, 600000 * NS_PER_MS},
    {OPT_LOG_LEVEL, 0, "log.level", OPT_T_CHOICE, "LEVEL", "error, warn, info (default) or debug",
     .choices = log_levels},
    {OPT_REDACT, 0, "redact-identities", OPT_T_FLAG, NULL,
     "export peer identities and addresses as hashes"},
    {OPT_END},
};

const struct opt log_format_opts[] = {
    {OPT_LOG_FORMAT, 0, "log.format", OPT_T_CHOICE, "FORMAT",
     "log lines as logfmt (default) or json, as Prometheus does", .choices = log_formats},
    {OPT_END},
};

int charon_flags_take(struct charon_flags *f, const struct opt *o, const struct opt_val *v)
{
	switch (o->id) {
	case OPT_CONFIG:
		f->config_file = v->text;
		return 1;
	case OPT_WEB_LISTEN:
		if (f->n_web_listen < HTTP_LISTEN_MAX)
			f->web_listen[f->n_web_listen++] = v->text;
		return 1;
	case OPT_WEB_SYSTEMD_SOCKET:
		f->web_systemd_socket = true;
		return 1;
	case OPT_WEB_CONFIG:
		f->web_config = v->text;
		return 1;
	case OPT_VICI_SOCKET:
		f->vici_socket = v->text;
		return 1;
	case OPT_VICI_TIMEOUT:
		f->vici_timeout_ns = v->num;
		return 1;
	case OPT_LOG_LEVEL:
		f->log_level = v->text;
		return 1;
	case OPT_LOG_FORMAT:
		f->log_format = v->text;
		return 1;
	case OPT_REDACT:
		f->redact = true;
		return 1;
	case OPT_LIBRESWAN_CTL:
		f->libreswan_ctl = v->text;
		return 1;
	case OPT_LIBRESWAN_WHACK:
		f->libreswan_whack = v->text;
		return 1;
	default:
		return 0;
	}
}

/* The listen addresses from the file get the flag's check, before anything is bound. */
static int check_listen(const struct cmd *c, struct config *cfg)
{
	const struct opt *o = opt_find(c, OPT_WEB_LISTEN);
	struct opt_val v;
	char err[320];

	for (size_t i = 0; o && i < cfg->n_web_listen; i++) {
		if (opt_value_parse(o, cfg->web_listen[i], &v, err, sizeof(err)) == 0)
			continue;
		fprintf(stderr, "ikewatch %s: web.listen_address %s: %s\n", c->name,
		        cfg->web_listen[i], err);
		config_done(cfg);
		return 1;
	}
	return 0;
}

int charon_flags_resolve(const struct cmd *c, const struct charon_flags *f, struct config *cfg)
{
	char err[512];

	if (f->config_file) {
		if (config_load(f->config_file, cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "ikewatch %s: %s\n", c->name, err);
			return 1;
		}
	} else {
		config_defaults(cfg);
	}
	if (f->n_web_listen) {
		for (size_t i = 0; i < f->n_web_listen; i++)
			cfg->web_listen[i] = f->web_listen[i];
		cfg->n_web_listen = f->n_web_listen;
	}
	if (f->web_systemd_socket)
		cfg->web_systemd_socket = true;
	if (f->web_config)
		cfg->web_config_file = f->web_config;
	if (f->vici_socket)
		cfg->vici_socket = f->vici_socket;
	if (f->vici_timeout_ns)
		cfg->vici_timeout_ms = (unsigned)(f->vici_timeout_ns / NS_PER_MS);
	/* both were checked against the tables' choices */
	if (f->log_level)
		(void)log_level_parse(f->log_level, &cfg->log_level);
	if (f->log_format)
		(void)log_format_parse(f->log_format, &cfg->log_format);
	if (f->redact)
		cfg->redact_identities = true;
	return check_listen(c, cfg);
}

const char *charon_config_log_file(const struct config *cfg)
{
	yaml_node_t *n;

	if (!cfg->has_doc || !cfg->events)
		return NULL;
	n = config_map_get((yaml_document_t *)&cfg->doc, cfg->events, "log_file");
	return n ? config_scalar(n) : NULL;
}
