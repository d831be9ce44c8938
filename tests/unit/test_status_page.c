// SPDX-License-Identifier: Apache-2.0
/*
 * The status page (src/status/): the HTML escape fed hostile names, the page rendered from
 * hand-made data (what it must show with charon up and down, that every outside value is
 * escaped in text and in attributes, that it carries no script and refreshes itself), and the
 * RTT quantiles read from the probes' histogram.
 */
#include "test.h"

#include "status/html.h"
#include "status/status_fmt.h"
#include "status/status_page.h"

#include <stdlib.h>
#include <string.h>

static char *escaped(const char *s)
{
	struct buf b;

	buf_init(&b, 1u << 16);
	html_escape(&b, s);
	return b.len ? buf_steal(&b, NULL) : (buf_done(&b), strdup(""));
}

static void escape_vectors(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"", ""},
	    {"a-b", "a-b"},
	    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
	    {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
	    {"' onmouseover='x", "&#39; onmouseover=&#39;x"},
	    {"&amp;", "&amp;amp;"}, /* escaped again, never taken for a reference */
	    {"caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"}, /* UTF-8 kept */
	    {"a\x01"
	     "b\x7f"
	     "c\x1b[31m",
	     "a\xef\xbf\xbd"
	     "b\xef\xbf\xbd"
	     "c\xef\xbf\xbd[31m"},
	    {"tab\tnew\nline", "tab\tnew\nline"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *got = escaped(v[i].in);

		T_EQ_STR(got, v[i].out);
		free(got);
	}
}

static const char hostile_conn[] = "<script>alert('conn')</script>";
static const char hostile_child[] = "\"><img src=x onerror=alert(2)>";
static const char hostile_target[] = "<b>198.51.100.9</b>";
static const char hostile_error[] = "connect: <i>gone</i> & \"away\"";

static struct snap_child children[] = {
    {.name = hostile_child,
     .state = "INSTALLED",
     .install_time = 125,
     .rekey_time = 3000,
     .use_in = 3,
     .use_out = 3,
     .totals = {.bytes_in = 1536, .bytes_out = 672}},
};
static struct snap_ike ikes[] = {
    {.conn = hostile_conn,
     .state = "ESTABLISHED",
     .remote_host = "198.51.100.1",
     .established = 7300,
     .rekey_time = 10000,
     .children = children,
     .n_children = 1},
};
static const char *conf_children[] = {hostile_child}, *conf_ts[] = {"203.0.113.128/25"};
static struct snap_conn conns[] = {
    {.name = hostile_conn,
     .children = conf_children,
     .children_remote_ts = conf_ts,
     .n_children = 1},
    {.name = "a-c"}, /* loaded, never up */
};

