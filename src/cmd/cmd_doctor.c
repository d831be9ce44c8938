// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch doctor [CONN]": the triage an operator runs when an alert fires, done by the tool:
 * gather (VICI, log, kernel, probes), judge, and print findings ranked by likelihood, each with
 * its evidence and the next command to run. --json gives the same findings for machines.
 * Exit status: 0 nothing critical found, 3 at least one critical finding, 1 could not run,
 * 2 usage error.
 */
#include "cmd/cmd.h"
#include "cmd/charon_opts.h"
#include "cmd/daemon_source.h"
#include "cmd/probe_opts.h"

#include "common/buf.h"
#include "common/file_read.h"
#include "doctor/doctor_checks.h"
#include "doctor/doctor_gather.h"
#include "libreswan/lsw_doctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

static int doctor_run(int argc, char **argv);

static const char *const doctor_modules[] = {"stamp", "udp", "icmp", NULL};

static const struct opt doctor_opts[] = {
    {OPT_JSON, 0, "json", OPT_T_FLAG, NULL, "findings as JSON: {\"findings\": [...]}, ranked"},
    {OPT_LOG_FILE, 0, "log-file", OPT_T_PATH, "PATH",
     "the IPsec daemon's log file: charon's or pluto's\n(default: events.log_file of --config)"},
    {OPT_DOCTOR_PROBE, 0, "probe", OPT_T_TEXT, "ADDR[:PORT]",
     "a host behind the peer to probe through the tunnel\n(an IP address or a host name)"},
    {OPT_PROBE_SOURCE, 0, "source", OPT_T_IP, "ADDR",
     "source address inside the local traffic selector"},
    {OPT_PROBE_MODULE, 0, "probe-module", OPT_T_CHOICE, "MODULE", "stamp (default), udp, icmp",
     .choices = doctor_modules},
    {OPT_DOCTOR_COUNT, 0, "probe-count", OPT_T_COUNT, "N",
     "probes in the run (default 400: enough to tell 2 % loss;\n1 to 2000)", 1,
     DOCTOR_PROBE_RUN_MAX},
    {OPT_DOCTOR_INTERVAL, 0, "probe-interval", OPT_T_DURATION, "DURATION",
     "time between probes (default 20ms; 1ms to 1s)", 1 * MS, 1000 * MS},
    {OPT_DOCTOR_MTU_MAX, 0, "mtu-max", OPT_T_SIZE, "N",
     "largest packet of the MTU search (default 1400;\n600 to 65535)", 600, PROBE_MTU_LIMIT},
    {OPT_DOCTOR_NO_MTU, 0, "no-mtu", OPT_T_FLAG, NULL, "skip the path-MTU search"},
    {OPT_DOCTOR_PEER, 0, "peer", OPT_T_TEXT, "URL",
     "the far gateway's ikewatch /metrics: its configured\nproposals are compared with ours; "
     "read before and\nafter a --probe run, it names the segment and\ndirection where probes are "
     "lost"},
    {OPT_DOCTOR_PEER_USER, 0, "peer.user", OPT_T_TEXT, "USER",
     "basic-auth user for --peer (its web-config)"},
    {OPT_DOCTOR_PEER_PASSWORD_FILE, 0, "peer.password-file", OPT_T_FILE, "FILE",
     "file holding the basic-auth password for --peer"},
    {OPT_DOCTOR_PEER_CA_FILE, 0, "peer.ca-file", OPT_T_FILE, "FILE",
     "CA to verify the peer's TLS certificate"},
    {OPT_DOCTOR_PEER_CERT_FILE, 0, "peer.cert-file", OPT_T_FILE, "FILE",
     "client certificate for --peer"},
    {OPT_DOCTOR_PEER_KEY_FILE, 0, "peer.key-file", OPT_T_FILE, "FILE", "key of --peer.cert-file"},
    {OPT_DOCTOR_PEER_INSECURE, 0, "peer.insecure-skip-verify", OPT_T_FLAG, NULL,
     "do not verify the peer's TLS certificate"},
    {OPT_DOCTOR_PEER_TIMEOUT, 0, "peer.timeout", OPT_T_DURATION, "DURATION",
     "time for each read of --peer (default 5s; 100ms to 1m)", 100 * MS, 60000 * MS},
    {OPT_DOCTOR_PROM, 0, "prometheus", OPT_T_TEXT, "URL",
     "a Prometheus that scrapes both gateways' ikewatch\n(http://host:9090): both ends' counters "
     "around the\nprobe run from its HTTP API instead of --peer\n(needs --probe)"},
    {OPT_DOCTOR_PROM_INSTANCE, 0, "prometheus.instance", OPT_T_TEXT, "INSTANCE",
     "this gateway's instance label there (default: the\ntarget whose CHILD SA has our SPIs)"},
    {OPT_DOCTOR_PROM_USER, 0, "prometheus.user", OPT_T_TEXT, "USER",
     "basic-auth user for --prometheus"},
    {OPT_DOCTOR_PROM_PASSWORD_FILE, 0, "prometheus.password-file", OPT_T_FILE, "FILE",
     "file holding the basic-auth password for --prometheus"},
    {OPT_DOCTOR_PROM_CA_FILE, 0, "prometheus.ca-file", OPT_T_FILE, "FILE",
     "CA to verify Prometheus' TLS certificate"},
    {OPT_DOCTOR_PROM_CERT_FILE, 0, "prometheus.cert-file", OPT_T_FILE, "FILE",
     "client certificate for --prometheus"},
    {OPT_DOCTOR_PROM_KEY_FILE, 0, "prometheus.key-file", OPT_T_FILE, "FILE",
     "key of --prometheus.cert-file"},
    {OPT_DOCTOR_PROM_INSECURE, 0, "prometheus.insecure-skip-verify", OPT_T_FLAG, NULL,
     "do not verify Prometheus' TLS certificate"},
    {OPT_DOCTOR_PROM_TIMEOUT, 0, "prometheus.timeout", OPT_T_DURATION, "DURATION",
     "time for each query of --prometheus (default 5s;\n100ms to 1m)", 100 * MS, 60000 * MS},
    {OPT_DOCTOR_PROM_WAIT, 0, "prometheus.wait", OPT_T_DURATION, "DURATION",
     "how long to wait after the probe run for Prometheus\nto scrape both ends (default 35s: "
     "two scrapes at\n15s; 1s to 10m)",
     1000 * MS, 600000 * MS},
    {OPT_END},
};

