// SPDX-License-Identifier: Apache-2.0
/*
 * The reflector's decisions: stateful sequence numbers per session, no amplification, drops
 * counted per reason (malformed, auth_failed, rate_limited, not_allowed, not_ipsec), and per
 * sender address with a bounded table.
 */
#include "test.h"

#include "stamp/stamp_reflector.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static struct stamp_rx rx_from(const char *ip, uint16_t port, const uint8_t *p, size_t len,
                               uint64_t mono)
{
	struct stamp_rx rx = {.data = p, .len = len, .rx_ns = 1000, .mono_ns = mono, .ttl = 63};
	struct sockaddr_in *sin = (struct sockaddr_in *)&rx.src;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	return rx;
}

static void stateful_sequence_and_echo(void)
{
	struct stamp_reflector_config cfg = {0};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_test t = {.seq = 10, .ts = 77, .ee = 1, .ssid = 5};
	uint8_t req[100], rep[100];
	struct stamp_reply d;
	uint64_t c[STAMP_REFL_N];
	size_t n = 0;

	T_ASSERT(r);
	T_EQ_INT(stamp_test_encode(&t, NULL, req, 60), 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct stamp_rx rx = rx_from("192.0.2.1", 4000, req, 60, i);

		T_EQ_INT(stamp_reflector_handle(r, &rx, 2000, 0x0001, rep, sizeof(rep), &n),
		         STAMP_REFL_REFLECTED);
		T_EQ_INT(n, 60); /* same length as the request */
		T_EQ_INT(stamp_reply_decode(rep, n, NULL, &d), 0);
		T_EQ_INT(d.seq, i); /* the reflector's own counter, from zero */
		T_EQ_INT(d.sender_seq, 10);
		T_ASSERT(d.sender_ts == 77 && d.ssid == 5 && d.sender_ttl == 63);
	}
	/* another port is another session */
	{
		struct stamp_rx rx = rx_from("192.0.2.1", 4001, req, 60, 5);

		stamp_reflector_handle(r, &rx, 2000, 1, rep, sizeof(rep), &n);
		T_EQ_INT(stamp_reply_decode(rep, n, NULL, &d), 0);
		T_EQ_INT(d.seq, 0);
	}
	stamp_reflector_counters(r, c);
	T_EQ_INT(c[STAMP_REFL_REFLECTED], 4);
	stamp_reflector_free(r);
}

static void never_amplifies(void)
{
	struct stamp_reflector_config cfg = {.stateless = true};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_test t = {.seq = 3, .ts = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN], rep[200];
	struct stamp_rx rx;
	size_t n = 0;

	T_ASSERT(r);
	stamp_test_encode(&t, NULL, req, sizeof(req));
	memset(rep, 0xee, sizeof(rep));
	rx = rx_from("192.0.2.1", 1, req, 20, 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	T_EQ_INT(n, 20);
	T_EQ_INT(rep[3], 3);     /* stateless: the sender's sequence number */
	T_EQ_INT(rep[20], 0xee); /* nothing written past the request length */
	rx = rx_from("192.0.2.1", 1, req, 13, 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_MALFORMED);
	rx = rx_from("192.0.2.1", 1, req, 44, 0);
	rx.truncated = true;
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_MALFORMED);
	stamp_reflector_free(r);
}

static void auth_mode_drops_unauthenticated(void)
{
	struct stamp_reflector_config cfg = {.authenticated = true, .key_len = 8};
	struct stamp_reflector *r;
	struct stamp_auth good, bad;
	struct stamp_test t = {.seq = 1, .ts = 1, .ee = 1};
	uint8_t req[STAMP_AUTH_LEN], rep[STAMP_AUTH_LEN];
	struct stamp_rx rx;
	struct stamp_reply d;
	uint64_t c[STAMP_REFL_N];
	size_t n;

	memcpy(cfg.key, "secret!!", 8);
	r = stamp_reflector_new(&cfg);
	T_ASSERT(r);
	stamp_auth_init(&good, (const uint8_t *)"secret!!", 8);
	stamp_auth_init(&bad, (const uint8_t *)"secret!?", 8);

	stamp_test_encode(&t, &bad, req, sizeof(req));
	rx = rx_from("192.0.2.1", 1, req, sizeof(req), 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n),
	         STAMP_REFL_AUTH_FAILED);
	stamp_test_encode(&t, NULL, req, STAMP_UNAUTH_LEN);
	rx = rx_from("192.0.2.1", 1, req, STAMP_UNAUTH_LEN, 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n),
	         STAMP_REFL_AUTH_FAILED);
	stamp_test_encode(&t, &good, req, sizeof(req));
	rx = rx_from("192.0.2.1", 1, req, sizeof(req), 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	T_EQ_INT(n, STAMP_AUTH_LEN);
	T_EQ_INT(stamp_reply_decode(rep, n, &good, &d), 0);
	T_EQ_INT(stamp_reply_decode(rep, n, &bad, &d), -EACCES);
	stamp_reflector_counters(r, c);
	T_EQ_INT(c[STAMP_REFL_AUTH_FAILED], 2);
	T_EQ_INT(c[STAMP_REFL_REFLECTED], 1);
	stamp_reflector_free(r);
}

