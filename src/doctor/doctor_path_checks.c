// SPDX-License-Identifier: Apache-2.0
/*
 * From the ledger's drops to findings. The first drop along the path is the cause (the
 * count can only fall after it); later drops are listed below it. A total drop is critical, a
 * partial one a warning with its loss and 95 % interval, so that 2 % loss reads apart from an
 * outage. The ends are named by the IKE addresses charon reported.
 */
#include "doctor/doctor_path_checks.h"

#include "doctor/doctor_prom_checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SCORE_TOTAL 90
#define SCORE_PARTIAL 50

static const char *our_name(const struct doctor_conn_facts *c)
{
	return c->local_host[0] ? c->local_host : "this gateway";
}

static const char *peer_name(const struct doctor_conn_facts *c)
{
	if (c->remote_host[0])
		return c->remote_host;
	return c->remote_addrs[0] ? c->remote_addrs : "the peer";
}

static bool peer_ok(const struct doctor_facts *f)
{
	return f->peer.status == DOCTOR_PEER_OK;
}

/*
 * The far reflector's count is a point of the path only when it is where the probes went: it
 * counted at least every answer that came back (or, when none came back, every packet the
 * peer's SA sent back). A reflector that counted less is another host than the target, and its
 * count says nothing about the probes.
 */
static bool reflector_is_target(const struct doctor_peer_facts *p,
                                const struct doctor_conn_facts *c)
{
	uint64_t answers = c->probe_received ? c->probe_received : p->out_delta;
	double slack = PATH_SLACK_MIN + (double)answers * PATH_SLACK_SHARE;

	return p->reflector_known && (double)p->reflector_delta + slack >= (double)answers;
}

/*
 * The other traffic the tunnel carries besides the probes (the peer's probes and our answers
 * to them, anything routed through it): what our SA encrypted beyond the probes sent. Traffic
 * through a tunnel is mostly request and answer, so the same is taken for every ESP point of
 * either direction; the reflector counts our prober's packets only.
 */
static void other_traffic(struct path_counts *pc)
{
	static const enum path_point esp[] = {PATH_OUR_SA_OUT, PATH_PEER_SA_IN, PATH_PEER_SA_OUT,
	                                      PATH_OUR_SA_IN};
	uint64_t sent = pc->n[PATH_SENT], out = pc->n[PATH_OUR_SA_OUT];

	if (!pc->known[PATH_OUR_SA_OUT] || out <= sent)
		return;
	for (size_t i = 0; i < sizeof(esp) / sizeof(esp[0]); i++)
		pc->other[esp[i]] = out - sent;
}

void doctor_path_ledger(const struct doctor_facts *f, const struct doctor_conn_facts *c,
                        struct path_counts *ret)
{
	*ret = (struct path_counts){0};
	path_set(ret, PATH_SENT, c->probe_sent);
	path_set(ret, PATH_RECEIVED, c->probe_received);
	/* counters across a rekey miss what the old SA carried: not the run's */
	if (c->probe_counters && !c->probe_sa_changed) {
		path_set(ret, PATH_OUR_SA_OUT, c->probe_out_delta);
		path_set(ret, PATH_OUR_SA_IN, c->probe_in_delta);
	}
	if (peer_ok(f)) {
		path_set(ret, PATH_PEER_SA_IN, f->peer.in_delta);
		path_set(ret, PATH_PEER_SA_OUT, f->peer.out_delta);
		if (reflector_is_target(&f->peer, c))
			path_set(ret, PATH_PEER_REFLECTOR, f->peer.reflector_delta);
		/* from Prometheus, our end over the same scrapes as the peer's */
		if (f->peer.self_known) {
			path_set(ret, PATH_OUR_SA_OUT, f->peer.self_out_delta);
			path_set(ret, PATH_OUR_SA_IN, f->peer.self_in_delta);
			ret->skew[PATH_PEER_SA_IN] = f->peer.skew_out;
			ret->skew[PATH_OUR_SA_IN] = f->peer.skew_back;
		}
	}
	other_traffic(ret);
}

