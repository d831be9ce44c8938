// SPDX-License-Identifier: Apache-2.0
/*
 * Both ends from Prometheus (see doctor_prom_read.h). Prometheus' answers are outside input:
 * capped by the client, parsed by the bounded prom_api, and only the two targets' series are
 * taken from them, copied into scrapes that doctor_peer judges as it judges a /metrics body.
 */
#include "doctor/doctor_prom_read.h"

#include "common/clock.h"
#include "doctor/doctor_peer.h"
#include "doctor/doctor_peer_read.h"
#include "prom/prom_parse.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MS 1000000ull

static const char *const families[] = {
    "ikewatch_build_info",
    "ipsec_child_sa_info",
    "ipsec_child_sa_packets_in_total",
    "ipsec_child_sa_packets_out_total",
    "ipsec_reflector_packets_total",
    "ipsec_reflector_sender_packets_total",
    /* the peer's own probes through the pair (behind_us) */
    "ipsec_probe_sent_total",
    "ipsec_probe_received_total",
    "ipsec_probe_success",
};

static void copy_z(char *dst, size_t cap, const char *src)
{
	doctor_copy(dst, cap, src ? src : "", src ? strlen(src) : 0);
}

/* The one line of why, cut to the field (what Prometheus names can be long). */
__attribute__((format(printf, 2, 3))) static void say(struct doctor_peer_facts *pf, const char *fmt,
                                                      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pf->error, sizeof(pf->error), fmt, ap);
	va_end(ap);
}

