// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch ping TARGET": probes with ping's familiar options and output, but over STAMP by
 * default (or ICMP, UDP echo, TCP connect), with a summary that adds what ping lacks: loss by
 * direction (stateful STAMP reflector), reordering, p50/p90/p99 and RFC 3550 jitter. Exit
 * status as ping: 0 when some reply came, 1 when none did, 2 on errors.
 */
#include "cmd/cmd.h"

#include "common/clock.h"
#include "common/num.h"
#include "probe/probe_sess.h"
#include "probe/probe_stats.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_keyfile.h"

#include <errno.h>
#include <getopt.h>
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

const struct cmd cmd_ping = {
    .name = "ping",
    .run = ping_run,
    .summary = "probe a target through the tunnel (STAMP, ICMP, UDP echo, TCP) like ping",
    .usage =
        "Usage: ikewatch ping [options] TARGET\n"
        "\n"
        "Sends probes and prints a line per reply and a summary like ping(8), plus loss by\n"
        "direction (stateful STAMP reflector), reordering, percentiles and jitter.\n"
        "\n"
        "  -c COUNT        stop after COUNT probes (default: until interrupted)\n"
        "  -i SECONDS      interval between probes (default 1, fractions allowed)\n"
        "  -s SIZE         payload size: STAMP packet octets (>= 44, 112 authenticated),\n"
        "                  ICMP data, UDP datagram\n"
        "  -I ADDRESS      source address\n"
        "  -W SECONDS      time to wait for a reply (default 2)\n"
        "  -Q DSCP         DSCP to mark probes with (0..63)\n"
        "  -q              quiet: only the summary\n"
        "  -m MODULE       stamp (default), icmp, udp, tcp\n"
        "  -p PORT         port (default 862 STAMP, 7 UDP echo, 22 TCP)\n"
        "  -k FILE         authenticated STAMP with the HMAC key in FILE\n"
        "      --ssid N    STAMP Session-Sender Identifier (RFC 8972)\n"
        "      --stateful  the reflector is stateful: split loss by direction from the start\n",
};

struct ping {
	struct probe_target t;
	struct probe_sess *sess;
	struct probe_stats st;
	uint64_t count, interval_ns, timeout_ns;
	bool quiet;
	char name[64];
	double *rtts;
	size_t nrtts;
	uint64_t errors;
};

static int parse_seconds(const char *s, double max, uint64_t *ret_ns)
{
	double v;

	if (num_parse_double(s, strlen(s), 0, max, &v) < 0)
		return -EINVAL;
	*ret_ns = (uint64_t)(v * 1e9);
	return 0;
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
		if (!p->quiet) {
			if (ev->kind == PROBE_EV_TOO_BIG)
				printf("From %s: seq=%u Frag needed (mtu = %u)\n", p->name,
				       ev->reply.seq, ev->mtu);
			else
				printf("From %s: seq=%u %s\n", p->name, ev->reply.seq,
				       strerror(-ev->err));
		}
		return;
	}
	k = probe_stats_received(&p->st, &ev->reply, &reord);
	if (k == PROBE_RX_NEW && p->nrtts < PROBE_RTT_SAMPLES_MAX)
		p->rtts[p->nrtts++] = ev->reply.rtt_s;
	if (p->quiet || k == PROBE_RX_UNKNOWN)
		return;
	printf("%zu bytes from %s: seq=%u", ev->len, p->name, ev->reply.seq);
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

enum { OPT_SSID = 256, OPT_STATEFUL };

