// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch reflect": a STAMP Session-Reflector (RFC 8762 section 4.3) on one address. Runs
 * until SIGINT/SIGTERM, then prints its counters (the same results as
 * ipsec_reflector_packets_total) and exits 0.
 */
#include "cmd/cmd.h"

#include "common/netaddr.h"
#include "common/num.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_keyfile.h"
#include "stamp/stamp_reflect_loop.h"
#include "stamp/stamp_reflector.h"
#include "stamp/stamp_sock.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

static int reflect_run(int argc, char **argv);

const struct cmd cmd_reflect = {
    .name = "reflect",
    .run = reflect_run,
    .summary = "run a STAMP reflector (RFC 8762) for probes from other ikewatch or routers",
    .usage =
        "Usage: ikewatch reflect [--listen ADDR[:PORT]] [options]\n"
        "\n"
        "Answers STAMP test packets (RFC 8762, RFC 8972 SSID). Replies are never larger\n"
        "than requests; drops are counted and printed on exit.\n"
        "\n"
        "  -l, --listen ADDR[:PORT]  address to listen on (default 0.0.0.0:862)\n"
        "  -k, --key-file FILE       authenticated mode: HMAC-SHA-256 key (hex or raw)\n"
        "      --stateless           copy the sender's sequence numbers (no direction split)\n"
        "  -r, --rate PPS            replies per second per source (default 1000, 0: no limit)\n"
        "      --burst N             bucket depth per source (default: the rate)\n"
        "  -a, --allow PREFIX        accept only these sources (repeatable)\n"
        "      --ipsec-only          accept only packets that came out of an IPsec tunnel\n",
};

enum { OPT_STATELESS = 256, OPT_BURST, OPT_IPSEC_ONLY };

int reflect_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"key-file", required_argument, NULL, 'k'},
	    {"stateless", no_argument, NULL, OPT_STATELESS},
	    {"rate", required_argument, NULL, 'r'},
	    {"burst", required_argument, NULL, OPT_BURST},
	    {"allow", required_argument, NULL, 'a'},
	    {"ipsec-only", no_argument, NULL, OPT_IPSEC_ONLY},
	    {0},
	};
	struct stamp_reflector_config *cfg;
	struct stamp_reflector *r = NULL;
	struct sockaddr_storage addr;
	const char *listen = "0.0.0.0:862";
	uint64_t v, c[STAMP_REFL_N];
	socklen_t alen;
	int opt, fd = -1, ret = 1, e;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return 1;
	cfg->rate_pps = REFLECT_RATE_PPS_DEFAULT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "l:k:r:a:", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen = optarg;
			break;
		case 'k':
			e = stamp_key_load(optarg, cfg->key, &cfg->key_len);
			if (e < 0) {
				fprintf(stderr, "ikewatch reflect: key file %s: %s\n", optarg,
				        strerror(-e));
				goto out;
			}
			cfg->authenticated = true;
			break;
		case OPT_STATELESS:
			cfg->stateless = true;
			break;
		case 'r':
			if (num_parse_u64_str(optarg, 10000000, &v) < 0) {
				ret = cmd_usage_error(&cmd_reflect, "bad --rate '%s'", optarg);
				goto out;
			}
			cfg->rate_pps = (uint32_t)v;
			break;
		case OPT_BURST:
			if (num_parse_u64_str(optarg, 10000000, &v) < 0) {
				ret = cmd_usage_error(&cmd_reflect, "bad --burst '%s'", optarg);
				goto out;
			}
			cfg->burst = (uint32_t)v;
			break;
		case 'a':
			if (cfg->nallow >= REFLECT_ALLOW_MAX ||
			    stamp_prefix_parse(optarg, &cfg->allow[cfg->nallow]) < 0) {
				ret = cmd_usage_error(&cmd_reflect, "bad --allow '%s'", optarg);
				goto out;
			}
			cfg->nallow++;
			break;
		case OPT_IPSEC_ONLY:
			cfg->ipsec_only = true;
			break;
		default:
			ret = cmd_usage_error(&cmd_reflect, "unknown option");
			goto out;
		}
	}
	if (optind != argc) {
		ret = cmd_usage_error(&cmd_reflect, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	e = netaddr_parse_listen(listen, STAMP_PORT, &addr, &alen);
	if (e < 0) {
		ret = cmd_usage_error(&cmd_reflect, "bad --listen '%s': %s", listen,
				      netaddr_strerror(e));
		goto out;
	}
	r = stamp_reflector_new(cfg);
	if (!r)
		goto out;
	e = stamp_sock_open((struct sockaddr *)&addr, &fd);
	if (e < 0) {
		fprintf(stderr, "ikewatch reflect: listen on %s: %s\n", listen, strerror(-e));
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "ikewatch reflect: listening on %s (%s, %s)\n", listen,
	        cfg->authenticated ? "authenticated" : "unauthenticated",
	        cfg->stateless ? "stateless" : "stateful");
	e = stamp_reflect_run(r, fd, &stop_flag);
	if (e < 0)
		fprintf(stderr, "ikewatch reflect: %s\n", strerror(-e));
	stamp_reflector_counters(r, c);
	for (int i = 0; i < STAMP_REFL_N; i++)
		printf("%s %llu\n", stamp_refl_result_name(i), (unsigned long long)c[i]);
	ret = e < 0 ? 1 : 0;
out:
	if (fd >= 0)
		close(fd);
	stamp_reflector_free(r);
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
	return ret;
}
