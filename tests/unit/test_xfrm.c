// SPDX-License-Identifier: Apache-2.0
/*
 * The XFRM netlink codec (src/xfrm/xfrm_msg.c, xfrm_dump.c's table) and the kernel metrics
 * joined to charon's CHILD SAs (src/exporter/xfrm_metrics.c). The vectors are built from the
 * kernel's UAPI structs (<linux/xfrm.h>), as the kernel fills them. Key material: SAs carry
 * known key bytes in every key-bearing attribute, and no window of those bytes may reach the
 * parsed structs or the metrics, raw or as hex.
 */
#include "test.h"

#include "exporter/xfrm_metrics.h"
#include "fixture.h"
#include "xfrm_vec.h"
#include "xfrm/xfrm_dump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Does any 4-byte window of XFRM_VEC_KEY occur in @p, raw or as lower/upper-case hex? */
static bool leaks(const void *p, size_t n)
{
	for (size_t k = 0; k + 4 <= sizeof(XFRM_VEC_KEY); k++) {
		char hex[2][9];

		if (memmem(p, n, XFRM_VEC_KEY + k, 4))
			return true;
		snprintf(hex[0], sizeof(hex[0]), "%02x%02x%02x%02x", XFRM_VEC_KEY[k],
		         XFRM_VEC_KEY[k + 1], XFRM_VEC_KEY[k + 2], XFRM_VEC_KEY[k + 3]);
		snprintf(hex[1], sizeof(hex[1]), "%02X%02X%02X%02X", XFRM_VEC_KEY[k],
		         XFRM_VEC_KEY[k + 1], XFRM_VEC_KEY[k + 2], XFRM_VEC_KEY[k + 3]);
		if (memmem(p, n, hex[0], 8) || memmem(p, n, hex[1], 8))
			return true;
	}
	return false;
}

static void dump_request(void)
{
	uint8_t buf[128];
	struct nlmsghdr h;
	size_t len;

	T_EQ_INT(xfrm_msg_build_dump(XFRM_MSG_GETSA, 7, buf, sizeof(buf), &len), 0);
	memcpy(&h, buf, sizeof(h));
	T_EQ_INT(len, NLMSG_LENGTH(sizeof(struct xfrm_usersa_id)));
	T_EQ_INT(h.nlmsg_len, len);
	T_EQ_INT(h.nlmsg_type, XFRM_MSG_GETSA);
	T_EQ_INT(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	T_EQ_INT(h.nlmsg_seq, 7);
	T_EQ_INT(xfrm_msg_build_dump(XFRM_MSG_GETPOLICY, 8, buf, sizeof(buf), &len), 0);
	T_EQ_INT(len, NLMSG_LENGTH(sizeof(struct xfrm_userpolicy_id)));
	T_EQ_INT(xfrm_msg_build_dump(XFRM_MSG_GETPOLICY, 8, buf, 40, &len), -ENOBUFS);
	T_EQ_INT(xfrm_msg_build_dump(XFRM_MSG_NEWSA, 8, buf, sizeof(buf), &len), -EINVAL);
}

static void state_vector(void)
{
	struct nlbuf m;
	struct xfrm_state_info s;
	uint8_t want[4] = {198, 51, 100, 1};

	xfrm_vec_state(&m, 0xd0efa7ae, 1, "198.51.100.1", 67200, 5, true);
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), 0);
	T_EQ_INT(s.spi, 0xd0efa7ae);
	T_EQ_INT(s.proto, IPPROTO_ESP);
	T_EQ_INT(s.mode, XFRM_MODE_TUNNEL);
	T_EQ_INT(s.family, AF_INET);
	T_ASSERT(memcmp(s.daddr, want, 4) == 0);
	T_EQ_INT(s.reqid, 1);
	T_EQ_INT(s.bytes, 67200);
	T_EQ_INT(s.packets, 672);
	T_EQ_INT(s.add_time, 1700000000);
	T_EQ_INT(s.replay_window, 3);
	T_EQ_INT(s.replay, 2);
	T_EQ_INT(s.integrity_failed, 5);
	T_ASSERT(s.hard_byte_limit == XFRM_INF);
	T_ASSERT(!leaks(&s, sizeof(s)));
	/* the key bytes are in the message, so the check above can fail */
	T_ASSERT(leaks(m.b, m.len));
	/* and the policy parser refuses an SA */
	{
		struct xfrm_policy_info p;

		T_EQ_INT(xfrm_msg_parse_policy(m.b, m.len, &p), -EPROTO);
	}
}

