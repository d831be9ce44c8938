// SPDX-License-Identifier: Apache-2.0
/*
 * The doctor's gathering pass. Order matters a little: the daemon's view first (it names the
 * connections), then configured lifetimes, the log (which adds what happened), the kernel, and
 * last the probes, whose CHILD SA counters are read just before and after so that a one-way
 * data plane shows as "out grew, in did not" (the signature of a lost direction with
 * kernel-libipsec, where the kernel has no SA counters of its own).
 */
#include "doctor/doctor_gather.h"

#include "common/clock.h"
#include "common/file_read.h"
#include "doctor/doctor_log.h"
#include "doctor/doctor_peer.h"
#include "doctor/doctor_proposals.h"
#include "doctor/doctor_xfrm.h"
#include "exporter/charon_retx.h"
#include "exporter/collector.h"
#include "probe/probe_icmp_text.h"
#include "probe/probe_mtu.h"
#include "stamp/stamp_addr.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

static void copy_z(char *dst, size_t cap, const char *src)
{
	doctor_copy(dst, cap, src, src ? strlen(src) : 0);
}

struct view_ctx {
	struct doctor_facts *f;
};

static void take_view(void *ctx, const struct sa_snapshot *s, const struct sa_view *v, bool up,
                      const char *error)
{
	struct doctor_facts *f = ((struct view_ctx *)ctx)->f;

	f->charon_up = up;
	if (!up) {
		copy_z(f->charon_error, sizeof(f->charon_error), error ? error : "no answer");
		return;
	}
	f->now = s->now;
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct sa_view_conn *vc = &v->conns[i];
		const struct snap_ike *ike = vc->best;
		struct doctor_conn_facts *c = doctor_facts_conn(f, vc->name, strlen(vc->name));

		if (!c)
			continue;
		c->configured = vc->configured;
		c->up = vc->up;
		for (uint32_t k = 0; k < s->n_conns; k++) {
			const struct snap_conn *sc = &s->conns[k];

			if (strcmp(sc->name, vc->name) != 0)
				continue;
			copy_z(c->remote_addrs, sizeof(c->remote_addrs), sc->remote_addrs);
			/* the daemon's schedule for this connection, where it reports one (pluto);
			 * else the daemon's settings, below */
			if (sc->retx.timeout > 0)
				c->retx = sc->retx;
			/* the configured remote traffic selectors, for a daemon read without
			 * list-conns (charon's list-conns replaces them, with the local ones) */
			for (uint32_t j = 0; j < sc->n_children; j++) {
				struct doctor_child_facts *ch =
				    doctor_conn_child(c, sc->children[j]);

				if (ch && !ch->remote_ts[0])
					copy_z(ch->remote_ts, sizeof(ch->remote_ts),
					       sc->children_remote_ts[j]);
			}
		}
		if (ike) {
			copy_z(c->ike_state, sizeof(c->ike_state), ike->state);
			c->tasks_pending = ike->tasks_pending;
			c->initiator = ike->initiator;
			copy_z(c->nat, sizeof(c->nat), ike->nat);
			copy_z(c->local_host, sizeof(c->local_host), ike->local_host);
			copy_z(c->remote_host, sizeof(c->remote_host), ike->remote_host);
			c->established = ike->established;
			c->rekey_time = ike->rekey_time;
			c->reauth_time = ike->reauth_time;
			snprintf(c->ike_algs, sizeof(c->ike_algs), "%s/%s/%s/%s", ike->encr,
			         ike->integ, ike->prf, ike->dh_group);
		}
		for (uint32_t j = 0; j < vc->n_children; j++) {
			const struct sa_view_child *vch = &vc->children[j];
			const struct snap_child *sc = vch->best;
			struct doctor_child_facts *ch = doctor_conn_child(c, vch->name);

			if (!ch)
				continue;
			ch->configured = vch->configured;
			ch->up = vch->up;
			ch->use_in = vch->use_in;
			ch->use_out = vch->use_out;
			if (!sc)
				continue;
			copy_z(ch->state, sizeof(ch->state), sc->state);
			copy_z(ch->mode, sizeof(ch->mode), sc->mode);
			ch->spis = peer_parse_spi(sc->spi_in, &ch->spi_in) == 0 &&
			           peer_parse_spi(sc->spi_out, &ch->spi_out) == 0;
			ch->encap = sc->encap;
			ch->rekey_time = sc->rekey_time;
			ch->life_time = sc->life_time;
			ch->packets_in = sc->totals.packets_in;
			ch->packets_out = sc->totals.packets_out;
			snprintf(ch->algs, sizeof(ch->algs), "%s%s%s%s%s", sc->encr,
			         sc->integ[0] ? "/" : "", sc->integ, sc->dh_group[0] ? "/" : "",
			         sc->dh_group);
			if (!ch->local_ts[0])
				copy_z(ch->local_ts, sizeof(ch->local_ts), sc->local_ts);
			if (!ch->remote_ts[0])
				copy_z(ch->remote_ts, sizeof(ch->remote_ts), sc->remote_ts);
		}
	}
	for (uint32_t i = 0; i < s->n_certs; i++)
		doctor_facts_add_cert(f, s->certs[i].subject, s->certs[i].not_before,
		                      s->certs[i].not_after);
}