/* What a drop between @from and @to is, in the ids above. */
static const char *segment_id(const struct path_drop *d, bool peer)
{
	if (d->to == PATH_OUR_SA_OUT)
		return "before_our_sa";
	if (d->from == PATH_OUR_SA_OUT && d->to == PATH_PEER_SA_IN)
		return "esp_out_lost";
	if (d->from == PATH_PEER_REFLECTOR && d->to == PATH_PEER_SA_OUT)
		return "reflector_replies_lost";
	if (d->from >= PATH_PEER_SA_IN && d->to <= PATH_PEER_SA_OUT)
		return "beyond_peer";
	if (d->from == PATH_PEER_SA_OUT && d->to == PATH_OUR_SA_IN)
		return "esp_back_lost";
	if (d->from == PATH_OUR_SA_IN)
		return "after_our_sa";
	if (!peer)
		return d->total ? "dataplane_down" : "dataplane_loss";
	return "path_loss";
}

/*
 * " loses 2.0 % (95 % interval 1.0-3.9 %)" or " is lost": the share of the probes that did not
 * come back, what doctor sent and got back. The counters only bound where they were lost: they
 * count other traffic too, so their fall is not the probes' loss.
 */
static void loss_words(const struct path_drop *d, const struct doctor_conn_facts *c, char *out,
                       size_t cap)
{
	uint32_t lost = c->probe_sent > c->probe_received ? c->probe_sent - c->probe_received : 0;
	double lo, hi;

	if (d->total || !c->probe_sent) {
		snprintf(out, cap, "is lost");
		return;
	}
	path_wilson(lost, c->probe_sent, &lo, &hi);
	snprintf(out, cap, "loses %.1f %% (95 %% interval %.1f-%.1f %%)",
	         100.0 * lost / c->probe_sent, lo * 100, hi * 100);
}

static void title(struct doctor_finding **dp, struct doctor_report *r, const char *id,
                  const struct doctor_conn_facts *c, const struct path_drop *d, int score)
{
	const char *a = our_name(c), *b = peer_name(c);
	enum doctor_severity sev = d->total ? DOCTOR_SEV_CRIT : DOCTOR_SEV_WARN;
	char loss[96];

	loss_words(d, c, loss, sizeof(loss));
	if (strcmp(id, "before_our_sa") == 0)
		*dp = doctor_add(r, id, c->name, sev, score,
		                 "probes do not enter the CHILD SA at %s (before our SA): %s sent "
		                 "%" PRIu64 " probes, its SA encrypted %" PRIu64,
		                 a, a, d->before, d->after);
	else if (strcmp(id, "esp_out_lost") == 0)
		*dp = doctor_add(r, id, c->name, sev, score,
		                 "ESP from %s to %s %s: %s sent %" PRIu64
		                 " packets, %s received %" PRIu64,
		                 a, b, loss, a, d->before, b, d->after);
	else if (strcmp(id, "esp_back_lost") == 0)
		*dp = doctor_add(r, id, c->name, sev, score,
		                 "ESP from %s to %s %s: %s sent %" PRIu64
		                 " packets, %s received %" PRIu64,
		                 b, a, loss, b, d->before, a, d->after);
	else if (strcmp(id, "beyond_peer") == 0 && d->to == PATH_PEER_REFLECTOR)
		*dp =
		    doctor_add(r, id, c->name, sev, score,
		               "traffic reaches %s through the tunnel, but %s the reflector behind "
		               "%s (%s received %" PRIu64 ", the reflector %" PRIu64 ")",
		               b, d->total ? "never" : "not all of it", b, b, d->before, d->after);
	else if (strcmp(id, "reflector_replies_lost") == 0)
		*dp = doctor_add(r, id, c->name, sev, score,
		                 "probes reach the reflector behind %s, but %s of its answers come "
		                 "back into the tunnel (the reflector received %" PRIu64
		                 ", %s sent %" PRIu64 ")",
		                 b, d->total ? "none" : "not all", d->before, b, d->after);
	else if (strcmp(id, "beyond_peer") == 0)
		*dp = doctor_add(r, id, c->name, sev, score,
		                 d->total ? "traffic reaches %s through the tunnel, but nothing "
		                            "behind %s answers (%s received %" PRIu64
		                            ", sent %" PRIu64 ")"
		                          : "traffic reaches %s through the tunnel, but part of it "
		                            "is not answered behind %s (%s received %" PRIu64
		                            ", sent %" PRIu64 ")",
		                 b, b, b, d->before, d->after);
	else if (strcmp(id, "after_our_sa") == 0)
		*dp = doctor_add(r, id, c->name, sev, score,
		                 "answers come back through the CHILD SA at %s but do not reach "
		                 "the prober (after our SA): SA decrypted %" PRIu64
		                 ", prober received %" PRIu64,
		                 a, d->before, d->after);
	else if (strcmp(id, "path_loss") == 0)
		*dp = doctor_add(
		    r, id, c->name, sev, score,
		    "probes are lost between %s and %s: %" PRIu64 " passed, %" PRIu64 " went on",
		    path_point_name(d->from), path_point_name(d->to), d->before, d->after);
	else
		*dp = NULL;
}

