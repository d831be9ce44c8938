// SPDX-License-Identifier: Apache-2.0
/*
 * The daemon's own metrics, read over the scrape's VICI connection (see daemon_collect.h).
 */
#include "exporter/daemon_collect.h"

#include "common/limits.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { SRC_STATS = 1, SRC_COUNTERS = 2, SRC_POOLS = 4, SRC_TOO_MANY = 8 };

void daemon_collect_init(struct daemon_collect *d)
{
	memset(d, 0, sizeof(*d));
	ike_counters_init(&d->counters);
}

void daemon_collect_done(struct daemon_collect *d)
{
	ike_counters_done(&d->counters);
	addr_pools_done(&d->pools);
	memset(d, 0, sizeof(*d));
}

/* An error that fails the scrape: the connection is gone (vici_conn closes it after any
 * transport or framing error), or memory is. Anything else (CMD_UNKNOWN, success = no, an
 * answer whose content we cannot use) costs only that answer's families. */
static bool is_fatal(const struct vici_conn *v, int err)
{
	return err == -ENOMEM || !vici_conn_connected(v);
}

/* Log once per source why it is missing, and again only after it came back. */
static void note(struct daemon_collect *d, unsigned src, int err, const char *what)
{
	if (err == 0) {
		d->logged &= ~src;
		return;
	}
	if (d->logged & src)
		return;
	d->logged |= src;
	if (err == -ENOENT && src == SRC_COUNTERS)
		log_info("vici: get-counters: charon has no counters plugin loaded; IKE message "
		         "counters not exported");
	else if (err == -ENOSYS)
		log_info("vici: %s: unknown to this charon; its metrics are not exported", what);
	else
		log_warn("vici: %s: unexpected answer (%s); its metrics are not exported", what,
		         strerror(-err));
}

/* Send @cmd (with @key = yes) without waiting for its answer. */
static int send_command(struct vici_conn *v, const char *cmd, const char *key)
{
	struct vici_builder b;
	uint8_t *req;
	size_t len;
	int err;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, cmd);
	if (key)
		vici_build_kv_str(&b, key, "yes");
	if ((err = vici_build_finish(&b, &req, &len)) < 0)
		return err;
	err = vici_conn_send(v, req, len, NULL);
	free(req);
	return err;
}

int daemon_collect_send(struct daemon_collect *d, struct vici_conn *v, uint32_t n_conns)
{
	int err;

	d->asked_all = n_conns <= IKE_COUNTERS_CONNS_MAX;
	if (!d->asked_all) {
		if (!(d->logged & SRC_TOO_MANY))
			log_info("vici: %" PRIu32 " connections loaded, more than %d: IKE counters "
			         "exported daemon-wide only (a per-connection answer would pass "
			         "VICI's message size limit)",
			         n_conns, IKE_COUNTERS_CONNS_MAX);
		d->logged |= SRC_TOO_MANY;
	} else {
		d->logged &= ~SRC_TOO_MANY;
	}
	if ((err = send_command(v, "get-counters", NULL)) < 0 ||
	    (d->asked_all && (err = send_command(v, "get-counters", "all")) < 0) ||
	    (err = send_command(v, "get-pools", NULL)) < 0)
		return err;
	return 0;
}

static int read_counters(struct daemon_collect *d, struct vici_conn *v, struct vici_msg *msg)
{
	int err, err_all = 0;

	ike_counters_reset(&d->counters);
	err = vici_conn_recv(v, NULL, NULL, msg);
	if (err == 0)
		err = ike_counters_add(&d->counters, msg);
	if (err < 0 && is_fatal(v, err))
		return err;
	if (d->asked_all) {
		/* read even when the daemon-wide answer failed: it is on the wire */
		err_all = vici_conn_recv(v, NULL, NULL, msg);
		if (err_all == 0 && err == 0)
			err_all = ike_counters_add(&d->counters, msg);
		if (err_all < 0 && is_fatal(v, err_all))
			return err_all;
	}
	return err < 0 ? err : err_all;
}

int daemon_collect_send_stats(struct vici_conn *v)
{
	return send_command(v, "stats", NULL);
}

int daemon_collect_recv_stats(struct daemon_collect *d, struct vici_conn *v, struct vici_msg *msg,
                              double now)
{
	int err = vici_conn_recv(v, NULL, NULL, msg);

	d->have_stats = false;
	if (err == 0)
		err = daemon_stats_parse(msg, now, &d->stats);
	if (err < 0 && is_fatal(v, err))
		return err;
	d->have_stats = err == 0;
	note(d, SRC_STATS, err, "stats");
	return 0;
}

int daemon_collect_recv(struct daemon_collect *d, struct vici_conn *v, struct vici_msg *msg)
{
	int err;

	d->have_counters = d->have_pools = false;
	err = read_counters(d, v, msg);
	if (err < 0 && is_fatal(v, err))
		return err;
	d->have_counters = err == 0;
	note(d, SRC_COUNTERS, err, "get-counters");

	addr_pools_reset(&d->pools);
	err = vici_conn_recv(v, NULL, NULL, msg);
	if (err == 0)
		err = addr_pools_add(&d->pools, msg);
	if (err < 0 && is_fatal(v, err))
		return err;
	d->have_pools = err == 0;
	note(d, SRC_POOLS, err, "get-pools");
	return 0;
}

void daemon_collect_write(struct prom_writer *w, const struct daemon_collect *d)
{
	if (d->have_stats)
		daemon_stats_write(w, &d->stats);
	if (d->have_counters)
		ike_counters_write(w, &d->counters);
	if (d->have_pools)
		addr_pools_write(w, &d->pools);
}
