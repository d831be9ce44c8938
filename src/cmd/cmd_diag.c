// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch diag --output FILE.tar.gz": a support bundle in one file. Gathers charon's VICI
 * state, the kernel's XFRM, routing and conntrack view, charon's log tail, the exporter's
 * metrics, the doctor's findings and optionally a short capture (src/diag/diag_gather.h), with
 * every key and PSK redacted, and writes it atomically with mode 0600.
 * Exit status: 0 written (items that failed are listed in MANIFEST.txt), 1 could not write,
 * 2 usage error.
 */
#include "cmd/cmd.h"
#include "build_config.h"
#include "cmd/charon_opts.h"
#include "cmd/daemon_source.h"

#include "common/atomic_file.h"
#include "common/limits.h"
#include "common/log.h"
#include "diag/diag_gather.h"
#include "diag/diag_http.h"
#include "libreswan/lsw_diag.h"
#include "libreswan/lsw_doctor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* Longest capture we allow: a bundle is a snapshot, not a monitoring session. */
#define DIAG_CAPTURE_MAX_S 300

static int diag_run(int argc, char **argv);

static const struct opt diag_opts[] = {
    {OPT_OUTPUT, 'o', "output", OPT_T_PATH, "FILE", "the bundle to write (required; mode 0600)"},
    {OPT_LOG_FILE, 0, "log-file", OPT_T_PATH, "PATH",
     "the IPsec daemon's log file: charon's or pluto's\n(default: events.log_file of --config)"},
    {OPT_DIAG_LOG_LINES, 0, "log-lines", OPT_T_COUNT, "N", "newest log lines kept (default 2000)",
     1, DOCTOR_LOG_TAIL_LINES * 20},
    {OPT_DIAG_EXPORTER, 0, "exporter", OPT_T_TEXT, "URL",
     "a running exporter, e.g. http://127.0.0.1:9917 (loopback\n"
     "only; /metrics unless a path is given)"},
    {OPT_DIAG_CAPTURE, 0, "capture", OPT_T_COUNT, "SECONDS",
     "capture IKE and ESP with tcpdump for this long (1 to 300)", 1, DIAG_CAPTURE_MAX_S},
    {OPT_DIAG_CONN, 0, "conn", OPT_T_TEXT, "CONN",
     "narrow list-sas, list-conns and the doctor to CONN"},
    {OPT_END},
};

static const struct opt *const diag_tables[] = {charon_opts, daemon_opts, diag_opts, NULL};

const struct cmd cmd_diag = {
    .name = "diag",
    .run = diag_run,
    .summary = "write a support bundle (.tar.gz) with every key and PSK redacted",
    .synopsis = "--output FILE.tar.gz [OPTIONS]",
    .description =
        "Gathers, for a support case: VICI list-sas, list-conns, list-policies,\n"
        "list-certs, stats and version; ip xfrm state (keys redacted) and policy, routes,\n"
        "rules, links and addresses; conntrack entries and sockets of UDP 500/4500; the\n"
        "newest lines of charon's log; the exporter's /metrics; the doctor's findings;\n"
        "and, with --capture, a tcpdump of IKE and ESP. MANIFEST.txt in the bundle lists\n"
        "each file and every item that could not be gathered, with the reason.\n"
        "On a Libreswan gateway (--libreswan.ctl, or pluto's socket found and charon's\n"
        "absent), whack --status, --trafficstatus and --globalstatus, pluto's ipsec.conf\n"
        "and ipsec.d/*.conf (never a secrets file) and pluto's log replace the VICI items.\n",
    .opts = diag_tables,
    .footer = "Exit status: 0 written, 1 could not write, 2 usage.\n",
};

struct diag_flags {
	struct charon_flags charon;
	struct diag_options *o;
	const char *output;
};

static int diag_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                     size_t errlen)
{
	struct diag_flags *f = ctx;
	struct sockaddr_storage ss;
	char path[DIAG_HTTP_PATH_MAX];
	socklen_t sl;
	int r;

	if (charon_flags_take(&f->charon, o, v))
		return 0;
	switch (o->id) {
	case OPT_OUTPUT:
		f->output = v->text;
		break;
	case OPT_LOG_FILE:
		f->o->log_file = v->text;
		break;
	case OPT_DIAG_LOG_LINES:
		f->o->log_lines = (uint32_t)v->num;
		break;
	case OPT_DIAG_EXPORTER:
		r = diag_http_parse_url(v->text, &ss, &sl, path);
		if (r < 0) {
			snprintf(err, errlen, "%s",
			         r == -EPERM ? "only loopback http:// URLs"
			                     : "expected an http://HOST[:PORT][/PATH] URL");
			return -1;
		}
		f->o->exporter_url = v->text;
		break;
	case OPT_DIAG_CAPTURE:
		f->o->capture_s = (unsigned)v->num;
		break;
	case OPT_DIAG_CONN:
		f->o->conn = v->text;
		break;
	default:
		break;
	}
	return 0;
}

