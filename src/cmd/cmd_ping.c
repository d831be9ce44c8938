// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch ping TARGET": probes with ping's familiar options and output, but over STAMP by
 * default (or ICMP, UDP echo, TCP connect), with a summary that adds what ping lacks: loss by
 * direction (stateful STAMP reflector), reordering, p50/p90/p99 and RFC 3550 jitter. Exit
 * status as ping: 0 when some reply came, 1 when none did, 2 on errors.
 */
#include "cmd/cmd.h"
#include "cmd/probe_opts.h"
#include "cmd/source_check.h"

#include "common/clock.h"
#include "probe/probe_icmp_text.h"
#include "probe/probe_sess.h"
#include "probe/probe_stats.h"
#include "stamp/stamp_addr.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int ping_run(int argc, char **argv);

static const struct opt ping_opts[] = {
    {OPT_PING_COUNT, 'c', NULL, OPT_T_COUNT, "COUNT",
     "stop after COUNT probes (default: until interrupted)", 1, UINT32_MAX},
    {OPT_PING_INTERVAL, 'i', NULL, OPT_T_SECONDS, "SECONDS",
     "interval between probes (default 1; 0.01 to 3600, fractions allowed)", PROBE_INTERVAL_MIN_NS,
     PROBE_INTERVAL_MAX_NS},
    {OPT_PING_SIZE, 's', NULL, OPT_T_SIZE, "SIZE",
     "payload size: STAMP packet octets (44 to 9000, 112 authenticated),\n"
     "ICMP data or UDP datagram (8 to 9000)",
     0, PROBE_SIZE_MAX},
    {OPT_PING_TIMEOUT, 'W', NULL, OPT_T_SECONDS, "SECONDS",
     "time to wait for a reply (default 2; 0.01 to 3600)", PROBE_INTERVAL_MIN_NS,
     PROBE_INTERVAL_MAX_NS},
    {OPT_PING_DSCP, 'Q', NULL, OPT_T_COUNT, "DSCP", "DSCP to mark probes with (0 to 63)", 0, 63},
    {OPT_QUIET, 'q', NULL, OPT_T_FLAG, NULL, "quiet: only the summary"},
    {OPT_PING_SSID, 0, "ssid", OPT_T_COUNT, "N", "STAMP Session-Sender Identifier (RFC 8972)", 0,
     65535},
    {OPT_PING_STATEFUL, 0, "stateful", OPT_T_FLAG, NULL,
     "the reflector is stateful: split loss by direction from the start"},
    {OPT_END},
};

static const struct opt *const ping_tables[] = {ping_opts, probe_opts, source_check_opts, NULL};

const struct cmd cmd_ping = {
    .name = "ping",
    .run = ping_run,
    .summary = "probe a target through the tunnel (STAMP, ICMP, UDP echo, TCP) like ping",
    .synopsis = "[OPTIONS] TARGET",
    .description =
        "Sends probes to TARGET (an IP address or a host name, with an optional :PORT) and\n"
        "prints a line per reply and a summary like ping(8), plus loss by direction\n"
        "(stateful STAMP reflector), reordering, percentiles and jitter.\n",
    .opts = ping_tables,
    .operands_min = 1,
    .operands_max = 1,
    .operand = "TARGET",
    .footer = "Exit status: 0 some reply came, 1 none did, 2 usage error or failure.\n",
};

struct ping {
	struct probe_target t;
	struct probe_sess *sess;
	struct probe_stats st;
	uint64_t count, interval_ns, timeout_ns;
	bool quiet;
	bool hinted; /* the "no reflector listens there" hint was given */
	char name[64];
	double *rtts;
	size_t nrtts;
	uint64_t errors;
	uint32_t seq0; /* our first sequence number: lines count from it */
};

/* "From 192.0.2.254 icmp_seq=3 Destination Net Unreachable", as ping(8) says it: the sender
 * of the ICMP error, which is a router on the way as often as it is the target. */
static void print_error(struct ping *p, const struct probe_event *ev)
{
	char from[64], words[96];

	if (ev->offender.ss_family == AF_INET || ev->offender.ss_family == AF_INET6)
		stamp_addr_format((const struct sockaddr *)&ev->offender, from, sizeof(from));
	else
		snprintf(from, sizeof(from), "%s", p->name);
	printf("From %s %s=%u %s\n", from, p->t.module == PROBE_MOD_ICMP ? "icmp_seq" : "seq",
	       ev->reply.seq - p->seq0, probe_icmp_words(ev, words, sizeof(words)));
	fflush(stdout);
}

