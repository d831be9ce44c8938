// SPDX-License-Identifier: Apache-2.0
/*
 * Tests of fakevici through ikewatch's own VICI client (vici_conn): that it answers like the
 * recorded charon (version, streamed list-sas/list-conns/list-certs, CMD_UNKNOWN, EVENT_UNKNOWN,
 * events only for registered clients), that --sas N really gives N distinct SAs with growing
 * counters, and that each fault mode produces the error the failure tests and the lead's code
 * rely on (-EBADMSG, -E2BIG, -ETIMEDOUT, a hang-up), and that pipelined requests are answered
 * in order, as charon answers them. Each case starts its own fakevici on a
 * socket in a fresh temporary directory and stops it by PID.
 */
#include "../unit/test.h"
#include "fake_run.h"

#include "common/clock.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FAKEVICI_PATH
#define FAKEVICI_PATH "fakevici"
#endif

/* What a streamed command delivered. */
struct seen {
	unsigned events;
	char first_name[64], last_name[64];
	uint64_t uid_sum;
	uint64_t bytes_in_first; /* bytes-in of the first CHILD SA of the first event */
	char spi_in_first[24];   /* spi-in of the same CHILD SA */
	bool hosts_in_bench_range;
};

static void copy_name(const struct vici_elem *e, char *out, size_t cap)
{
	size_t n = e->name_len < cap - 1 ? e->name_len : cap - 1;

	memcpy(out, e->name, n);
	out[n] = '\0';
}

static int on_event(void *ctx, const struct vici_msg *m)
{
	struct seen *s = ctx;
	uint32_t ike = vici_child_first(m, 0);
	uint64_t v;

	if (!ike)
		return -EBADMSG;
	if (!s->events) {
		copy_name(&m->elems[ike], s->first_name, sizeof(s->first_name));
		s->hosts_in_bench_range = true;
	}
	copy_name(&m->elems[ike], s->last_name, sizeof(s->last_name));
	if (vici_get_u64(m, ike, "uniqueid", &v) == 0)
		s->uid_sum += v;
	const char *host;
	size_t len;

	if (vici_get_str(m, ike, "remote-host", &host, &len) == 0 &&
	    (len < 7 || memcmp(host, "198.18.", 7) != 0))
		s->hosts_in_bench_range = false;
	uint32_t kids = vici_find(m, ike, "child-sas");

	if (!s->events && kids && vici_child_first(m, kids)) {
		uint32_t child = vici_child_first(m, kids);

		vici_get_u64(m, child, "bytes-in", &s->bytes_in_first);
		if (vici_get_str(m, child, "spi-in", &host, &len) == 0 &&
		    len < sizeof(s->spi_in_first)) {
			memcpy(s->spi_in_first, host, len);
			s->spi_in_first[len] = '\0';
		}
	}
	s->events++;
	return 0;
}

static int run(struct vici_conn *c, const char *cmd, const char *event, struct seen *s)
{
	struct vici_msg resp = {0};
	int err;

	memset(s, 0, sizeof(*s));
	err = vici_conn_simple(c, cmd, event, on_event, s, &resp);
	vici_msg_done(&resp);
	return err;
}

