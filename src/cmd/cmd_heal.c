// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch heal": the repair daemon. Reads `heal:` from --config (docs/heal.md), starts the
 * authenticated webhook receiver, and checks every connection on the allowlist each
 * check_interval, climbing the repair ladder where a fault persists. It runs apart from
 * `serve` so that it can have its own, smaller privileges (packaging/ikewatch-heal.service):
 * access to charon's VICI socket and its own state, nothing else.
 */
#include "cmd/cmd.h"
#include "cmd/charon_opts.h"

#include "common/clock.h"
#include "common/file_read.h"
#include "common/log.h"
#include "heal/heal_config.h"
#include "heal/heal_daemon.h"
#include "heal/heal_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int heal_run(int argc, char **argv);

static const struct opt heal_opts[] = {
    {OPT_HEAL_DRY_RUN, 0, "dry-run", OPT_T_FLAG, NULL, "decide and record, but act on nothing"},
    {OPT_WEB_SYSTEMD_SOCKET, 0, "web.systemd-socket", OPT_T_FLAG, NULL,
     "serve the webhook on the sockets systemd passes\n(socket activation) instead of heal.listen"},
    {OPT_LOG_FILE, 0, "log-file", OPT_T_PATH, "PATH",
     "charon's log, for the context of notifications"},
    {OPT_END},
};

static const struct opt *const heal_tables[] = {charon_opts, log_format_opts, heal_opts, NULL};

const struct cmd cmd_heal = {
    .name = "heal",
    .run = heal_run,
    .summary = "repair daemon: Alertmanager webhook + own checks, a ladder of gentle repairs",
    .synopsis = "--config FILE [OPTIONS]",
    .description =
        "Per connection on heal.allowlist: confirm a fault over several checks, gather a\n"
        "bundle, initiate the CHILD SA, rekey it, terminate and initiate the IKE SA, run\n"
        "heal.restart_command; then stop. Never while a rekey or DPD is in flight; backoff\n"
        "per connection; one restart per restart_interval. Every action goes to the audit\n"
        "log and the notification webhook. See docs/heal.md.\n",
    .opts = heal_tables,
    .footer = "Signals: SIGINT/SIGTERM stop the daemon.\n",
};

struct heal_flags {
	struct charon_flags charon;
	const char *log_file;
	bool dry;
};

static int heal_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                     size_t errlen)
{
	struct heal_flags *f = ctx;

	(void)err;
	(void)errlen;
	if (o->id == OPT_HEAL_DRY_RUN)
		f->dry = true;
	else if (o->id == OPT_LOG_FILE)
		f->log_file = v->text;
	else
		charon_flags_take(&f->charon, o, v);
	return 0;
}

/* The token file's first line, without its newline. */
static int read_token(const char *path, char *out, size_t cap)
{
	size_t n;
	int r = file_read_into(path, out, cap - 1, &n);

	if (r < 0)
		return r;
	if (n == 0)
		return -EINVAL;
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] ? 0 : -EINVAL;
}

int heal_run(int argc, char **argv)
{
	struct heal_flags flags = {0};
	struct heal_config hc;
	struct heal_daemon *d = NULL;
	struct heal_server *srv = NULL;
	const char *log_file;
	struct config cfg;
	char err[512], token[512] = "";
	int r, ret = 1;

	if (opt_parse(&cmd_heal, argc, argv, heal_take, &flags) < 0)
		return 2;
	log_file = flags.log_file;
	if ((r = charon_flags_resolve(&cmd_heal, &flags.charon, &cfg)) != 0)
		return r;
	log_setup(cfg.log_level);
	log_set_format(cfg.log_format);
	if (heal_config_parse(&cfg.doc, cfg.has_doc ? cfg.heal : NULL, &hc, err, sizeof(err)) < 0) {
		fprintf(stderr, "ikewatch heal: %s\n", err);
		goto out_config;
	}
	if (flags.dry)
		hc.dry_run = true;
	if (hc.token_file[0] && (r = read_token(hc.token_file, token, sizeof(token))) < 0) {
		fprintf(stderr, "ikewatch heal: token_file %s: %s\n", hc.token_file, strerror(-r));
		goto out_heal;
	}
	if (hc.n_allow == 0)
		log_warn("heal: the allowlist is empty: nothing will be repaired");
	d = heal_daemon_new(&hc, cfg.vici_socket, cfg.vici_timeout_ms, log_file);
	if (!d) {
		fprintf(stderr, "ikewatch heal: cannot set up (VICI socket '%s')\n",
		        cfg.vici_socket);
		goto out_heal;
	}
	/* the flag only: web.systemd_socket in the shared config file is serve's */
	r = heal_server_start(d, flags.charon.web_systemd_socket ? NULL : hc.listen, token,
	                      hc.web_config, err, sizeof(err), &srv);
	explicit_bzero(token, sizeof(token));
	if (r < 0) {
		fprintf(stderr, "ikewatch heal: %s\n", err);
		goto out_daemon;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	log_info("heal: listening on %s://%s, %u connections allowed%s",
	         heal_server_tls(srv) ? "https" : "http", heal_server_addresses(srv), hc.n_allow,
	         hc.dry_run ? ", dry run" : "");
	while (!stop) {
		uint64_t next = clock_mono_ms() + hc.check_interval_ms;

		heal_daemon_tick(d, clock_mono_ms());
		while (!stop && clock_mono_ms() < next) {
			uint64_t left = next - clock_mono_ms();

			poll(NULL, 0, left > 200 ? 200 : (int)left);
		}
	}
	ret = 0;
	heal_server_stop(srv);
out_daemon:
	heal_daemon_free(d);
out_heal:
	heal_config_done(&hc);
out_config:
	config_done(&cfg);
	return ret;
}