static void on_event(struct ping *p, const struct probe_event *ev)
{
	enum probe_rx_kind k;
	bool reord;

	if (ev->kind == PROBE_EV_BAD) {
		p->errors++;
		if (!p->quiet)
			printf("From %s: dropped reply: %s\n", p->name,
			       ev->err == -EACCES ? "HMAC mismatch" : "malformed");
		return;
	}
	if (ev->kind != PROBE_EV_REPLY) {
		p->errors++;
		if (!p->quiet)
			print_error(p, ev);
		if (probe_event_port_unreachable(ev) && !p->hinted &&
		    (p->t.module == PROBE_MOD_STAMP || p->t.module == PROBE_MOD_UDP)) {
			p->hinted = true;
			fprintf(
			    stderr,
			    "ikewatch ping: %s port %u is closed: no %s seems to listen there (%s"
			    "try -m icmp)\n",
			    p->name, stamp_addr_port((struct sockaddr *)&p->t.addr),
			    p->t.module == PROBE_MOD_STAMP ? "STAMP reflector" : "UDP echo service",
			    p->t.module == PROBE_MOD_STAMP ? "run 'ikewatch reflect' there, or "
			                                   : "");
		}
		return;
	}
	k = probe_stats_received(&p->st, &ev->reply, &reord);
	if (k == PROBE_RX_NEW && p->nrtts < PROBE_RTT_SAMPLES_MAX)
		p->rtts[p->nrtts++] = ev->reply.rtt_s;
	if (p->quiet || k == PROBE_RX_UNKNOWN)
		return;
	printf("%zu bytes from %s: seq=%u", ev->len, p->name, ev->reply.seq - p->seq0);
	if (ev->ttl != 255 || p->t.module != PROBE_MOD_TCP)
		printf(" ttl=%u", ev->ttl);
	printf(" time=%.3f ms", ev->reply.rtt_s * 1e3);
	if (ev->reply.owd_valid)
		printf(" fwd=%.3f ms rev=%.3f ms", ev->reply.owd_fwd_s * 1e3,
		       ev->reply.owd_rev_s * 1e3);
	if (k == PROBE_RX_DUPLICATE)
		printf(" (DUP!)");
	else if (k == PROBE_RX_LATE)
		printf(" (late)");
	if (reord)
		printf(" (reordered)");
	putchar('\n');
	fflush(stdout);
}

static void summary(struct ping *p, uint64_t elapsed_ns)
{
	const struct probe_stats *st = &p->st;
	uint64_t lost = probe_stats_lost(st);
	double loss = st->sent ? 100.0 * (double)(st->sent - st->received) / (double)st->sent : 0;

	printf("\n--- %s ikewatch ping statistics (%s) ---\n", p->name,
	       probe_module_name(p->t.module));
	printf("%llu packets transmitted, %llu received", (unsigned long long)st->sent,
	       (unsigned long long)st->received);
	if (st->duplicated)
		printf(", +%llu duplicates", (unsigned long long)st->duplicated);
	if (p->errors)
		printf(", +%llu errors", (unsigned long long)p->errors);
	printf(", %g%% packet loss, time %llums\n", loss, (unsigned long long)(elapsed_ns / MS));
	printf("lost %llu (forward %llu, reverse %llu, unknown %llu), reordered %llu, late %llu\n",
	       (unsigned long long)lost, (unsigned long long)st->lost_forward,
	       (unsigned long long)st->lost_reverse,
	       (unsigned long long)(st->lost_unknown + st->pending_n),
	       (unsigned long long)st->reordered, (unsigned long long)st->late);
	if (st->rtt_count) {
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", st->rtt_min * 1e3,
		       st->rtt_sum / (double)st->rtt_count * 1e3, st->rtt_max * 1e3,
		       probe_stats_rtt_mdev(st) * 1e3);
		printf("rtt p50/p90/p99 = %.3f/%.3f/%.3f ms, jitter %.3f ms\n",
		       probe_quantile(p->rtts, p->nrtts, 0.5) * 1e3,
		       probe_quantile(p->rtts, p->nrtts, 0.9) * 1e3,
		       probe_quantile(p->rtts, p->nrtts, 0.99) * 1e3, st->jitter_s * 1e3);
	}
}

static int ping_loop(struct ping *p)
{
	uint64_t start = clock_mono_ns(), next = start, last_sent = 0;
	int fd = probe_sess_fd(p->sess);

	while (!interrupted) {
		uint64_t now = clock_mono_ns(), wake;
		struct probe_event ev;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		bool sending = p->count == 0 || p->st.sent < p->count;
		int e;

		if (sending && now >= next) {
			uint32_t seq = probe_stats_sent(&p->st, now);

			e = probe_sess_send(p->sess, seq, 0);
			if (e < 0 && !p->quiet)
				printf("ikewatch ping: send seq=%u: %s\n", seq, strerror(-e));
			last_sent = now;
			next += p->interval_ns;
			if (next < now)
				next = now; /* we fell behind: do not burst to catch up */
			continue;
		}
		probe_stats_tick(&p->st, now);
		if (!sending &&
		    (probe_stats_inflight(&p->st) == 0 || now - last_sent >= p->timeout_ns))
			break;
		wake = sending ? next : last_sent + p->timeout_ns;
		e = poll(&pfd, 1, wake > now ? (int)((wake - now + MS - 1) / MS) : 0);
		if (e < 0 && errno != EINTR)
			return -errno;
		while (probe_sess_recv(p->sess, &ev) == 0)
			on_event(p, &ev);
	}
	summary(p, clock_mono_ns() - start);
	return 0;
}