/* One end alone: probes leave and fewer come back, and the peer's points are dark. */
static struct doctor_finding *one_end(struct doctor_report *r, const struct doctor_conn_facts *c,
                                      const struct path_drop *d, int score)
{
	const char *a = our_name(c), *b = peer_name(c);
	bool one_way = c->probe_counters && c->probe_out_delta > 0 && c->probe_in_delta == 0;
	struct doctor_finding *x;
	char loss[96];

	loss_words(d, c, loss, sizeof(loss));
	/* ESP from the peer arrived during the run (its probes, our serve's answers): the tunnel
	 * is not down both ways. From one end this reads the same whether ESP towards the peer
	 * is lost or the peer's reflector does not answer (fault matrix: esp-a-b-total and
	 * serve-b-down gave out +436/+418, in +18), so the finding names all three. */
	if (d->total && c->probe_counters && c->probe_in_delta > 0)
		x = doctor_add(
		    r, "dataplane_down", c->name, DOCTOR_SEV_CRIT, score,
		    "no probe to %s came back, but ESP from %s still arrives (in +%" PRIu64
		    " during the run): ESP towards %s is lost, or nothing behind %s "
		    "answers (is the reflector there running?)",
		    c->probe_target, b, c->probe_in_delta, b, b);
	else if (d->total)
		x = doctor_add(r, one_way ? "dataplane_one_way" : "dataplane_down", c->name,
		               DOCTOR_SEV_CRIT, score,
		               one_way ? "data plane broken while IKE is up: probes leave %s "
		                         "through the CHILD SA and nothing comes back from %s"
		                       : "data plane broken while IKE is up: no probe came back "
		                         "(%s to %s)",
		               a, b);
	else
		x = doctor_add(r, "dataplane_loss", c->name, DOCTOR_SEV_WARN, score,
		               "the tunnel from %s to %s and back %s", a, b, loss);
	return x;
}

static void evidence(struct doctor_finding *x, const struct doctor_facts *f,
                     const struct doctor_conn_facts *c)
{
	const char *a = our_name(c), *b = peer_name(c);
	double lo, hi;

	if (!x)
		return;
	if (c->probe_sent) {
		path_wilson(c->probe_sent - c->probe_received, c->probe_sent, &lo, &hi);
		doctor_evidence(x,
		                "%u of %u probes to %s answered: loss %.1f %% (95 %% interval "
		                "%.1f-%.1f %%)",
		                c->probe_received, c->probe_sent, c->probe_target,
		                100.0 * (c->probe_sent - c->probe_received) / c->probe_sent,
		                lo * 100, hi * 100);
	}
	if (c->probe_counters)
		doctor_evidence(x,
		                "%s CHILD SA %s during the probes: out +%" PRIu64 ", in +%" PRIu64,
		                a, c->probe_child[0] ? c->probe_child : "?", c->probe_out_delta,
		                c->probe_in_delta);
	if (peer_ok(f))
		doctor_evidence(x,
		                "%s CHILD SA %s/%s (SPIs in 0x%08x, out 0x%08x): in +%" PRIu64
		                ", out +%" PRIu64,
		                b, f->peer.conn, f->peer.child, f->peer.spi_out, f->peer.spi_in,
		                f->peer.in_delta, f->peer.out_delta);
	if (peer_ok(f) && f->peer.reflector_known)
		doctor_evidence(x,
		                "the reflector behind %s counted %" PRIu64 " packets from %s "
		                "in the window read, %" PRIu64 " of them reflected",
		                b, f->peer.reflector_delta, f->peer.sender,
		                f->peer.reflected_delta);
	if (peer_ok(f) && f->peer.self_known)
		doctor_evidence(x,
		                "read from Prometheus at %s: %s (here: CHILD SA out +%" PRIu64
		                ", in +%" PRIu64 ") and %s (the peer), over %.1f s of scrapes; up "
		                "to %" PRIu64 " and %" PRIu64 " packets each way may be counted "
		                "at one end only (the targets are scraped at different moments)",
		                f->peer.url, f->peer.self_target, f->peer.self_out_delta,
		                f->peer.self_in_delta, f->peer.peer_target, f->peer.window_s,
		                f->peer.skew_out, f->peer.skew_back);
}

