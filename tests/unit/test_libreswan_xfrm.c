// SPDX-License-Identifier: Apache-2.0
/*
 * Libreswan's CHILD SAs completed from the kernel's SAs (src/exporter/xfrm_join.c, called by
 * src/libreswan/lsw_source.c): the SAIDs of whack --status in every form pluto prints, the
 * packets of the kernel SA with the same SPI, and counters that stay monotonic across a failed
 * dump, an SA missing from a dump and a rekey, and the last inbound and outbound use of the
 * kernel SA (XFRMA_LASTUSED), which whack does not show. whack's text is the recorded
 * Libreswan 4.10 output with the synthesized CHILD SA (tests/fixtures/libreswan/, the synth files);
 * the kernel's answers are built from the UAPI structs (xfrm_vec.c): this kernel has no ESP, so
 * pluto cannot install a CHILD SA here and no SA can be dumped for real.
 */
#include "test.h"

#include "common/file_read.h"
#include "events/event_counters.h"
#include "exporter/sa_foresee.h"
#include "exporter/sa_counters.h"
#include "exporter/sa_metrics.h"
#include "exporter/xfrm_join.h"
#include "exporter/xfrm_metrics.h"
#include "libreswan/lsw_parse.h"
#include "logs/log_classify.h"
#include "xfrm_vec.h"

#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define DIR "../fixtures/libreswan/"
#define NOW 1796536160.0

/* pluto's --status around one CHILD state #2 of "x" whose SAID line is @said_line. */
static const struct snap_child *child_of(struct sa_snapshot *s, const char *said_line)
{
	char text[1024];

	snprintf(text, sizeof(text),
	         "#1: \"x\":500 ESTABLISHED_IKE_SA (established IKE SA); newest;\n"
	         "#2: \"x\":500 ESTABLISHED_CHILD_SA (established Child SA); IKE SA #1;\n"
	         "%s\n",
	         said_line);
	sa_snapshot_reset(s);
	if (lsw_parse_status(s, text, strlen(text), NULL) < 0 || s->n_ikes != 1 ||
	    s->ikes[0].n_children != 1)
		return NULL;
	return &s->ikes[0].children[0];
}

