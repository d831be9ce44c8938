/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Libreswan's pluto, read through what `whack` prints: --status (version, loaded connections and
 * the states, which is what --showstates prints too), --trafficstatus (CHILD SA bytes) and
 * --globalstatus (daemon-wide counters). The text goes into the same sa_snapshot that charon's
 * VICI answers fill, so that every tunnel metric, `ikewatch status` and the textfile render the
 * same way for both daemons.
 *
 * Pure parsing: no I/O, no logging. Lines may carry the numeric prefix of Libreswan 4.x ("000 ")
 * or not (5.x); state names may carry "STATE_V2_"/"STATE_" (4.x) or not (5.x). Anything that does
 * not have the expected shape is skipped, never guessed at. Vocabulary is mapped to charon's where
 * the meaning is the same: an established IKE SA is "ESTABLISHED", a half-open one "CONNECTING",
 * an established CHILD SA "INSTALLED"; pluto's other states keep their own names.
 */
#ifndef IKEWATCH_LSW_PARSE_H
#define IKEWATCH_LSW_PARSE_H

#include "exporter/sa_foresee.h"
#include "exporter/sa_snapshot.h"
#include "swanctl/swanctl_conf.h"

#include <stddef.h>
#include <stdint.h>

/* What --status says about pluto itself. */
struct lsw_info {
	char version[32]; /* "4.10", "" unknown */
	/* where pluto read its configuration ("config setup options": configfile=, ipsecdir=,
	 * the directory of ipsec.d/), "" unknown; paths longer than the field are dropped */
	char configfile[256], ipsecdir[256];
};

/* Lines of --status: connections into s->conns (with their retransmission schedule in
 * snap_conn.retx, as lsw_parse_retx() reads it), IKE states into s->ikes, CHILD states under
 * their IKE SA. 0, or -ENOMEM. Times are relative to s->now (which the caller sets). */
int lsw_parse_status(struct sa_snapshot *s, const char *text, size_t len, struct lsw_info *info);

/* Lines of --trafficstatus: byte counters and install times of the CHILD SAs already in @s (by
 * state number). Lines naming an unknown CHILD SA are skipped. Never fails. */
void lsw_parse_traffic(struct sa_snapshot *s, const char *text, size_t len);

/* The retransmission settings of connection @conn in --status ("retransmit-interval: 500ms;
 * retransmit-timeout: 60s;"), into *ret (SA_RETX_TIMING_PLUTO first: pluto's defaults, which
 * stay for what is absent or malformed; ret->configured when both were read). 0, or -ENOENT
 * when @conn has no such line. */
int lsw_parse_retx(const char *text, size_t len, const char *conn, struct sa_retx_timing *ret);

/* The configured algorithm lists of every connection of --status (ike=, esp=, ah= as pluto
 * shows them: "IKE algorithms: ...") into *ret (owned: swanctl_conf_done()), in charon's
 * notation (lsw_proposals.h), so that doctor compares them as it compares a swanctl.conf: one
 * connection per pluto connection with its IKE list, and one CHILD config of the same name with
 * its ESP (AH) list; a list that is absent or that cannot be read stays NULL (unknown). 0 or
 * -ENOMEM. */
int lsw_parse_proposals(const char *text, size_t len, struct swanctl_conf *ret);

/* --globalstatus: "name=value" lines. */
struct lsw_counter {
	const char *name; /* in the arena of the owning struct lsw_global */
	uint64_t value;
};

struct lsw_global {
	struct arena arena;
	struct lsw_counter *counters;
	uint32_t n, cap;
};

void lsw_global_init(struct lsw_global *g);
void lsw_global_reset(struct lsw_global *g);
void lsw_global_done(struct lsw_global *g);
/* 0 or -ENOMEM. Lines without a decimal value, and beyond LSW_GLOBAL_MAX, are skipped. */
int lsw_parse_global(struct lsw_global *g, const char *text, size_t len);
/* The value of @name, or -ENOENT. */
int lsw_global_get(const struct lsw_global *g, const char *name, uint64_t *ret);

#define LSW_GLOBAL_MAX 4096

#endif