static const struct opt *const doctor_tables[] = {charon_opts, daemon_opts, doctor_opts, NULL};

const struct cmd cmd_doctor = {
    .name = "doctor",
    .run = doctor_run,
    .summary = "triage one or every tunnel: ranked likely causes with evidence and next steps",
    .synopsis = "[OPTIONS] [CONN]",
    .description =
        "Reads charon (SAs, configured lifetimes, certificates; its worker threads, job\n"
        "queues, half-open IKE SAs, pools and IKE counters), the tail of charon's log\n"
        "(failures, retransmits, notify errors, proposals), the kernel's XFRM counts and,\n"
        "with --probe, a short probe run and a path-MTU search through the tunnel (with\n"
        "--peer or --prometheus, counted at both ends of the CHILD SA); prints\n"
        "findings ranked most likely first, each with evidence and the next command.\n"
        "On a Libreswan gateway (--libreswan.ctl, or pluto's socket found and charon's\n"
        "absent) it reads pluto through whack (--status, --trafficstatus, --globalstatus)\n"
        "and pluto's log instead of charon, and judges them by the same rules.\n",
    .opts = doctor_tables,
    .operands_max = 1,
    .operand = "CONN",
    .footer = "Exit status: 0 nothing critical, 3 a critical finding, 1 failure, 2 usage.\n",
};

/* How doctor's errors name the fields of its probe target. */
static const char *const doctor_names[PT_N] = {
    [PT_TARGET] = "--probe",    [PT_PORT] = "--probe", [PT_SOURCE] = "--source",
    [PT_KEY] = "--key",         [PT_SIZE] = "size",    [PT_MTU_MIN] = "MTU minimum",
    [PT_MTU_MAX] = "--mtu-max",
};

struct doctor_flags {
	struct charon_flags charon;
	struct doctor_options *o;
	struct probe_target_spec spec;
	const char *password_file, *prom_password_file;
	bool json, has_source;
};

