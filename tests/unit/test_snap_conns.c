// SPDX-License-Identifier: Apache-2.0
/*
 * list-conns answers decoded only where they changed (src/exporter/snap_conns.c). Every read is
 * checked against the same events decoded from scratch into a snapshot of its own
 * (sa_snapshot_add_conn()), field by field, and the connections the reader reports as decoded
 * are checked to be exactly the new or changed ones: a connection changed in the middle, one
 * added or removed (middle and end), reordered, the same answer again (one shared table),
 * a read that fails half-way, events with two connections or none, EXPORT_CONNS_MAX, and
 * snapshots of earlier reads that outlive the reader's later tables (ASan).
 */
#include "test.h"

#include "common/limits.h"
#include "exporter/snap_conns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* T_ASSERT() for helpers that return a value (@ret on failure). */
#define H_ASSERT(cond, ret)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail(__FILE__, __LINE__, "%s", #cond);                                \
			return ret;                                                                \
		}                                                                                  \
	} while (0)

/* A list-conn event (packet without its length prefix): connection @name whose IKE rekey_time
 * is @rekey, remote address @addr, one CHILD config "net" with remote-ts @ts. */
struct pkt {
	uint8_t *p;
	size_t len;
};

static void conn_body(struct vici_builder *b, const char *name, unsigned rekey, const char *addr,
                      const char *ts)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", rekey);
	vici_build_section_start(b, name);
	vici_build_kv_str(b, "version", "IKEv2");
	vici_build_list_start(b, "remote_addrs");
	vici_build_list_item(b, addr, strlen(addr));
	vici_build_list_end(b);
	vici_build_kv_str(b, "rekey_time", v);
	vici_build_section_start(b, "local-1");
	vici_build_kv_str(b, "class", rekey % 2 ? "public key" : "pre-shared key");
	vici_build_section_end(b);
	vici_build_section_start(b, "children");
	vici_build_section_start(b, "net");
	vici_build_kv_str(b, "rekey_time", "3600");
	vici_build_list_start(b, "remote-ts");
	vici_build_list_item(b, ts, strlen(ts));
	vici_build_list_end(b);
	vici_build_section_end(b);
	vici_build_section_end(b);
	vici_build_section_end(b);
}

static struct pkt finish(struct vici_builder *b)
{
	struct pkt k = {0};
	uint8_t *framed;
	size_t len;

	H_ASSERT(vici_build_finish(b, &framed, &len) == 0, k);
	k.len = len - 4;
	k.p = malloc(k.len); /* exact size: ASan sees a read past the packet */
	H_ASSERT(k.p, k);
	memcpy(k.p, framed + 4, k.len);
	free(framed);
	return k;
}

static struct pkt ev(const char *name, unsigned rekey)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_EVENT, "list-conn");
	conn_body(&b, name, rekey, "198.51.100.1", "203.0.113.0/24");
	return finish(&b);
}

/* An event with two connections, and one with none (charon sends one each; the reader must
 * not care). */
static struct pkt ev_two(const char *a, const char *b2, unsigned rekey)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_EVENT, "list-conn");
	conn_body(&b, a, rekey, "198.51.100.2", "203.0.113.64/26");
	conn_body(&b, b2, rekey + 1, "198.51.100.3", "203.0.113.128/26");
	return finish(&b);
}

static struct pkt ev_none(void)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_EVENT, "list-conn");
	return finish(&b);
}

/* The events decoded from scratch, as before the reader existed. */
static void decode_all(const struct pkt *e, size_t n, struct sa_snapshot *ret)
{
	struct vici_msg m = {0};

	sa_snapshot_init(ret);
	for (size_t i = 0; i < n; i++) {
		T_EQ_INT(vici_msg_decode(&m, e[i].p, e[i].len), 0);
		T_EQ_INT(sa_snapshot_add_conn(ret, &m), 0);
	}
	vici_msg_done(&m);
}

/* One read through @r into @s (reset first); checked against decode_all(). Returns the
 * number of connections the reader decoded, their indexes in @dec (up to 16). */
