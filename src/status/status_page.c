// SPDX-License-Identifier: Apache-2.0
/*
 * The status page (see status_page.h). Each connection, CHILD SA and probe is a box of
 * "name value" pairs that wrap as the screen narrows, rather than a wide table that a phone
 * would have to scroll sideways. Classes and data-* attributes name what each element is, for
 * the eye (CSS) and for tests that read the rendered DOM.
 */
#include "status/status_page.h"

#include "build_config.h"
#include "common/clock.h"
#include "status/html.h"
#include "status/status_fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>ikewatch</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:64em;padding:.8em;"
    "line-height:1.4;color:#222}\n"
    "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .3em}"
    "h3{font-size:1em;margin:0}\n"
    "section,li.child{border:1px solid #ccc;border-radius:6px;padding:.4em .7em;margin:.5em 0}"
    "\nul{list-style:none;padding:0;margin:.3em 0}\n"
    "dl{display:flex;flex-wrap:wrap;gap:.1em 1.2em;margin:.3em 0}"
    "dl div{display:flex;gap:.35em}dt{color:#666}dd{margin:0}\n"
    ".name,code{overflow-wrap:anywhere}.up{color:#070}.down{color:#b00}.warn{color:#a60}\n"
    ".stale .state{color:#777}\n"
    ".meta{color:#555;font-size:.9em}table{border-collapse:collapse;margin-bottom:.8em}"
    "td,th{padding:.15em .6em .15em 0;text-align:left;vertical-align:top}\n"
    "</style>\n";

/* "2026-12-06 01:48:04 UTC" */
static const char *fmt_time(char *out, size_t cap, double t)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&s, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, cap, "never");
	return out;
}

/* One "name value" pair; @value is escaped. */
static void kv(struct buf *out, const char *cls, const char *name, const char *value)
{
	buf_printf(out, "<div class=\"%s\"><dt>%s</dt><dd>", cls, name);
	html_escape(out, value);
	buf_puts(out, "</dd></div>");
}

static void state_span(struct buf *out, bool up, const char *state)
{
	buf_printf(out, "<span class=\"state %s\">", up ? "up" : "down");
	html_escape(out, state);
	buf_puts(out, "</span>");
}

static void render_header(struct buf *out, const struct status_page_data *d)
{
	const struct collector_last *l = d->daemon;
	char a[48], b[32];

	buf_puts(out,
	         "<header><h1>ikewatch</h1>\n<p class=\"meta\">ikewatch <span id=\"version\">");
	html_escape(out, d->version);
	buf_puts(out, "</span> (");
	html_escape(out, d->revision);
	buf_puts(out, ") &middot; page of ");
	html_escape(out, fmt_time(a, sizeof(a), d->now));
	buf_printf(out, " &middot; reloads every %d s</p>\n", STATUS_PAGE_REFRESH_S);
	if (l->up) {
		buf_puts(out, "<p id=\"daemon\" class=\"up\">charon answering over <code>");
		html_escape(out, l->vici_path);
		buf_puts(out, "</code> (");
		html_escape(out, l->daemon);
		buf_putc(out, ' ');
		html_escape(out, l->version);
		buf_puts(out, ")</p>\n");
	} else {
		buf_puts(out, "<p id=\"daemon\" class=\"down\">charon ");
		buf_puts(out, l->checked_at > 0 ? "not answering over <code>"
		                                : "not asked yet at <code>");
		html_escape(out, l->vici_path);
		buf_puts(out, "</code>");
		if (l->error[0]) {
			buf_puts(out, ": <span id=\"daemon-error\">");
			html_escape(out, l->error);
			buf_puts(out, "</span>");
		}
		buf_puts(out,
		         l->snap ? "; what follows is the last snapshot it gave</p>\n" : "</p>\n");
	}
	if (l->snap) {
		buf_puts(out, "<p class=\"meta\">snapshot of <time id=\"snapshot-time\">");
		html_escape(out, fmt_time(a, sizeof(a), l->snap->now));
		buf_puts(out, "</time> (");
		html_escape(out, status_fmt_age(b, sizeof(b), (int64_t)(d->now - l->snap->now)));
		buf_puts(out, " ago)</p>\n");
	}
	buf_puts(out,
	         "<nav class=\"meta\"><a href=\"/metrics\">metrics</a> &middot; "
	         "<a href=\"/-/healthy\">health</a> &middot; <a href=\"/-/ready\">readiness</a>"
	         "</nav></header>\n");
}