/* The HTTP client options --peer.* and --prometheus.* share, in the same order after each
 * one's USER id (opt.h): @k is the place after it. */
static void take_client(int k, const struct opt_val *v, struct http_client_opts *h,
                        const char **password_file)
{
	switch (k) {
	case OPT_DOCTOR_PEER_USER - OPT_DOCTOR_PEER_USER:
		h->username = v->text;
		break;
	case OPT_DOCTOR_PEER_PASSWORD_FILE - OPT_DOCTOR_PEER_USER:
		*password_file = v->text;
		break;
	case OPT_DOCTOR_PEER_CA_FILE - OPT_DOCTOR_PEER_USER:
		h->ca_file = v->text;
		break;
	case OPT_DOCTOR_PEER_CERT_FILE - OPT_DOCTOR_PEER_USER:
		h->cert_file = v->text;
		break;
	case OPT_DOCTOR_PEER_KEY_FILE - OPT_DOCTOR_PEER_USER:
		h->key_file = v->text;
		break;
	case OPT_DOCTOR_PEER_INSECURE - OPT_DOCTOR_PEER_USER:
		h->insecure_skip_verify = true;
		break;
	case OPT_DOCTOR_PEER_TIMEOUT - OPT_DOCTOR_PEER_USER:
		h->timeout_ms = (unsigned)(v->num / MS);
		break;
	default:
		break;
	}
}

_Static_assert(OPT_DOCTOR_PEER_TIMEOUT - OPT_DOCTOR_PEER_USER ==
                   OPT_DOCTOR_PROM_TIMEOUT - OPT_DOCTOR_PROM_USER,
               "--peer.* and --prometheus.* client options in the same order");

static int doctor_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                       size_t errlen)
{
	struct doctor_flags *f = ctx;

	(void)err;
	(void)errlen;
	if (charon_flags_take(&f->charon, o, v) || probe_opts_take(&f->spec, o, v))
		return 0;
	if (o->id >= OPT_DOCTOR_PEER_USER && o->id <= OPT_DOCTOR_PEER_TIMEOUT) {
		take_client(o->id - OPT_DOCTOR_PEER_USER, v, &f->o->peer.http, &f->password_file);
		return 0;
	}
	if (o->id >= OPT_DOCTOR_PROM_USER && o->id <= OPT_DOCTOR_PROM_TIMEOUT) {
		take_client(o->id - OPT_DOCTOR_PROM_USER, v, &f->o->prom.http,
		            &f->prom_password_file);
		return 0;
	}
	switch (o->id) {
	case OPT_JSON:
		f->json = true;
		break;
	case OPT_LOG_FILE:
		f->o->log_file = v->text;
		break;
	case OPT_DOCTOR_PROBE:
		f->spec.target = v->text;
		break;
	case OPT_DOCTOR_COUNT:
		f->o->probe_count = (uint32_t)v->num;
		break;
	case OPT_DOCTOR_NO_MTU:
		f->o->mtu = false;
		break;
	case OPT_DOCTOR_MTU_MAX:
		f->o->mtu_max = (uint32_t)v->num;
		break;
	case OPT_DOCTOR_INTERVAL:
		f->o->probe_interval_ns = v->num;
		break;
	case OPT_DOCTOR_PEER:
		f->o->peer.url = v->text;
		break;
	case OPT_DOCTOR_PROM:
		f->o->prom.url = v->text;
		break;
	case OPT_DOCTOR_PROM_INSTANCE:
		f->o->prom.instance = v->text;
		break;
	case OPT_DOCTOR_PROM_WAIT:
		f->o->prom.wait_ms = (unsigned)(v->num / MS);
		break;
	default:
		break;
	}
	return 0;
}

/* The first line of @file as the basic-auth password of @h (user "" when none given). */
static int take_password(const char *opt, const char *file, struct http_client_opts *h, char **ret)
{
	size_t len;
	int r = file_read_all(file, 4096, ret, &len);

	if (r < 0)
		return cmd_usage_error(&cmd_doctor, "%s %s: %s", opt, file, strerror(-r));
	while (len && ((*ret)[len - 1] == '\n' || (*ret)[len - 1] == '\r'))
		(*ret)[--len] = '\0';
	h->password = *ret;
	if (!h->username)
		h->username = "";
	return 0;
}

