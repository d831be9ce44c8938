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
#include "cmd/serve_opts.h"

#include "common/atomic_file.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/num.h"
#include "diag/diag_gather.h"
#include "diag/diag_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* Longest capture we allow: a bundle is a snapshot, not a monitoring session. */
#define DIAG_CAPTURE_MAX_S 300

enum {
	OPT_DIAG_OUTPUT = 2100,
	OPT_DIAG_LOG_FILE,
	OPT_DIAG_LOG_LINES,
	OPT_DIAG_EXPORTER,
	OPT_DIAG_CAPTURE,
	OPT_DIAG_CONN,
};

static int diag_run(int argc, char **argv);

const struct cmd cmd_diag = {
	.name = "diag",
	.run = diag_run,
	.summary = "write a support bundle (.tar.gz) with every key and PSK redacted",
	.usage = "Usage: ikewatch diag --output FILE.tar.gz [OPTIONS]\n\n"
		 "Gathers, for a support case: VICI list-sas, list-conns, list-policies,\n"
		 "list-certs, stats and version; ip xfrm state (keys redacted) and policy, routes,\n"
		 "rules, links and addresses; conntrack entries and sockets of UDP 500/4500; the\n"
		 "newest lines of charon's log; the exporter's /metrics; the doctor's findings;\n"
		 "and, with --capture, a tcpdump of IKE and ESP. MANIFEST.txt in the bundle lists\n"
		 "each file and every item that could not be gathered, with the reason.\n\n"
		 "Options:\n" SERVE_COMMON_HELP
		 "  --output FILE            the bundle to write (required; mode 0600)\n"
		 "  --log-file PATH          charon's log file (default: events.log_file of --config)\n"
		 "  --log-lines N            newest log lines kept (default 2000)\n"
		 "  --exporter URL           a running exporter, e.g. http://127.0.0.1:9903 (loopback\n"
		 "                           only; /metrics unless a path is given)\n"
		 "  --capture SECONDS        capture IKE and ESP with tcpdump for this long (1..300)\n"
		 "  --conn CONN              narrow list-sas, list-conns and the doctor to CONN\n"
		 "\nExit status: 0 written, 1 could not write, 2 usage.\n",
};

static const char *config_log_file(struct config *cfg)
{
	yaml_node_t *n;

	if (!cfg->has_doc || !cfg->events)
		return NULL;
	n = config_map_get(&cfg->doc, cfg->events, "log_file");
	return n ? config_scalar(n) : NULL;
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
	buf_printf(h, "vici socket: %s\nlog file: %s\nexporter: %s\nconnection: %s\n",
		   o->vici_socket, o->log_file ? o->log_file : "-",
		   o->exporter_url ? o->exporter_url : "-", o->conn ? o->conn : "(all)");
}

static int diag_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		SERVE_COMMON_LONGOPTS,
		{"output", required_argument, NULL, OPT_DIAG_OUTPUT},
		{"log-file", required_argument, NULL, OPT_DIAG_LOG_FILE},
		{"log-lines", required_argument, NULL, OPT_DIAG_LOG_LINES},
		{"exporter", required_argument, NULL, OPT_DIAG_EXPORTER},
		{"capture", required_argument, NULL, OPT_DIAG_CAPTURE},
		{"conn", required_argument, NULL, OPT_DIAG_CONN},
		{NULL, 0, NULL, 0},
	};
	struct diag_options o = {.log_lines = DIAG_LOG_LINES_DEFAULT};
	struct serve_flags flags = {0};
	const char *output = NULL;
	struct diag_bundle b;
	struct buf h, gz;
	struct config cfg;
	time_t now;
	uint64_t v;
	int opt, ret, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (serve_flags_take(&flags, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DIAG_OUTPUT:
			output = optarg;
			break;
		case OPT_DIAG_LOG_FILE:
			o.log_file = optarg;
			break;
		case OPT_DIAG_LOG_LINES:
			if (num_parse_u64_str(optarg, DOCTOR_LOG_TAIL_LINES * 20, &v) < 0 || v == 0)
				return cmd_usage_error(&cmd_diag, "--log-lines: 1..%u",
						       DOCTOR_LOG_TAIL_LINES * 20);
			o.log_lines = (uint32_t)v;
			break;
		case OPT_DIAG_EXPORTER:
			o.exporter_url = optarg;
			break;
		case OPT_DIAG_CAPTURE:
			if (num_parse_u64_str(optarg, DIAG_CAPTURE_MAX_S, &v) < 0 || v == 0)
				return cmd_usage_error(&cmd_diag, "--capture: 1..%u seconds",
						       DIAG_CAPTURE_MAX_S);
			o.capture_s = (unsigned)v;
			break;
		case OPT_DIAG_CONN:
			o.conn = optarg;
			break;
		default:
			return cmd_usage_error(&cmd_diag, "unknown option");
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_diag, "unexpected argument '%s'", argv[optind]);
	if (!output || !*output)
		return cmd_usage_error(&cmd_diag, "--output FILE is required");
	if (o.exporter_url) {
		struct sockaddr_storage ss;
		char path[DIAG_HTTP_PATH_MAX];
		socklen_t sl;
		int r = diag_http_parse_url(o.exporter_url, &ss, &sl, path);

		if (r < 0)
			return cmd_usage_error(&cmd_diag, "--exporter: %s",
					       r == -EPERM ? "only loopback http:// URLs"
							   : "not an http://HOST[:PORT][/PATH] URL");
	}
	if ((ret = serve_flags_resolve(&cmd_diag, &flags, &cfg)) != 0)
		return ret;
	log_setup(LOG_LEVEL_ERR);
	o.vici_socket = cfg.vici_socket;
	o.vici_timeout_ms = cfg.vici_timeout_ms;
	if (!o.log_file)
		o.log_file = config_log_file(&cfg);

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
	       output, gz.len, b.n_items[DIAG_OK], b.n_items[DIAG_PARTIAL],
	       b.n_items[DIAG_FAILED], b.n_items[DIAG_SKIPPED], b.redactions,
	       b.redactions == 1 ? "" : "s");
	ret = 0;
out:
	buf_done(&gz);
	buf_done(&h);
	diag_bundle_done(&b);
	config_done(&cfg);
	return ret;
}