static void saids(void)
{
	static const struct {
		const char *line, *out, *in, *protocol;
		int64_t used;
	} v[] = {
	    /* 4.x IPv4, as the fixture */
	    {"000 #2: \"x\" esp.c8e1a1f3@198.51.100.1 esp.5d4c2b1a@192.0.2.1 tun.0@198.51.100.1 "
	     "tun.0@192.0.2.1 Traffic: ESPin=168B ESPout=252B ESPmax=2^63B ",
	     "c8e1a1f3", "5d4c2b1a", "ESP", SNAP_NONE},
	    /* IPv6: ':' separates protocol and SPI */
	    {"#2: \"x\" esp:c8e1a1f3@2001:db8::2 esp:5d4c2b1a@2001:db8::1 tun:0@2001:db8::2 "
	     "tun:0@2001:db8::1 Traffic: ESPin=0B",
	     "c8e1a1f3", "5d4c2b1a", "ESP", SNAP_NONE},
	    /* AH+ESP bundle: the ESP pair; AH alone: the AH pair */
	    {"#2: \"x\" ah.100@198.51.100.1 ah.200@192.0.2.1 esp.300@198.51.100.1 "
	     "esp.400@192.0.2.1 Traffic: AHin=0B",
	     "300", "400", "ESP", SNAP_NONE},
	    {"#2: \"x\" ah.100@198.51.100.1 ah.200@192.0.2.1 tun.0@198.51.100.1 Traffic: AHin=0B",
	     "100", "200", "AH", SNAP_NONE},
	    /* IPComp after ESP; an instance with its address; the last outbound use */
	    {"#2: \"x\"[3] 192.0.2.9 used 12s ago; esp.a1@192.0.2.9 esp.b2@192.0.2.1 "
	     "comp.c3@192.0.2.9 comp.d4@192.0.2.1 Traffic: ESPin=1KB",
	     "a1", "b2", "ESP", 12},
	    /* malformed: nothing taken */
	    {"#2: \"x\" esp.c8e1a1f3@198.51.100.1 Traffic: ESPin=0B", "", "", "ESP", SNAP_NONE},
	    {"#2: \"x\" esp.@198.51.100.1 esp.@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    {"#2: \"x\" esp.xyz@198.51.100.1 esp.12g@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    {"#2: \"x\" esp.123456789@198.51.100.1 esp.1@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    {"#2: \"x\" ESP.1@198.51.100.1 ESP.2@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    {"#2: \"x\" esp1@198.51.100.1 .2@192.0.2.1 esp.3 esp-4@a", "", "", "ESP", SNAP_NONE},
	    {"#2: \"x\" Traffic: esp.1@198.51.100.1 esp.2@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    {"#2: \"esp.1@a esp.2@b\"", "", "", "ESP", SNAP_NONE},
	    {"#2 \"x\" esp.1@198.51.100.1 esp.2@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    {"#3: \"x\" esp.1@198.51.100.1 esp.2@192.0.2.1", "", "", "ESP", SNAP_NONE},
	    /* XAUTH's username (the peer's word) after the SAIDs is not "used" */
	    {"#2: \"x\" esp.1@198.51.100.1 esp.2@192.0.2.1 Traffic: ESPin=0B username= used 5s",
	     "1", "2", "ESP", SNAP_NONE},
	    {"#2: \"x\" used 99999999999999999999s ago; esp.1@a esp.2@b", "1", "2", "ESP",
	     SNAP_NONE},
	};
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct snap_child *c = child_of(&s, v[i].line);

		T_ASSERT(c);
		if (!c)
			continue;
		T_EQ_STR(c->spi_out, v[i].out);
		T_EQ_STR(c->spi_in, v[i].in);
		T_EQ_STR(c->protocol, v[i].protocol);
		T_EQ_INT(c->use_out, v[i].used);
	}
	sa_snapshot_done(&s);
}

/* The synthesized 4.x recording (#2 with SPIs c8e1a1f3 out, 5d4c2b1a in), with @from..@to
 * replaced pairwise (a rekey: new state number and SPIs). */
static int read_pluto(struct sa_snapshot *s, const char *const *from, const char *const *to,
                      size_t n)
{
	const char *files[2] = {DIR "status-child-up.synth.txt",
	                        DIR "trafficstatus-child-up.synth.txt"};
	int err = 0;

	sa_snapshot_reset(s);
	s->now = NOW;
	for (int f = 0; f < 2 && err == 0; f++) {
		char *text = NULL, *p;
		size_t len;

		if ((err = file_read_all(files[f], 1u << 24, &text, &len)) < 0)
			break;
		for (size_t i = 0; i < n; i++)
			for (p = text; (p = strstr(p, from[i])); p += strlen(to[i]))
				memcpy(p, to[i], strlen(to[i])); /* same lengths */
		if (f == 0)
			err = lsw_parse_status(s, text, len, NULL);
		else
			lsw_parse_traffic(s, text, len);
		free(text);
	}
	return err == 0 && s->n_ikes == 1 && s->ikes[0].n_children == 1 ? 0 : -EBADMSG;
}

static void add(struct xfrm_table *t, uint8_t proto, uint32_t spi, uint32_t reqid, const char *dst,
                uint64_t bytes)
{
	struct nlbuf m;

	xfrm_vec_state_proto(&m, proto, spi, reqid, dst, bytes, 0, false);
	T_EQ_INT(xfrm_table_add(t, m.b, m.len), 0);
}

static char *render(struct xfrm_metrics *x, const struct xfrm_table *t, const struct sa_snapshot *s)
{
	struct prom_writer w;
	struct buf out;
	size_t len;

	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	if (xfrm_metrics_write(&w, x, t, s, NULL) < 0 || out.err) {
		buf_done(&out);
		return NULL;
	}
	return buf_steal(&out, &len);
}

/* The kernel's packets by SPI; whack's bytes stay; the kernel metrics join too. */
static void packets_from_kernel(void)
{
	struct sa_snapshot s;
	struct xfrm_table t = {0};
	struct xfrm_join j;
	struct xfrm_metrics x;
	const struct snap_child *c;
	uint32_t joined = 0;
	char *text;

	sa_snapshot_init(&s);
	xfrm_join_init(&j);
	xfrm_metrics_init(&x);
	T_EQ_INT(read_pluto(&s, NULL, NULL, 0), 0);
	c = &s.ikes[0].children[0];
	T_EQ_INT(c->totals.packets_in, 0);                           /* whack alone: bytes only */
	add(&t, IPPROTO_ESP, 0x5d4c2b1a, 16389, "192.0.2.1", 16800); /* in: 168 packets */
	add(&t, IPPROTO_ESP, 0xc8e1a1f3, 16389, "198.51.100.1", 25200); /* out: 252 */
	add(&t, IPPROTO_AH, 0x5d4c2b1a, 9, "192.0.2.1", 900);           /* same SPI, AH */
	add(&t, IPPROTO_ESP, 0x11111111, 7, "198.51.100.7", 700);       /* someone else's */
	T_EQ_INT(xfrm_join_children(&j, &t, &s, &joined), 0);
	T_EQ_INT(joined, 2);
	T_EQ_INT(c->totals.packets_in, 168);
	T_EQ_INT(c->totals.packets_out, 252);
	T_EQ_INT(c->totals.bytes_in, 168); /* --trafficstatus's, not the kernel's */
	T_EQ_INT(c->totals.bytes_out, 252);
	T_EQ_INT(c->reqid, 16389); /* whack does not show it */
	text = render(&x, &t, &s);
	T_ASSERT(text);
	T_CONTAINS(text, "ipsec_child_sa_kernel_packets_total{conn=\"a-b\",child=\"a-b\","
	                 "direction=\"in\"} 168\n");
	T_CONTAINS(text, "ipsec_child_sa_kernel_packets_total{conn=\"a-b\",child=\"a-b\","
	                 "direction=\"out\"} 252\n");
	T_CONTAINS(text, "ipsec_xfrm_orphan_states 2\n");
	free(text);

	/* an AH CHILD SA joins the AH SA of the same SPI, not the ESP one */
	s.ikes[0].children[0].protocol = "AH";
	s.ikes[0].children[0].totals.packets_in = 0;
	xfrm_join_done(&j);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, &joined), 0);
	T_EQ_INT(joined, 1);
	T_EQ_INT(c->totals.packets_in, 9);
	xfrm_table_done(&t);
	xfrm_metrics_done(&x);
	xfrm_join_done(&j);
	sa_snapshot_done(&s);
}