/* XFRMA_LASTUSED (the newest packet's time): absent is 0; after an XFRMA_PAD as
 * nla_put_u64_64bit() puts it; last of several (the kernel sends one); a payload that is not one
 * u64 makes the message malformed, never a partial read. */
static void state_lastused(void)
{
	struct nlbuf m, g;
	struct xfrm_state_info s;
	uint64_t at = 1765000123, later = 1765000200;
	uint8_t nine[9] = {0};

	xfrm_vec_state(&g, 0xc1, 7, "198.51.100.1", 6400, 0, true);
	T_EQ_INT(xfrm_msg_parse_state(g.b, g.len, &s), 0);
	T_EQ_INT(s.last_used, 0);
	m = g;
	xfrm_vec_state_attr(&m, XFRMA_LASTUSED, &at, sizeof(at));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), 0);
	T_ASSERT(s.last_used == at);
	T_EQ_INT(s.packets, 64);
	T_EQ_INT(s.spi, 0xc1);
	m = g;
	xfrm_vec_state_attr(&m, XFRMA_PAD, NULL, 0);
	xfrm_vec_state_attr(&m, XFRMA_LASTUSED, &at, sizeof(at));
	xfrm_vec_state_attr(&m, XFRMA_LASTUSED, &later, sizeof(later));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), 0);
	T_ASSERT(s.last_used == later);
	T_ASSERT(!leaks(&s, sizeof(s)));
	for (size_t n = 0; n <= sizeof(nine); n++) {
		if (n == sizeof(uint64_t))
			continue;
		m = g;
		xfrm_vec_state_attr(&m, XFRMA_LASTUSED, nine, n);
		T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EBADMSG);
	}
	/* every cut of a message ending in XFRMA_LASTUSED fails (ASan: no read past it) */
	m = g;
	xfrm_vec_state_attr(&m, XFRMA_LASTUSED, &at, sizeof(at));
	for (size_t cut = 0; cut < m.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int r;

		T_ASSERT(copy);
		memcpy(copy, m.b, cut);
		r = xfrm_msg_parse_state(copy, cut, &s);
		free(copy);
		if (r != -EBADMSG) {
			test_fail(__FILE__, __LINE__, "cut at %zu: %d", cut, r);
			return;
		}
	}
}

static void policy_vector(void)
{
	static const uint32_t reqids[2] = {1, 9};
	struct nlbuf m;
	struct xfrm_policy_info p;
	struct xfrm_state_info s;

	xfrm_vec_policy(&m, XFRM_POLICY_OUT, reqids, 2, XFRM_POLICY_ALLOW);
	T_EQ_INT(xfrm_msg_parse_policy(m.b, m.len, &p), 0);
	T_EQ_INT(p.dir, XFRM_POLICY_OUT);
	T_EQ_INT(p.action, XFRM_POLICY_ALLOW);
	T_EQ_INT(p.index, 8 + XFRM_POLICY_OUT);
	T_EQ_INT(p.priority, 375423);
	T_EQ_INT(p.family, AF_INET);
	T_EQ_INT(p.sel_prefixlen_d, 25);
	T_EQ_INT(p.n_tmpl, 2);
	T_EQ_INT(p.tmpl[0].reqid, 1);
	T_EQ_INT(p.tmpl[1].reqid, 9);
	T_EQ_INT(p.tmpl[1].proto, IPPROTO_ESP);
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EPROTO);
	xfrm_vec_policy(&m, XFRM_POLICY_IN, NULL, 0, XFRM_POLICY_BLOCK);
	T_EQ_INT(xfrm_msg_parse_policy(m.b, m.len, &p), 0);
	T_EQ_INT(p.n_tmpl, 0);
}

