// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch status": one look at every loaded connection and its SAs, for a person at a
 * terminal. Exit status: 0 all configured tunnels up, 3 at least one down, 1 charon unreachable
 * (so that scripts and cron can use it too).
 */
#include "cmd/cmd.h"
#include "cmd/charon_opts.h"
#include "cmd/daemon_source.h"

#include "common/log.h"
#include "exporter/collector.h"
#include "status/status_fmt.h"

#include <stdio.h>
#include <string.h>

struct status_ctx {
	bool any_down;
	bool up;
	bool redact;
	bool found;
	const char *conn;   /* NULL: every connection */
	const char *socket; /* for the error line */
	bool pluto;         /* Libreswan's pluto, not charon */
};

static void status_print(void *ctx, const struct sa_snapshot *s, const struct sa_view *v, bool up,
                         const char *error)
{
	struct status_ctx *st = ctx;
	char a[32], b[32], c[32], d[32], e[32];

	(void)s;
	st->up = up;
	if (!up) {
		const char *why = error ? error : "unknown error";

		/* the socket is named below; "connect: " adds nothing to it */
		if (strncmp(why, "connect: ", 9) == 0)
			why += 9;
		if (st->pluto)
			printf("pluto is not answering on %s: %s (is pluto running? set "
			       "--libreswan.ctl)\n",
			       st->socket, why);
		else
			printf("charon is not answering on %s: %s (is charon running? set "
			       "--vici.socket)\n",
			       st->socket, why);
		return;
	}
	printf("%-20s %-12s %-9s %-10s %-18s\n", "CONNECTION", "IKE SA", "AGE", "REKEY IN",
	       "REMOTE");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct sa_view_conn *vc = &v->conns[i];
		const struct snap_ike *ike = vc->best;

		if (st->conn && strcmp(st->conn, vc->name) != 0)
			continue;
		st->found = true;
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
			       ch->use_in == SNAP_NONE ? "never"
			                               : status_fmt_age(e, sizeof(e), ch->use_in),
			       ch->use_in == SNAP_NONE ? "" : " ago");
		}
	}
	if (v->n_conns == 0)
		printf("(no connections loaded)\n");
	else if (st->conn && !st->found)
		printf("(no connection %s loaded)\n", st->conn);
}

static int status_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                       size_t errlen)
{
	(void)err;
	(void)errlen;
	charon_flags_take(ctx, o, v);
	return 0;
}

static int status_run(int argc, char **argv)
{
	struct charon_flags flags = {0};
	struct status_ctx st = {0};
	const struct collector_source *src;
	struct lsw_source *lsw;
	struct collector *col;
	struct config cfg;
	int n, r;

	n = opt_parse(&cmd_status, argc, argv, status_take, &flags);
	if (n < 0)
		return 2;
	if (n == 1)
		st.conn = argv[1];
	if ((r = charon_flags_resolve(&cmd_status, &flags, &cfg)) != 0)
		return r;
	log_setup(LOG_LEVEL_ERR);
	st.redact = cfg.redact_identities;
	st.socket = cfg.vici_socket;
	if (daemon_source_open(&cmd_status, &flags, &cfg, &src, &lsw) != 0) {
		config_done(&cfg);
		return 1;
	}
	if (src) {
		st.pluto = true;
		st.socket = src->where;
	}
	col = collector_new(&(struct collector_config){.source = src,
	                                               .vici_socket = cfg.vici_socket,
	                                               .vici_timeout_ms = cfg.vici_timeout_ms,
	                                               .cert_interval_s = 3600});
	if (!col) {
		fprintf(stderr, "ikewatch status: --vici.socket %s: the path is too long\n",
		        cfg.vici_socket);
		lsw_source_free(lsw);
		config_done(&cfg);
		return 1;
	}
	collector_with_view(col, status_print, &st);
	collector_free(col);
	lsw_source_free(lsw);
	config_done(&cfg);
	if (!st.up)
		return 1;
	if (st.conn && !st.found)
		return 3;
	return st.any_down ? 3 : 0;
}

static const struct opt *const status_tables[] = {charon_opts, daemon_opts, NULL};

const struct cmd cmd_status = {
    .name = "status",
    .run = status_run,
    .summary = "show every loaded tunnel and its health, read over VICI",
    .synopsis = "[OPTIONS] [CONN]",
    .description =
        "Prints each loaded connection (or only CONN) with its IKE SA (state, age, time to\n"
        "rekey, peer) and each CHILD SA (state, age, time to rekey, traffic, last inbound\n"
        "packet).\n",
    .opts = status_tables,
    .operands_max = 1,
    .operand = "CONN",
    .footer = "Exit status: 0 every configured tunnel (or CONN) is up, 3 at least one is down\n"
              "(or CONN is not loaded), 1 charon did not answer, 2 usage error.\n",
};