static uint32_t read_conns(struct snap_conns_reader *r, struct sa_snapshot *s, const struct pkt *e,
                           size_t n, uint32_t dec[16])
{
	struct sa_snapshot want;
	const uint32_t *d;
	uint32_t nd;

	sa_snapshot_reset(s);
	snap_conns_begin(r);
	for (size_t i = 0; i < n; i++)
		H_ASSERT(snap_conns_event(r, e[i].p, e[i].len) == 0, UINT32_MAX);
	H_ASSERT(snap_conns_end(r, s) == 0, UINT32_MAX);
	H_ASSERT(s->conn_table, UINT32_MAX);
	decode_all(e, n, &want);
	if (s->n_conns != want.n_conns || s->dropped != want.dropped) {
		printf("# %u connections, %u dropped; decoded whole: %u, %u\n", s->n_conns,
		       (unsigned)s->dropped, want.n_conns, (unsigned)want.dropped);
		sa_snapshot_done(&want);
		H_ASSERT(0, UINT32_MAX);
	}
	for (uint32_t i = 0; i < s->n_conns; i++)
		if (!sa_snapshot_conn_equal(&s->conns[i], &want.conns[i])) {
			printf("# conn %u differs: %s against %s\n", i, s->conns[i].name,
			       want.conns[i].name);
			sa_snapshot_done(&want);
			H_ASSERT(0, UINT32_MAX);
		}
	sa_snapshot_done(&want);
	d = snap_conns_decoded(r, &nd);
	for (uint32_t i = 0; i < nd && i < 16 && dec; i++)
		dec[i] = d[i];
	return nd;
}

static void pkts_free(struct pkt *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].p);
}

static void unchanged_answer_is_shared(void)
{
	struct pkt e[3] = {ev("a", 10), ev("b", 20), ev("c", 30)};
	struct snap_conns_reader r;
	struct sa_snapshot s1, s2, s3;
	uint32_t dec[16];

	snap_conns_reader_init(&r);
	sa_snapshot_init(&s1);
	sa_snapshot_init(&s2);
	sa_snapshot_init(&s3);
	T_EQ_INT(read_conns(&r, &s1, e, 3, dec), 3);
	T_ASSERT(dec[0] == 0 && dec[1] == 1 && dec[2] == 2);
	/* the same bytes: nothing decoded, the very same connections shown */
	T_EQ_INT(read_conns(&r, &s2, e, 3, dec), 0);
	T_ASSERT(s2.conn_table == s1.conn_table && s2.conns == s1.conns);
	T_EQ_STR(s2.conns[1].name, "b");
	T_EQ_INT(s2.conns[1].rekey_time, 20);
	T_ASSERT(s2.conns[0].local_pubkey == false && s2.conns[2].local_pubkey == false);
	/* a reset gives the table back and leaves the others' alone */
	sa_snapshot_reset(&s1);
	T_ASSERT(!s1.conn_table && s1.n_conns == 0);
	T_EQ_INT(read_conns(&r, &s3, e, 3, dec), 0);
	T_ASSERT(s3.conns == s2.conns);
	sa_snapshot_done(&s1);
	sa_snapshot_done(&s2);
	sa_snapshot_done(&s3);
	snap_conns_reader_done(&r);
	pkts_free(e, 3);
}