int ping_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ssid", required_argument, NULL, OPT_SSID},
	    {"stateful", no_argument, NULL, OPT_STATEFUL},
	    {0},
	};
	struct ping *p;
	struct probe_stats_config sc = {.window = PROBE_OUTCOMES_MAX};
	const char *source = NULL;
	socklen_t sl;
	uint64_t v, port = 0;
	bool has_port = false;
	int opt, e, ret = 2;

	p = calloc(1, sizeof(*p));
	if (!p)
		return 2;
	p->t.module = PROBE_MOD_STAMP;
	p->t.dscp = -1;
	p->interval_ns = 1000 * MS;
	p->timeout_ns = 2000 * MS;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:i:s:I:W:Q:qm:p:k:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (num_parse_u64_str(optarg, UINT32_MAX, &p->count) < 0 || p->count == 0)
				goto usage;
			break;
		case 'i':
			if (parse_seconds(optarg, 3600, &p->interval_ns) < 0)
				goto usage;
			/* ping refuses floods below 2 ms unless privileged; we keep a floor */
			if (p->interval_ns < 100000)
				p->interval_ns = 100000;
			break;
		case 's':
			if (num_parse_u64_str(optarg, 65000, &v) < 0)
				goto usage;
			p->t.size = (uint32_t)v;
			break;
		case 'I':
			source = optarg;
			break;
		case 'W':
			if (parse_seconds(optarg, 3600, &p->timeout_ns) < 0 || p->timeout_ns == 0)
				goto usage;
			break;
		case 'Q':
			if (num_parse_u64_str(optarg, 63, &v) < 0)
				goto usage;
			p->t.dscp = (int)v;
			break;
		case 'q':
			p->quiet = true;
			break;
		case 'm':
			if (probe_module_parse(optarg, &p->t.module) < 0)
				goto usage;
			break;
		case 'p':
			if (num_parse_u64_str(optarg, 65535, &port) < 0)
				goto usage;
			has_port = true;
			break;
		case 'k':
			e = stamp_key_load(optarg, p->t.key, &p->t.key_len);
			if (e < 0) {
				fprintf(stderr, "ikewatch ping: key file %s: %s\n", optarg,
				        strerror(-e));
				goto out;
			}
			p->t.authenticated = true;
			break;
		case OPT_SSID:
			if (num_parse_u64_str(optarg, 65535, &v) < 0)
				goto usage;
			p->t.ssid = (uint16_t)v;
			break;
		case OPT_STATEFUL:
			sc.far_end = PROBE_FAR_STATEFUL;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc) {
		ret = cmd_usage_error(&cmd_ping, "one TARGET address expected");
		goto out;
	}
	if (stamp_addr_parse(argv[optind], 0, &p->t.addr, &sl) < 0) {
		ret = cmd_usage_error(&cmd_ping, "bad TARGET '%s' (an IP address)", argv[optind]);
		goto out;
	}
	if (!has_port && stamp_addr_port((struct sockaddr *)&p->t.addr) == 0)
		port = probe_module_port(p->t.module);
	else if (!has_port)
		port = stamp_addr_port((struct sockaddr *)&p->t.addr);
	stamp_addr_set_port((struct sockaddr *)&p->t.addr, (uint16_t)port);
	if (source) {
		if (stamp_addr_parse(source, 0, &p->t.source, &sl) < 0 ||
		    p->t.source.ss_family != p->t.addr.ss_family) {
			ret = cmd_usage_error(&cmd_ping, "bad -I '%s'", source);
			goto out;
		}
		p->t.has_source = true;
	}
	if (p->t.module != PROBE_MOD_STAMP)
		sc.far_end = PROBE_FAR_STATELESS;
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
	printf("PING %s", p->name);
	if (port)
		printf(" port %u", (unsigned)port);
	printf(" (%s): %u bytes\n", probe_module_name(p->t.module),
	       p->t.size ? p->t.size : probe_sess_default_size(&p->t));
	e = ping_loop(p);
	if (e < 0)
		fprintf(stderr, "ikewatch ping: %s\n", strerror(-e));
	ret = e < 0 ? 2 : p->st.received > 0 ? 0 : 1;
	goto out;
usage:
	ret = cmd_usage_error(&cmd_ping, "bad option or value");
out:
	probe_sess_free(p->sess);
	free(p->rtts);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return ret;
}
