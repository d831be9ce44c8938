// SPDX-License-Identifier: Apache-2.0
/*
 * The probes' lookups over a snapshot (src/exporter/sa_lookup.c), on hand-made snapshots: an up
 * CHILD SA wins over a configured one, a CHILD SA that is not up falls back to the loaded
 * configuration, truncation to the caller's buffers, local traffic selectors, and what is not
 * there. No VICI: the collector's side (the last snapshot kept while charon is down) is tested
 * against fakevici in tests/fakevici/test_collector.c.
 */
#include "test.h"

#include "exporter/sa_lookup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/* @s as a socket address, in one of a few rotating slots (a call's arguments may use two). */
static const struct sockaddr *SA(const char *s)
{
	static struct sockaddr_storage slots[4];
	static unsigned next;
	struct sockaddr_storage *ss = &slots[next++ % 4];
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	return (const struct sockaddr *)ss;
}

/* Two tunnels: a-b/net up (203.0.113.128/25 behind it), a-b/voice REKEYED away and a-c/c-net
 * configured only (its SA is down); a-d/old is up but no longer covers 10.1.0.0/16. */
static struct snap_child ab_children[] = {
    {.name = "voice", .state = "DELETED", .remote_ts = "10.9.0.0/16", .local_ts = "10.0.0.0/24"},
    {.name = "net",
     .state = "INSTALLED",
     .remote_ts = "203.0.113.128/25,2001:db8:1::/48",
     .local_ts = "203.0.113.0/25"},
};
static struct snap_ike ikes[] = {
    {.conn = "a-b", .state = "ESTABLISHED", .children = ab_children, .n_children = 2},
};
static const char *ac_children[] = {"c-net"}, *ac_ts[] = {"198.51.100.3/32"};
static const char *ab_conf_children[] = {"net", "voice"},
                  *ab_conf_ts[] = {"203.0.113.128/25", "10.9.0.0/16"};
static struct snap_conn conns[] = {
    {.name = "a-b",
     .children = ab_conf_children,
     .children_remote_ts = ab_conf_ts,
     .n_children = 2},
    {.name = "a-c", .children = ac_children, .children_remote_ts = ac_ts, .n_children = 1},
};
static const struct sa_snapshot snap = {.ikes = ikes, .n_ikes = 1, .conns = conns, .n_conns = 2};

static void find_child(void)
{
	char conn[16], child[16];

	T_EQ_INT(sa_lookup_find_child(&snap, SA("203.0.113.200"), conn, sizeof(conn), child,
	                              sizeof(child)),
	         0);
	T_EQ_STR(conn, "a-b");
	T_EQ_STR(child, "net");
	T_EQ_INT(sa_lookup_find_child(&snap, SA("2001:db8:1::7"), conn, sizeof(conn), child,
	                              sizeof(child)),
	         0);
	T_EQ_STR(child, "net");
	/* the SA is down: the loaded configuration still names the tunnel */
	T_EQ_INT(sa_lookup_find_child(&snap, SA("198.51.100.3"), conn, sizeof(conn), child,
	                              sizeof(child)),
	         0);
	T_EQ_STR(conn, "a-c");
	T_EQ_STR(child, "c-net");
	/* a DELETED SA is not the tunnel; its configuration is */
	T_EQ_INT(
	    sa_lookup_find_child(&snap, SA("10.9.1.1"), conn, sizeof(conn), child, sizeof(child)),
	    0);
	T_EQ_STR(conn, "a-b");
	T_EQ_STR(child, "voice");
	/* behind no tunnel */
	conn[0] = 'x';
	T_EQ_INT(
	    sa_lookup_find_child(&snap, SA("192.0.2.1"), conn, sizeof(conn), child, sizeof(child)),
	    -ENOENT);
	/* names cut to the caller's buffers, still terminated */
	T_EQ_INT(sa_lookup_find_child(&snap, SA("198.51.100.3"), conn, 2, child, 3), 0);
	T_EQ_STR(conn, "a");
	T_EQ_STR(child, "c-");
}

static void empty_snapshot(void)
{
	const struct sa_snapshot none = {0};
	char conn[16], child[16];

	T_EQ_INT(sa_lookup_find_child(&none, SA("203.0.113.200"), conn, sizeof(conn), child,
	                              sizeof(child)),
	         -ENOENT);
	T_EQ_INT(sa_lookup_source_in_local_ts(&none, "a-b", "net", SA("203.0.113.1")), -ENOENT);
	T_ASSERT(!sa_lookup_has_child(&none, "a-b", "net"));
}