static void add_used(struct xfrm_table *t, uint32_t spi, const char *dst, uint64_t last_used)
{
	struct nlbuf m;

	xfrm_vec_state_proto(&m, IPPROTO_ESP, spi, 1, dst, 1000, 0, false);
	if (last_used)
		xfrm_vec_state_attr(&m, XFRMA_LASTUSED, &last_used, sizeof(last_used));
	T_EQ_INT(xfrm_table_add(t, m.b, m.len), 0);
}

/* The last uses as the tunnel metrics render them. */
static char *render_sa(const struct sa_snapshot *s)
{
	struct sa_counters *sc = sa_counters_new();
	struct sa_metrics_opts o = {0};
	struct sa_view v;
	struct prom_writer w;
	struct buf out;
	size_t len;
	uint64_t dropped;
	char *text = NULL;

	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	if (sc && sa_view_build(s, &v) == 0) {
		if (sa_counters_update(sc, s) == 0 &&
		    sa_metrics_write(&w, s, &v, sc, &o, &dropped) == 0 && !out.err)
			text = buf_steal(&out, &len);
		sa_view_done(&v);
	}
	buf_done(&out);
	sa_counters_free(sc);
	return text;
}

/* The kernel's last use of each SA is the CHILD SA's last inbound and outbound use: whack shows
 * none inbound, so the inbound one is the kernel's alone; of whack's "used Ns ago" and the
 * kernel's, the newer stands; a dump that fails or misses the SA keeps the last read's. */