static void malformed(void)
{
	static const uint32_t many[7] = {1, 2, 3, 4, 5, 6, 7};
	struct nlbuf m, g;
	struct xfrm_state_info s;
	struct xfrm_policy_info p;
	struct nlmsghdr h;
	struct nlattr a;

	xfrm_vec_state(&g, 1, 1, "198.51.100.1", 1, 0, true);
	/* every cut of a good message fails, none reads past it (ASan) */
	for (size_t cut = 0; cut < g.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int r;

		T_ASSERT(copy);
		memcpy(copy, g.b, cut);
		r = xfrm_msg_parse_state(copy, cut, &s);
		free(copy);
		if (r != -EBADMSG) {
			test_fail(__FILE__, __LINE__, "cut at %zu: %d", cut, r);
			return;
		}
	}
	/* nlmsg_len below the fixed body, and above what was received */
	m = g;
	memcpy(&h, m.b, sizeof(h));
	h.nlmsg_len = NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)) - 1;
	memcpy(m.b, &h, sizeof(h));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EBADMSG);
	h.nlmsg_len = (uint32_t)m.len + 4;
	memcpy(m.b, &h, sizeof(h));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EBADMSG);
	/* an attribute shorter than its header, or longer than the message */
	m = g;
	memcpy(&a, m.b + NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct xfrm_usersa_info))), sizeof(a));
	a.nla_len = 2;
	memcpy(m.b + NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct xfrm_usersa_info))), &a, sizeof(a));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EBADMSG);
	a.nla_len = 4000;
	memcpy(m.b + NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct xfrm_usersa_info))), &a, sizeof(a));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EBADMSG);
	/* three bytes of garbage after the attributes */
	m = g;
	memset(m.b + m.len, 0, 3);
	m.len += 3;
	memcpy(&h, m.b, sizeof(h));
	h.nlmsg_len = (uint32_t)m.len;
	memcpy(m.b, &h, sizeof(h));
	T_EQ_INT(xfrm_msg_parse_state(m.b, m.len, &s), -EBADMSG);
	/* templates: more than the kernel's depth, a partial one, two template lists */
	xfrm_vec_policy(&m, XFRM_POLICY_OUT, many, 7, XFRM_POLICY_ALLOW);
	T_EQ_INT(xfrm_msg_parse_policy(m.b, m.len, &p), -EBADMSG);
	xfrm_vec_policy(&m, XFRM_POLICY_OUT, many, 1, XFRM_POLICY_ALLOW);
	{
		size_t at = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct xfrm_userpolicy_info)));

		memcpy(&a, m.b + at, sizeof(a));
		a.nla_len -= 4;
		memcpy(m.b + at, &a, sizeof(a));
		T_EQ_INT(xfrm_msg_parse_policy(m.b, m.len, &p), -EBADMSG);
		a.nla_len += 4;
		memcpy(m.b + at, &a, sizeof(a));
		memcpy(m.b + m.len, m.b + at, a.nla_len);
		m.len += a.nla_len;
		xfrm_vec_finish(&m, XFRM_MSG_NEWPOLICY);
		T_EQ_INT(xfrm_msg_parse_policy(m.b, m.len, &p), -EBADMSG);
	}
	/* a table counts what it cannot parse and carries on */
	{
		struct xfrm_table t = {0};

		T_EQ_INT(xfrm_table_add(&t, m.b, m.len), 0);
		T_EQ_INT(xfrm_table_add(&t, g.b, 10), 0);
		T_EQ_INT(xfrm_table_add(&t, g.b, g.len), 0);
		T_EQ_INT(t.dropped, 2);
		T_EQ_INT(t.n_states, 1);
		xfrm_table_done(&t);
	}
}