/* The head of a connection's or CHILD SA's box, up to its list of values: @open ends in an
 * attribute's opening quote, for the name. */
static void box_head(struct buf *out, const char *open, const char *name, bool up,
                     const char *state, bool configured)
{
	buf_puts(out, open);
	html_escape(out, name);
	buf_puts(out, "\"><h3><span class=\"name\">");
	html_escape(out, name);
	buf_puts(out, "</span> ");
	state_span(out, up, state);
	if (!configured)
		buf_puts(out, " <span class=\"warn\">(not loaded)</span>");
	buf_puts(out, "</h3><dl>");
}

static void render_child(struct buf *out, const struct sa_view_child *ch)
{
	const struct snap_child *sc = ch->best;
	char a[32];

	box_head(out, "<li class=\"child\" data-child=\"", ch->name, ch->up,
	         sc ? sc->state : "DOWN", ch->configured);
	kv(out, "age", "age", status_fmt_age(a, sizeof(a), sc ? sc->install_time : SNAP_NONE));
	kv(out, "rekey", "rekey in", status_fmt_age(a, sizeof(a), sc ? sc->rekey_time : SNAP_NONE));
	kv(out, "bytes-in", "in", status_fmt_bytes(a, sizeof(a), sc ? sc->totals.bytes_in : 0));
	kv(out, "bytes-out", "out", status_fmt_bytes(a, sizeof(a), sc ? sc->totals.bytes_out : 0));
	if (ch->use_in == SNAP_NONE) {
		kv(out, "last-in", "last in", "never");
	} else {
		char ago[48];

		snprintf(ago, sizeof(ago), "%s ago", status_fmt_age(a, sizeof(a), ch->use_in));
		kv(out, "last-in", "last in", ago);
	}
	if (ch->n_sas > 1) {
		snprintf(a, sizeof(a), "%" PRIu32, ch->n_sas);
		kv(out, "sas", "SAs", a);
	}
	buf_puts(out, "</dl></li>\n");
}

static void render_conns(struct buf *out, const struct collector_last *l)
{
	char a[32];

	if (!l->snap) {
		buf_puts(out, "<h2>Tunnels</h2>\n<p>(no snapshot yet)</p>\n");
		return;
	}
	/* states that charon no longer vouches for are greyed, not shown green */
	buf_puts(out, l->up ? "<div id=\"tunnels\">\n<h2>Tunnels</h2>\n"
	                    : "<div id=\"tunnels\" class=\"stale\">\n<h2>Tunnels <span "
	                      "class=\"warn\">(last known: charon is not answering)</span></h2>\n");
	if (l->view->n_conns == 0)
		buf_puts(out, "<p>(no connections loaded)</p>\n");
	for (uint32_t i = 0; i < l->view->n_conns; i++) {
		const struct sa_view_conn *vc = &l->view->conns[i];
		const struct snap_ike *ike = vc->best;

		box_head(out, "<section class=\"conn\" data-conn=\"", vc->name, vc->up,
		         ike ? ike->state : "DOWN", vc->configured);
		kv(out, "age", "age",
		   status_fmt_age(a, sizeof(a), ike ? ike->established : SNAP_NONE));
		kv(out, "rekey", "rekey in",
		   status_fmt_age(a, sizeof(a), ike ? ike->rekey_time : SNAP_NONE));
		kv(out, "remote", "remote", ike && !l->redact_ids ? ike->remote_host : "-");
		if (vc->n_ikes > 1) {
			snprintf(a, sizeof(a), "%" PRIu32, vc->n_ikes);
			kv(out, "sas", "IKE SAs", a);
		}
		buf_puts(out, "</dl>\n<ul>\n");
		for (uint32_t j = 0; j < vc->n_children; j++)
			render_child(out, &vc->children[j]);
		buf_puts(out, "</ul></section>\n");
	}
	buf_puts(out, "</div>\n");
}

