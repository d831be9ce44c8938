/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One scrape's view of the daemon: the loaded connections (list-conns), the IKE and CHILD SAs
 * (list-sas), and the loaded certificates (list-certs), copied out of the VICI messages into
 * plain structs. Filling it is pure parsing (no I/O, no logging), so that unit tests and the
 * fuzzer feed recorded messages straight in; metrics and `ikewatch status` both render from it.
 *
 * All strings live in the snapshot's arena and are NUL-terminated, and SAs with the same value
 * in a field may share one copy (never write through them); absent values are "" (text) or
 * SNAP_NONE (times). Times are as VICI gives them: seconds relative to ->now. The collector's
 * connections are the exception: they live in a table shared by the snapshots that show them
 * (->conn_table, exporter/snap_conns.h), and are as read-only as the rest.
 */
#ifndef IKEWATCH_SA_SNAPSHOT_H
#define IKEWATCH_SA_SNAPSHOT_H

#include "common/arena.h"
#include "vici/vici_msg.h"

#include <stdbool.h>
#include <stdint.h>

#define SNAP_NONE INT64_MIN

/* A CHILD SA's traffic counters: what list-sas reports of a live SA, what child-updown and
 * child-rekey report of one that ended, and the monotonic totals of sa_counters.h. */
struct sa_totals {
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
};

struct snap_child {
	const char *name; /* CHILD config name ("net"), not the "net-7" section key */
	uint32_t uniqueid;
	uint32_t reqid;
	const char *state; /* INSTALLED, REKEYING, REKEYED, DELETED, ... */
	const char *mode, *protocol, *spi_in, *spi_out, *encr, *integ, *dh_group;
	const char *local_ts, *remote_ts; /* lists joined with "," */
	bool encap;
	struct sa_totals totals;
	int64_t use_in, use_out;       /* seconds since last packet, or SNAP_NONE */
	int64_t install_time;          /* seconds since installed */
	int64_t rekey_time, life_time; /* seconds until rekey / expiry (may be negative) */
};

/* The 32-bit and bool fields together at the end: 144 bytes, not 152 (two snapshots of
 * ten thousand are held while a read fills the second). */
struct snap_ike {
	const char *conn;
	const char *state; /* ESTABLISHED, CONNECTING, REKEYING, ... */
	const char *version, *local_host, *remote_host, *local_id, *remote_id;
	const char *encr, *integ, *prf, *dh_group;
	const char *nat; /* none, local, remote, both, fake */
	int64_t established, rekey_time, reauth_time;
	struct snap_child *children;
	uint32_t n_children;
	uint32_t uniqueid;
	bool initiator;
	bool tasks_pending; /* any queued, active or passive task (a rekey or DPD in flight) */
};

/* Whose retransmission schedule: charon waits timeout * base^i after the i-th send and gives up
 * after `tries` retransmits; pluto waits retransmit-interval twice, then doubles the wait
 * (while it stays below retransmit-timeout) and gives up once its waits add up to
 * retransmit-timeout, or after 12 retransmits (programs/pluto/retransmit.c). */
enum sa_retx_model { SA_RETX_CHARON, SA_RETX_PLUTO };

/* A daemon's retransmission settings (charon: strongswan.conf charon.retransmit_*; pluto:
 * ipsec.conf retransmit-interval and retransmit-timeout, as whack --status shows them). */
struct sa_retx_timing {
	double timeout;  /* charon: retransmit_timeout; pluto: retransmit-interval; s */
	double base;     /* retransmit_base; pluto: 2 */
	unsigned tries;  /* retransmit_tries; pluto: its cap of 12 per exchange */
	bool configured; /* read from the daemon's configuration; false: its defaults */
	enum sa_retx_model model;
	double limit; /* pluto: retransmit-timeout, s */
};
#define SA_RETX_TIMING_DEFAULT ((struct sa_retx_timing){4.0, 1.8, 5, false})
#define SA_RETX_TIMING_PLUTO ((struct sa_retx_timing){0.5, 2.0, 12, false, SA_RETX_PLUTO, 60.0})

struct snap_conn {
	const char *name;
	const char *version;
	const char *remote_addrs;        /* joined with "," */
	const char **children;           /* CHILD config names */
	const char **children_remote_ts; /* joined with ",", same index */
	int64_t *children_rekey_time;    /* configured CHILD rekey_time (s), same index */
	int64_t rekey_time;              /* configured IKE rekey_time (s); SNAP_NONE if absent */
	bool local_pubkey;               /* a local auth round uses a public key (certificate) */
	uint32_t n_children;
	/* the daemon's retransmission schedule for this connection where it reports one per
	 * connection (pluto's --status); retx.timeout 0: not reported (charon's is one setting
	 * for all, strongswan.conf) */
	struct sa_retx_timing retx;
};