static int snapshot(struct sa_snapshot *s)
{
	static const char *const files[] = {"list-conns.a.0004.rx-event.bin",
	                                    "list-conns.a.0005.rx-event.bin",
	                                    "list-sas.established.a.0004.rx-event.bin"};

	sa_snapshot_init(s);
	for (size_t i = 0; i < 3; i++) {
		struct vici_msg m = {0};
		uint8_t *pkt;
		int err = fixture_decode(files[i], &m, &pkt);

		if (err == 0)
			err = i < 2 ? sa_snapshot_add_conn(s, &m) : sa_snapshot_add_ike(s, &m);
		vici_msg_done(&m);
		free(pkt);
		if (err < 0)
			return err;
	}
	return 0;
}

static char *render(struct xfrm_metrics *x, const struct xfrm_table *t, const struct sa_snapshot *s,
                    struct xfrm_mismatch *mm)
{
	struct prom_writer w;
	struct buf out;
	size_t len;

	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	if (xfrm_metrics_write(&w, x, t, s, mm) < 0 || out.err || w.dropped) {
		buf_done(&out);
		return NULL;
	}
	return buf_steal(&out, &len);
}

static int add_state(struct xfrm_table *t, uint32_t spi, uint32_t reqid, const char *dst,
                     uint64_t bytes, uint32_t integ)
{
	struct nlbuf m;

	xfrm_vec_state(&m, spi, reqid, dst, bytes, integ, true);
	return xfrm_table_add(t, m.b, m.len);
}

static int add_policy(struct xfrm_table *t, uint8_t dir, uint32_t reqid)
{
	struct nlbuf m;

	xfrm_vec_policy(&m, dir, &reqid, 1, XFRM_POLICY_ALLOW);
	return xfrm_table_add(t, m.b, m.len);
}