static void changed_in_the_middle(void)
{
	/* "b" 22: the same length as "b" 20, one byte differs; "b" 21: another length (and a
	 * public key) */
	struct pkt e[5] = {ev("a", 10), ev("b", 20), ev("c", 30), ev("b", 22), ev("b", 21)};
	struct pkt now[3] = {e[0], e[3], e[2]}, then[3] = {e[0], e[4], e[2]};
	struct snap_conns_reader r;
	struct sa_snapshot old, s;
	uint32_t dec[16];

	T_EQ_INT(e[3].len, e[1].len);
	snap_conns_reader_init(&r);
	sa_snapshot_init(&old);
	sa_snapshot_init(&s);
	T_EQ_INT(read_conns(&r, &old, e, 3, dec), 3);
	T_EQ_INT(read_conns(&r, &s, now, 3, dec), 1);
	T_EQ_INT(dec[0], 1);
	T_EQ_INT(s.conns[1].rekey_time, 22);
	T_EQ_INT(s.conns[2].rekey_time, 30);
	T_EQ_INT(read_conns(&r, &s, then, 3, dec), 1);
	T_EQ_INT(dec[0], 1);
	T_EQ_INT(s.conns[1].rekey_time, 21);
	T_ASSERT(s.conns[1].local_pubkey);
	/* the snapshot of the first read still shows what it read */
	T_ASSERT(old.conn_table != s.conn_table);
	T_EQ_INT(old.conns[1].rekey_time, 20);
	T_ASSERT(!old.conns[1].local_pubkey);
	/* and back: "b" 20 is no longer known (the last answer had "b" 21) */
	T_EQ_INT(read_conns(&r, &s, e, 3, dec), 1);
	T_EQ_INT(s.conns[1].rekey_time, 20);
	sa_snapshot_done(&s);
	/* the old snapshot outlives every table after it */
	snap_conns_reader_done(&r);
	T_EQ_STR(old.conns[2].children_remote_ts[0], "203.0.113.0/24");
	sa_snapshot_done(&old);
	pkts_free(e, 5);
}

static void added_and_removed(void)
{
	struct pkt e[5] = {ev("a", 10), ev("b", 20), ev("c", 30), ev("x", 40), ev("y", 50)};
	struct pkt mid[4] = {e[0], e[3], e[1], e[2]}, end[5] = {e[0], e[3], e[1], e[2], e[4]};
	struct pkt gone_mid[4] = {e[0], e[1], e[2], e[4]}, gone_end[2] = {e[0], e[1]};
	struct pkt gone_first[1] = {e[1]};
	struct snap_conns_reader r;
	struct sa_snapshot s;
	uint32_t dec[16];

	snap_conns_reader_init(&r);
	sa_snapshot_init(&s);
	T_EQ_INT(read_conns(&r, &s, e, 3, dec), 3);
	/* one added in the middle: only it is decoded, the ones after it are found moved */
	T_EQ_INT(read_conns(&r, &s, mid, 4, dec), 1);
	T_EQ_INT(dec[0], 1);
	T_EQ_STR(s.conns[1].name, "x");
	/* one added at the end */
	T_EQ_INT(read_conns(&r, &s, end, 5, dec), 1);
	T_EQ_INT(dec[0], 4);
	T_EQ_STR(s.conns[4].name, "y");
	/* removed from the middle, then from the end (all equal so far: a shorter answer) */
	T_EQ_INT(read_conns(&r, &s, gone_mid, 4, dec), 0);
	T_EQ_STR(s.conns[3].name, "y");
	T_EQ_INT(read_conns(&r, &s, gone_end, 2, dec), 0);
	T_EQ_INT(s.n_conns, 2);
	T_EQ_INT(read_conns(&r, &s, gone_first, 1, dec), 0);
	T_EQ_STR(s.conns[0].name, "b");
	/* nothing loaded, then everything back */
	T_EQ_INT(read_conns(&r, &s, NULL, 0, dec), 0);
	T_EQ_INT(s.n_conns, 0);
	T_EQ_INT(read_conns(&r, &s, end, 5, dec), 5);
	sa_snapshot_done(&s);
	snap_conns_reader_done(&r);
	pkts_free(e, 5);
}

static void reordered_and_odd_events(void)
{
	struct pkt e[5] = {ev("a", 10), ev("b", 20), ev("c", 30), ev_two("d", "e", 60), ev_none()};
	struct pkt rev[5] = {e[4], e[3], e[2], e[1], e[0]};
	struct pkt dup[3] = {e[0], e[0], e[1]};
	struct snap_conns_reader r;
	struct sa_snapshot s;
	uint32_t dec[16];

	snap_conns_reader_init(&r);
	sa_snapshot_init(&s);
	T_EQ_INT(read_conns(&r, &s, e, 5, dec), 5);
	T_EQ_INT(s.n_conns, 5);
	T_EQ_STR(s.conns[4].name, "e");
	T_EQ_INT(read_conns(&r, &s, rev, 5, dec), 0);
	T_EQ_STR(s.conns[0].name, "d");
	T_EQ_STR(s.conns[1].name, "e");
	T_EQ_STR(s.conns[4].name, "a");
	/* the same event twice (charon would not, a fake might) */
	T_EQ_INT(read_conns(&r, &s, dup, 3, dec), 0);
	T_EQ_STR(s.conns[1].name, "a");
	sa_snapshot_done(&s);
	snap_conns_reader_done(&r);
	pkts_free(e, 5);
}