/* What one end cannot tell, and how to find out. */
static void one_end_hint(struct doctor_finding *x, const struct doctor_facts *f,
                         const struct doctor_conn_facts *c)
{
	const char *a = our_name(c), *b = peer_name(c);

	doctor_evidence(x,
	                "from %s alone one cannot tell whether ESP is lost on the way to %s, "
	                "behind %s, or on the way back: %s",
	                a, b, b,
	                f->peer.status == DOCTOR_PEER_NONE ? "no --peer given"
	                                                   : "the peer could not be read");
	doctor_next(x,
	            "ikewatch doctor %s --probe %s --peer http://<%s>:9918/metrics (%s's "
	            "ikewatch counts what arrived), or --prometheus http://<prometheus>:9090 "
	            "when one scrapes both gateways",
	            c->name, c->probe_target, b, b);
	doctor_next(x,
	            "or compare on %s: swanctl --list-sas --ike <conn>: in frozen there means "
	            "ESP is lost on the way out, out growing there means on the way back",
	            b);
}

static void next_steps(struct doctor_finding *x, const char *id, const struct doctor_conn_facts *c)
{
	const char *a = our_name(c), *b = peer_name(c);

	if (strcmp(id, "before_our_sa") == 0) {
		doctor_next(x,
		            "is the probe source inside local_ts? ip xfrm policy; ip route get %s",
		            c->probe_target);
	} else if (strcmp(id, "esp_out_lost") == 0) {
		doctor_next(x, "look for a firewall dropping ESP (or UDP 4500) from %s to %s", a,
		            b);
		doctor_next(x, "tcpdump -ni any esp or udp port 4500 on both gateways");
	} else if (strcmp(id, "esp_back_lost") == 0) {
		doctor_next(x, "look for a firewall dropping ESP (or UDP 4500) from %s to %s", b,
		            a);
		doctor_next(x, "tcpdump -ni any esp or udp port 4500 on both gateways");
	} else if (strcmp(id, "beyond_peer") == 0) {
		doctor_next(x,
		            "on %s: is %s up and routed there (ip route get %s), does a firewall "
		            "behind %s drop it?",
		            b, c->probe_target, c->probe_target, b);
	} else if (strcmp(id, "reflector_replies_lost") == 0) {
		doctor_next(
		    x,
		    "on %s: does the reflector's answer route back into the tunnel (ip route "
		    "get %s from %s), does a firewall drop it on its way out?",
		    b, c->probe_target, c->probe_target);
	} else if (strcmp(id, "after_our_sa") == 0) {
		doctor_next(
		    x,
		    "on %s: a firewall on the decrypted traffic (nft list ruleset), or rp_filter",
		    a);
	}
}

/* Why the far end's counters were not used, and what the verdict then stands on. */
static void unusable_evidence(struct doctor_finding *x, const struct doctor_peer_facts *p)
{
	if (!x)
		return;
	if (p->error[0])
		doctor_evidence(x, "%s", p->error);
	doctor_evidence(x, "reading the peer took %u ms; the verdict below uses this end only",
	                p->elapsed_ms);
}