/* CHILD "net" of a-b has spi-in d0efa7ae, spi-out 75ffcd80, reqid 1 in the recording. */
static void joined_metrics(void)
{
	struct sa_snapshot s;
	struct xfrm_metrics x;
	struct xfrm_table t = {0};
	struct xfrm_mismatch mm;
	char *text;

	T_EQ_INT(snapshot(&s), 0);
	xfrm_metrics_init(&x);
	T_EQ_INT(add_state(&t, 0xd0efa7ae, 1, "192.0.2.1", 1000, 4), 0);
	T_EQ_INT(add_state(&t, 0x75ffcd80, 1, "198.51.100.1", 2000, 0), 0);
	T_EQ_INT(add_state(&t, 0x12345678, 77, "198.51.100.9", 5, 0), 0); /* no CHILD SA's */
	T_EQ_INT(add_policy(&t, XFRM_POLICY_OUT, 1), 0);
	T_EQ_INT(add_policy(&t, XFRM_POLICY_IN, 1), 0);
	T_EQ_INT(add_policy(&t, XFRM_POLICY_OUT, 4242), 0); /* nobody's, no SA */
	text = render(&x, &t, &s, &mm);
	T_ASSERT(text);
	T_CONTAINS(text, "ipsec_child_sa_kernel_bytes_total{conn=\"a-b\",child=\"net\","
	                 "direction=\"in\"} 1000\n");
	T_CONTAINS(text, "ipsec_child_sa_kernel_bytes_total{conn=\"a-b\",child=\"net\","
	                 "direction=\"out\"} 2000\n");
	T_CONTAINS(text,
	           "ipsec_child_sa_kernel_integrity_failures_total{conn=\"a-b\",child=\"net\","
	           "direction=\"in\"} 4\n");
	T_CONTAINS(text, "ipsec_child_sa_kernel_replay_window_drops_total{conn=\"a-b\","
	                 "child=\"net\",direction=\"in\"} 3\n");
	T_CONTAINS(text, "ipsec_xfrm_policies_without_state{conn=\"a-b\"} 0\n");
	T_CONTAINS(text, "ipsec_xfrm_policies_without_state{conn=\"a-c\"} 0\n");
	T_CONTAINS(text, "ipsec_xfrm_orphan_policies 1\n");
	T_CONTAINS(text, "ipsec_xfrm_orphan_states 1\n");
	T_CONTAINS(text, "ipsec_xfrm_states_without_policy{conn=\"a-b\"} 0\n");
	T_EQ_INT(mm.policies_without_state, 1);
	T_EQ_INT(mm.states_without_policy, 1); /* reqid 77 */
	T_ASSERT(!leaks(text, strlen(text)));
	free(text);

	/* a rekey: the inbound SA is replaced by one with a new SPI that charon does not list
	 * yet; its old counters stay in the total */
	xfrm_table_reset(&t);
	T_EQ_INT(add_state(&t, 0x75ffcd80, 1, "198.51.100.1", 2500, 0), 0);
	text = render(&x, &t, &s, &mm);
	T_ASSERT(text);
	T_CONTAINS(text, "ipsec_child_sa_kernel_bytes_total{conn=\"a-b\",child=\"net\","
	                 "direction=\"in\"} 1000\n");
	T_CONTAINS(text, "ipsec_child_sa_kernel_bytes_total{conn=\"a-b\",child=\"net\","
	                 "direction=\"out\"} 2500\n");
	/* the policies are gone too, the SA now has none */
	T_CONTAINS(text, "ipsec_xfrm_states_without_policy{conn=\"a-b\"} 1\n");
	T_CONTAINS(text, "ipsec_xfrm_orphan_policies 0\n");
	free(text);

	/* the policy back without its SAs: a policy without a state on a-b */
	xfrm_table_reset(&t);
	T_EQ_INT(add_policy(&t, XFRM_POLICY_OUT, 1), 0);
	text = render(&x, &t, &s, &mm);
	T_ASSERT(text);
	T_CONTAINS(text, "ipsec_xfrm_policies_without_state{conn=\"a-b\"} 1\n");
	T_CONTAINS(text, "ipsec_child_sa_kernel_bytes_total{conn=\"a-b\",child=\"net\","
	                 "direction=\"out\"} 2500\n");
	free(text);
	xfrm_table_done(&t);
	xfrm_metrics_done(&x);
	sa_snapshot_done(&s);
}

/* Many CHILD SAs whose SPIs differ in every byte: every kernel SA joins its own CHILD SA
 * (the index is sorted a byte at a time; a short one by insertion). */

static uint32_t many_spi(unsigned i, int out)
{
	/* an odd multiplier is a bijection: 600 distinct SPIs, none 0, spread over all bytes */
	return (2u * i + 1u + (unsigned)out) * 0x9e3779b1u;
}

