// SPDX-License-Identifier: Apache-2.0
/*
 * The scrape (see collector.h). One persistent VICI connection, because charon's VICI socket
 * has a listen backlog of 3 and an exporter that connects per scrape gets refused under load.
 * Errors are logged on state changes only (up -> down, and the first different error), so a
 * charon that is down for a day writes one line, not one per scrape.
 */
#include "exporter/collector.h"

#include "build_config.h"
#include "common/clock.h"
#include "common/log.h"
#include "exporter/sa_metrics.h"
#include "exporter/ts_match.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct collector {
	pthread_mutex_t lock;
	struct collector_config cfg;
	struct vici_conn *vici;
	struct vici_msg msg; /* decode space, reused */
	struct sa_snapshot snap;
	struct sa_snapshot certs;
	struct sa_snapshot probe_snap; /* the probes' refreshes, kept apart from the scrape's */
	struct sa_counters *counters;
	uint64_t certs_at_ms; /* monotonic time of the last list-certs, 0 = never */
	char daemon[64], version[64];
	bool up, ready;
	void (*on_conn)(void *ctx, const char *conn);
	void *on_conn_ctx;
	int last_err;
	uint64_t scrapes, scrape_errors, reconnects, dropped;
	size_t last_len;
};

struct collector *collector_new(const struct collector_config *cfg)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->vici = vici_conn_new(cfg->vici_socket, cfg->vici_timeout_ms);
	c->counters = sa_counters_new();
	if (!c->vici || !c->counters) {
		collector_free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	sa_snapshot_init(&c->snap);
	sa_snapshot_init(&c->certs);
	sa_snapshot_init(&c->probe_snap);
	return c;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	vici_conn_free(c->vici);
	sa_counters_free(c->counters);
	vici_msg_done(&c->msg);
	sa_snapshot_done(&c->snap);
	sa_snapshot_done(&c->certs);
	sa_snapshot_done(&c->probe_snap);
	pthread_mutex_destroy(&c->lock);
	free(c);
}



struct sa_counters *collector_counters(struct collector *c)
{
	return c->counters;
}

static int on_list_conn(void *ctx, const struct vici_msg *m)
{
	return sa_snapshot_add_conn(ctx, m);
}

static int on_list_sa(void *ctx, const struct vici_msg *m)
{
	return sa_snapshot_add_ike(ctx, m);
}

static int on_list_cert(void *ctx, const struct vici_msg *m)
{
	return sa_snapshot_add_cert(ctx, m);
}