static void forget(char *password)
{
	if (password)
		explicit_bzero(password, strlen(password));
	free(password);
}

int doctor_run(int argc, char **argv)
{
	struct doctor_options o = {
	    .probe_count = 400,
	    .probe_interval_ns = 20 * MS,
	    .probe_timeout_ns = 1000 * MS,
	    .mtu = true,
	    .mtu_max = 1400,
	    .mtu_retries = 2,
	    .mtu_timeout_ns = 500 * MS,
	    .peer.http.timeout_ms = 5000,
	    .prom.http.timeout_ms = 5000,
	    .prom.wait_ms = 35000,
	};
	struct doctor_flags flags = {.o = &o};
	struct probe_target t;
	struct doctor_facts *f = NULL;
	const struct collector_source *src = NULL;
	struct doctor_daemon_source pluto;
	struct lsw_source *lsw = NULL;
	struct doctor_report r;
	struct config cfg;
	struct buf out;
	char *password = NULL, *prom_password = NULL;
	bool crit = false;
	char err[512];
	int n, ret;

	probe_target_spec_init(&flags.spec, doctor_names);
	flags.spec.resolve = true;
	n = opt_parse(&cmd_doctor, argc, argv, doctor_take, &flags);
	if (n < 0)
		return 2;
	if (n == 1)
		o.conn = argv[1];
	if (flags.spec.target) {
		if (probe_target_build(&flags.spec, &t, err, sizeof(err)) < 0)
			return cmd_usage_error(&cmd_doctor, "%s", err);
		o.probe = &t;
		o.mtu_min = probe_mtu_min_default(t.addr.ss_family);
		if (o.mtu && probe_target_check_mtu(&t, o.mtu_min, o.mtu_max, doctor_names, err,
		                                    sizeof(err)) < 0)
			return cmd_usage_error(&cmd_doctor, "%s", err);
	} else if (flags.spec.source) {
		return cmd_usage_error(&cmd_doctor, "--source %s: needs --probe",
		                       flags.spec.source);
	}
	if (!o.peer.url && (o.peer.http.username || flags.password_file))
		return cmd_usage_error(&cmd_doctor,
		                       "--peer.user/--peer.password-file: need --peer");
	if (o.prom.url && !o.probe)
		return cmd_usage_error(&cmd_doctor,
		                       "--prometheus %s: needs --probe (both ends' counters are "
		                       "read around the probe run)",
		                       o.prom.url);
	if (o.prom.url && o.peer.url)
		return cmd_usage_error(&cmd_doctor, "--peer and --prometheus: give one of them");
	if (!o.prom.url && (o.prom.http.username || flags.prom_password_file || o.prom.instance))
		return cmd_usage_error(&cmd_doctor, "--prometheus.user/--prometheus.password-file/"
		                                    "--prometheus.instance: need --prometheus");
	if (flags.password_file && (ret = take_password("--peer.password-file", flags.password_file,
	                                                &o.peer.http, &password)) != 0)
		return ret;
	if (flags.prom_password_file &&
	    (ret = take_password("--prometheus.password-file", flags.prom_password_file,
	                         &o.prom.http, &prom_password)) != 0) {
		forget(password);
		return ret;
	}
	if ((ret = charon_flags_resolve(&cmd_doctor, &flags.charon, &cfg)) != 0) {
		forget(password);
		forget(prom_password);
		return ret;
	}
	log_setup(LOG_LEVEL_ERR);
	o.vici_socket = cfg.vici_socket;
	o.vici_timeout_ms = cfg.vici_timeout_ms;
	o.swanctl_conf = cfg.swanctl_conf;
	o.strongswan_conf = cfg.strongswan_conf;
	if (!o.log_file)
		o.log_file = charon_config_log_file(&cfg);
	ret = 1;
	if (daemon_source_open(&cmd_doctor, &flags.charon, &cfg, &src, &lsw) != 0)
		goto out_config;
	if (lsw) {
		lsw_doctor_source(lsw, &pluto);
		o.daemon = &pluto;
	}
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
	if (flags.json)
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
	lsw_source_free(lsw);
	config_done(&cfg);
	forget(password);
	forget(prom_password);
	return ret;
}