static void test_replays_recording(void)
{
	struct fake f = {0};
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct seen s;
	const char *v;
	size_t len;

	T_ASSERT(fake_start(&f, NULL));
	c = vici_conn_new(f.sock, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	T_EQ_INT(vici_get_str(&resp, 0, "daemon", &v, &len), 0);
	T_ASSERT(len == 6 && memcmp(v, "charon", 6) == 0);
	T_EQ_INT(vici_get_str(&resp, 0, "version", &v, &len), 0);
	T_ASSERT(len == 5 && memcmp(v, "5.9.8", 5) == 0);
	T_EQ_INT(run(c, "list-sas", "list-sa", &s), 0);
	T_EQ_INT(s.events, 1);
	T_EQ_STR(s.first_name, "a-b");
	T_EQ_INT(s.bytes_in_first, 672); /* as recorded */
	T_EQ_INT(run(c, "list-conns", "list-conn", &s), 0);
	T_EQ_INT(s.events, 2);
	T_EQ_STR(s.first_name, "a-b");
	T_EQ_STR(s.last_name, "a-c");
	T_EQ_INT(run(c, "list-certs", "list-cert", &s), 0);
	T_EQ_INT(s.events, 0);
	T_EQ_INT(vici_conn_simple(c, "no-such-command", NULL, NULL, NULL, &resp), -ENOSYS);
	T_EQ_INT(vici_conn_register(c, "no-such-event"), -ENOSYS);
	vici_msg_done(&resp);
	vici_conn_free(c);
	fake_stop(&f);
}

/* Like charon, no list-sa events for a client that did not register for them. */
static void test_events_only_when_registered(void)
{
	struct fake f = {0};
	struct vici_conn *c;
	struct vici_msg resp = {0};

	T_ASSERT(fake_start(&f, NULL));
	c = vici_conn_new(f.sock, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_simple(c, "list-sas", NULL, NULL, NULL, &resp), 0);
	T_EQ_INT(vici_conn_next_event(c, 100, &resp), -EAGAIN);
	vici_msg_done(&resp);
	vici_conn_free(c);
	fake_stop(&f);
}

static void test_synthesised_sas(void)
{
	static const char *const args[] = {"--sas", "300", NULL};
	struct fake f = {0};
	struct vici_conn *c;
	struct seen s;
	uint64_t first;

	T_ASSERT(fake_start(&f, args));
	c = vici_conn_new(f.sock, 5000);
	T_ASSERT(c);
	T_EQ_INT(run(c, "list-sas", "list-sa", &s), 0);
	T_EQ_INT(s.events, 300);
	T_EQ_STR(s.first_name, "a-b-1");
	T_EQ_STR(s.last_name, "a-b-300");
	T_EQ_INT(s.uid_sum, 300 * 301 / 2); /* unique ids 1..300 */
	T_ASSERT(s.hosts_in_bench_range);
	first = s.bytes_in_first;
	T_EQ_INT(run(c, "list-sas", "list-sa", &s), 0);
	T_ASSERT(s.bytes_in_first > first); /* counters grow per request */
	T_EQ_INT(run(c, "list-conns", "list-conn", &s), 0);
	T_EQ_INT(s.events, 300);
	T_EQ_STR(s.last_name, "a-b-300");
	vici_conn_free(c);
	fake_stop(&f);
}

static void test_one_conn(void)
{
	static const char *const args[] = {"--sas", "20", "--one-conn", NULL};
	struct fake f = {0};
	struct vici_conn *c;
	struct seen s;

	T_ASSERT(fake_start(&f, args));
	c = vici_conn_new(f.sock, 5000);
	T_ASSERT(c);
	T_EQ_INT(run(c, "list-sas", "list-sa", &s), 0);
	T_EQ_INT(s.events, 20);
	T_EQ_STR(s.first_name, "a-b");
	T_EQ_STR(s.last_name, "a-b");
	T_EQ_INT(s.uid_sum, 20 * 21 / 2);
	T_EQ_INT(run(c, "list-conns", "list-conn", &s), 0);
	T_EQ_INT(s.events, 1);
	vici_conn_free(c);
	fake_stop(&f);
}

/* The first CHILD SA's spi-in from fakevici --sas 3 --seed @seed, into @out. */
static void spi_with_seed(const char *seed, char out[24])
{
	const char *const args[] = {"--sas", "3", "--seed", seed, NULL};
	struct fake f = {0};
	struct vici_conn *c;
	struct seen s;

	out[0] = '\0';
	T_ASSERT(fake_start(&f, args));
	c = vici_conn_new(f.sock, 5000);
	T_ASSERT(c);
	T_EQ_INT(run(c, "list-sas", "list-sa", &s), 0);
	T_EQ_INT(s.events, 3);
	memcpy(out, s.spi_in_first, 24);
	vici_conn_free(c);
	fake_stop(&f);
}

/* A fleet of fakevicis (bench/fleet.sh) gives each a seed: the same seed gives the same SPIs,
 * another seed others (the peers rules of the mixin pair CHILD SAs across gateways by SPI). */
static void test_seed(void)
{
	char a[24], b[24], c[24];

	spi_with_seed("0", a);
	spi_with_seed("7", b);
	spi_with_seed("7", c);
	T_EQ_INT(strlen(a), 8);
	T_EQ_INT(strlen(b), 8);
	T_ASSERT(strcmp(a, b) != 0);
	T_EQ_STR(b, c);
}

/*
 * Like charon, requests sent back to back before any answer is read (pipelined) are answered
 * in their order, each streamed command's events before its response: the answers match
 * their requests however many are in flight.
 */
static void test_pipelined_in_order(void)
{
	static const char *const args[] = {"--sas", "7", NULL};
	struct fake f = {0};
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct seen conns, sas, sas2;

	memset(&conns, 0, sizeof(conns));
	memset(&sas, 0, sizeof(sas));
	memset(&sas2, 0, sizeof(sas2));
	T_ASSERT(fake_start(&f, args));
	c = vici_conn_new(f.sock, 5000);
	T_ASSERT(c);
	for (int round = 0; round < 2; round++) {
		T_EQ_INT(vici_conn_send_simple(c, "list-conns", "list-conn"), 0);
		T_EQ_INT(vici_conn_send_simple(c, "list-sas", "list-sa"), 0);
		T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
		T_EQ_INT(vici_conn_send_simple(c, "get-counters", NULL), 0);
		T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
		T_EQ_INT(vici_conn_send_simple(c, "list-sas", "list-sa"), 0);
		T_EQ_INT(vici_conn_recv(c, on_event, &conns, &resp), 0);
		T_EQ_INT(conns.events, 7 * (round + 1));
		T_EQ_INT(vici_conn_recv(c, on_event, &sas, &resp), 0);
		T_EQ_INT(sas.events, 7 * (round + 1));
		T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
		T_ASSERT(vici_find(&resp, 0, "ikesas"));
		T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -ENOSYS); /* as charon without it */
		T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
		T_ASSERT(vici_find(&resp, 0, "daemon"));
		T_EQ_INT(vici_conn_recv(c, on_event, &sas2, &resp), 0);
		T_EQ_INT(sas2.events, 7 * (round + 1));
		T_EQ_INT(vici_conn_pending(c), 0);
	}
	T_EQ_STR(conns.last_name, "a-b-7");
	T_EQ_STR(sas.first_name, "a-b-1");
	T_EQ_STR(sas2.last_name, "a-b-7");
	T_EQ_INT(vici_conn_next_event(c, 0, &resp), -EAGAIN); /* no event went astray */
	vici_msg_done(&resp);
	vici_conn_free(c);
	fake_stop(&f);
}