static void last_use_from_kernel(void)
{
	struct sa_snapshot s;
	struct xfrm_table t = {0};
	struct xfrm_join j;
	const struct snap_child *c;
	int64_t now = (int64_t)NOW;
	char *text;

	sa_snapshot_init(&s);
	xfrm_join_init(&j);
	T_EQ_INT(read_pluto(&s, NULL, NULL, 0), 0);
	c = &s.ikes[0].children[0];
	T_ASSERT(c->use_in == SNAP_NONE && c->use_out == SNAP_NONE);
	/* SAs the kernel never used carry no XFRMA_LASTUSED: still nothing */
	add_used(&t, 0x5d4c2b1a, "192.0.2.1", 0);
	add_used(&t, 0xc8e1a1f3, "198.51.100.1", 0);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	T_ASSERT(c->use_in == SNAP_NONE && c->use_out == SNAP_NONE);
	text = render_sa(&s);
	T_ASSERT(text);
	T_NOT_CONTAINS(text, "ipsec_child_sa_last_in_timestamp_seconds{");
	free(text);

	xfrm_table_reset(&t);
	add_used(&t, 0x5d4c2b1a, "192.0.2.1", (uint64_t)now - 7);
	add_used(&t, 0xc8e1a1f3, "198.51.100.1", (uint64_t)now - 3);
	T_EQ_INT(read_pluto(&s, NULL, NULL, 0), 0);
	c = &s.ikes[0].children[0];
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	T_EQ_INT(c->use_in, 7);
	T_EQ_INT(c->use_out, 3);
	text = render_sa(&s);
	T_ASSERT(text);
	T_CONTAINS(text, "ipsec_child_sa_last_in_timestamp_seconds{conn=\"a-b\",child=\"a-b\"} "
	                 "1796536153\n");
	T_CONTAINS(text, "ipsec_child_sa_last_out_timestamp_seconds{conn=\"a-b\",child=\"a-b\"} "
	                 "1796536157\n");
	free(text);

	/* whack's "used 1s ago" is newer than the kernel's outbound use: it stands; the other way
	 * round the kernel's does */
	T_EQ_INT(read_pluto(&s, NULL, NULL, 0), 0);
	c = &s.ikes[0].children[0];
	s.ikes[0].children[0].use_out = 1;
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	T_EQ_INT(c->use_out, 1);
	s.ikes[0].children[0].use_out = 30;
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	T_EQ_INT(c->use_out, 1); /* nor does the last read's go back */

	/* the dump fails, then misses the SAs, a minute later: the last uses stand, older now */
	T_EQ_INT(read_pluto(&s, NULL, NULL, 0), 0);
	s.now = NOW + 60;
	c = &s.ikes[0].children[0];
	T_EQ_INT(xfrm_join_children(&j, NULL, &s, NULL), 0);
	T_EQ_INT(c->use_in, 67);
	T_EQ_INT(c->use_out, 61);
	xfrm_table_reset(&t);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	T_EQ_INT(c->use_in, 67);

	/* a kernel clock a moment ahead of ours: used now, never in the future */
	add_used(&t, 0x5d4c2b1a, "192.0.2.1", (uint64_t)now + 62);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	T_EQ_INT(c->use_in, 0);

	/* a rekeyed CHILD SA (other state and SPIs) does not inherit the old one's uses */
	{
		static const char *const from[] = {"#2:", "c8e1a1f3", "5d4c2b1a"};
		static const char *const to[] = {"#3:", "c8e1a1f4", "5d4c2b1b"};

		T_EQ_INT(read_pluto(&s, from, to, 3), 0);
		c = &s.ikes[0].children[0];
		T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
		T_ASSERT(c->use_in == SNAP_NONE && c->use_out == SNAP_NONE);
	}
	xfrm_table_done(&t);
	xfrm_join_done(&j);
	sa_snapshot_done(&s);
}

/* serve's source of unanswered requests, over the event counters (events/event_silence.c's,
 * which needs a running events service) */
static bool retx_lookup(void *ctx, const char *conn, struct sa_silence *ret)
{
	struct event_retx r;

	if (!event_counters_retx(ctx, conn, strlen(conn), &r))
		return false;
	*ret = (struct sa_silence){r.ike_id, r.first_sent, r.count, r.next_by};
	return true;
}

static char *render_foresee(const struct sa_snapshot *s, const struct sa_silence_source *src)
{
	struct sa_view v;
	struct prom_writer w;
	struct buf out;
	size_t len;
	char *text = NULL;

	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	if (sa_view_build(s, &v) == 0) {
		sa_metrics_write_foresee(&w, s, &v, NULL, src);
		if (!out.err)
			text = buf_steal(&out, &len);
		sa_view_done(&v);
	}
	buf_done(&out);
	return text;
}