static void copy_value(const struct vici_msg *m, const char *key, char *out, size_t cap)
{
	const char *v;
	size_t len;

	if (vici_get_str(m, 0, key, &v, &len) < 0)
		len = 0;
	if (len >= cap)
		len = cap - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

/* Connect if needed; a new connection forgets what was cached from the old one. */
static int collector_connect(struct collector *c)
{
	int err;

	if (vici_conn_connected(c->vici))
		return 0;
	if ((err = vici_conn_connect(c->vici)) < 0)
		return err;
	c->reconnects++;
	c->daemon[0] = '\0';
	c->certs_at_ms = 0;
	return 0;
}

static int read_version(struct collector *c)
{
	int err;

	if (c->daemon[0])
		return 0;
	if ((err = vici_conn_simple(c->vici, "version", NULL, NULL, NULL, &c->msg)) < 0)
		return err;
	copy_value(&c->msg, "daemon", c->daemon, sizeof(c->daemon));
	copy_value(&c->msg, "version", c->version, sizeof(c->version));
	return 0;
}

bool collector_ready(struct collector *c)
{
	bool r;

	pthread_mutex_lock(&c->lock);
	/* not scraped yet: ask charon for its version, so that readiness does not wait for
	 * Prometheus to come by first */
	if (!c->ready && collector_connect(c) == 0 && read_version(c) == 0)
		c->ready = true;
	r = c->ready;
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* list-sas, optionally narrowed to one IKE config name; noblock so that a busy IKE SA does
 * not stall the scrape. */
static int list_sas(struct collector *c, struct sa_snapshot *into, const char *ike)
{
	struct vici_builder b;
	uint8_t *req;
	size_t len;
	int err;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "list-sas");
	vici_build_kv_str(&b, "noblock", "yes");
	if (ike)
		vici_build_kv_str(&b, "ike", ike);
	if ((err = vici_build_finish(&b, &req, &len)) < 0)
		return err;
	err = vici_conn_command(c->vici, req, len, "list-sa", on_list_sa, into, &c->msg);
	free(req);
	return err;
}

/* The VICI part of a scrape, under the lock. */
static int collect(struct collector *c)
{
	uint64_t now_ms = clock_mono_ms();
	int err;

	bool was_connected = vici_conn_connected(c->vici);

	sa_snapshot_reset(&c->snap);
	c->snap.now = clock_real_s();
	if ((err = collector_connect(c)) < 0 || (err = read_version(c)) < 0)
		return err;
	err = vici_conn_simple(c->vici, "list-conns", "list-conn", on_list_conn, &c->snap, &c->msg);
	if (was_connected && vici_conn_is_stale_error(err)) {
		/* the connection kept since the last scrape died with its charon (restart):
		 * that is not an outage, so try once more on a fresh one */
		sa_snapshot_reset(&c->snap);
		if ((err = collector_connect(c)) < 0 || (err = read_version(c)) < 0)
			return err;
		err = vici_conn_simple(c->vici, "list-conns", "list-conn", on_list_conn, &c->snap,
				       &c->msg);
	}
	if (err < 0)
		return err;
	for (uint32_t i = 0; c->on_conn && i < c->snap.n_conns; i++)
		c->on_conn(c->on_conn_ctx, c->snap.conns[i].name);
	if ((err = list_sas(c, &c->snap, NULL)) < 0)
		return err;
	if (!c->certs_at_ms || now_ms - c->certs_at_ms >= (uint64_t)c->cfg.cert_interval_s * 1000) {
		sa_snapshot_reset(&c->certs);
		if ((err = vici_conn_simple(c->vici, "list-certs", "list-cert", on_list_cert,
					    &c->certs, &c->msg)) < 0)
			return err;
		c->certs_at_ms = now_ms ? now_ms : 1;
	}
	return sa_counters_update(c->counters, &c->snap);
}

static void note_result(struct collector *c, int err)
{
	if (err == 0) {
		if (!c->up)
			log_info("vici: connected to %s (%s %s)", vici_conn_path(c->vici), c->daemon,
				 c->version);
		c->up = c->ready = true;
		c->last_err = 0;
		return;
	}
	c->scrape_errors++;
	if (c->up || c->last_err != err)
		log_warn("vici: %s: %s; reporting ipsec_up 0 and retrying at the next scrape",
			 vici_conn_path(c->vici),
			 vici_conn_last_error(c->vici)[0] ? vici_conn_last_error(c->vici)
							  : strerror(-err));
	c->up = false;
	c->last_err = err;
	/* whatever was half-read is unusable: start from a fresh connection next time */
	vici_conn_close(c->vici);
}

static void write_self(struct prom_writer *w, struct collector *c)
{
	struct prom_label bl[2] = {PROM_LABEL("version", IKEWATCH_VERSION),
				   PROM_LABEL("revision", IKEWATCH_REVISION)};

	prom_family(w, "ipsec_up", PROM_GAUGE,
		    "1 when the IPsec daemon answered this scrape over VICI, else 0.");
	prom_sample_u64(w, NULL, 0, c->up);
	prom_family(w, "ikewatch_build_info", PROM_GAUGE,
		    "Always 1: the version and git revision of this ikewatch.");
	prom_sample_u64(w, bl, 2, 1);
	if (c->up) {
		struct prom_label dl[2] = {PROM_LABEL("implementation", "strongswan"),
					   PROM_LABEL("version", c->version)};

		prom_family(w, "ipsec_daemon_info", PROM_GAUGE,
			    "Always 1: the IPsec daemon's implementation and version.");
		prom_sample_u64(w, dl, 2, 1);
	}
	prom_family(w, "ikewatch_scrapes_total", PROM_COUNTER, "Scrapes served.");
	prom_sample_u64(w, NULL, 0, c->scrapes);
	prom_family(w, "ikewatch_scrape_errors_total", PROM_COUNTER,
		    "Scrapes in which the daemon could not be read (see the log for why).");
	prom_sample_u64(w, NULL, 0, c->scrape_errors);
	prom_family(w, "ikewatch_vici_connects_total", PROM_COUNTER,
		    "VICI connections opened (1 plus reconnects).");
	prom_sample_u64(w, NULL, 0, c->reconnects);
	prom_family(w, "ikewatch_series_dropped_total", PROM_COUNTER,
		    "Series not exported because a label-cardinality limit was reached.");
	prom_sample_u64(w, NULL, 0, c->dropped);
}

void collector_on_conn(struct collector *c, void (*fn)(void *ctx, const char *conn), void *ctx)
{
	pthread_mutex_lock(&c->lock);
	c->on_conn = fn;
	c->on_conn_ctx = ctx;
	pthread_mutex_unlock(&c->lock);
}

int collector_scrape(struct collector *c, struct prom_writer *w)
{
	uint64_t t0 = clock_mono_ns(), dropped = 0;
	struct sa_view view;
	int err;

	pthread_mutex_lock(&c->lock);
	c->scrapes++;
	err = collect(c);
	note_result(c, err);
	memset(&view, 0, sizeof(view));
	if (c->up) {
		err = sa_view_build(&c->snap, &view);
		if (err < 0)
			goto out;
	}
	/* the exposition of the last scrape says how much this one needs: one allocation */
	if (c->last_len)
		buf_reserve(w->out, c->last_len + c->last_len / 8);
	if (c->up) {
		struct sa_metrics_opts opts = {.redact_ids = c->cfg.redact_ids};

		err = sa_metrics_write(w, &c->snap, &view, c->counters, &opts, &dropped);
		if (err < 0)
			goto out;
		sa_metrics_write_certs(w, &c->certs);
		c->dropped += dropped;
	}
	write_self(w, c);
	prom_family(w, "ikewatch_scrape_duration_seconds", PROM_GAUGE,
		    "Time this scrape took to read the daemon and render the metrics.");
	prom_sample(w, NULL, 0, (double)(clock_mono_ns() - t0) / 1e9);
	err = 0;
	c->last_len = w->out->len;
out:
	sa_view_done(&view);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int collector_child_packets(struct collector *c, const char *conn, const char *child,
			    uint64_t *ret_out, uint64_t *ret_in)
{
	struct sa_totals t;
	bool found = false;
	int err;

	pthread_mutex_lock(&c->lock);
	/* a full list-sas, not one narrowed to @conn: the counter store must see every SA of
	 * every pair, or it would take the missing ones for ended */
	sa_snapshot_reset(&c->probe_snap);
	c->probe_snap.now = clock_real_s();
	err = collector_connect(c);
	if (err == 0)
		err = list_sas(c, &c->probe_snap, NULL);
	if (err == 0)
		err = sa_counters_update(c->counters, &c->probe_snap);
	if (err < 0) {
		note_result(c, err);
		pthread_mutex_unlock(&c->lock);
		return err;
	}
	for (uint32_t i = 0; i < c->probe_snap.n_ikes && !found; i++)
		for (uint32_t j = 0; j < c->probe_snap.ikes[i].n_children && !found; j++)
			found = strcmp(c->probe_snap.ikes[i].conn, conn) == 0 &&
				strcmp(c->probe_snap.ikes[i].children[j].name, child) == 0;
	pthread_mutex_unlock(&c->lock);
	sa_counters_get(c->counters, conn, child, &t);
	if (!found && t.packets_out == 0 && t.packets_in == 0)
		return -ENOENT;
	*ret_out = t.packets_out;
	*ret_in = t.packets_in;
	return 0;
}

int collector_find_child(struct collector *c, const struct sockaddr *target, char *ret_conn,
			 size_t conn_len, char *ret_child, size_t child_len)
{
	int err = -ENOENT;

	pthread_mutex_lock(&c->lock);
	/* nothing scraped yet (or charon was down): look now rather than wait for Prometheus */
	if (c->snap.n_conns == 0 && c->snap.n_ikes == 0)
		note_result(c, collect(c));
	for (uint32_t i = 0; i < c->snap.n_ikes && err; i++) {
		const struct snap_ike *ike = &c->snap.ikes[i];

		for (uint32_t j = 0; j < ike->n_children && err; j++) {
			if (!snap_child_state_up(ike->children[j].state) ||
			    !ts_list_contains(ike->children[j].remote_ts, target))
				continue;
			snprintf(ret_conn, conn_len, "%s", ike->conn);
			snprintf(ret_child, child_len, "%s", ike->children[j].name);
			err = 0;
		}
	}
	/* not up now: the configured remote traffic selectors still say which tunnel it is */
	for (uint32_t i = 0; i < c->snap.n_conns && err; i++) {
		const struct snap_conn *sc = &c->snap.conns[i];

		for (uint32_t j = 0; j < sc->n_children && err; j++) {
			if (!ts_list_contains(sc->children_remote_ts[j], target))
				continue;
			snprintf(ret_conn, conn_len, "%s", sc->name);
			snprintf(ret_child, child_len, "%s", sc->children[j]);
			err = 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

int collector_source_in_local_ts(struct collector *c, const char *conn, const char *child,
				 const struct sockaddr *source)
{
	int r = -ENOENT;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < c->snap.n_ikes && r < 0; i++) {
		const struct snap_ike *ike = &c->snap.ikes[i];

		if (strcmp(ike->conn, conn) != 0)
			continue;
		for (uint32_t j = 0; j < ike->n_children && r < 0; j++)
			if (strcmp(ike->children[j].name, child) == 0 && ike->children[j].local_ts[0])
				r = ts_list_contains(ike->children[j].local_ts, source) ? 1 : 0;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int collector_with_view(struct collector *c, collector_view_fn fn, void *ctx)
{
	struct sa_view v = {0};
	int err;

	pthread_mutex_lock(&c->lock);
	err = collect(c);
	if (err < 0) {
		const char *why = vici_conn_last_error(c->vici)[0] ? vici_conn_last_error(c->vici)
								  : strerror(-err);
		char msg[200];

		snprintf(msg, sizeof(msg), "%s", why);
		vici_conn_close(c->vici);
		fn(ctx, &c->snap, &v, false, msg);
	} else if ((err = sa_view_build(&c->snap, &v)) == 0) {
		fn(ctx, &c->snap, &v, true, NULL);
		sa_view_done(&v);
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

static void html_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '"':
			buf_puts(out, "&quot;");
			break;
		default:
			buf_putc(out, *s);
		}
	}
}

void collector_status_html(struct collector *c, struct buf *out)
{
	struct sa_view v;

	pthread_mutex_lock(&c->lock);
	buf_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ikewatch</title>"
		      "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;"
		      "text-align:left}.up{color:#080}.down{color:#b00}</style></head><body>\n"
		      "<h1>ikewatch</h1>\n<p>IKEv2/IPsec tunnel monitoring. <a href=\"/metrics\">"
		      "Metrics</a> &middot; <a href=\"/-/healthy\">health</a> &middot; "
		      "<a href=\"/-/ready\">readiness</a></p>\n");
	buf_printf(out, "<p>Daemon: %s over <code>", c->up ? "<span class=up>answering</span>"
							     : "<span class=down>not answering</span>");
	html_escape(out, vici_conn_path(c->vici));
	buf_puts(out, "</code> ");
	html_escape(out, c->daemon);
	buf_putc(out, ' ');
	html_escape(out, c->version);
	buf_puts(out, "</p>\n");
	if (c->up && sa_view_build(&c->snap, &v) == 0) {
		buf_puts(out, "<table><tr><th>Connection</th><th>IKE SA</th><th>Child</th>"
			      "<th>CHILD SA</th><th>Remote</th></tr>\n");
		for (uint32_t i = 0; i < v.n_conns; i++) {
			const struct sa_view_conn *vc = &v.conns[i];

			for (uint32_t j = 0; j < (vc->n_children ? vc->n_children : 1); j++) {
				const struct sa_view_child *ch =
					vc->n_children ? &vc->children[j] : NULL;

				buf_puts(out, "<tr><td>");
				html_escape(out, vc->name);
				buf_printf(out, "</td><td class=%s>", vc->up ? "up" : "down");
				html_escape(out, vc->best ? vc->best->state : "down");
				buf_puts(out, "</td><td>");
				html_escape(out, ch ? ch->name : "");
				buf_printf(out, "</td><td class=%s>", ch && ch->up ? "up" : "down");
				html_escape(out, ch && ch->best ? ch->best->state : "down");
				buf_puts(out, "</td><td>");
				html_escape(out, vc->best && !c->cfg.redact_ids
							 ? vc->best->remote_host
							 : "");
				buf_puts(out, "</td></tr>\n");
			}
		}
		buf_puts(out, "</table>\n");
		sa_view_done(&v);
	}
	buf_puts(out, "</body></html>\n");
	pthread_mutex_unlock(&c->lock);
}