bool status_rtt_quantile(const uint64_t *cum, const double *bounds, size_t n_buckets,
                         uint64_t count, double q, double *ret)
{
	double rank = q * (double)count;

	if (count == 0 || n_buckets == 0)
		return false;
	for (size_t i = 0; i < n_buckets; i++) {
		uint64_t below = i ? cum[i - 1] : 0;
		double lo = i ? bounds[i - 1] : 0;

		if ((double)cum[i] < rank || cum[i] == below)
			continue;
		*ret = lo + (bounds[i] - lo) * ((rank - (double)below) / (double)(cum[i] - below));
		return true;
	}
	*ret = bounds[n_buckets - 1];
	return true;
}

static void render_probe(struct buf *out, const struct probe_summary *p)
{
	double p50, p99;
	char a[64];

	buf_puts(out, "<section class=\"probe\" data-target=\"");
	html_escape(out, p->target);
	buf_puts(out, "\"><h3><span class=\"name\">");
	html_escape(out, p->target);
	buf_puts(out, "</span> <span class=\"meta\">");
	html_escape(out, p->module);
	buf_puts(out, "</span></h3><dl>");
	buf_puts(out, "<div class=\"tunnel\"><dt>tunnel</dt><dd><span class=\"conn\">");
	html_escape(out, p->conn[0] ? p->conn : "unknown");
	buf_puts(out, "</span> / <span class=\"child\">");
	html_escape(out, p->child[0] ? p->child : "unknown");
	buf_puts(out, "</span></dd></div>");
	if (p->sent) {
		snprintf(a, sizeof(a), "%.1f %%", p->loss_ratio * 100);
		kv(out, "loss", "loss", a);
	} else {
		kv(out, "loss", "loss", "- (nothing sent)");
	}
	if (status_rtt_quantile(p->rtt_cum, probe_stats_rtt_bounds(), PROBE_RTT_BUCKETS,
	                        p->rtt_count, 0.5, &p50) &&
	    status_rtt_quantile(p->rtt_cum, probe_stats_rtt_bounds(), PROBE_RTT_BUCKETS,
	                        p->rtt_count, 0.99, &p99))
		snprintf(a, sizeof(a), "%.2f / %.2f ms", p50 * 1e3, p99 * 1e3);
	else
		snprintf(a, sizeof(a), "-");
	kv(out, "rtt", "RTT p50 / p99", a);
	if (p->blackhole)
		snprintf(a, sizeof(a), "black hole");
	else if (p->have_mtu)
		snprintf(a, sizeof(a), "%" PRIu32 " bytes", p->path_mtu);
	else
		snprintf(a, sizeof(a), "-");
	kv(out, "mtu", "path MTU", a);
	buf_printf(out, "<div class=\"in-tunnel\"><dt>in tunnel</dt><dd class=\"%s\">%s</dd></div>",
	           p->in_tunnel == 1 ? "up" : "down", p->in_tunnel == 1 ? "proven" : "not proven");
	snprintf(a, sizeof(a), "%" PRIu64 " / %" PRIu64, p->sent, p->received);
	kv(out, "sent", "sent / answered", a);
	buf_puts(out, "</dl></section>\n");
}

static void render_failures_row(struct buf *out, const struct event_conn_errors *e)
{
	char a[48];
	bool first = true;

	buf_puts(out, "<tr class=\"conn-errors\" data-conn=\"");
	html_escape(out, e->conn);
	buf_puts(out, "\"><td class=\"name\">");
	html_escape(out, e->conn);
	buf_puts(out, "</td><td class=\"last-error\">");
	if (e->has_error) {
		buf_printf(out, "notify %u (%s), ", (unsigned)e->last_error,
		           log_failure_name(log_failure_from_notify(e->last_error)));
		html_escape(out, fmt_time(a, sizeof(a), e->last_error_ts));
	} else {
		buf_puts(out, "-");
	}
	buf_puts(out, "</td><td class=\"failures\">");
	for (int k = 0; k < LOG_FAIL_COUNT; k++) {
		if (!e->failures[k])
			continue;
		buf_printf(out, "%s%s %" PRIu64, first ? "" : ", ", log_failure_name(k),
		           e->failures[k]);
		first = false;
	}
	buf_puts(out, first ? "-</td></tr>\n" : "</td></tr>\n");
}