static void rate_limit_per_source(void)
{
	struct stamp_reflector_config cfg = {.rate_pps = 10, .burst = 3};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_test t = {.seq = 1, .ts = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN], rep[STAMP_UNAUTH_LEN];
	struct stamp_rx rx;
	uint64_t c[STAMP_REFL_N];
	size_t n;

	T_ASSERT(r);
	stamp_test_encode(&t, NULL, req, sizeof(req));
	for (int i = 0; i < 5; i++) {
		rx = rx_from("192.0.2.1", 1, req, sizeof(req), 1000000000);
		stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n);
	}
	/* another source has its own bucket */
	rx = rx_from("192.0.2.2", 1, req, sizeof(req), 1000000000);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	/* 100 ms later one token (10/s) is back */
	rx = rx_from("192.0.2.1", 1, req, sizeof(req), 1100000000);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n),
	         STAMP_REFL_RATE_LIMITED);
	stamp_reflector_counters(r, c);
	T_EQ_INT(c[STAMP_REFL_REFLECTED], 5);
	T_EQ_INT(c[STAMP_REFL_RATE_LIMITED], 3);
	stamp_reflector_free(r);
}

static void allow_list_and_ipsec_only(void)
{
	struct stamp_reflector_config cfg = {.nallow = 1, .ipsec_only = true};
	struct stamp_reflector *r;
	struct stamp_test t = {.seq = 1, .ts = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN], rep[STAMP_UNAUTH_LEN];
	struct stamp_rx rx;
	size_t n;

	T_EQ_INT(stamp_prefix_parse("203.0.113.128/25", &cfg.allow[0]), 0);
	r = stamp_reflector_new(&cfg);
	T_ASSERT(r);
	stamp_test_encode(&t, NULL, req, sizeof(req));
	rx = rx_from("203.0.113.1", 1, req, sizeof(req), 0);
	rx.via_ipsec = true;
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n),
	         STAMP_REFL_NOT_ALLOWED);
	rx = rx_from("203.0.113.130", 1, req, sizeof(req), 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_NOT_IPSEC);
	rx.via_ipsec = true;
	T_EQ_INT(stamp_reflector_handle(r, &rx, 5, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	T_EQ_STR(stamp_refl_result_name(STAMP_REFL_NOT_IPSEC), "not_ipsec");
	stamp_reflector_free(r);
}

static void prefixes_and_addresses(void)
{
	struct stamp_prefix p;
	struct sockaddr_storage ss;
	socklen_t sl;
	char buf[64];

	T_EQ_INT(stamp_prefix_parse("203.0.113.1/24", &p), -EINVAL); /* host bits */
	T_EQ_INT(stamp_prefix_parse("203.0.113.0/33", &p), -EINVAL);
	T_EQ_INT(stamp_prefix_parse("2001:db8::/32", &p), 0);
	T_EQ_INT(stamp_addr_parse("2001:db8:1::5", 862, &ss, &sl), 0);
	T_ASSERT(stamp_prefix_match(&p, (struct sockaddr *)&ss));
	T_EQ_INT(stamp_addr_port((struct sockaddr *)&ss), 862);
	T_EQ_INT(stamp_addr_parse("[::1]:9", 862, &ss, &sl), 0);
	T_EQ_INT(stamp_addr_port((struct sockaddr *)&ss), 9);
	T_EQ_INT(stamp_addr_parse("127.0.0.1:70000", 862, &ss, &sl), -ERANGE);
	T_EQ_INT(stamp_addr_parse("127.0.0.1:8620", 862, &ss, &sl), 0);
	stamp_addr_format((struct sockaddr *)&ss, buf, sizeof(buf));
	T_EQ_STR(buf, "127.0.0.1");
	T_EQ_INT(stamp_addr_parse("host.example", 862, &ss, &sl), -EOPNOTSUPP);
	T_EQ_INT(stamp_prefix_parse("10.0.0.0/0", &p), -EINVAL);
	T_EQ_INT(stamp_prefix_parse("0.0.0.0/0", &p), 0);
	T_ASSERT(stamp_prefix_match(&p, (struct sockaddr *)&ss));
	/* an IPv4 sender seen by a dual-stack reflector (--listen :862) */
	T_EQ_INT(stamp_prefix_parse("203.0.113.0/25", &p), 0);
	T_EQ_INT(stamp_addr_parse("::ffff:203.0.113.5", 862, &ss, &sl), 0);
	T_ASSERT(stamp_prefix_match(&p, (struct sockaddr *)&ss));
	T_EQ_INT(stamp_addr_parse("::ffff:203.0.113.129", 862, &ss, &sl), 0);
	T_ASSERT(!stamp_prefix_match(&p, (struct sockaddr *)&ss));
	T_EQ_INT(stamp_prefix_parse("::ffff:0:0/96", &p), 0);
	T_EQ_INT(stamp_addr_parse("::ffff:203.0.113.5", 862, &ss, &sl), 0);
	T_ASSERT(!stamp_prefix_match(&p, (struct sockaddr *)&ss)); /* compared as IPv4 */
}

/* The row of @ip among @n rows, or NULL; "_other" is the row with AF_UNSPEC. */
static const struct stamp_sender_count *row_of(const struct stamp_sender_count *rows, size_t n,
                                               const char *ip)
{
	for (size_t k = 0; k < n; k++) {
		char a[INET6_ADDRSTRLEN];

		stamp_sender_name(&rows[k], a, sizeof(a));
		if (strcmp(a, ip) == 0)
			return &rows[k];
	}
	return NULL;
}

static enum stamp_refl_result send_from(struct stamp_reflector *r, const char *ip,
                                        const uint8_t *req, size_t len, uint64_t mono)
{
	uint8_t rep[STAMP_AUTH_LEN];
	struct stamp_rx rx = rx_from(ip, 4000, req, len, mono);
	size_t n = 0;

	return stamp_reflector_handle(r, &rx, 2000, 1, rep, sizeof(rep), &n);
}

static void counts_per_sender(void)
{
	struct stamp_reflector_config cfg = {.rate_pps = 10, .burst = 3};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	const struct stamp_sender_count *a, *b, *o;
	struct stamp_test t = {.seq = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN];
	size_t n;

	T_ASSERT(r);
	T_EQ_INT(stamp_test_encode(&t, NULL, req, sizeof(req)), 0);
	/* nothing received yet: only the "other" row, all zero */
	n = stamp_reflector_senders(r, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(n, 1);
	T_ASSERT(rows[0].addr.ss_family == AF_UNSPEC && rows[0].c[STAMP_REFL_REFLECTED] == 0);
	/* a: 5 in a burst of 3 (2 rate limited), then 1 malformed; b: 2 good */
	for (int i = 0; i < 5; i++)
		send_from(r, "192.0.2.1", req, sizeof(req), 1);
	T_EQ_INT(send_from(r, "192.0.2.1", req, 10, 2000000000), STAMP_REFL_MALFORMED);
	send_from(r, "198.51.100.7", req, sizeof(req), 1);
	send_from(r, "198.51.100.7", req, sizeof(req), 2);
	/* c never sends anything valid: it must not take a row */
	for (int i = 0; i < 3; i++)
		T_EQ_INT(send_from(r, "203.0.113.9", req, 10, 1), STAMP_REFL_MALFORMED);
	n = stamp_reflector_senders(r, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(n, 3);
	a = row_of(rows, n, "192.0.2.1");
	b = row_of(rows, n, "198.51.100.7");
	o = row_of(rows, n, "_other");
	T_ASSERT(a && b && o && !row_of(rows, n, "203.0.113.9"));
	T_EQ_INT(a->c[STAMP_REFL_REFLECTED], 3);
	T_EQ_INT(a->c[STAMP_REFL_RATE_LIMITED], 2);
	T_EQ_INT(a->c[STAMP_REFL_MALFORMED], 1);
	T_EQ_INT(b->c[STAMP_REFL_REFLECTED], 2);
	T_EQ_INT(o->c[STAMP_REFL_MALFORMED], 3);
	T_EQ_INT(o->c[STAMP_REFL_REFLECTED], 0);
	/* a truncated copy stops at @cap */
	T_EQ_INT(stamp_reflector_senders(r, rows, 1), 1);
	T_EQ_INT(stamp_reflector_senders(r, rows, 0), 0);
	stamp_reflector_free(r);
}

/* Past REFLECT_SENDERS_MAX the rows stay with the first senders; the rest count as _other. */
static void senders_bounded_and_monotonic(void)
{
	struct stamp_reflector_config cfg = {0};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	struct stamp_test t = {.seq = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN];
	uint64_t sum = 0, all[STAMP_REFL_N];
	char ip[INET6_ADDRSTRLEN];
	size_t n;

	T_ASSERT(r);
	T_EQ_INT(stamp_test_encode(&t, NULL, req, sizeof(req)), 0);
	/* 3 * MAX senders, each twice; IPv6 ones too, one IPv4 through a dual-stack socket */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3 * REFLECT_SENDERS_MAX; i++) {
			snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 256, i % 256);
			T_EQ_INT(send_from(r, ip, req, sizeof(req), (uint64_t)i),
			         STAMP_REFL_REFLECTED);
		}
	n = stamp_reflector_senders(r, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(n, REFLECT_SENDERS_MAX + 1);
	for (size_t k = 0; k < n; k++)
		sum += rows[k].c[STAMP_REFL_REFLECTED];
	stamp_reflector_counters(r, all);
	T_EQ_INT(sum, all[STAMP_REFL_REFLECTED]); /* nothing lost nor counted twice */
	T_EQ_INT(sum, 6 * REFLECT_SENDERS_MAX);
	/* the first senders keep their rows, in the order they came */
	T_ASSERT(row_of(rows, n, "10.0.0.1") && row_of(rows, n, "10.0.0.1")->c[0] == 2);
	snprintf(ip, sizeof(ip), "10.0.%d.1", REFLECT_SENDERS_MAX - 1);
	T_ASSERT(row_of(rows, n, ip));
	snprintf(ip, sizeof(ip), "10.0.%d.1", REFLECT_SENDERS_MAX);
	T_ASSERT(!row_of(rows, n, ip));
	T_EQ_INT(row_of(rows, n, "_other")->c[STAMP_REFL_REFLECTED], 4 * REFLECT_SENDERS_MAX);
	/* a listed sender's count only grows: nothing ever takes its row */
	send_from(r, "10.0.0.1", req, sizeof(req), 9);
	n = stamp_reflector_senders(r, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(row_of(rows, n, "10.0.0.1")->c[STAMP_REFL_REFLECTED], 3);
	stamp_reflector_free(r);
}

/* An IPv4 sender seen through a dual-stack socket is the same sender as plain IPv4. */
static void sender_v4_mapped(void)
{
	struct stamp_reflector_config cfg = {0};
	struct stamp_reflector *r = stamp_reflector_new(&cfg);
	struct stamp_sender_count rows[REFLECT_SENDERS_MAX + 1];
	struct stamp_test t = {.seq = 1, .ee = 1};
	uint8_t req[STAMP_UNAUTH_LEN], rep[STAMP_UNAUTH_LEN];
	struct stamp_rx rx = {.data = req, .len = sizeof(req), .ttl = 64};
	socklen_t sl;
	size_t n = 0;

	T_ASSERT(r);
	T_EQ_INT(stamp_test_encode(&t, NULL, req, sizeof(req)), 0);
	T_EQ_INT(stamp_addr_parse("::ffff:203.0.113.5", 862, &rx.src, &sl), 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 1, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	send_from(r, "203.0.113.5", req, sizeof(req), 1);
	T_EQ_INT(stamp_addr_parse("2001:db8::7", 862, &rx.src, &sl), 0);
	T_EQ_INT(stamp_reflector_handle(r, &rx, 1, 1, rep, sizeof(rep), &n), STAMP_REFL_REFLECTED);
	n = stamp_reflector_senders(r, rows, REFLECT_SENDERS_MAX + 1);
	T_EQ_INT(n, 3);
	T_ASSERT(row_of(rows, n, "203.0.113.5"));
	T_EQ_INT(row_of(rows, n, "203.0.113.5")->c[STAMP_REFL_REFLECTED], 2);
	T_ASSERT(row_of(rows, n, "2001:db8::7"));
	stamp_reflector_free(r);
}

TEST_MAIN("stamp_reflector", TEST(stateful_sequence_and_echo), TEST(never_amplifies),
          TEST(counts_per_sender), TEST(senders_bounded_and_monotonic), TEST(sender_v4_mapped),
          TEST(auth_mode_drops_unauthenticated), TEST(rate_limit_per_source),
          TEST(allow_list_and_ipsec_only), TEST(prefixes_and_addresses))