/* A list joined with ",", from a VICI list element. */
static void join_list(const struct vici_msg *m, uint32_t list, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	if (!list || m->elems[list].type != VICI_ELEM_LIST_START)
		return;
	vici_foreach_child(m, list, i)
	{
		const struct vici_elem *e = &m->elems[i];

		if (n + e->value_len + 2 >= cap)
			break;
		if (n)
			out[n++] = ',';
		memcpy(out + n, e->value, e->value_len);
		n += e->value_len;
		out[n] = '\0';
	}
}

static int take_conn(void *ctx, const struct vici_msg *m)
{
	struct doctor_facts *f = ctx;

	vici_foreach_child(m, 0, sec)
	{
		const struct vici_elem *e = &m->elems[sec];
		struct doctor_conn_facts *c;
		uint32_t children;
		int64_t v;

		if (e->type != VICI_ELEM_SECTION_START)
			continue;
		c = doctor_facts_conn(f, e->name, e->name_len);
		if (!c)
			continue;
		if (vici_get_i64(m, sec, "rekey_time", &v) == 0)
			c->cfg_rekey_time = v;
		if (vici_get_i64(m, sec, "reauth_time", &v) == 0)
			c->cfg_reauth_time = v;
		if (vici_get_i64(m, sec, "dpd_delay", &v) == 0)
			c->cfg_dpd_delay = v;
		children = vici_find(m, sec, "children");
		if (!children || m->elems[children].type != VICI_ELEM_SECTION_START)
			continue;
		vici_foreach_child(m, children, cs)
		{
			const struct vici_elem *ce = &m->elems[cs];
			struct doctor_child_facts *ch;
			char name[64];

			if (ce->type != VICI_ELEM_SECTION_START || ce->name_len >= sizeof(name))
				continue;
			doctor_copy(name, sizeof(name), ce->name, ce->name_len);
			ch = doctor_conn_child(c, name);
			if (!ch)
				continue;
			if (vici_get_i64(m, cs, "rekey_time", &v) == 0)
				ch->cfg_rekey_time = v;
			join_list(m, vici_find(m, cs, "local-ts"), ch->local_ts,
			          sizeof(ch->local_ts));
			join_list(m, vici_find(m, cs, "remote-ts"), ch->remote_ts,
			          sizeof(ch->remote_ts));
		}
	}
	return 0;
}

