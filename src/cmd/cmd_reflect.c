// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch reflect": a STAMP Session-Reflector (RFC 8762 section 4.3) on one address. Runs
 * until SIGINT/SIGTERM, then prints its counters (the same results as
 * ipsec_reflector_packets_total, then "sender ADDRESS RESULT N" lines as
 * ipsec_reflector_sender_packets_total) and exits 0.
 */
#include "cmd/cmd.h"
#include "cmd/charon_opts.h"
#include "cmd/probe_opts.h"

#include "common/log.h"

#include "common/netaddr.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_clock.h"
#include "stamp/stamp_keyfile.h"
#include "stamp/stamp_reflect_pool.h"
#include "stamp/stamp_reflector.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct stamp_reflect_pool *signal_pool; /* what SIGINT and SIGTERM stop */

static void on_signal(int sig)
{
	(void)sig;
	if (signal_pool)
		stamp_reflect_pool_stop(signal_pool);
}

static int reflect_run(int argc, char **argv);

static const struct opt reflect_opts[] = {
    {OPT_REFLECT_LISTEN, 'l', "listen", OPT_T_TEXT, "ADDR[:PORT]",
     "address to listen on: 0.0.0.0:862 (default), [::]:862, :862 (all, v4 and v6)"},
    {OPT_REFLECT_STATELESS, 0, "stateless", OPT_T_FLAG, NULL,
     "copy the sender's sequence numbers (no direction split)"},
    {OPT_REFLECT_RATE, 'r', "rate", OPT_T_COUNT, "PPS",
     "replies per second per source (default 1000, 0: no limit)", 0, 10000000},
    {OPT_REFLECT_BURST, 0, "burst", OPT_T_COUNT, "N", "bucket depth per source (default: the rate)",
     0, 10000000},
    {OPT_REFLECT_ALLOW, 'a', "allow", OPT_T_PREFIX, "PREFIX",
     "accept only these sources (repeatable)", .flags = OPT_REPEAT},
    {OPT_REFLECT_IPSEC_ONLY, 0, "ipsec-only", OPT_T_FLAG, NULL,
     "accept only packets that came out of an IPsec tunnel"},
    {OPT_REFLECT_CLOCK_ERROR, 0, "clock.max-error", OPT_T_DURATION, "DURATION",
     "this clock is synchronised to UTC within DURATION (PTP, GPS) although the kernel\n"
     "does not say so: replies then carry the S bit (one-way delays)",
     1000000ull, 10000000000ull},
    {OPT_REFLECT_THREADS, 0, "threads", OPT_T_COUNT, "N",
     "N sockets on the address (SO_REUSEPORT), a thread each; the kernel keeps\n"
     "each sender on one of them (default 1; one per core at most helps)",
     1, REFLECT_THREADS_MAX},
    {OPT_END},
};

static const struct opt *const reflect_tables[] = {reflect_opts, probe_key_opts, log_format_opts,
                                                   NULL};

const struct cmd cmd_reflect = {
    .name = "reflect",
    .run = reflect_run,
    .summary = "run a STAMP reflector (RFC 8762) for probes from other ikewatch or routers",
    .synopsis = "[--listen ADDR[:PORT]] [OPTIONS]",
    .description =
        "Answers STAMP test packets (RFC 8762, RFC 8972 SSID). Replies are never larger\n"
        "than requests; drops are counted and printed on exit.\n",
    .opts = reflect_tables,
    .footer = "Runs until SIGINT or SIGTERM, then prints its counters, in total and per sender "
              "address, and exits 0.\n",
};

struct reflect_flags {
	struct stamp_reflector_config *cfg;
	const char *listen, *key_file, *log_format;
	unsigned threads;
};

static int reflect_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                        size_t errlen)
{
	struct reflect_flags *f = ctx;
	struct stamp_reflector_config *cfg = f->cfg;

	switch (o->id) {
	case OPT_REFLECT_LISTEN:
		f->listen = v->text;
		break;
	case OPT_PROBE_KEY:
		f->key_file = v->text;
		break;
	case OPT_REFLECT_STATELESS:
		cfg->stateless = true;
		break;
	case OPT_REFLECT_RATE:
		cfg->rate_pps = (uint32_t)v->num;
		break;
	case OPT_REFLECT_BURST:
		cfg->burst = (uint32_t)v->num;
		break;
	case OPT_REFLECT_ALLOW:
		if (cfg->nallow >= REFLECT_ALLOW_MAX) {
			snprintf(err, errlen, "at most %d prefixes", REFLECT_ALLOW_MAX);
			return -1;
		}
		(void)stamp_prefix_parse(v->text, &cfg->allow[cfg->nallow++]);
		break;
	case OPT_REFLECT_IPSEC_ONLY:
		cfg->ipsec_only = true;
		break;
	case OPT_REFLECT_CLOCK_ERROR:
		stamp_clock_assume_synced((uint32_t)(v->num / 1000));
		break;
	case OPT_REFLECT_THREADS:
		f->threads = (unsigned)v->num;
		break;
	case OPT_LOG_FORMAT:
		f->log_format = v->text;
		break;
	default:
		break;
	}
	return 0;
}

