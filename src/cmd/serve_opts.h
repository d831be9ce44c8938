/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Options shared by the commands that talk to charon (serve, status, textfile): the config
 * file plus the flags that override it. Flags win over the file, the file over defaults.
 */
#ifndef IKEWATCH_SERVE_OPTS_H
#define IKEWATCH_SERVE_OPTS_H

#include "cmd/cmd.h"
#include "build_config.h"
#include "config/config.h"

#include <getopt.h>

enum {
	OPT_CONFIG = 1000,
	OPT_WEB_LISTEN,
	OPT_WEB_CONFIG,
	OPT_VICI_SOCKET,
	OPT_VICI_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_REDACT,
	OPT_OUTPUT,
	OPT_INTERVAL,
	OPT_ONCE,
};

/* The long options every such command accepts; commands append their own. */
#define SERVE_COMMON_LONGOPTS                                                                      \
	{"config", required_argument, NULL, OPT_CONFIG},                                           \
		{"vici.socket", required_argument, NULL, OPT_VICI_SOCKET},                         \
		{"vici.timeout", required_argument, NULL, OPT_VICI_TIMEOUT},                       \
		{"log.level", required_argument, NULL, OPT_LOG_LEVEL},                             \
		{"redact-identities", no_argument, NULL, OPT_REDACT}

#define SERVE_COMMON_HELP                                                                          \
	"  --config FILE            YAML configuration file (docs/configuration.md)\n"                 \
	"  --vici.socket PATH       charon's VICI socket (default " IKEWATCH_DEFAULT_VICI_SOCKET ")\n" \
	"  --vici.timeout DURATION  time one VICI command may take (default 5s)\n"                     \
	"  --log.level LEVEL        error, warn, info (default) or debug\n"                            \
	"  --redact-identities      export peer identities and addresses as hashes\n"

struct serve_flags {
	const char *config_file;
	const char *web_listen, *web_config, *vici_socket, *vici_timeout, *log_level;
	bool redact;
};

/* Handle one common option; 1 if it was one, 0 if not. */
int serve_flags_take(struct serve_flags *f, int opt, const char *arg);
/* Load the file (if any) and apply the flags; on error prints it and returns 2 (usage) or 1. */
int serve_flags_resolve(const struct cmd *c, const struct serve_flags *f, struct config *ret);

#endif