static void failed_read_leaves_nothing(void)
{
	struct pkt e[4] = {ev("a", 10), ev("b", 20), ev("c", 30), ev("b", 99)};
	struct pkt bad = {(uint8_t *)"\x07\x09list-conn\x01\x01x", 13}; /* section never closed */
	struct snap_conns_reader r;
	struct sa_snapshot s;
	uint32_t dec[16];

	snap_conns_reader_init(&r);
	sa_snapshot_init(&s);
	T_EQ_INT(read_conns(&r, &s, e, 3, dec), 3);
	/* a read that broke after a changed event: what it built must not be compared against */
	snap_conns_begin(&r);
	T_EQ_INT(snap_conns_event(&r, e[0].p, e[0].len), 0);
	T_EQ_INT(snap_conns_event(&r, e[3].p, e[3].len), 0);
	T_EQ_INT(read_conns(&r, &s, e, 3, dec), 0);
	T_EQ_INT(s.conns[1].rekey_time, 20);
	/* one that broke on a malformed event, unchanged until then */
	snap_conns_begin(&r);
	T_EQ_INT(snap_conns_event(&r, e[0].p, e[0].len), 0);
	T_EQ_INT(snap_conns_event(&r, bad.p, bad.len), -EBADMSG);
	T_EQ_INT(read_conns(&r, &s, e, 3, dec), 0);
	/* one that broke right at the start of a shorter answer */
	snap_conns_begin(&r);
	T_EQ_INT(snap_conns_event(&r, e[3].p, e[3].len), 0);
	T_EQ_INT(read_conns(&r, &s, e + 1, 1, dec), 0);
	T_EQ_INT(s.n_conns, 1);
	T_EQ_INT(s.conns[0].rekey_time, 20);
	/* forgotten: everything is decoded (and so reported) again */
	snap_conns_reader_forget(&r);
	T_EQ_INT(read_conns(&r, &s, e, 3, dec), 3);
	sa_snapshot_done(&s);
	snap_conns_reader_done(&r);
	pkts_free(e, 4);
}

/* Past EXPORT_CONNS_MAX connections the rest are dropped (and counted) as when decoding: an
 * event that lost its connections there must be decoded again where there is room. */
static void the_limit_holds(void)
{
	size_t n = EXPORT_CONNS_MAX + 3;
	struct pkt *e = calloc(n, sizeof(*e));
	struct snap_conns_reader r;
	struct sa_snapshot s;
	uint32_t dec[16];
	char name[32];

	T_ASSERT(e);
	snap_conns_reader_init(&r);
	sa_snapshot_init(&s);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "c%zu", i);
		e[i] = ev(name, (unsigned)i);
	}
	T_EQ_INT(read_conns(&r, &s, e, n, dec), EXPORT_CONNS_MAX);
	T_EQ_INT((int)s.dropped, 3);
	T_EQ_INT(read_conns(&r, &s, e, n, dec), 0);
	T_EQ_INT((int)s.dropped, 3);
	/* the first two removed: two of the dropped now fit, and are decoded */
	T_EQ_INT(read_conns(&r, &s, e + 2, n - 2, dec), 2);
	T_EQ_INT((int)dec[0], EXPORT_CONNS_MAX - 2);
	T_EQ_INT((int)s.dropped, 1);
	/* back: the first two are new, the ones after them move and fill the table */
	T_EQ_INT(read_conns(&r, &s, e, n, dec), 2);
	T_EQ_INT((int)s.dropped, 3);
	sa_snapshot_done(&s);
	snap_conns_reader_done(&r);
	pkts_free(e, n);
	free(e);
}

TEST_MAIN("snap_conns", TEST(unchanged_answer_is_shared), TEST(changed_in_the_middle),
          TEST(added_and_removed), TEST(reordered_and_odd_events), TEST(failed_read_leaves_nothing),
          TEST(the_limit_holds))