/* As in charon, a command that stalls holds up the requests behind it: with --slow they wait
 * their turn, with --hang they are never answered, and the client's deadline ends the
 * connection; a fresh one is served again. */
static void test_pipelined_behind_stall(void)
{
	static const char *const slow[] = {"--slow", "300", NULL};
	static const char *const hang[] = {"--hang", NULL};
	struct fake f = {0};
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct seen s;
	uint64_t t0;

	memset(&s, 0, sizeof(s));
	T_ASSERT(fake_start(&f, slow));
	c = vici_conn_new(f.sock, 3000);
	T_ASSERT(c);
	t0 = clock_mono_ms();
	T_EQ_INT(vici_conn_send_simple(c, "list-sas", "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_recv(c, on_event, &s, &resp), 0);
	T_EQ_INT(s.events, 1);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "daemon"));
	T_ASSERT(clock_mono_ms() - t0 >= 300);
	vici_conn_free(c);
	fake_stop(&f);

	T_ASSERT(fake_start(&f, hang));
	c = vici_conn_new(f.sock, 300);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_send_simple(c, "list-sas", "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_recv(c, on_event, &s, &resp), -ETIMEDOUT);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -ENOTCONN);
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	vici_msg_done(&resp);
	vici_conn_free(c);
	fake_stop(&f);
}

/* Run list-sas against fakevici started with @flag; return the error and the time it took. */
static int fault(const char *const *args, unsigned timeout_ms, uint64_t *ret_ms)
{
	struct fake f = {0};
	struct vici_conn *c;
	struct seen s;
	uint64_t t0;
	int err;

	if (!fake_start(&f, args))
		return 1;
	c = vici_conn_new(f.sock, timeout_ms);
	if (!c) {
		fake_stop(&f);
		return 1;
	}
	t0 = clock_mono_ms();
	err = run(c, "list-sas", "list-sa", &s);
	*ret_ms = clock_mono_ms() - t0;
	vici_conn_free(c);
	fake_stop(&f);
	return err;
}

static void test_fault_malformed(void)
{
	static const char *const args[] = {"--malformed", NULL};
	uint64_t ms;

	T_EQ_INT(fault(args, 2000, &ms), -EBADMSG);
}

static void test_fault_oversized(void)
{
	static const char *const args[] = {"--oversized", NULL};
	uint64_t ms;

	T_EQ_INT(fault(args, 2000, &ms), -E2BIG);
	T_ASSERT(ms < 1000); /* refused on the header, no waiting for 512 KiB */
}

static void test_fault_slow_within_deadline(void)
{
	static const char *const args[] = {"--slow", "300", NULL};
	uint64_t ms;

	T_EQ_INT(fault(args, 3000, &ms), 0);
	T_ASSERT(ms >= 300);
}

static void test_fault_slow_past_deadline(void)
{
	static const char *const args[] = {"--slow", "1500", NULL};
	uint64_t ms;

	T_EQ_INT(fault(args, 300, &ms), -ETIMEDOUT);
	T_ASSERT(ms >= 300 && ms < 1400);
}

static void test_fault_hang(void)
{
	static const char *const args[] = {"--hang", NULL};
	uint64_t ms;

	T_EQ_INT(fault(args, 300, &ms), -ETIMEDOUT);
	T_ASSERT(ms >= 300);
}

static void test_fault_close_after(void)
{
	static const char *const args[] = {"--close-after", "2", NULL};
	struct fake f = {0};
	struct vici_conn *c;
	struct vici_msg resp = {0};
	int err;

	T_ASSERT(fake_start(&f, args));
	c = vici_conn_new(f.sock, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	T_EQ_INT(vici_conn_simple(c, "stats", NULL, NULL, NULL, &resp), 0);
	err = vici_conn_simple(c, "version", NULL, NULL, NULL, &resp);
	T_ASSERT(err == -ECONNRESET || err == -EPIPE);
	/* a fresh connection is served again */
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	vici_msg_done(&resp);
	vici_conn_free(c);
	fake_stop(&f);
}

TEST_MAIN("fakevici", TEST(test_replays_recording), TEST(test_events_only_when_registered),
          TEST(test_synthesised_sas), TEST(test_one_conn), TEST(test_seed),
          TEST(test_fault_malformed), TEST(test_fault_oversized),
          TEST(test_fault_slow_within_deadline), TEST(test_fault_slow_past_deadline),
          TEST(test_fault_hang), TEST(test_fault_close_after), TEST(test_pipelined_in_order),
          TEST(test_pipelined_behind_stall))