static void check_peer(struct doctor_report *r, const struct doctor_facts *f,
                       const struct doctor_conn_facts *c)
{
	const struct doctor_peer_facts *p = &f->peer;
	struct doctor_finding *x;
	const char *b = peer_name(c);

	if (p->source == DOCTOR_PEER_SRC_PROMETHEUS && p->status != DOCTOR_PEER_NONE &&
	    p->status != DOCTOR_PEER_OK) {
		unusable_evidence(doctor_prom_finding(r, p, c, b), p);
		return;
	}
	switch (p->status) {
	case DOCTOR_PEER_NONE:
	case DOCTOR_PEER_OK:
		return;
	case DOCTOR_PEER_UNREACHABLE:
		x = doctor_add(r, "peer_metrics_unreachable", c->name, DOCTOR_SEV_WARN, 35,
		               "the peer's ikewatch at %s could not be reached", p->url);
		break;
	case DOCTOR_PEER_TIMEOUT:
		x = doctor_add(r, "peer_metrics_timeout", c->name, DOCTOR_SEV_WARN, 35,
		               "the peer's ikewatch at %s did not answer within the timeout",
		               p->url);
		break;
	case DOCTOR_PEER_AUTH:
		x = doctor_add(
		    r, "peer_metrics_auth", c->name, DOCTOR_SEV_WARN, 35,
		    "the peer's ikewatch at %s refused us (HTTP %ld): check --peer.user, "
		    "--peer.password-file and the TLS files",
		    p->url, p->http_status);
		break;
	case DOCTOR_PEER_HTTP:
		x = doctor_add(r, "peer_metrics_http", c->name, DOCTOR_SEV_WARN, 35,
		               "the peer's ikewatch at %s answered HTTP %ld", p->url,
		               p->http_status);
		break;
	case DOCTOR_PEER_OVERSIZED:
		x = doctor_add(r, "peer_metrics_oversized", c->name, DOCTOR_SEV_WARN, 35,
		               "the answer of %s is too large for an ikewatch: not read", p->url);
		break;
	case DOCTOR_PEER_MALFORMED:
		x = doctor_add(r, "peer_metrics_malformed", c->name, DOCTOR_SEV_WARN, 35,
		               "%s does not answer a Prometheus exposition", p->url);
		break;
	case DOCTOR_PEER_NOT_IKEWATCH:
		x = doctor_add(r, "peer_not_ikewatch", c->name, DOCTOR_SEV_WARN, 35,
		               "%s is not an ikewatch (no ikewatch_build_info): its counters are "
		               "not used",
		               p->url);
		break;
	case DOCTOR_PEER_NO_MATCH:
		x = doctor_add(r, "peer_sa_mismatch", c->name, DOCTOR_SEV_WARN, 36,
		               "%s is an ikewatch but holds no CHILD SA paired with ours: another "
		               "gateway than %s, or the two ends' SAs are out of sync",
		               p->url, b);
		doctor_next(x, "check that --peer points at %s's ikewatch", b);
		doctor_next(x, "compare swanctl --list-sas on both gateways (SPIs in/out)");
		break;
	case DOCTOR_PEER_NO_COUNTERS:
		x = doctor_add(r, "peer_no_counters", c->name, DOCTOR_SEV_WARN, 35,
		               "the peer at %s pairs with our CHILD SA but exports no packet "
		               "counters for it",
		               p->url);
		break;
	case DOCTOR_PEER_REKEYED:
		x = doctor_add(r, "peer_sa_changed", c->name, DOCTOR_SEV_INFO, 20,
		               "the paired CHILD SA at %s changed during the probe run (a rekey?): "
		               "its counters are not used; run doctor again",
		               p->url);
		break;
	default:
		return;
	}
	unusable_evidence(x, p);
}

/*
 * A drop spans the points that carried other traffic too (path_judge skips them for the
 * probes' flow). A point whose count, less the other traffic it may hold, is still the whole
 * flow passed every probe, so the probes were lost after the last such point: the drop is
 * named from there, with that point's count. A point that other traffic may have filled up
 * tells nothing.
 */
static struct path_drop narrow(const struct path_counts *pc, const struct path_drop *d)
{
	struct path_drop n = *d;

	for (int p = (int)d->to - 1; p > (int)d->from; p--)
		if (pc->known[p] &&
		    (double)pc->n[p] + PATH_SLACK_MIN + (double)d->before * PATH_SLACK_SHARE >=
		        (double)(d->before + pc->other[p])) {
			n.from = (enum path_point)p;
			n.before = pc->n[p];
			break;
		}
	return n;
}