/* "sender ADDRESS RESULT N": reflected always, other results when they happened; with several
 * threads one row per address (the pool merges them). */
static void print_senders(const struct stamp_reflect_pool *p)
{
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	size_t n = stamp_reflect_pool_senders(p, rows, REFLECT_SENDERS_MAX + 1);

	for (size_t k = 0; k < n; k++) {
		char name[INET6_ADDRSTRLEN];

		stamp_sender_name(&rows[k], name, sizeof(name));
		for (int i = 0; i < STAMP_REFL_N; i++)
			if (stamp_sender_shown(&rows[k], i))
				printf("sender %s %s %llu\n", name, stamp_refl_result_name(i),
				       (unsigned long long)rows[k].c[i]);
	}
}

int reflect_run(int argc, char **argv)
{
	struct stamp_reflector_config *cfg;
	struct stamp_reflect_pool *pool = NULL;
	struct reflect_flags f = {.listen = "0.0.0.0:862", .threads = 1};
	struct sockaddr_storage addr;
	enum log_format lf = LOG_FORMAT_LOGFMT;
	uint64_t c[STAMP_REFL_N] = {0};
	socklen_t alen;
	int ret = 1, e = 0;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return 1;
	cfg->rate_pps = REFLECT_RATE_PPS_DEFAULT;
	f.cfg = cfg;
	if (opt_parse(&cmd_reflect, argc, argv, reflect_take, &f) < 0) {
		ret = 2;
		goto out;
	}
	if (f.key_file) {
		e = stamp_key_load(f.key_file, cfg->key, &cfg->key_len);
		if (e < 0) {
			ret = cmd_usage_error(&cmd_reflect, "-k %s: %s", f.key_file, strerror(-e));
			goto out;
		}
		cfg->authenticated = true;
	}
	if (f.log_format)
		(void)log_format_parse(f.log_format, &lf);
	log_setup(LOG_LEVEL_INFO);
	log_set_format(lf);
	e = netaddr_parse_listen(f.listen, STAMP_PORT, &addr, &alen);
	if (e < 0) {
		ret =
		    cmd_usage_error(&cmd_reflect, "--listen %s: %s", f.listen, netaddr_strerror(e));
		goto out;
	}
	e = stamp_reflect_pool_new(cfg, (struct sockaddr *)&addr, f.threads, &pool);
	if (e < 0) {
		log_msg_err(LOG_LEVEL_ERR, strerror(-e), "reflect: cannot listen on %s", f.listen);
		goto out;
	}
	signal_pool = pool;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	log_info("reflect: listening on %s (%s, %s, %u thread%s)", f.listen,
	         cfg->authenticated ? "authenticated" : "unauthenticated",
	         cfg->stateless ? "stateless" : "stateful", f.threads, f.threads > 1 ? "s" : "");
	e = stamp_reflect_pool_start(pool);
	if (e < 0)
		log_msg_err(LOG_LEVEL_ERR, strerror(-e), "reflect: cannot start a thread");
	else
		e = stamp_reflect_pool_join(pool);
	/* how the kernel spread the senders */
	for (unsigned t = 0; f.threads > 1 && t < f.threads; t++)
		log_info("reflect: thread %u reflected %llu", t + 1,
		         (unsigned long long)stamp_reflect_pool_reflected_by(pool, t));
	if (e < 0)
		log_msg_err(LOG_LEVEL_ERR, strerror(-e), "reflect: stopped");
	stamp_reflect_pool_counters(pool, c);
	for (int i = 0; i < STAMP_REFL_N; i++)
		printf("%s %llu\n", stamp_refl_result_name(i), (unsigned long long)c[i]);
	print_senders(pool);
	ret = e < 0 ? 1 : 0;
out:
	signal_pool = NULL; /* a late signal must not reach the freed pool */
	stamp_reflect_pool_free(pool);
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
	return ret;
}
