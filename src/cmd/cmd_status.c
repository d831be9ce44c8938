// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch status": one look at every loaded connection and its SAs, for a person at a
 * terminal. Exit status: 0 all configured tunnels up, 3 at least one down, 1 charon unreachable
 * (so that scripts and cron can use it too).
 */
#include "cmd/cmd.h"
#include "cmd/serve_opts.h"

#include "common/log.h"
#include "exporter/collector.h"
#include "status/status_fmt.h"

#include <stdio.h>
#include <string.h>

struct status_ctx {
	bool any_down;
	bool up;
	bool redact;
};

static void status_print(void *ctx, const struct sa_snapshot *s, const struct sa_view *v, bool up,
			 const char *error)
{
	struct status_ctx *st = ctx;
	char a[32], b[32], c[32], d[32], e[32];

	(void)s;
	st->up = up;
	if (!up) {
		printf("charon is not answering: %s\n", error ? error : "unknown error");
		return;
	}
	printf("%-20s %-12s %-9s %-10s %-18s\n", "CONNECTION", "IKE SA", "AGE", "REKEY IN",
	       "REMOTE");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct sa_view_conn *vc = &v->conns[i];
		const struct snap_ike *ike = vc->best;

		if (vc->configured && !vc->up)
			st->any_down = true;
		printf("%-20s %-12s %-9s %-10s %-18s%s\n", vc->name, ike ? ike->state : "DOWN",
		       status_fmt_age(a, sizeof(a), ike ? ike->established : SNAP_NONE),
		       status_fmt_age(b, sizeof(b), ike ? ike->rekey_time : SNAP_NONE),
		       ike && !st->redact ? ike->remote_host : "-",
		       vc->n_ikes > 1 ? " (+ more SAs)" : "");
		for (uint32_t j = 0; j < vc->n_children; j++) {
			const struct sa_view_child *ch = &vc->children[j];
			const struct snap_child *sc = ch->best;

			if (ch->configured && !ch->up)
				st->any_down = true;
			printf("  child %-12s %-12s %-9s rekey %-10s in %-10s out %-10s last in "
			       "%s%s\n",
			       ch->name, sc ? sc->state : "DOWN",
			       status_fmt_age(a, sizeof(a), sc ? sc->install_time : SNAP_NONE),
			       status_fmt_age(b, sizeof(b), sc ? sc->rekey_time : SNAP_NONE),
			       status_fmt_bytes(c, sizeof(c), sc ? sc->totals.bytes_in : 0),
			       status_fmt_bytes(d, sizeof(d), sc ? sc->totals.bytes_out : 0),
			       ch->use_in == SNAP_NONE ? "never" : status_fmt_age(e, sizeof(e), ch->use_in),
			       ch->use_in == SNAP_NONE ? "" : " ago");
		}
	}
	if (v->n_conns == 0)
		printf("(no connections loaded)\n");
}

static int status_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		SERVE_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	struct serve_flags flags = {0};
	struct status_ctx st = {0};
	struct collector *col;
	struct config cfg;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!serve_flags_take(&flags, opt, optarg))
			return cmd_usage_error(&cmd_status, "unknown option");
	if (optind < argc)
		return cmd_usage_error(&cmd_status, "unexpected argument '%s'", argv[optind]);
	if ((r = serve_flags_resolve(&cmd_status, &flags, &cfg)) != 0)
		return r;
	log_setup(LOG_LEVEL_ERR);
	st.redact = cfg.redact_identities;
	col = collector_new(&(struct collector_config){.vici_socket = cfg.vici_socket,
						       .vici_timeout_ms = cfg.vici_timeout_ms,
						       .cert_interval_s = 3600});
	if (!col) {
		fprintf(stderr, "ikewatch status: bad VICI socket path '%s'\n", cfg.vici_socket);
		config_done(&cfg);
		return 1;
	}
	collector_with_view(col, status_print, &st);
	collector_free(col);
	config_done(&cfg);
	if (!st.up)
		return 1;
	return st.any_down ? 3 : 0;
}

const struct cmd cmd_status = {
	.name = "status",
	.run = status_run,
	.summary = "show every loaded tunnel and its health, read over VICI",
	.usage = "Usage: ikewatch status [OPTIONS]\n\n"
		 "Prints each loaded connection with its IKE SA (state, age, time to rekey, peer)\n"
		 "and each CHILD SA (state, age, time to rekey, traffic, last inbound packet).\n\n"
		 "Options:\n" SERVE_COMMON_HELP
		 "\nExit status: 0 every configured tunnel is up, 3 at least one is down,\n"
		 "1 charon did not answer, 2 usage error.\n",
};