struct snap_cert {
	const char *subject;
	const char *serial; /* hex */
	const char *type, *flag;
	bool has_privkey;
	int64_t not_before, not_after; /* seconds since the epoch, or SNAP_NONE */
};

/* The last copy kept of one text field (see sa_snapshot.c snap_keep()). */
struct snap_recent {
	const char *s; /* in ->arena; NULL: none yet */
	size_t len;
};
#define SNAP_RECENT_MAX 24

struct snap_conns; /* exporter/snap_conns.h */

struct sa_snapshot {
	struct arena arena;
	/* consecutive SAs mostly repeat a field's value (states, algorithms, versions, our own
	 * address): they share one copy instead of each taking its own */
	struct snap_recent recent[SNAP_RECENT_MAX];
	double now; /* wall clock at collection, seconds since the epoch */
	struct snap_conn *conns;
	uint32_t n_conns, cap_conns;
	/* set: ->conns are this table's, shared with other snapshots (snap_conns_end()), and the
	 * snapshot holds a reference that reset and done drop; NULL: ->conns are its own */
	struct snap_conns *conn_table;
	struct snap_ike *ikes;
	uint32_t n_ikes, cap_ikes;
	uint32_t ikes_hint; /* sa_snapshot_release(): the room to take at the first IKE SA */
	struct snap_cert *certs;
	uint32_t n_certs, cap_certs;
	uint64_t dropped; /* items beyond the EXPORT_* limits, not kept */
};

void sa_snapshot_init(struct sa_snapshot *s);
/* Empty for the next scrape, keeping allocations. */
void sa_snapshot_reset(struct sa_snapshot *s);
void sa_snapshot_done(struct sa_snapshot *s);
/* Empty, as sa_snapshot_reset(), but give back the memory of the IKE and CHILD SAs and of the
 * strings, remembering their sizes: the next fill takes about as much again at once. For a
 * snapshot that waits for the next scrape, so that its memory is not resident in between. */
void sa_snapshot_release(struct sa_snapshot *s);

/* Add what one streamed event carries. 0, -EBADMSG (not the expected shape) or -ENOMEM;
 * -EBUSY for a list-conn event into a snapshot whose connections are a shared table's. */
int sa_snapshot_add_conn(struct sa_snapshot *s, const struct vici_msg *list_conn_event);
/* Do two connections say the same (every field, strings by their text)? */
bool sa_snapshot_conn_equal(const struct snap_conn *a, const struct snap_conn *b);
/* Append a copy of @src, strings and all, to @s's own connections: 0, -ENOMEM, or 0 with
 * ->dropped counted past EXPORT_CONNS_MAX (-EBUSY as above). */
int sa_snapshot_copy_conn(struct sa_snapshot *s, const struct snap_conn *src);
int sa_snapshot_add_ike(struct sa_snapshot *s, const struct vici_msg *list_sa_event);
int sa_snapshot_add_cert(struct sa_snapshot *s, const struct vici_msg *list_cert_event);

/* Keep, of the IKE SAs from index @from on, only those of connection @conn whose unique id no
 * SA before @from has: the answer to a list-sas narrowed by connection name, from a charon that
 * might have ignored the narrowing, appended to a list that may already hold some of them. */
void sa_snapshot_keep_conn(struct sa_snapshot *s, uint32_t from, const char *conn);

/* Parse one IKE SA section (list-sas, or the same data in ike-updown / child-updown events)
 * into *ret; exposed for the event stream. */
int sa_snapshot_parse_ike(struct sa_snapshot *s, const struct vici_msg *m, uint32_t ike_sec,
                          struct snap_ike *ret);

/* Parse one CHILD SA section (of list-sas, child-updown, or the "old"/"new" halves of
 * child-rekey) into *ret: the one reader of CHILD SA keys. Without a "name" key, the config name
 * comes from the key of section @name_sec ("net-7" -> "net"), which is @sec itself except for
 * child-rekey, whose "old" section sits in one named after the CHILD SA. Strings live in @s's
 * arena. Never fails: absent keys read as "" or SNAP_NONE or 0. */
void sa_snapshot_parse_child(struct sa_snapshot *s, const struct vici_msg *m, uint32_t sec,
                             uint32_t name_sec, struct snap_child *ret);

/* "up" as operators mean it: established or installed, including while rekeying (a rekey is
 * not an outage). */
bool snap_ike_state_up(const char *state);
bool snap_child_state_up(const char *state);

#endif