/* Every probe came back while charon's newest IKE request goes unanswered: the control
 * plane alone is cut, and the SA dies when the retransmits run out. */
static void control_plane_only(struct doctor_report *r, const struct doctor_facts *f,
                               const struct doctor_conn_facts *c)
{
	const char *a = our_name(c), *b = peer_name(c);
	struct doctor_finding *x;

	if (!c->log.retx_outstanding || !c->log.retransmits)
		return;
	x = doctor_add(r, "control_plane_only", c->name, DOCTOR_SEV_CRIT, 93,
	               "IKE from %s to %s is unanswered while ESP still flows: %u of %u probes "
	               "came back through the tunnel, the IKE request was retransmitted %u time%s",
	               a, b, c->probe_received, c->probe_sent, c->log.retx_count,
	               c->log.retx_count == 1 ? "" : "s");
	evidence(x, f, c);
	doctor_next(x, "look for a firewall dropping IKE (UDP 500, or 4500 without ESP) but not "
	               "ESP between the gateways");
	doctor_next(x, "the SAs go down when the retransmits run out: fix the path before then");
}

/* Our probes all came back, so ESP works both ways between the two SAs. When the peer's own
 * probes through the same CHILD SA got no answer during the run, what they meet behind our SA
 * does not answer them: our LAN host or reflector, its firewall, or its answers' way back into
 * our SA. Only the peer can see this, so only --peer tells it (the fault matrix's
 * lan-a-silent). */
static void behind_us(struct doctor_report *r, const struct doctor_facts *f,
                      const struct doctor_conn_facts *c)
{
	const struct doctor_peer_facts *p = &f->peer;
	const char *a = our_name(c), *b = peer_name(c);
	const char *t = p->probe_target[0] ? p->probe_target : "their targets";
	struct doctor_finding *x;

	if (!peer_ok(f) || !p->probes_known || p->probes_sent_delta < 2 ||
	    p->probes_received_delta > 0 || p->probe_streams_succeeding > 0)
		return;
	x = doctor_add(r, "behind_us", c->name, DOCTOR_SEV_CRIT, 88,
	               "the peer's probes to %s come through the tunnel and get no answer behind "
	               "%s: %s sent %" PRIu64 " during the run, none was answered, while our own "
	               "probes came back",
	               t, a, b, p->probes_sent_delta);
	doctor_evidence(x, "%u of %s's %u probe stream%s through %s/%s succeed%s",
	                p->probe_streams_succeeding, b, p->probe_streams,
	                p->probe_streams == 1 ? "" : "s", p->conn, p->child,
	                p->probe_streams == 1 ? "s" : "");
	if (c->probe_counters && !c->probe_sa_changed && c->probe_in_delta >= c->probe_received &&
	    c->probe_out_delta >= c->probe_sent)
		doctor_evidence(x,
		                "our SA decrypted %" PRIu64 " packets besides the answers to our "
		                "probes, and encrypted %" PRIu64 " besides our probes",
		                c->probe_in_delta - c->probe_received,
		                c->probe_out_delta - c->probe_sent);
	doctor_next(x,
	            "check %s on this side: is its reflector or host up, does its firewall accept "
	            "what comes out of the tunnel, does its answer route back into the CHILD SA",
	            t);
}

/* No probe answered, but the target said that nothing listens on the port: the probes reached
 * it and its answer came back, so the path works both ways and the reflector is not running. */
static void refused(struct doctor_report *r, const struct doctor_facts *f,
                    const struct doctor_conn_facts *c)
{
	struct doctor_finding *x;

	x = doctor_add(r, "reflector_not_listening", c->name, DOCTOR_SEV_WARN, 60,
	               "the probes reach %s, but nothing listens there: %u of %u probes were "
	               "answered with ICMP port unreachable (the reflector does not run)",
	               c->probe_target, c->probe_refused, c->probe_sent);
	evidence(x, f, c);
	doctor_next(x,
	            "on %s's side: is ikewatch serve (its reflector) or another STAMP "
	            "reflector running on %s?",
	            peer_name(c), c->probe_target);
}