static void gather_conns(const struct doctor_options *o, struct doctor_facts *f)
{
	struct vici_conn *vc = vici_conn_new(o->vici_socket, o->vici_timeout_ms);
	struct vici_msg resp = {0};

	if (!vc)
		return;
	vici_conn_simple(vc, "list-conns", "list-conn", take_conn, f, &resp);
	vici_msg_done(&resp);
	vici_conn_free(vc);
}

static void gather_log(const struct doctor_options *o, struct doctor_facts *f)
{
	char *text;
	size_t len;
	int r;

	if (!o->log_file)
		return;
	copy_z(f->log_path, sizeof(f->log_path), o->log_file);
	r = file_read_tail_lines(o->log_file, DOCTOR_LOG_TAIL_BYTES, DOCTOR_LOG_TAIL_LINES, &text,
	                         &len);
	if (r < 0) {
		copy_z(f->log_error, sizeof(f->log_error), strerror(-r));
		return;
	}
	doctor_log_feed_text(f, text, len);
	f->log_read = true;
	free(text);
}

static void gather_xfrm(struct doctor_facts *f)
{
	int r = doctor_xfrm_counts(&f->xfrm_states, &f->xfrm_policies);

	f->libipsec = doctor_xfrm_libipsec();
	if (r < 0)
		copy_z(f->xfrm_error, sizeof(f->xfrm_error), strerror(-r));
	else
		f->xfrm_read = true;
}

/* A short stream of probes: counts what came back. */
static int probe_run(const struct doctor_options *o, uint32_t *ret_sent, uint32_t *ret_recv,
                     uint32_t *ret_refused)
{
	struct probe_sess *s;
	uint64_t start, last = 0;
	uint32_t sent = 0, recv = 0, refused = 0, count = o->probe_count ? o->probe_count : 400;
	bool got[DOCTOR_PROBE_RUN_MAX] = {false};
	int r;

	if (count > DOCTOR_PROBE_RUN_MAX)
		count = DOCTOR_PROBE_RUN_MAX;
	r = probe_sess_open(o->probe, &s);
	if (r < 0)
		return r;
	start = clock_mono_ns();
	for (;;) {
		uint64_t now = clock_mono_ns(), next = start + sent * o->probe_interval_ns, wake;
		struct pollfd pfd = {.fd = probe_sess_fd(s), .events = POLLIN};
		struct probe_event ev;

		if (sent < count && now >= next) {
			probe_sess_send(s, sent, 0);
			sent++;
			last = now;
			continue;
		}
		if (sent == count && (recv == count || now - last >= o->probe_timeout_ns))
			break;
		wake = sent < count ? next : last + o->probe_timeout_ns;
		poll(&pfd, 1, wake > now ? (int)((wake - now + MS - 1) / MS) : 0);
		while (probe_sess_recv(s, &ev) == 0)
			if (ev.kind == PROBE_EV_REPLY && ev.reply.seq < count &&
			    !got[ev.reply.seq]) {
				got[ev.reply.seq] = true;
				recv++;
			} else if (probe_event_port_unreachable(&ev)) {
				refused++;
			}
	}
	probe_sess_free(s);
	*ret_sent = sent;
	*ret_recv = recv;
	*ret_refused = refused;
	return 0;
}

/* The peer before the probe run: which of its CHILD SAs is ours, and its counters (from its
 * /metrics, or which targets in Prometheus are the two ends). */
static void peer_before(const struct doctor_options *o, struct doctor_facts *f,
                        const struct doctor_child_facts *ch, struct doctor_peer_reading *ret,
                        struct doctor_prom_state *ps)
{
	struct doctor_peer_facts *pf = &f->peer;
	const char *url = o->prom.url ? o->prom.url : o->peer.url;
	uint64_t t0;