static bool is(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* One GET of the API and its answer parsed into @res; a status other than OK says why. */
static enum doctor_peer_status query(const struct doctor_prom_options *o, const char *expr,
                                     struct prom_api_result *res, struct doctor_peer_facts *pf)
{
	struct http_client_opts h = o->http;
	char err[HTTP_CLIENT_ERR_MAX] = "";
	struct buf url, body;
	enum doctor_peer_status st = DOCTOR_PEER_OK;
	const char *why = NULL;
	long status = 0;
	int r;

	h.max_body = PROM_API_BYTES_MAX;
	h.accept = "application/json";
	buf_init(&url, 64u * 1024u);
	buf_init(&body, PROM_API_BYTES_MAX + 1);
	if (prom_api_query_url(&url, o->url, expr, 0) < 0 || buf_putc(&url, '\0') < 0) {
		say(pf, "the query does not fit a URL");
		st = DOCTOR_PEER_MALFORMED;
		goto out;
	}
	r = http_get(url.data, &h, &body, &status, err);
	if (r < 0) {
		pf->http_status = status;
		copy_z(pf->error, sizeof(pf->error), err);
		st = doctor_peer_fetch_status(r, status);
		goto out;
	}
	r = prom_api_parse(res, body.data ? body.data : "", body.len, &why);
	if (r < 0) {
		say(pf, "not a Prometheus API answer: %s", why ? why : strerror(-r));
		st = r == -E2BIG ? DOCTOR_PEER_OVERSIZED : DOCTOR_PEER_MALFORMED;
	} else if (!res->success) {
		say(pf, "Prometheus answered an error: %s: %s",
		    res->error_type[0] ? res->error_type : "?", res->error);
		st = DOCTOR_PEER_API_ERROR;
	}
out:
	buf_done(&url);
	buf_done(&body);
	return st;
}

__attribute__((format(printf, 3, 4))) static void format_into(char *out, size_t cap,
                                                              const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

/* A target: "job/instance" for the words. */
static void target_name(char *out, size_t cap, const char *job, const char *instance)
{
	format_into(out, cap, "%s%s%s", job[0] ? job : "", job[0] ? "/" : "", instance);
}

enum doctor_peer_status doctor_prom_find(const struct prom_api_result *res, const char *instance,
                                         double t_local, struct doctor_peer_facts *pf,
                                         struct doctor_prom_state *st)
{
	size_t n_self = 0, n_peer = 0, with_spis = 0;
	bool clock = false;

	*st = (struct doctor_prom_state){0};
	if (res->type != PROM_API_VECTOR) {
		say(pf, "Prometheus answered an instant query with something else than a vector");
		return DOCTOR_PEER_MALFORMED;
	}
	for (size_t i = 0; i < res->n; i++) {
		const struct prom_api_series *s = &res->series[i];
		const char *inst = prom_api_label(s, "instance"), *job = prom_api_label(s, "job");
		const char *conn = prom_api_label(s, "conn"), *child = prom_api_label(s, "child");
		uint32_t in, out;

		if (!inst || !conn || !child || !is(s->name, "ipsec_child_sa_info") ||
		    peer_parse_spi(prom_api_label(s, "spi_in"), &in) < 0 ||
		    peer_parse_spi(prom_api_label(s, "spi_out"), &out) < 0)
			continue;
		with_spis++;
		if (!clock && s->npoints) {
			/* every sample of an instant vector carries the evaluation time */
			st->offset = s->points[0].t - t_local;
			clock = true;
		}
		if (in == pf->spi_in && out == pf->spi_out && (!instance || is(inst, instance))) {
			if (n_self && (!is(inst, st->self_instance) || !is(job, st->self_job)))
				n_self++;
			else if (!n_self) {
				n_self = 1;
				copy_z(st->self_instance, sizeof(st->self_instance), inst);
				copy_z(st->self_job, sizeof(st->self_job), job);
				copy_z(st->self_conn, sizeof(st->self_conn), conn);
				copy_z(st->self_child, sizeof(st->self_child), child);
			}
		}
		if (in == pf->spi_out && out == pf->spi_in) {
			if (n_peer && (!is(inst, st->peer_instance) || !is(job, st->peer_job)))
				n_peer++;
			else if (!n_peer) {
				n_peer = 1;
				copy_z(st->peer_instance, sizeof(st->peer_instance), inst);
				copy_z(st->peer_job, sizeof(st->peer_job), job);
				copy_z(st->peer_conn, sizeof(st->peer_conn), conn);
				copy_z(st->peer_child, sizeof(st->peer_child), child);
			}
		}
	}
	target_name(pf->self_target, sizeof(pf->self_target), st->self_job, st->self_instance);
	target_name(pf->peer_target, sizeof(pf->peer_target), st->peer_job, st->peer_instance);
	if (n_self > 1) {
		say(pf,
		    "%zu targets hold our CHILD SA (SPIs in 0x%08x, out 0x%08x): name ours "
		    "with --prometheus.instance",
		    n_self, pf->spi_in, pf->spi_out);
		return DOCTOR_PEER_NO_SELF;
	}
	if (n_self == 0) {
		say(pf, "no target holds our CHILD SA (SPIs in 0x%08x, out 0x%08x)%s%s", pf->spi_in,
		    pf->spi_out, instance ? " as instance " : "", instance ? instance : "");
		return DOCTOR_PEER_NO_SELF;
	}
	if (n_peer > 1) {
		say(pf,
		    "%zu targets hold the peer's end of our CHILD SA: the series are not one "
		    "gateway's each",
		    n_peer);
		return DOCTOR_PEER_NO_MATCH;
	}
	if (n_peer == 0) {
		say(pf,
		    "of %zu CHILD SAs in Prometheus, none has SPIs in 0x%08x/out 0x%08x (ours "
		    "reversed)",
		    with_spis, pf->spi_out, pf->spi_in);
		return DOCTOR_PEER_NO_MATCH;
	}
	if (is(st->self_instance, st->peer_instance) && is(st->self_job, st->peer_job)) {
		say(pf,
		    "target %s holds both ends of our CHILD SA: its series are not one gateway's",
		    pf->self_target);
		return DOCTOR_PEER_NO_MATCH;
	}
	copy_z(pf->conn, sizeof(pf->conn), st->peer_conn);
	copy_z(pf->child, sizeof(pf->child), st->peer_child);
	return DOCTOR_PEER_OK;
}

static int alternatives(struct buf *out, const char *label, const char *a, const char *b,
                        bool or_none)
{
	buf_printf(out, ",%s=~\"", label);
	prom_api_regex_quote(out, a);
	if (b && !is(a, b)) {
		buf_putc(out, '|');
		prom_api_regex_quote(out, b);
	}
	buf_puts(out, or_none ? "|\"" : "\"");
	return out->err ? -ENOMEM : 0;
}

int doctor_prom_range_expr(struct buf *out, const struct doctor_prom_state *st, const char *sender,
                           double now)
{
	double window = ceil(now - st->t0) + DOCTOR_PROM_LOOKBACK_S;

	buf_puts(out, "{__name__=~\"");
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		buf_printf(out, "%s%s", i ? "|" : "", families[i]);
	buf_putc(out, '"');
	/* the packet counters and _info of the two SAs; the other families have no conn */
	if (alternatives(out, "instance", st->self_instance, st->peer_instance, false) < 0 ||
	    alternatives(out, "job", st->self_job, st->peer_job, false) < 0 ||
	    alternatives(out, "conn", st->self_conn, st->peer_conn, true) < 0 ||
	    alternatives(out, "child", st->self_child, st->peer_child, true) < 0)
		return -ENOMEM;
	if (sender && sender[0]) {
		if (alternatives(out, "sender", sender, NULL, true) < 0)
			return -ENOMEM;
	} else {
		buf_puts(out, ",sender=\"\"");
	}
	if (!(window < 1e7))
		window = 1e7;
	buf_printf(out, "}[%.0fs]", window);
	return out->err ? -ENOMEM : 0;
}

/* Which sample of each series a scrape is built from. */
enum pick {
	PICK_AT_OR_BEFORE, /* the last at or before t */
	PICK_BEFORE,       /* the last before t */
	PICK_AT_OR_AFTER,  /* the first at or after t */
	PICK_AFTER,        /* the first after t */
};

static bool better(enum pick how, double t, double cand, const struct prom_api_point *cur)
{
	switch (how) {
	case PICK_AT_OR_BEFORE:
		return cand <= t && (!cur || cand > cur->t);
	case PICK_BEFORE:
		return cand < t && (!cur || cand > cur->t);
	case PICK_AT_OR_AFTER:
		return cand >= t && (!cur || cand < cur->t);
	default:
		return cand > t && (!cur || cand < cur->t);
	}
}

/*
 * One end's scrape: the sample picked from each series of target @job/@instance. Returns the
 * time of the scrape (the newest sample taken when looking back, the oldest when looking
 * forward), NAN when there is none, or -INFINITY when out of memory.
 */
static double scrape_at(const struct prom_api_result *res, const char *job, const char *instance,
                        double t, enum pick how, struct prom_scrape *out)
{
	bool back = how == PICK_AT_OR_BEFORE || how == PICK_BEFORE;
	double when = NAN;

	if (isnan(t))
		return NAN;
	for (size_t i = 0; i < res->n; i++) {
		const struct prom_api_series *s = &res->series[i];
		const struct prom_api_point *pick = NULL;

		if (!s->name || !is(prom_api_label(s, "instance"), instance) ||
		    !is(prom_api_label(s, "job"), job))
			continue;
		for (size_t k = 0; k < s->npoints; k++)
			if (better(how, t, s->points[k].t, pick))
				pick = &s->points[k];
		if (!pick)
			continue;
		if (prom_scrape_add(out, s->name, s->labels, s->nlabels, pick->v) < 0)
			return -INFINITY;
		if (isnan(when) || (back ? pick->t > when : pick->t < when))
			when = pick->t;
	}
	return when;
}

/*
 * One end's four scrapes around the run: the one before the last before it (prev), the last
 * before it (b0), the first after it (b1), the one after that (next). b0 and b1 give the
 * deltas; prev and next the traffic next to the edges, for the skew between two targets.
 */
enum { E_PREV, E_B0, E_B1, E_NEXT, E_N };

struct end {
	struct prom_scrape s[E_N];
	double t[E_N];
	struct doctor_peer_reading r[E_N];
};

static int end_read(const struct prom_api_result *res, const char *job, const char *instance,
                    double t0, double t1, struct end *e)
{
	static const enum pick how[E_N] = {PICK_BEFORE, PICK_AT_OR_BEFORE, PICK_AT_OR_AFTER,
	                                   PICK_AFTER};
	double at[E_N] = {NAN, t0 - DOCTOR_PROM_MARGIN_S, t1, NAN};

	for (int i = 0; i < E_N; i++)
		prom_scrape_init(&e->s[i]);
	e->t[E_B0] = scrape_at(res, job, instance, at[E_B0], how[E_B0], &e->s[E_B0]);
	e->t[E_B1] = scrape_at(res, job, instance, at[E_B1], how[E_B1], &e->s[E_B1]);
	e->t[E_PREV] = scrape_at(res, job, instance, e->t[E_B0], how[E_PREV], &e->s[E_PREV]);
	e->t[E_NEXT] = scrape_at(res, job, instance, e->t[E_B1], how[E_NEXT], &e->s[E_NEXT]);
	for (int i = 0; i < E_N; i++)
		if (e->t[i] == -INFINITY)
			return -ENOMEM;
	return 0;
}

static void end_done(struct end *e)
{
	for (int i = 0; i < E_N; i++)
		prom_scrape_done(&e->s[i]);
}

/*
 * Judge one end's scrapes into @pf (@spi_in/@spi_out as doctor_peer_judge's): the deltas from
 * b0 to b1; prev and next read as well. An SA that did not exist yet at prev counts from 0.
 */
static enum doctor_peer_status end_delta(struct end *e, uint32_t spi_in, uint32_t spi_out,
                                         struct doctor_peer_facts *pf)
{
	enum doctor_peer_status st;

	st = doctor_peer_judge_scrape(&e->s[E_B0], spi_in, spi_out, pf, &e->r[E_B0]);
	if (st != DOCTOR_PEER_OK)
		return st;
	st = doctor_peer_judge_scrape(&e->s[E_B1], spi_in, spi_out, pf, &e->r[E_B1]);
	if (st == DOCTOR_PEER_NO_MATCH)
		return DOCTOR_PEER_REKEYED; /* it was there before the run */
	if (st == DOCTOR_PEER_OK)
		st = doctor_peer_delta(pf, &e->r[E_B0], &e->r[E_B1]);
	if (st != DOCTOR_PEER_OK)
		return st;
	if (doctor_peer_judge_scrape(&e->s[E_NEXT], spi_in, spi_out, pf, &e->r[E_NEXT]) !=
	        DOCTOR_PEER_OK ||
	    e->r[E_NEXT].in < e->r[E_B1].in) {
		snprintf(pf->error, sizeof(pf->error), "the SA changed right after the run");
		return DOCTOR_PEER_REKEYED;
	}
	if (doctor_peer_judge_scrape(&e->s[E_PREV], spi_in, spi_out, pf, &e->r[E_PREV]) !=
	        DOCTOR_PEER_OK ||
	    e->r[E_PREV].in > e->r[E_B0].in)
		e->r[E_PREV].in = 0;
	pf->error[0] = '\0';
	return DOCTOR_PEER_OK;
}

/*
 * Of one ESP direction, the packets the sender's window may hold and the receiver's not,
 * because the two targets were scraped at different moments: when the sender's window opens
 * first, what the receiver got in its scrape interval before its window (which holds the
 * gap); when it closes last, what the receiver got in its interval after. Both intervals lie
 * outside the run, so the probes never widen the slack.
 */
static uint64_t skew(const struct end *snd, const struct end *rcv)
{
	uint64_t n = 0;

	if (snd->t[E_B0] < rcv->t[E_B0])
		n += rcv->r[E_B0].in - rcv->r[E_PREV].in;
	if (snd->t[E_B1] > rcv->t[E_B1])
		n += rcv->r[E_NEXT].in - rcv->r[E_B1].in;
	return n;
}

enum doctor_peer_status doctor_prom_judge(const struct prom_api_result *res,
                                          const struct doctor_prom_state *st, double t1,
                                          struct doctor_peer_facts *pf, bool *ret_ready)
{
	struct end self = {0}, peer = {0};
	struct doctor_peer_facts mine = {0};
	enum doctor_peer_status s = DOCTOR_PEER_OK;

	*ret_ready = false;
	if (res->type != PROM_API_MATRIX) {
		say(pf, "Prometheus answered a range query with something else than a matrix");
		return DOCTOR_PEER_MALFORMED;
	}
	if (end_read(res, st->self_job, st->self_instance, st->t0, t1, &self) < 0 ||
	    end_read(res, st->peer_job, st->peer_instance, st->t0, t1, &peer) < 0) {
		say(pf, "out of memory");
		s = DOCTOR_PEER_MALFORMED;
		goto out;
	}
	if (isnan(self.t[E_NEXT]) || isnan(peer.t[E_NEXT]))
		goto out; /* not scraped twice since the run: ask again */
	*ret_ready = true;
	if (isnan(self.t[E_B0]) || isnan(peer.t[E_B0])) {
		say(pf, "no sample of %s in the %d s before the probe run",
		    isnan(self.t[E_B0]) ? pf->self_target : pf->peer_target,
		    DOCTOR_PROM_LOOKBACK_S);
		s = DOCTOR_PEER_STALE;
		goto out;
	}
	pf->window_s = fmax(self.t[E_B1] - self.t[E_B0], peer.t[E_B1] - peer.t[E_B0]);
	s = end_delta(&peer, pf->spi_in, pf->spi_out, pf);
	if (s != DOCTOR_PEER_OK)
		goto out;
	/* our own end: the SA whose SPIs are ours, not reversed */
	s = end_delta(&self, pf->spi_out, pf->spi_in, &mine);
	if (s != DOCTOR_PEER_OK) {
		say(pf, "our own target %s: %s", pf->self_target, mine.error);
		s = s == DOCTOR_PEER_REKEYED ? s : DOCTOR_PEER_NO_SELF;
		goto out;
	}
	pf->self_known = true;
	pf->self_in_delta = mine.in_delta;
	pf->self_out_delta = mine.out_delta;
	pf->skew_out = skew(&self, &peer);
	pf->skew_back = skew(&peer, &self);
out:
	end_done(&self);
	end_done(&peer);
	return s;
}

enum doctor_peer_status doctor_prom_before(const struct doctor_prom_options *o,
                                           struct doctor_peer_facts *pf,
                                           struct doctor_prom_state *st)
{
	struct prom_api_result res;
	enum doctor_peer_status s;
	double t_a = clock_real_s(), t_b;

	pf->source = DOCTOR_PEER_SRC_PROMETHEUS;
	prom_api_init(&res);
	s = query(o, "ipsec_child_sa_info", &res, pf);
	t_b = clock_real_s();
	if (s == DOCTOR_PEER_OK)
		s = doctor_prom_find(&res, o->instance, (t_a + t_b) / 2, pf, st);
	prom_api_done(&res);
	st->t0 = clock_real_s() + st->offset;
	return s;
}

enum doctor_peer_status doctor_prom_after(const struct doctor_prom_options *o,
                                          struct doctor_peer_facts *pf,
                                          const struct doctor_prom_state *st)
{
	double t1 = clock_real_s() + st->offset;
	uint64_t deadline = clock_mono_ns() + (uint64_t)o->wait_ms * MS;
	struct buf expr;
	enum doctor_peer_status s;

	buf_init(&expr, 64u * 1024u);
	for (;;) {
		struct prom_api_result res;
		bool ready = false;

		buf_reset(&expr);
		if (doctor_prom_range_expr(&expr, st, pf->sender, clock_real_s() + st->offset) <
		        0 ||
		    buf_putc(&expr, '\0') < 0) {
			say(pf, "out of memory");
			s = DOCTOR_PEER_MALFORMED;
			break;
		}
		prom_api_init(&res);
		s = query(o, expr.data, &res, pf);
		if (s == DOCTOR_PEER_OK)
			s = doctor_prom_judge(&res, st, t1, pf, &ready);
		prom_api_done(&res);
		if (s != DOCTOR_PEER_OK || ready)
			break;
		if (clock_mono_ns() + 250 * MS > deadline) {
			say(pf, "no scrape of both %s and %s after the probe run within %u ms",
			    pf->self_target, pf->peer_target, o->wait_ms);
			s = DOCTOR_PEER_STALE;
			break;
		}
		poll(NULL, 0, 250);
	}
	buf_done(&expr);
	return s;
}