/* How ping's errors name the fields of its target. */
static const char *const ping_names[PT_N] = {
    [PT_TARGET] = "TARGET", [PT_PORT] = "-p",  [PT_SOURCE] = "-I", [PT_KEY] = "-k",
    [PT_SIZE] = "-s",       [PT_MTU_MIN] = "", [PT_MTU_MAX] = "",
};

struct ping_flags {
	struct ping *p;
	struct probe_target_spec spec;
	struct probe_stats_config *sc;
	const char *vici_socket;
};

static int ping_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                     size_t errlen)
{
	struct ping_flags *f = ctx;
	struct ping *p = f->p;

	(void)err;
	(void)errlen;
	if (probe_opts_take(&f->spec, o, v))
		return 0;
	switch (o->id) {
	case OPT_PING_COUNT:
		p->count = v->num;
		break;
	case OPT_PING_INTERVAL:
		p->interval_ns = v->num;
		break;
	case OPT_PING_SIZE:
		f->spec.size = (uint32_t)v->num;
		break;
	case OPT_PING_TIMEOUT:
		p->timeout_ns = v->num;
		break;
	case OPT_PING_DSCP:
		f->spec.dscp = (int)v->num;
		break;
	case OPT_QUIET:
		p->quiet = true;
		break;
	case OPT_PING_SSID:
		f->spec.ssid = (uint16_t)v->num;
		break;
	case OPT_PING_STATEFUL:
		f->sc->far_end = PROBE_FAR_STATEFUL;
		break;
	case OPT_VICI_SOCKET:
		f->vici_socket = v->text;
		break;
	default:
		break;
	}
	return 0;
}

int ping_run(int argc, char **argv)
{
	struct ping *p;
	struct probe_stats_config sc = {.window = PROBE_OUTCOMES_MAX};
	struct ping_flags f = {.sc = &sc};
	char err[512];
	uint16_t port;
	int n, e, ret = 2;

	p = calloc(1, sizeof(*p));
	if (!p)
		return 2;
	f.p = p;
	probe_target_spec_init(&f.spec, ping_names);
	f.spec.resolve = true;
	p->interval_ns = PROBE_INTERVAL_DEFAULT_NS;
	p->timeout_ns = PROBE_TIMEOUT_DEFAULT_NS;
	n = opt_parse(&cmd_ping, argc, argv, ping_take, &f);
	if (n < 0)
		goto out;
	f.spec.target = argv[1];
	if (probe_target_build(&f.spec, &p->t, err, sizeof(err)) < 0) {
		ret = cmd_usage_error(&cmd_ping, "%s", err);
		goto out;
	}
	source_check_warn(&cmd_ping, f.vici_socket, &p->t);
	port = stamp_addr_port((struct sockaddr *)&p->t.addr);
	/* STAMP is numbered as serve numbers it, so that loss on the way back only shows at once;
	 * the lines count from 0 as ping(8)'s do */
	if (p->t.module != PROBE_MOD_STAMP)
		sc.far_end = PROBE_FAR_STATELESS;
	else
		sc.first_seq = PROBE_STAMP_FIRST_SEQ;
	p->seq0 = sc.first_seq;
	stamp_addr_format((struct sockaddr *)&p->t.addr, p->name, sizeof(p->name));
	p->rtts = calloc(PROBE_RTT_SAMPLES_MAX, sizeof(double));
	if (!p->rtts)
		goto out;
	e = probe_sess_open(&p->t, &p->sess);
	if (e < 0) {
		fprintf(stderr, "ikewatch ping: %s: %s\n", p->name, strerror(-e));
		goto out;
	}
	sc.timeout_ns = p->timeout_ns;
	sc.interval_ns = p->interval_ns;
	probe_stats_init(&p->st, &sc);
	signal(SIGINT, on_sigint);
	/* as ping(8): the name as given, then the address it stands for */
	if (strcmp(p->name, argv[1]) != 0)
		printf("PING %s (%s)", argv[1], p->name);
	else
		printf("PING %s", p->name);
	if (port)
		printf(" port %u", (unsigned)port);
	printf(" (%s): %u bytes\n", probe_module_name(p->t.module),
	       p->t.size ? p->t.size : probe_sess_default_size(&p->t));
	e = ping_loop(p);
	if (e < 0)
		fprintf(stderr, "ikewatch ping: %s\n", strerror(-e));
	ret = e < 0 ? 2 : p->st.received > 0 ? 0 : 1;
out:
	probe_sess_free(p->sess);
	free(p->rtts);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return ret;
}