static char *render(bool up, bool with_snap, struct sa_snapshot *s)
{
	struct probe_summary probe = {
	    .module = "stamp",
	    .sent = 100,
	    .received = 98,
	    .loss_ratio = 0.02,
	    .rtt_count = 10,
	    .have_mtu = true,
	    .path_mtu = 1438,
	    .in_tunnel = 1,
	};
	struct event_conn_errors errs[2] = {
	    {.has_error = true, .last_error = 24, .last_error_ts = 1700000000.0}, {{0}}};
	struct event_failure recent = {
	    .kind = LOG_FAIL_AUTH_FAILED, .notify = 24, .at = 1700000000.0};
	struct sa_view view = {0};
	struct collector_last l = {
	    .up = up,
	    .checked_at = 1700000100.0,
	    .error = up ? "" : hostile_error,
	    .daemon = "charon",
	    .version = "5.9.8",
	    .vici_path = "/run/<charon>.vici",
	};
	struct status_page_data d = {
	    .daemon = &l,
	    .probes = &probe,
	    .n_probes = 1,
	    .errors = errs,
	    .n_errors = 2,
	    .recent = &recent,
	    .n_recent = 1,
	    .now = 1700000105.0,
	    .version = "0.1.0",
	    .revision = "<rev>",
	};
	struct buf b;

	s->ikes = ikes;
	s->n_ikes = 1;
	s->conns = conns;
	s->n_conns = 2;
	s->now = 1700000100.0;
	if (sa_view_build(s, &view) < 0)
		return NULL;
	if (with_snap) {
		l.snap = s;
		l.view = &view;
	}
	snprintf(probe.target, sizeof(probe.target), "%s", hostile_target);
	snprintf(probe.conn, sizeof(probe.conn), "%s", hostile_conn);
	snprintf(probe.child, sizeof(probe.child), "%s", hostile_child);
	/* 5 answers under 50 us, 5 more under 100 us */
	for (size_t i = 0; i < PROBE_RTT_BUCKETS; i++)
		probe.rtt_cum[i] = i == 0 ? 5 : 10;
	snprintf(errs[0].conn, sizeof(errs[0].conn), "%s", hostile_conn);
	errs[0].failures[LOG_FAIL_AUTH_FAILED] = 3;
	snprintf(errs[1].conn, sizeof(errs[1].conn), "quiet");
	snprintf(recent.conn, sizeof(recent.conn), "%s", hostile_conn);
	buf_init(&b, 1u << 20);
	status_page_render(&b, &d);
	sa_view_done(&view);
	if (b.err) {
		buf_done(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* Nothing of the hostile values got through as markup, in text or attributes. */
static void no_markup_leaks(const char *page)
{
	T_NOT_CONTAINS(page, "<script");
	T_NOT_CONTAINS(page, "<img");
	T_NOT_CONTAINS(page, "<b>");
	T_NOT_CONTAINS(page, "<i>");
	T_NOT_CONTAINS(page, "<rev>");
	T_NOT_CONTAINS(page, "<charon>");
	T_NOT_CONTAINS(page, "=\"\">"); /* an attribute closed early by a quote in a name */
}

static void page_with_charon_up(void)
{
	struct sa_snapshot s = {0};
	char *p = render(true, true, &s);

	T_ASSERT(p);
	no_markup_leaks(p);
	/* self-refreshing, phone-sized, no script needed */
	T_CONTAINS(p, "<meta http-equiv=\"refresh\" content=\"10\">");
	T_CONTAINS(p, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	T_ASSERT(strstr(p, "http-equiv=\"refresh\"") < strstr(p, "</head>"));
	/* the connection and its CHILD SA, escaped, with what `ikewatch status` shows */
	T_CONTAINS(p, "data-conn=\"&lt;script&gt;alert(&#39;conn&#39;)&lt;/script&gt;\"");
	T_CONTAINS(p, "data-child=\"&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\"");
	T_CONTAINS(p, "<span class=\"state up\">ESTABLISHED</span>");
	T_CONTAINS(p, "<span class=\"state up\">INSTALLED</span>");
	T_CONTAINS(p, "<dt>age</dt><dd>2h01m</dd>"); /* IKE SA */
	T_CONTAINS(p, "<dt>rekey in</dt><dd>2h46m</dd>");
	T_CONTAINS(p, "<dt>age</dt><dd>2m05s</dd>"); /* CHILD SA */
	T_CONTAINS(p, "<dt>in</dt><dd>1.5 KiB</dd>");
	T_CONTAINS(p, "<dt>out</dt><dd>672 B</dd>");
	T_CONTAINS(p, "<dt>last in</dt><dd>3s ago</dd>");
	T_CONTAINS(p, "<dt>remote</dt><dd>198.51.100.1</dd>");
	T_CONTAINS(p, "data-conn=\"a-c\"><h3><span class=\"name\">a-c</span> "
	              "<span class=\"state down\">DOWN</span>");
	/* the probe */
	T_CONTAINS(p, "data-target=\"&lt;b&gt;198.51.100.9&lt;/b&gt;\"");
	T_CONTAINS(p, "<dt>loss</dt><dd>2.0 %</dd>");
	T_CONTAINS(p, "<dt>RTT p50 / p99</dt><dd>0.05 / 0.10 ms</dd>");
	T_CONTAINS(p, "<dt>path MTU</dt><dd>1438 bytes</dd>");
	T_CONTAINS(p, "<dt>in tunnel</dt><dd class=\"up\">proven</dd>");
	/* errors: only the connection that had some, and the recent list */
	T_CONTAINS(p, "notify 24 (auth_failed), 2023-11-14 22:13:20 UTC");
	T_CONTAINS(p, "auth_failed 3");
	T_NOT_CONTAINS(p, "data-conn=\"quiet\"");
	T_CONTAINS(p, "<span class=\"kind\">auth_failed</span> (notify 24)");
	/* version and the snapshot's time */
	T_CONTAINS(p, "<span id=\"version\">0.1.0</span> (&lt;rev&gt;)");
	T_CONTAINS(p, "<time id=\"snapshot-time\">2023-11-14 22:15:00 UTC</time> (5s ago)");
	T_CONTAINS(p, "<p id=\"daemon\" class=\"up\">charon answering");
	T_CONTAINS(p, "<div id=\"tunnels\">");
	free(p);
}

static void page_with_charon_down(void)
{
	struct sa_snapshot s = {0};
	char *p = render(false, true, &s);

	T_ASSERT(p);
	no_markup_leaks(p);
	T_CONTAINS(p, "<p id=\"daemon\" class=\"down\">charon not answering");
	T_CONTAINS(p, "connect: &lt;i&gt;gone&lt;/i&gt; &amp; &quot;away&quot;");
	T_CONTAINS(p, "the last snapshot it gave");
	/* the last snapshot is still shown, marked as such */
	T_CONTAINS(p, "<div id=\"tunnels\" class=\"stale\">");
	T_CONTAINS(p, "<span class=\"state up\">ESTABLISHED</span>");
	free(p);
	p = render(false, false, &s);
	T_ASSERT(p);
	no_markup_leaks(p);
	T_CONTAINS(p, "(no snapshot yet)");
	T_NOT_CONTAINS(p, "snapshot-time");
	free(p);
}

static void rtt_quantiles(void)
{
	static const double bounds[3] = {1.0, 2.0, 4.0};
	uint64_t cum[3] = {0, 10, 10};
	double q = -1;

	T_ASSERT(!status_rtt_quantile(cum, bounds, 3, 0, 0.5, &q));
	/* all ten in (1, 2]: the median halfway, as histogram_quantile() says */
	T_ASSERT(status_rtt_quantile(cum, bounds, 3, 10, 0.5, &q));
	T_ASSERT(q > 1.49 && q < 1.51);
	T_ASSERT(status_rtt_quantile(cum, bounds, 3, 10, 0.99, &q));
	T_ASSERT(q > 1.98 && q < 2.0);
	/* some beyond the last finite bound: the bound is what can be said */
	cum[0] = 1, cum[1] = 2, cum[2] = 3;
	T_ASSERT(status_rtt_quantile(cum, bounds, 3, 10, 0.99, &q));
	T_ASSERT(q == 4.0);
	T_ASSERT(status_rtt_quantile(cum, bounds, 3, 10, 0.1, &q));
	T_ASSERT(q == 1.0);
}

static void formats(void)
{
	char b[32];

	T_EQ_STR(status_fmt_age(b, sizeof(b), SNAP_NONE), "-");
	T_EQ_STR(status_fmt_age(b, sizeof(b), -5), "overdue 5s");
	T_EQ_STR(status_fmt_age(b, sizeof(b), 119), "119s");
	T_EQ_STR(status_fmt_age(b, sizeof(b), 125), "2m05s");
	T_EQ_STR(status_fmt_age(b, sizeof(b), 7300), "2h01m");
	T_EQ_STR(status_fmt_age(b, sizeof(b), 200000), "2d07h");
	T_EQ_STR(status_fmt_bytes(b, sizeof(b), 1023), "1023 B");
	T_EQ_STR(status_fmt_bytes(b, sizeof(b), 1536), "1.5 KiB");
}

TEST_MAIN("status_page", TEST(escape_vectors), TEST(page_with_charon_up),
          TEST(page_with_charon_down), TEST(rtt_quantiles), TEST(formats))