/* The manifest's head: when, where, with what. */
static void header(struct buf *h, const struct diag_options *o, time_t now)
{
	struct utsname u;
	struct tm tm;
	char when[32] = "?";

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_printf(h, "ikewatch diag bundle\ncreated: %s\nikewatch: %s (%s)\n", when,
	           IKEWATCH_VERSION, IKEWATCH_REVISION);
	if (uname(&u) == 0)
		buf_printf(h, "host: %s, %s %s %s\n", u.nodename, u.sysname, u.release, u.machine);
	buf_printf(h, "%s: %s\nlog file: %s\nexporter: %s\nconnection: %s\n",
	           o->daemon ? "pluto control socket" : "vici socket",
	           o->daemon ? o->daemon->doctor->where : o->vici_socket,
	           o->log_file ? o->log_file : "-", o->exporter_url ? o->exporter_url : "-",
	           o->conn ? o->conn : "(all)");
}

static int diag_run(int argc, char **argv)
{
	struct diag_options o = {.log_lines = DIAG_LOG_LINES_DEFAULT};
	struct diag_flags flags = {.o = &o};
	const char *output;
	struct diag_bundle b;
	const struct collector_source *src = NULL;
	struct doctor_daemon_source pluto_doctor;
	struct diag_daemon pluto;
	struct lsw_source *lsw = NULL;
	struct buf h, gz;
	struct config cfg;
	time_t now;
	int ret, err;

	if (opt_parse(&cmd_diag, argc, argv, diag_take, &flags) < 0)
		return 2;
	if (!flags.output)
		return cmd_usage_error(&cmd_diag, "--output FILE is required");
	output = flags.output;
	if ((ret = charon_flags_resolve(&cmd_diag, &flags.charon, &cfg)) != 0)
		return ret;
	log_setup(LOG_LEVEL_ERR);
	o.vici_socket = cfg.vici_socket;
	o.vici_timeout_ms = cfg.vici_timeout_ms;
	if (!o.log_file)
		o.log_file = charon_config_log_file(&cfg);
	if (daemon_source_open(&cmd_diag, &flags.charon, &cfg, &src, &lsw) != 0) {
		config_done(&cfg);
		return 1;
	}
	if (lsw) {
		lsw_doctor_source(lsw, &pluto_doctor);
		lsw_diag_daemon(lsw, &pluto_doctor, &pluto);
		o.daemon = &pluto;
	}

	ret = 1;
	now = time(NULL);
	diag_bundle_init(&b, (int64_t)now);
	buf_init(&h, 64 * 1024);
	buf_init(&gz, DIAG_BUNDLE_MAX + DIAG_BUNDLE_MAX / 8);
	if (diag_gather(&o, &b) < 0) {
		fprintf(stderr, "ikewatch diag: out of memory\n");
		goto out;
	}
	header(&h, &o, now);
	if (h.err || (err = diag_bundle_finish(&b, h.data, &gz)) < 0) {
		fprintf(stderr, "ikewatch diag: could not build the bundle: %s\n",
		        strerror(h.err ? -h.err : -err));
		goto out;
	}
	if ((err = atomic_file_write(output, gz.data, gz.len, 0600)) < 0) {
		fprintf(stderr, "ikewatch diag: %s: %s\n", output, strerror(-err));
		goto out;
	}
	printf("%s: %zu bytes; %u gathered, %u partial, %u failed, %u skipped; %u secret%s "
	       "redacted (see MANIFEST.txt)\n",
	       output, gz.len, b.n_items[DIAG_OK], b.n_items[DIAG_PARTIAL], b.n_items[DIAG_FAILED],
	       b.n_items[DIAG_SKIPPED], b.redactions, b.redactions == 1 ? "" : "s");
	ret = 0;
out:
	buf_done(&gz);
	buf_done(&h);
	diag_bundle_done(&b);
	lsw_source_free(lsw);
	config_done(&cfg);
	return ret;
}