/* peer_silent on a pluto gateway, from end to end: pluto retransmits a request of IKE SA #1
 * (its log lines through the classifier and the event counters, as serve feeds them) while the
 * kernel's inbound SA of its CHILD SA was used after the first send (XFRMA_LASTUSED): the IKE SA
 * is expected to fail when pluto gives up, by the connection's own schedule of --status (here
 * retransmit-timeout 6 s: 8 s after the first send); no forecast without that ESP, nor once the
 * retransmit pluto announced did not come (the peer answered). */
static void peer_silent_from_kernel(void)
{
	static const char *const from[] = {"retransmit-timeout: 60s;"};
	static const char *const to[] = {"retransmit-timeout:  6s;"};
	static const char *const lines[] = {
	    "\"a-b\" #1: STATE_V2_ESTABLISHED_IKE_SA: retransmission; will wait 0.5 seconds for "
	    "response",
	    "\"a-b\" #1: STATE_V2_ESTABLISHED_IKE_SA: retransmission; will wait 1 seconds for "
	    "response",
	    "\"a-b\" #1: STATE_V2_ESTABLISHED_IKE_SA: retransmission; will wait 2 seconds for "
	    "response",
	};
	const char *want = "ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{conn=\"a-b\","
	                   "reason=\"peer_silent\"} 1796536164\n";
	struct event_counters *ec = event_counters_new();
	struct sa_silence_source src = {retx_lookup, ec, SA_RETX_TIMING_DEFAULT};
	struct sa_snapshot s;
	struct xfrm_table t = {0};
	struct xfrm_join j;
	char *text;

	T_ASSERT(ec);
	sa_snapshot_init(&s);
	xfrm_join_init(&j);
	/* first sent at NOW - 4: retransmits at NOW - 3.5, - 3 and - 2 */
	for (size_t i = 0; i < 3; i++) {
		struct log_class c;
		static const double at[] = {NOW - 3.5, NOW - 3, NOW - 2};

		T_EQ_INT(log_classify_line(lines[i], strlen(lines[i]), &c), 0);
		event_counters_feed_log(ec, &c, true, at[i]);
	}
	/* ESP from the peer 1 s ago */
	add_used(&t, 0x5d4c2b1a, "192.0.2.1", (uint64_t)NOW - 1);
	add_used(&t, 0xc8e1a1f3, "198.51.100.1", (uint64_t)NOW - 1);
	T_EQ_INT(read_pluto(&s, from, to, 1), 0);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	text = render_foresee(&s, &src);
	T_ASSERT(text);
	T_CONTAINS(text, want);
	free(text);
	/* the connection's line at pluto's defaults: 64 s after the first send */
	T_EQ_INT(read_pluto(&s, NULL, NULL, 0), 0);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	text = render_foresee(&s, &src);
	T_ASSERT(text);
	T_CONTAINS(text, "reason=\"peer_silent\"} 1796536220\n");
	free(text);
	/* no ESP since the request left (the kernel's last use before it): no forecast */
	xfrm_join_done(&j);
	xfrm_table_reset(&t);
	add_used(&t, 0x5d4c2b1a, "192.0.2.1", (uint64_t)NOW - 9);
	T_EQ_INT(read_pluto(&s, from, to, 1), 0);
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	text = render_foresee(&s, &src);
	T_ASSERT(text);
	T_NOT_CONTAINS(text, "reason=\"peer_silent\"");
	free(text);
	/* ESP again, but past the retransmit announced at NOW - 2 for NOW (and the slack): the
	 * peer answered */
	xfrm_table_reset(&t);
	add_used(&t, 0x5d4c2b1a, "192.0.2.1", (uint64_t)NOW + 4);
	T_EQ_INT(read_pluto(&s, from, to, 1), 0);
	s.now = NOW + SA_SILENCE_SLACK_S + 1;
	T_EQ_INT(xfrm_join_children(&j, &t, &s, NULL), 0);
	text = render_foresee(&s, &src);
	T_ASSERT(text);
	T_NOT_CONTAINS(text, "reason=\"peer_silent\"");
	free(text);
	xfrm_table_done(&t);
	xfrm_join_done(&j);
	sa_snapshot_done(&s);
	event_counters_free(ec);
}

/* One read of pluto plus the kernel into the counter store, as lsw_read() and the collector
 * do; the pair's totals. */
