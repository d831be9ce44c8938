// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch mtu TARGET": search the path MTU through the tunnel with DF probes answered at the
 * same size (STAMP by default), showing each probe, and report the result and whether the path
 * is an MTU black hole. Exit 0 found, 1 nothing passes, 2 error, 3 black hole.
 */
#include "cmd/cmd.h"
#include "cmd/probe_opts.h"
#include "cmd/source_check.h"

#include "probe/probe_mtu.h"
#include "stamp/stamp_addr.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int stop_flag;

static void on_sigint(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

static int mtu_run(int argc, char **argv);

static const struct opt mtu_opts[] = {
    {OPT_MTU_MIN, 0, "min", OPT_T_SIZE, "N",
     "smallest IP packet size (default 576, IPv6 1280; at least 68, IPv6 1280)", 68,
     PROBE_MTU_LIMIT},
    {OPT_MTU_MAX, 0, "max", OPT_T_SIZE, "N", "largest IP packet size (default 1500)", 68,
     PROBE_MTU_LIMIT},
    {OPT_MTU_RETRIES, 'r', NULL, OPT_T_COUNT, "N",
     "tries per size before it counts as dead (default 3; 1 to 100)", 1, PROBE_MTU_RETRIES_MAX},
    {OPT_MTU_TIMEOUT, 'W', NULL, OPT_T_SECONDS, "SECONDS", "wait per try (default 1; 0.01 to 60)",
     PROBE_INTERVAL_MIN_NS, 60000 * PROBE_NS_PER_MS},
    {OPT_QUIET, 'q', NULL, OPT_T_FLAG, NULL, "quiet: only the result"},
    {OPT_END},
};

static const struct opt *const mtu_tables[] = {probe_mtu_opts, mtu_opts, source_check_opts, NULL};

const struct cmd cmd_mtu = {
    .name = "mtu",
    .run = mtu_run,
    .summary = "find the path MTU through the tunnel and detect MTU black holes",
    .synopsis = "[OPTIONS] TARGET",
    .description =
        "Sends DF probes (IP_PMTUDISC_PROBE) of growing and bisected sizes to TARGET (an IP\n"
        "address or a host name), reads ICMP errors through IP_RECVERR, and reports the\n"
        "largest IP packet that makes the round trip. A black hole is reported when large\n"
        "probes vanish, small ones pass and no ICMP error comes back.\n",
    .opts = mtu_tables,
    .operands_min = 1,
    .operands_max = 1,
    .operand = "TARGET",
    .footer = "Exit status: 0 found, 1 nothing passes, 2 error, 3 black hole.\n",
};

static const char *outcome_name(enum probe_mtu_outcome o)
{
	switch (o) {
	case PROBE_MTU_PASSED:
		return "passed";
	case PROBE_MTU_TOO_BIG:
		return "too big";
	default:
		return "no answer";
	}
}

static void progress(void *ctx, uint32_t size, enum probe_mtu_outcome o, uint32_t icmp_mtu)
{
	if (*(bool *)ctx)
		return;
	printf("  %5u bytes: %s", size, outcome_name(o));
	if (icmp_mtu)
		printf(" (ICMP: mtu %u)", icmp_mtu);
	putchar('\n');
	fflush(stdout);
}

/* How mtu's errors name the fields of its target. */
static const char *const mtu_names[PT_N] = {
    [PT_TARGET] = "TARGET", [PT_PORT] = "-p",       [PT_SOURCE] = "-I",     [PT_KEY] = "-k",
    [PT_SIZE] = "size",     [PT_MTU_MIN] = "--min", [PT_MTU_MAX] = "--max",
};

struct mtu_flags {
	struct probe_target_spec spec;
	uint64_t min, max, retries, timeout_ns;
	bool quiet;
	const char *vici_socket;
};

static int mtu_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                    size_t errlen)
{
	struct mtu_flags *f = ctx;

	(void)err;
	(void)errlen;
	if (probe_opts_take(&f->spec, o, v))
		return 0;
	if (o->id == OPT_MTU_MIN)
		f->min = v->num;
	else if (o->id == OPT_MTU_MAX)
		f->max = v->num;
	else if (o->id == OPT_MTU_RETRIES)
		f->retries = v->num;
	else if (o->id == OPT_MTU_TIMEOUT)
		f->timeout_ns = v->num;
	else if (o->id == OPT_QUIET)
		f->quiet = true;
	else if (o->id == OPT_VICI_SOCKET)
		f->vici_socket = v->text;
	return 0;
}

int mtu_run(int argc, char **argv)
{
	struct mtu_flags f = {.max = PROBE_MTU_MAX_DEFAULT,
	                      .retries = PROBE_MTU_RETRIES_DEFAULT,
	                      .timeout_ns = 1000 * PROBE_NS_PER_MS};
	struct probe_target *t;
	struct probe_mtu_result res;
	char name[64], err[512];
	int n, e, ret = 2;

	t = calloc(1, sizeof(*t));
	if (!t)
		return 2;
	probe_target_spec_init(&f.spec, mtu_names);
	f.spec.resolve = true;
	n = opt_parse(&cmd_mtu, argc, argv, mtu_take, &f);
	if (n < 0)
		goto out;
	f.spec.target = argv[1];
	if (probe_target_build(&f.spec, t, err, sizeof(err)) < 0) {
		ret = cmd_usage_error(&cmd_mtu, "%s", err);
		goto out;
	}
	if (f.min == 0)
		f.min = probe_mtu_min_default(t->addr.ss_family);
	if (probe_target_check_mtu(t, (uint32_t)f.min, (uint32_t)f.max, mtu_names, err,
	                           sizeof(err)) < 0) {
		ret = cmd_usage_error(&cmd_mtu, "%s", err);
		goto out;
	}
	source_check_warn(&cmd_mtu, f.vici_socket, t);
	stamp_addr_format((struct sockaddr *)&t->addr, name, sizeof(name));
	signal(SIGINT, on_sigint);
	if (!f.quiet)
		printf("MTU search to %s (%s), %llu..%llu bytes, %llu tries per size\n", name,
		       probe_module_name(t->module), (unsigned long long)f.min,
		       (unsigned long long)f.max, (unsigned long long)f.retries);
	e = probe_mtu_run(t, (uint32_t)f.min, (uint32_t)f.max, (uint32_t)f.retries, f.timeout_ns,
	                  progress, &f.quiet, &stop_flag, &res);
	if (e < 0) {
		fprintf(stderr, "ikewatch mtu: %s: %s\n", name, strerror(-e));
		goto out;
	}
	if (res.path_mtu == 0) {
		printf("%s: no probe passed, even at %llu bytes (%u probes)\n", name,
		       (unsigned long long)f.min, res.probes);
		ret = 1;
	} else {
		printf("%s: path MTU %s%u bytes (%u probes%s%s)\n", name,
		       res.inconclusive ? "at least " : "", res.path_mtu, res.probes,
		       res.icmp_seen ? ", ICMP errors seen" : "",
		       res.inconclusive ? "; probes were lost at sizes that pass, so larger sizes "
		                          "that timed out prove nothing"
		                        : "");
		ret = 0;
		if (res.blackhole) {
			printf("%s: MTU BLACK HOLE: probes above %u bytes vanish and no ICMP error "
			       "comes back\n",
			       name, res.path_mtu);
			ret = 3;
		}
	}
out:
	explicit_bzero(t, sizeof(*t));
	free(t);
	return ret;
}