static void render_errors(struct buf *out, const struct status_page_data *d)
{
	bool any = false;
	char a[48];

	buf_puts(out, "<h2>IKE errors and failures</h2>\n");
	for (size_t i = 0; i < d->n_errors; i++) {
		const struct event_conn_errors *e = &d->errors[i];
		bool failed = e->has_error;

		for (int k = 0; k < LOG_FAIL_COUNT; k++)
			failed = failed || e->failures[k];
		if (!failed)
			continue;
		if (!any)
			buf_puts(out,
			         "<table id=\"errors\"><tr><th>connection</th><th>last IKE error"
			         "</th><th>failures since start</th></tr>\n");
		any = true;
		render_failures_row(out, e);
	}
	buf_puts(out, any ? "</table>\n" : "<p>(none since ikewatch started)</p>\n");
	if (d->n_recent == 0)
		return;
	buf_puts(out, "<h3>Recent failures</h3>\n<ul id=\"recent\">\n");
	for (size_t i = 0; i < d->n_recent; i++) {
		const struct event_failure *f = &d->recent[i];

		buf_puts(out, "<li class=\"failure\">");
		html_escape(out, fmt_time(a, sizeof(a), f->at));
		buf_puts(out, " <span class=\"name\">");
		html_escape(out, f->conn);
		buf_printf(out, "</span> <span class=\"kind\">%s</span>",
		           log_failure_name(f->kind));
		if (f->notify)
			buf_printf(out, " (notify %u)", (unsigned)f->notify);
		buf_puts(out, "</li>\n");
	}
	buf_puts(out, "</ul>\n");
}

void status_page_render(struct buf *out, const struct status_page_data *d)
{
	buf_puts(out, page_head);
	/* a meta refresh rather than script: the page works with JavaScript off */
	buf_printf(out, "<meta http-equiv=\"refresh\" content=\"%d\">\n</head><body>\n",
	           STATUS_PAGE_REFRESH_S);
	render_header(out, d);
	buf_puts(out, "<main>\n");
	render_conns(out, d->daemon);
	if (d->n_probes) {
		buf_puts(out, "<h2>Probes</h2>\n");
		for (size_t i = 0; i < d->n_probes; i++)
			render_probe(out, &d->probes[i]);
	}
	render_errors(out, d);
	buf_puts(out, "</main></body></html>\n");
}

struct gather {
	struct buf *out;
	struct status_page_data d;
};

static void render_last(void *ctx, const struct collector_last *l)
{
	struct gather *g = ctx;

	g->d.daemon = l;
	status_page_render(g->out, &g->d);
}

void status_page_write(struct buf *out, struct collector *c, struct probe_set *probes,
                       struct event_counters *ec)
{
	struct gather g = {.out = out};
	struct probe_summary *ps = NULL;
	struct event_conn_errors *errs = NULL;
	struct event_failure recent[EVENT_RECENT_MAX];
	size_t n, got;

	/* probes and events first: the collector's callback runs under its lock */
	n = probe_set_summaries(probes, NULL, 0);
	if (n && (ps = calloc(n, sizeof(*ps)))) {
		got = probe_set_summaries(probes, ps, n);
		g.d.n_probes = got < n ? got : n;
	}
	/* connections may be added in between: what fits was written */
	n = event_counters_conn_errors(ec, NULL, 0);
	if (n && (errs = calloc(n, sizeof(*errs)))) {
		got = event_counters_conn_errors(ec, errs, n);
		g.d.n_errors = got < n ? got : n;
	}
	g.d.probes = ps;
	g.d.errors = errs;
	g.d.recent = recent;
	g.d.n_recent = event_counters_recent_failures(ec, recent, EVENT_RECENT_MAX);
	g.d.now = clock_real_s();
	g.d.version = IKEWATCH_VERSION;
	g.d.revision = IKEWATCH_REVISION;
	collector_with_last(c, render_last, &g);
	free(ps);
	free(errs);
}
