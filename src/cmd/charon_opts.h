/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Options shared by the commands that talk to charon (serve, status, textfile, doctor, diag,
 * heal): the config file plus the flags that override it. Flags win over the file, the file
 * over defaults. log_format_opts is for the commands that run long and log (serve, textfile,
 * heal, reflect).
 */
#ifndef IKEWATCH_CHARON_OPTS_H
#define IKEWATCH_CHARON_OPTS_H

#include "cmd/cmd.h"
#include "config/config.h"

extern const struct opt charon_opts[];
extern const struct opt log_format_opts[];

struct charon_flags {
	const char *config_file;
	/* --web.listen-address, in order (they replace the file's list); --web.systemd-socket */
	const char *web_listen[HTTP_LISTEN_MAX];
	size_t n_web_listen;
	bool web_systemd_socket;
	const char *web_config, *vici_socket;
	uint64_t vici_timeout_ns; /* 0: not given */
	const char *log_level, *log_format;
	bool redact;
	const char *libreswan_ctl, *libreswan_whack; /* daemon_opts */
};

/* Take one option of charon_opts, log_format_opts or --web.*: 1 if it was one, else 0.
 * A --web.listen-address past HTTP_LISTEN_MAX is the command's to refuse (it is dropped). */
int charon_flags_take(struct charon_flags *f, const struct opt *o, const struct opt_val *v);
/* Load the file (if any) and apply the flags; on error prints one line and returns 1. */
int charon_flags_resolve(const struct cmd *c, const struct charon_flags *f, struct config *ret);
/* events.log_file of the config file: where charon's log is, for doctor, diag and heal. */
const char *charon_config_log_file(const struct config *cfg);

#endif