static void source_in_local_ts(void)
{
	T_EQ_INT(sa_lookup_source_in_local_ts(&snap, "a-b", "net", SA("203.0.113.1")), 1);
	T_EQ_INT(sa_lookup_source_in_local_ts(&snap, "a-b", "net", SA("203.0.113.129")), 0);
	T_EQ_INT(sa_lookup_source_in_local_ts(&snap, "a-b", "voice", SA("10.0.0.9")), 1);
	T_EQ_INT(sa_lookup_source_in_local_ts(&snap, "a-b", "nope", SA("203.0.113.1")), -ENOENT);
	T_EQ_INT(sa_lookup_source_in_local_ts(&snap, "a-c", "c-net", SA("203.0.113.1")), -ENOENT);
}

static void has_child(void)
{
	T_ASSERT(sa_lookup_has_child(&snap, "a-b", "net"));
	T_ASSERT(sa_lookup_has_child(&snap, "a-b", "voice"));  /* in any state */
	T_ASSERT(!sa_lookup_has_child(&snap, "a-c", "c-net")); /* configured, no SA */
	T_ASSERT(!sa_lookup_has_child(&snap, "a-b", "c-net"));
}

/* the newest CHILD SA of a pair: a rekey (old and new listed, or the new alone) is a new id */
static void child_newest(void)
{
	static struct snap_child old_new[] = {
	    {.name = "net", .uniqueid = 7, .state = "REKEYED"},
	    {.name = "net", .uniqueid = 9, .state = "INSTALLED"},
	    {.name = "voice", .uniqueid = 12, .state = "INSTALLED"},
	};
	static struct snap_ike two[] = {
	    {.conn = "a-b", .children = old_new, .n_children = 3},
	    {.conn = "a-c", .children = old_new, .n_children = 3},
	};
	struct sa_snapshot s = {.ikes = two, .n_ikes = 2};

	T_EQ_INT(sa_lookup_child_newest(&s, "a-b", "net"), 9);
	T_EQ_INT(sa_lookup_child_newest(&s, "a-b", "voice"), 12);
	T_EQ_INT(sa_lookup_child_newest(&s, "a-b", "nope"), 0);
	T_EQ_INT(sa_lookup_child_newest(&s, "x-y", "net"), 0);
	s.n_ikes = 0;
	T_EQ_INT(sa_lookup_child_newest(&s, "a-b", "net"), 0);
}

/* Which connections of the last snapshot to ask about again: those that lost every IKE SA,
 * each once, not those rekeyed meanwhile (a successor under the same connection) nor a
 * road-warrior connection that still has one of several SAs. */
static void missing_conns(void)
{
	static struct snap_ike prev_ikes[] = {
	    {.conn = "a-b", .uniqueid = 1}, {.conn = "a-c", .uniqueid = 2},
	    {.conn = "s1", .uniqueid = 3},  {.conn = "rw", .uniqueid = 4},
	    {.conn = "rw", .uniqueid = 5},  {.conn = "s1", .uniqueid = 7}, /* two SAs, one name */
	    {.conn = "s2", .uniqueid = 0},
	};
	static struct snap_ike cur_ikes[] = {
	    {.conn = "rw", .uniqueid = 5},
	    {.conn = "a-b", .uniqueid = 6}, /* a-b rekeyed: #1 replaced by #6 */
	};
	const struct sa_snapshot prev = {.ikes = prev_ikes, .n_ikes = 7};
	const struct sa_snapshot cur = {.ikes = cur_ikes, .n_ikes = 2};
	const char *names[4] = {0};

	T_EQ_INT(sa_lookup_missing_conns(&prev, &cur, names, 4), 3);
	T_EQ_STR(names[0], "a-c");
	T_EQ_STR(names[1], "s1");
	T_EQ_STR(names[2], "s2");
	T_ASSERT(names[3] == NULL);
	/* more than fit: counted, the first ones given */
	names[0] = names[1] = NULL;
	T_EQ_INT(sa_lookup_missing_conns(&prev, &cur, names, 1), 3);
	T_EQ_STR(names[0], "a-c");
	T_ASSERT(names[1] == NULL);
	/* nothing missing from itself, in any order */
	T_EQ_INT(sa_lookup_missing_conns(&prev, &prev, names, 4), 0);
	T_EQ_INT(sa_lookup_missing_conns(&cur, &prev, names, 4), 0);
}

TEST_MAIN("sa_lookup", TEST(missing_conns), TEST(find_child), TEST(empty_snapshot),
          TEST(source_in_local_ts), TEST(has_child), TEST(child_newest))
