// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch mtu TARGET": search the path MTU through the tunnel with DF probes answered at the
 * same size (STAMP by default), showing each probe, and report the result and whether the path
 * is an MTU black hole. Exit 0 found, 1 nothing passes, 2 error, 3 black hole.
 */
#include "cmd/cmd.h"

#include "common/num.h"
#include "probe/probe_mtu.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_keyfile.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
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

const struct cmd cmd_mtu = {
    .name = "mtu",
    .run = mtu_run,
    .summary = "find the path MTU through the tunnel and detect MTU black holes",
    .usage = "Usage: ikewatch mtu [options] TARGET\n"
             "\n"
             "Sends DF probes (IP_PMTUDISC_PROBE) of growing and bisected sizes, reads ICMP\n"
             "errors through IP_RECVERR, and reports the largest IP packet that makes the round\n"
             "trip. A black hole is reported when large probes vanish, small ones pass and no\n"
             "ICMP error comes back. Exit: 0 found, 1 nothing passes, 2 error, 3 black hole.\n"
             "\n"
             "  -m MODULE     stamp (default), udp, icmp\n"
             "  -p PORT       port (default 862 STAMP, 7 UDP echo)\n"
             "      --min N   smallest IP packet size (default 576, IPv6 1280)\n"
             "      --max N   largest IP packet size (default 1500)\n"
             "  -r N          tries per size before it counts as dead (default 3)\n"
             "  -W SECONDS    wait per try (default 1)\n"
             "  -I ADDRESS    source address\n"
             "  -k FILE       authenticated STAMP with the HMAC key in FILE\n"
             "  -q            quiet: only the result\n",
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

enum { OPT_MIN = 256, OPT_MAX };

int mtu_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"min", required_argument, NULL, OPT_MIN},
	    {"max", required_argument, NULL, OPT_MAX},
	    {0},
	};
	struct probe_target *t;
	struct probe_mtu_result res;
	uint64_t port = 0, min = 0, max = 1500, retries = 3, timeout_ns = 1000000000u;
	const char *source = NULL;
	bool quiet = false, has_port = false;
	char name[64];
	socklen_t sl;
	double d;
	int opt, e, ret = 2;

	t = calloc(1, sizeof(*t));
	if (!t)
		return 2;
	t->module = PROBE_MOD_STAMP;
	t->dscp = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "m:p:r:W:I:k:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (probe_module_parse(optarg, &t->module) < 0 ||
			    t->module == PROBE_MOD_TCP)
				goto usage;
			break;
		case 'p':
			if (num_parse_u64_str(optarg, 65535, &port) < 0)
				goto usage;
			has_port = true;
			break;
		case OPT_MIN:
			if (num_parse_u64_str(optarg, 65535, &min) < 0)
				goto usage;
			break;
		case OPT_MAX:
			if (num_parse_u64_str(optarg, 65535, &max) < 0)
				goto usage;
			break;
		case 'r':
			if (num_parse_u64_str(optarg, 100, &retries) < 0 || retries == 0)
				goto usage;
			break;
		case 'W':
			if (num_parse_double(optarg, strlen(optarg), 0.001, 60, &d) < 0)
				goto usage;
			timeout_ns = (uint64_t)(d * 1e9);
			break;
		case 'I':
			source = optarg;
			break;
		case 'k':
			e = stamp_key_load(optarg, t->key, &t->key_len);
			if (e < 0) {
				fprintf(stderr, "ikewatch mtu: key file %s: %s\n", optarg,
				        strerror(-e));
				goto out;
			}
			t->authenticated = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || stamp_addr_parse(argv[optind], 0, &t->addr, &sl) < 0) {
		ret = cmd_usage_error(&cmd_mtu, "one TARGET IP address expected");
		goto out;
	}
	if (!has_port)
		port = stamp_addr_port((struct sockaddr *)&t->addr) ?: probe_module_port(t->module);
	stamp_addr_set_port((struct sockaddr *)&t->addr, (uint16_t)port);
	if (source) {
		if (stamp_addr_parse(source, 0, &t->source, &sl) < 0 ||
		    t->source.ss_family != t->addr.ss_family)
			goto usage;
		t->has_source = true;
	}
	if (min == 0)
		min = t->addr.ss_family == AF_INET6 ? 1280 : 576;
	stamp_addr_format((struct sockaddr *)&t->addr, name, sizeof(name));
	signal(SIGINT, on_sigint);
	if (!quiet)
		printf("MTU search to %s (%s), %llu..%llu bytes, %llu tries per size\n", name,
		       probe_module_name(t->module), (unsigned long long)min,
		       (unsigned long long)max, (unsigned long long)retries);
	e = probe_mtu_run(t, (uint32_t)min, (uint32_t)max, (uint32_t)retries, timeout_ns, progress,
	                  &quiet, &stop_flag, &res);
	if (e < 0) {
		fprintf(stderr, "ikewatch mtu: %s: %s\n", name, strerror(-e));
		goto out;
	}
	if (res.path_mtu == 0) {
		printf("%s: no probe passed, even at %llu bytes (%u probes)\n", name,
		       (unsigned long long)min, res.probes);
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
	goto out;
usage:
	ret = cmd_usage_error(&cmd_mtu, "bad option or value");
out:
	explicit_bzero(t, sizeof(*t));
	free(t);
	return ret;
}