/*
 * The peer's ikewatch does not answer, none of our probes came back, and yet ESP from the peer
 * still arrives: the peer gateway is up and its side of the tunnel sends, and the metrics are
 * asked over another path than the tunnel. One process that is down explains both: the peer's
 * ikewatch, whose serve usually runs the reflector our probes ask (fault matrix: serve-b-down).
 * The unreachable peer becomes the first finding and the outage of the probes its evidence;
 * lost ESP towards the peer stays named there, as the other reading.
 */
static void peer_down_explains(struct doctor_report *r, const struct doctor_facts *f,
                               const struct doctor_conn_facts *c)
{
	const char *id = f->peer.status == DOCTOR_PEER_UNREACHABLE ? "peer_metrics_unreachable"
	                 : f->peer.status == DOCTOR_PEER_TIMEOUT   ? "peer_metrics_timeout"
	                                                           : NULL;
	struct doctor_finding *peer = id ? doctor_find_edit(r, id, c->name) : NULL;
	const struct doctor_finding *down = doctor_find(r, "dataplane_down", c->name);
	const char *b = peer_name(c);

	if (!peer || !down || c->probe_received || !c->probe_counters || !c->probe_in_delta)
		return;
	peer->severity = DOCTOR_SEV_CRIT;
	peer->score = down->score + 1;
	doctor_evidence(peer,
	                "%s is up and sends through the tunnel, but neither its ikewatch nor the "
	                "reflector our probes ask answers: most likely that ikewatch (its serve "
	                "runs the reflector) is down",
	                b);
	doctor_next(peer, "on %s: systemctl status ikewatch; journalctl -u ikewatch", b);
	/* last: the fold moves the findings after the folded one */
	doctor_fold(r, peer, "dataplane_down", c->name);
}

void doctor_check_path(struct doctor_report *r, const struct doctor_facts *f,
                       const struct doctor_conn_facts *c)
{
	struct path_counts pc;
	struct path_verdict v;
	struct doctor_finding *x;

	check_peer(r, f, c);
	if (c->probe_sa_changed) {
		x = doctor_add(r, "probe_sa_changed", c->name, DOCTOR_SEV_INFO, 20,
		               "our CHILD SA %s was replaced during the probe run (a rekey): its "
		               "counters are not used, the verdict stands on the probes alone; run "
		               "doctor again",
		               c->probe_child[0] ? c->probe_child : "?");
		doctor_evidence(x, "%u of %u probes to %s answered", c->probe_received,
		                c->probe_sent, c->probe_target);
	}
	doctor_path_ledger(f, c, &pc);
	if (path_judge(&pc, &v) < 0 || !c->probe_sent)
		return;
	if (!c->probe_received && c->probe_refused) {
		refused(r, f, c);
		return;
	}
	if (v.clean) {
		x = doctor_add(r, "path_clean", c->name, DOCTOR_SEV_INFO, 20,
		               "all is well on the data plane: %u of %u probes to %s came back%s",
		               c->probe_received, c->probe_sent, c->probe_target,
		               peer_ok(f) ? ", and both ends counted them" : "");
		evidence(x, f, c);
		control_plane_only(r, f, c);
		behind_us(r, f, c);
		return;
	}
	for (size_t i = 0; i < v.n_drops; i++) {
		struct path_drop d = narrow(&pc, &v.drops[i]);
		/* the first drop is the cause; later ones follow from it or add to it, and after
		 * an outage of the probes nothing further along can be judged */
		int score;
		const char *id;

		if (i && c->probe_received == 0)
			break;
		/* every probe lost: an outage, whatever other traffic still passed that point */
		d.total |= i == 0 && c->probe_received == 0;
		score = (d.total ? SCORE_TOTAL : SCORE_PARTIAL) - (i ? 40 : 0);
		id = segment_id(&d, peer_ok(f));
		if (strncmp(id, "dataplane_", 10) == 0)
			x = one_end(r, c, &d, score);
		else
			title(&x, r, id, c, &d, score);
		evidence(x, f, c);
		if (strncmp(id, "dataplane_", 10) == 0)
			one_end_hint(x, f, c);
		next_steps(x, id, c);
	}
	peer_down_explains(r, f, c);
}