static void many_joined_n(unsigned n_sas)
{
	struct sa_snapshot s;
	struct xfrm_metrics x;
	struct xfrm_table t = {0};
	struct xfrm_mismatch mm;
	struct vici_builder b;
	char *text;

	sa_snapshot_init(&s);
	for (unsigned i = 0; i < n_sas; i++) {
		char conn[32], spi_in[16], spi_out[16], reqid[16], uid[16];
		struct vici_msg m = {0};
		uint8_t *pkt;
		size_t len;

		snprintf(conn, sizeof(conn), "c%u", i);
		snprintf(spi_in, sizeof(spi_in), "%08x", many_spi(i, 0));
		snprintf(spi_out, sizeof(spi_out), "%08x", many_spi(i, 1));
		snprintf(reqid, sizeof(reqid), "%u", i + 1);
		snprintf(uid, sizeof(uid), "%u", i + 1);
		vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
		vici_build_section_start(&b, conn);
		vici_build_kv_str(&b, "uniqueid", uid);
		vici_build_kv_str(&b, "state", "ESTABLISHED");
		vici_build_section_start(&b, "child-sas");
		vici_build_section_start(&b, "net-1");
		vici_build_kv_str(&b, "name", "net");
		vici_build_kv_str(&b, "uniqueid", uid);
		vici_build_kv_str(&b, "reqid", reqid);
		vici_build_kv_str(&b, "state", "INSTALLED");
		vici_build_kv_str(&b, "protocol", "ESP");
		vici_build_kv_str(&b, "spi-in", spi_in);
		vici_build_kv_str(&b, "spi-out", spi_out);
		vici_build_section_end(&b);
		vici_build_section_end(&b);
		vici_build_section_end(&b);
		T_EQ_INT(vici_build_finish(&b, &pkt, &len), 0);
		T_EQ_INT(vici_msg_decode(&m, pkt + 4, len - 4), 0);
		T_EQ_INT(sa_snapshot_add_ike(&s, &m), 0);
		vici_msg_done(&m);
		free(pkt);
	}
	xfrm_metrics_init(&x);
	/* the kernel's SAs in another order than charon's */
	for (unsigned k = 0; k < n_sas; k++) {
		unsigned i = (k * 7) % n_sas; /* 7 is prime to every n_sas below */

		T_EQ_INT(add_state(&t, many_spi(i, 0), i + 1, "192.0.2.1", 1000 + i, 0), 0);
		T_EQ_INT(add_state(&t, many_spi(i, 1), i + 1, "198.51.100.1", 5000 + i, 0), 0);
	}
	text = render(&x, &t, &s, &mm);
	T_ASSERT(text);
	for (unsigned i = 0; i < n_sas; i++) {
		char want[160];

		snprintf(want, sizeof(want),
		         "ipsec_child_sa_kernel_bytes_total{conn=\"c%u\",child=\"net\","
		         "direction=\"in\"} %u\n",
		         i, 1000 + i);
		T_CONTAINS(text, want);
		snprintf(want, sizeof(want),
		         "ipsec_child_sa_kernel_bytes_total{conn=\"c%u\",child=\"net\","
		         "direction=\"out\"} %u\n",
		         i, 5000 + i);
		T_CONTAINS(text, want);
	}
	T_CONTAINS(text, "ipsec_xfrm_orphan_states 0\n");
	free(text);
	xfrm_table_done(&t);
	xfrm_metrics_done(&x);
	sa_snapshot_done(&s);
}

static void many_joined(void)
{
	/* 10 and 30 refs (insertion), 600 (radix) */
	many_joined_n(5);
	many_joined_n(15);
	many_joined_n(300);
}

/* In a network namespace of its own (a child process): one kernel policy (this kernel has no
 * ESP, so no SA can be added: tests/lab's notes), read three times over the socket that
 * xfrm_table_read() keeps; 0 when each read found it. */
static int reads_reuse_socket(void)
{
	struct xfrm_table t = {0};
	struct mnl_socket *first;

	if (unshare(CLONE_NEWNET) < 0 ||
	    system("ip xfrm policy add src 198.51.100.0/24 dst 203.0.113.0/24 dir out tmpl "
	           "src 192.0.2.1 dst 192.0.2.2 proto esp reqid 7 mode tunnel") != 0)
		return 10;
	if (xfrm_table_read(&t, 2000) < 0 || t.n_policies != 1 || !t.nl)
		return 11;
	first = t.nl;
	for (int i = 0; i < 2; i++)
		if (xfrm_table_read(&t, 2000) < 0 || t.n_policies != 1 || t.nl != first)
			return 12 + i;
	if (t.seq != 6)
		return 14;
	xfrm_table_done(&t);
	return t.nl ? 15 : 0;
}

/* The dump socket is kept across reads (a socket per read was a tenth of a small scrape). Needs
 * root for the namespace, as the lab does: without it this fails, it does not skip. */
static void socket_kept_across_reads(void)
{
	T_EQ_INT(test_in_child(reads_reuse_socket), 0);
}

TEST_MAIN("xfrm", TEST(dump_request), TEST(state_vector), TEST(state_lastused), TEST(policy_vector),
          TEST(malformed), TEST(joined_metrics), TEST(many_joined), TEST(socket_kept_across_reads))
