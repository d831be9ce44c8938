// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch doctor [CONN]": the triage an operator runs when an alert fires, done by the tool:
 * gather (VICI, log, kernel, probes), judge, and print findings ranked by likelihood, each with
 * its evidence and the next command to run. --json gives the same findings for machines.
 * Exit status: 0 nothing critical found, 3 at least one critical finding, 1 could not run,
 * 2 usage error.
 */
#include "cmd/cmd.h"
#include "cmd/serve_opts.h"

#include "common/buf.h"
#include "common/num.h"
#include "doctor/doctor_checks.h"
#include "doctor/doctor_gather.h"
#include "stamp/stamp_addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

enum {
	OPT_JSON = 2000,
	OPT_LOG_FILE,
	OPT_PROBE,
	OPT_SOURCE,
	OPT_PROBE_MODULE,
	OPT_PROBE_COUNT,
	OPT_NO_MTU,
	OPT_MTU_MAX,
};

static int doctor_run(int argc, char **argv);

const struct cmd cmd_doctor = {
	.name = "doctor",
	.run = doctor_run,
	.summary = "triage one or every tunnel: ranked likely causes with evidence and next steps",
	.usage = "Usage: ikewatch doctor [OPTIONS] [CONN]\n\n"
		 "Reads charon (SAs, configured lifetimes, certificates), the tail of charon's log\n"
		 "(failures, retransmits, notify errors, proposals), the kernel's XFRM counts and,\n"
		 "with --probe, a short probe run and a path-MTU search through the tunnel; prints\n"
		 "findings ranked most likely first, each with evidence and the next command.\n\n"
		 "Options:\n" SERVE_COMMON_HELP
		 "  --json                   findings as JSON: {\"findings\": [...]}, ranked\n"
		 "  --log-file PATH          charon's log file (default: events.log_file of --config)\n"
		 "  --probe ADDR[:PORT]      a host behind the peer to probe through the tunnel\n"
		 "  --source ADDR            source address inside the local traffic selector\n"
		 "  --probe-module MODULE    stamp (default), udp, icmp\n"
		 "  --probe-count N          probes in the short run (default 5)\n"
		 "  --mtu-max N              largest packet of the MTU search (default 1400)\n"
		 "  --no-mtu                 skip the path-MTU search\n"
		 "\nExit status: 0 nothing critical, 3 a critical finding, 1 failure, 2 usage.\n",
};

static const char *config_log_file(struct config *cfg)
{
	yaml_node_t *n;

	if (!cfg->has_doc || !cfg->events)
		return NULL;
	n = config_map_get(&cfg->doc, cfg->events, "log_file");
	return n ? config_scalar(n) : NULL;
}

int doctor_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		SERVE_COMMON_LONGOPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"log-file", required_argument, NULL, OPT_LOG_FILE},
		{"probe", required_argument, NULL, OPT_PROBE},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"probe-module", required_argument, NULL, OPT_PROBE_MODULE},
		{"probe-count", required_argument, NULL, OPT_PROBE_COUNT},
		{"no-mtu", no_argument, NULL, OPT_NO_MTU},
		{"mtu-max", required_argument, NULL, OPT_MTU_MAX},
		{NULL, 0, NULL, 0},
	};
	struct serve_flags flags = {0};
	struct doctor_options o = {
		.probe_count = 5,
		.probe_interval_ns = 200 * MS,
		.probe_timeout_ns = 1000 * MS,
		.mtu = true,
		.mtu_max = 1400,
		.mtu_retries = 2,
		.mtu_timeout_ns = 500 * MS,
	};
	struct probe_target t = {.module = PROBE_MOD_STAMP, .dscp = -1};
	const char *probe = NULL, *source = NULL;
	struct doctor_facts *f = NULL;
	struct doctor_report r;
	struct config cfg;
	struct buf out;
	bool json = false, crit = false;
	socklen_t sl;
	uint64_t v;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (serve_flags_take(&flags, opt, optarg))
			continue;
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_LOG_FILE:
			o.log_file = optarg;
			break;
		case OPT_PROBE:
			probe = optarg;
			break;
		case OPT_SOURCE:
			source = optarg;
			break;
		case OPT_PROBE_MODULE:
			if (probe_module_parse(optarg, &t.module) < 0 || t.module == PROBE_MOD_TCP)
				return cmd_usage_error(&cmd_doctor, "--probe-module: stamp, udp or icmp");
			break;
		case OPT_PROBE_COUNT:
			if (num_parse_u64_str(optarg, 64, &v) < 0 || v == 0)
				return cmd_usage_error(&cmd_doctor, "--probe-count: 1..64");
			o.probe_count = (uint32_t)v;
			break;
		case OPT_NO_MTU:
			o.mtu = false;
			break;
		case OPT_MTU_MAX:
			if (num_parse_u64_str(optarg, 65535, &v) < 0 || v < 600)
				return cmd_usage_error(&cmd_doctor, "--mtu-max: 600..65535");
			o.mtu_max = (uint32_t)v;
			break;
		default:
			return cmd_usage_error(&cmd_doctor, "unknown option");
		}
	}
	if (optind + 1 < argc)
		return cmd_usage_error(&cmd_doctor, "at most one CONN expected");
	if (optind < argc)
		o.conn = argv[optind];
	if (probe) {
		if (stamp_addr_parse(probe, 0, &t.addr, &sl) < 0)
			return cmd_usage_error(&cmd_doctor, "--probe: '%s' is not an address", probe);
		if (stamp_addr_port((struct sockaddr *)&t.addr) == 0)
			stamp_addr_set_port((struct sockaddr *)&t.addr, probe_module_port(t.module));
		if (source) {
			if (stamp_addr_parse(source, 0, &t.source, &sl) < 0 ||
			    t.source.ss_family != t.addr.ss_family)
				return cmd_usage_error(&cmd_doctor, "--source: bad address '%s'",
						       source);
			t.has_source = true;
		}
		o.probe = &t;
		o.mtu_min = t.addr.ss_family == AF_INET6 ? 1280 : 576;
	} else if (source) {
		return cmd_usage_error(&cmd_doctor, "--source needs --probe");
	}
	if ((ret = serve_flags_resolve(&cmd_doctor, &flags, &cfg)) != 0)
		return ret;
	log_setup(LOG_LEVEL_ERR);
	o.vici_socket = cfg.vici_socket;
	o.vici_timeout_ms = cfg.vici_timeout_ms;
	if (!o.log_file)
		o.log_file = config_log_file(&cfg);
	ret = 1;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto out_config;
	doctor_facts_init(f);
	doctor_report_init(&r);
	buf_init(&out, 16u * 1024u * 1024u);
	if (doctor_gather(&o, f) < 0) {
		fprintf(stderr, "ikewatch doctor: out of memory\n");
		goto out_free;
	}
	doctor_diagnose(f, o.conn, &r);
	for (uint32_t i = 0; i < r.n; i++)
		crit |= r.f[i].severity == DOCTOR_SEV_CRIT;
	if (json)
		doctor_render_json(&r, &out);
	else
		doctor_render_text(&r, &out);
	if (out.err) {
		fprintf(stderr, "ikewatch doctor: rendering failed\n");
		goto out_free;
	}
	fwrite(out.data, 1, out.len, stdout);
	ret = crit ? 3 : 0;
out_free:
	buf_done(&out);
	doctor_report_done(&r);
	doctor_facts_done(f);
	free(f);
out_config:
	config_done(&cfg);
	return ret;
}
