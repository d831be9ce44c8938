// SPDX-License-Identifier: Apache-2.0
/*
 * Common options of serve, status and textfile (see serve_opts.h).
 */
#include "cmd/serve_opts.h"

#include "common/num.h"

#include <stdio.h>

int serve_flags_take(struct serve_flags *f, int opt, const char *arg)
{
	switch (opt) {
	case OPT_CONFIG:
		f->config_file = arg;
		return 1;
	case OPT_WEB_LISTEN:
		f->web_listen = arg;
		return 1;
	case OPT_WEB_CONFIG:
		f->web_config = arg;
		return 1;
	case OPT_VICI_SOCKET:
		f->vici_socket = arg;
		return 1;
	case OPT_VICI_TIMEOUT:
		f->vici_timeout = arg;
		return 1;
	case OPT_LOG_LEVEL:
		f->log_level = arg;
		return 1;
	case OPT_REDACT:
		f->redact = true;
		return 1;
	default:
		return 0;
	}
}

int serve_flags_resolve(const struct cmd *c, const struct serve_flags *f, struct config *cfg)
{
	char err[512];
	uint64_t ms;

	if (f->config_file) {
		if (config_load(f->config_file, cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "ikewatch %s: %s\n", c->name, err);
			return 1;
		}
	} else {
		config_defaults(cfg);
	}
	if (f->web_listen)
		cfg->web_listen = f->web_listen;
	if (f->web_config)
		cfg->web_config_file = f->web_config;
	if (f->vici_socket)
		cfg->vici_socket = f->vici_socket;
	if (f->vici_timeout) {
		if (num_parse_duration_ms_str(f->vici_timeout, 600000, &ms) < 0 || ms == 0) {
			config_done(cfg);
			return cmd_usage_error(c, "--vici.timeout: '%s' is not a duration",
					       f->vici_timeout);
		}
		cfg->vici_timeout_ms = (unsigned)ms;
	}
	if (f->log_level && log_level_parse(f->log_level, &cfg->log_level) < 0) {
		config_done(cfg);
		return cmd_usage_error(c, "--log.level: expected error, warn, info or debug");
	}
	if (f->redact)
		cfg->redact_identities = true;
	return 0;
}