	if (!url)
		return;
	copy_z(pf->url, sizeof(pf->url), url);
	pf->source = o->prom.url ? DOCTOR_PEER_SRC_PROMETHEUS : DOCTOR_PEER_SRC_METRICS;
	/* only STAMP probes are what a reflector counts, by our source address */
	if (o->probe->has_source && o->probe->module == PROBE_MOD_STAMP)
		stamp_addr_format((const struct sockaddr *)&o->probe->source, pf->sender,
		                  sizeof(pf->sender));
	if (!ch || !ch->spis) {
		pf->status = DOCTOR_PEER_NO_MATCH;
		copy_z(pf->error, sizeof(pf->error),
		       "our CHILD SA for the probe target has no SPIs to look for");
		return;
	}
	pf->spi_in = ch->spi_in;
	pf->spi_out = ch->spi_out;
	t0 = clock_mono_ns();
	if (o->prom.url)
		pf->status = doctor_prom_before(&o->prom, pf, ps);
	else
		pf->status = doctor_peer_read(&o->peer, ch->spi_in, ch->spi_out, pf, ret);
	pf->elapsed_ms = (uint32_t)((clock_mono_ns() - t0) / MS);
}

/* The peer after the run: the same SA's counters, their growth during the run. */
static void peer_after(const struct doctor_options *o, struct doctor_facts *f,
                       const struct doctor_child_facts *ch, const struct doctor_peer_reading *p0,
                       const struct doctor_prom_state *ps)
{
	struct doctor_peer_facts *pf = &f->peer;
	struct doctor_peer_reading p1 = {0};
	uint64_t t0;

	if ((!o->peer.url && !o->prom.url) || pf->status != DOCTOR_PEER_OK)
		return;
	t0 = clock_mono_ns();
	if (o->prom.url) {
		pf->status = doctor_prom_after(&o->prom, pf, ps);
		pf->elapsed_ms += (uint32_t)((clock_mono_ns() - t0) / MS);
		return;
	}
	pf->status = doctor_peer_read(&o->peer, ch->spi_in, ch->spi_out, pf, &p1);
	pf->elapsed_ms += (uint32_t)((clock_mono_ns() - t0) / MS);
	if (pf->status == DOCTOR_PEER_NO_MATCH) {
		/* it matched a moment ago: our SA or the peer's was rekeyed during the run */
		pf->status = DOCTOR_PEER_REKEYED;
		return;
	}
	if (pf->status == DOCTOR_PEER_OK)
		pf->status = doctor_peer_delta(pf, p0, &p1);
}

static void gather_probe(const struct doctor_options *o, struct collector *col,
                         struct doctor_facts *f)
{
	struct doctor_conn_facts *c = NULL;
	char conn[64] = "", child[64] = "", target[64];
	struct doctor_child_facts *ch;
	struct doctor_peer_reading p0 = {0};
	struct doctor_prom_state ps = {0};
	uint64_t out0 = 0, in0 = 0, out1 = 0, in1 = 0;
	uint32_t sa0 = 0;
	bool counters, changed = false;
	uint32_t sent = 0, recv = 0, refused = 0;
	int r;