static void scrape(struct sa_counters *sc, struct xfrm_join *j, struct sa_snapshot *s,
                   const struct xfrm_table *t, const char *const *from, const char *const *to,
                   size_t n, struct sa_totals *ret)
{
	memset(ret, 0, sizeof(*ret));
	T_EQ_INT(read_pluto(s, from, to, n), 0);
	T_EQ_INT(xfrm_join_children(j, t, s, NULL), 0);
	T_EQ_INT(sa_counters_update(sc, s), 0);
	sa_counters_get(sc, "a-b", "a-b", ret);
}

static void monotonic(void)
{
	static const char *const from[] = {"#2:", "c8e1a1f3", "5d4c2b1a"};
	static const char *const to[] = {"#3:", "c8e1a1f4", "5d4c2b1b"};
	struct sa_counters *sc = sa_counters_new();
	struct sa_snapshot s;
	struct xfrm_table t = {0};
	struct xfrm_join j;
	struct sa_totals tot;

	T_ASSERT(sc);
	sa_snapshot_init(&s);
	xfrm_join_init(&j);
	add(&t, IPPROTO_ESP, 0x5d4c2b1a, 1, "192.0.2.1", 16800);
	add(&t, IPPROTO_ESP, 0xc8e1a1f3, 1, "198.51.100.1", 25200);
	scrape(sc, &j, &s, &t, NULL, NULL, 0, &tot);
	T_EQ_INT(tot.packets_in, 168);
	T_EQ_INT(tot.packets_out, 252);
	T_EQ_INT(tot.bytes_in, 168);

	/* the dump fails: the last packets stand (0 would look like a new SA to sa_counters,
	 * which would count the old one's bytes twice) */
	scrape(sc, &j, &s, NULL, NULL, NULL, 0, &tot);
	T_EQ_INT(tot.packets_in, 168);
	T_EQ_INT(tot.packets_out, 252);
	T_EQ_INT(tot.bytes_in, 168);
	T_EQ_INT(tot.bytes_out, 252);

	/* the kernel SAs grow; then a dump without them (being replaced): they stand */
	xfrm_table_reset(&t);
	add(&t, IPPROTO_ESP, 0x5d4c2b1a, 1, "192.0.2.1", 20000);
	add(&t, IPPROTO_ESP, 0xc8e1a1f3, 1, "198.51.100.1", 30000);
	scrape(sc, &j, &s, &t, NULL, NULL, 0, &tot);
	T_EQ_INT(tot.packets_in, 200);
	T_EQ_INT(tot.packets_out, 300);
	xfrm_table_reset(&t);
	scrape(sc, &j, &s, &t, NULL, NULL, 0, &tot);
	T_EQ_INT(tot.packets_in, 200);
	T_EQ_INT(tot.packets_out, 300);
	T_EQ_INT(tot.bytes_in, 168);

	/* a rekey: #3 with new SPIs replaces #2; its counters start again, the totals go on */
	add(&t, IPPROTO_ESP, 0x5d4c2b1b, 1, "192.0.2.1", 1000);
	add(&t, IPPROTO_ESP, 0xc8e1a1f4, 1, "198.51.100.1", 2000);
	scrape(sc, &j, &s, &t, from, to, 3, &tot);
	T_EQ_INT(tot.packets_in, 210);
	T_EQ_INT(tot.packets_out, 320);
	T_EQ_INT(tot.bytes_in, 2 * 168);
	T_EQ_INT(s.ikes[0].children[0].totals.packets_in, 10);

	/* pluto restarted and numbers a new CHILD SA #3 again, with other SPIs: not held at
	 * the old SA's values */
	static const char *const to2[] = {"#3:", "c8e1a1f5", "5d4c2b1c"};
	xfrm_table_reset(&t);
	add(&t, IPPROTO_ESP, 0x5d4c2b1c, 1, "192.0.2.1", 100);
	scrape(sc, &j, &s, &t, from, to2, 3, &tot);
	T_EQ_INT(s.ikes[0].children[0].totals.packets_in, 1);
	T_EQ_INT(s.ikes[0].children[0].totals.packets_out, 0);
	T_EQ_INT(tot.packets_in, 211);
	xfrm_table_done(&t);
	xfrm_join_done(&j);
	sa_snapshot_done(&s);
	sa_counters_free(sc);
}

TEST_MAIN("libreswan_xfrm", TEST(saids), TEST(packets_from_kernel), TEST(last_use_from_kernel),
          TEST(peer_silent_from_kernel), TEST(monotonic))