	f->probe_configured = true;
	stamp_addr_format((const struct sockaddr *)&o->probe->addr, target, sizeof(target));
	if (collector_find_child(col, (const struct sockaddr *)&o->probe->addr, conn, sizeof(conn),
	                         child, sizeof(child)) == 0)
		c = doctor_facts_find(f, conn);
	if (!c && o->conn)
		c = doctor_facts_find(f, o->conn);
	if (!c && f->n_conns == 1)
		c = &f->conns[0];
	if (!c) {
		snprintf(f->probe_error, sizeof(f->probe_error),
		         "no CHILD SA's remote traffic selector holds %s", target);
		return;
	}
	ch = child[0] ? doctor_conn_child(c, child) : NULL;
	counters = child[0] && collector_child_packets(col, conn, child, &out0, &in0) == 0;
	if (counters)
		sa0 = collector_child_newest(col, conn, child);
	peer_before(o, f, ch, &p0, &ps);
	r = probe_run(o, &sent, &recv, &refused);
	if (r < 0) {
		snprintf(f->probe_error, sizeof(f->probe_error), "%s: %s", target, strerror(-r));
		return;
	}
	counters = counters && collector_child_packets(col, conn, child, &out1, &in1) == 0;
	changed = counters && collector_child_newest(col, conn, child) != sa0;
	peer_after(o, f, ch, &p0, &ps);
	copy_z(c->probe_child, sizeof(c->probe_child), child);
	c->probed = true;
	copy_z(c->probe_target, sizeof(c->probe_target), target);
	c->probe_sent = sent;
	c->probe_received = recv;
	c->probe_refused = refused;
	c->probe_counters = counters && !changed;
	c->probe_sa_changed = changed;
	c->probe_out_delta = counters && out1 > out0 ? out1 - out0 : 0;
	c->probe_in_delta = counters && in1 > in0 ? in1 - in0 : 0;
	/* an MTU search only means something when small probes pass */
	if (o->mtu && recv > 0) {
		struct probe_mtu_result res;
		static const int no_stop;

		r = probe_mtu_run(o->probe, o->mtu_min, o->mtu_max, o->mtu_retries,
		                  o->mtu_timeout_ns, NULL, NULL, &no_stop, &res);
		if (r == 0) {
			c->mtu_ran = true;
			c->path_mtu = res.path_mtu;
			c->mtu_blackhole = res.blackhole;
			c->mtu_icmp_seen = res.icmp_seen;
		}
	}
}

/* The daemon's own state: charon's over VICI, or what the other daemon's source gives. */
static void daemon_gather(const struct doctor_options *o, double now, struct doctor_daemon_facts *d)
{
	if (!o->daemon)
		doctor_daemon_gather(o->vici_socket, o->vici_timeout_ms, now, d);
	else if (o->daemon->gather)
		o->daemon->gather(o->daemon->ctx, now, d);
}

int doctor_gather(const struct doctor_options *o, struct doctor_facts *f)
{
	struct view_ctx vctx = {.f = f};
	struct collector *col;

	const struct doctor_daemon_source *ds = o->daemon;
	bool charon = !ds;

	f->now = clock_real_s();
	copy_z(f->vici_socket, sizeof(f->vici_socket), charon ? o->vici_socket : ds->where);
	if (!charon)
		copy_z(f->daemon_name, sizeof(f->daemon_name), ds->name);
	col = collector_new(&(struct collector_config){.source = charon ? NULL : ds->collector,
	                                               .vici_socket = o->vici_socket,
	                                               .vici_timeout_ms = o->vici_timeout_ms,
	                                               .cert_interval_s = 0});
	if (!col)
		return -ENOMEM;
	collector_with_view(col, take_view, &vctx);
	if (f->charon_up && charon)
		gather_conns(o, f);
	if (f->charon_up)
		daemon_gather(o, f->now, &f->daemon);
	gather_log(o, f);
	gather_xfrm(f);
	/* swanctl.conf's proposals and strongswan.conf's retransmits are charon's (when they
	 * cannot be read, the defaults stay); another daemon's retransmits are its own */
	if (charon) {
		f->proposals = doctor_proposals_gather(o->swanctl_conf, &o->peer);
		charon_retx_load(o->strongswan_conf, &f->retx, (char[200]){0}, 200);
	} else {
		if (ds->proposals)
			f->proposals = doctor_proposals_gather_daemon(
			    ds->proposals, ds->ctx, &ds->proposal_words, &o->peer);
		if (ds->retx_default.timeout > 0)
			f->retx = ds->retx_default;
	}
	for (uint32_t i = 0; i < f->n_conns; i++)
		if (f->conns[i].retx.timeout <= 0)
			f->conns[i].retx = f->retx;
	if (o->probe && f->charon_up)
		gather_probe(o, col, f);
	/* again: what the IKE counters gained during the run */
	if (f->charon_up)
		daemon_gather(o, clock_real_s(), &f->daemon);
	collector_free(col);
	return 0;
}
