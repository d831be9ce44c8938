// SPDX-License-Identifier: Apache-2.0
/*
 * Continuous probing for `serve`. The probe thread owns the sessions; each target's statistics
 * sit behind its own mutex, taken briefly by the probe thread, the MTU thread and the metrics
 * writer. A target whose socket cannot be opened (address not yet configured, tunnel down) is
 * retried every few seconds and shows as sending nothing.
 */
#include "probe/probe_set.h"

#include "common/clock.h"
#include "common/log.h"
#include "probe/probe_mtu.h"
#include "probe/probe_stats.h"
#include "probe/sa_ledger.h"
#include "prom/prom_writer.h"
#include "stamp/stamp_addr.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull
#define REOPEN_NS (5000 * MS)
#define LOOP_MAX_WAIT_MS 100
#define IN_TUNNEL_LAG_NS (50 * MS)
/* Probes the SA's counters may trail by at a window's end without losing the verdict. */
#define IN_TUNNEL_SLACK 1

struct tstate {
	struct probe_target_config cfg;
	struct probe_sess *sess;
	uint64_t next_send, reopen_at;
	pthread_mutex_t lock; /* guards everything below */
	struct probe_stats st;
	char conn[PROBE_NAME_MAX], child[PROBE_NAME_MAX];
	uint64_t win_sent0, win_recv0;
	struct sa_tunnel tun; /* probes against the CHILD SA's counters (sa_ledger.h) */
	bool warned_source;
	int in_tunnel;
	bool have_mtu, blackhole;
	uint32_t path_mtu;
	uint64_t next_mtu;
};

struct probe_set {
	struct probe_child_ops ops;
	struct tstate *t;
	size_t n;
	int stop;
	uint64_t win_start, window_ns; /* one window for the in-tunnel check of all targets */
	pthread_t probe_thread, mtu_thread;
	bool probe_started, mtu_started;
};

static void open_session(struct tstate *ts, uint64_t now)
{
	int e = probe_sess_open(&ts->cfg.t, &ts->sess);

	if (e < 0) {
		if (ts->reopen_at == 0)
			log_warn("probe %s (%s): cannot open: %s; retrying", ts->cfg.target,
			         probe_module_name(ts->cfg.t.module), strerror(-e));
		ts->sess = NULL;
		ts->reopen_at = now + REOPEN_NS;
		return;
	}
	ts->next_send = now;
}

/* Which CHILD SA the target belongs to: configured, or found by traffic selector. */
static void resolve_child(struct probe_set *s, struct tstate *ts, char *conn, char *child)
{
	if (ts->cfg.conn[0]) {
		memcpy(conn, ts->cfg.conn, PROBE_NAME_MAX);
		memcpy(child, ts->cfg.child[0] ? ts->cfg.child : ts->cfg.conn, PROBE_NAME_MAX);
		return;
	}
	conn[0] = child[0] = '\0';
	if (!s->ops.find_child ||
	    s->ops.find_child(s->ops.ctx, (const struct sockaddr *)&ts->cfg.t.addr, conn,
	                      PROBE_NAME_MAX, child, PROBE_NAME_MAX) < 0)
		conn[0] = child[0] = '\0';
}

/*
 * End of a window, for all targets at once: a CHILD SA must have carried at least the probes of
 * every target that claims it (their sum), or none of them is proven in the tunnel; with
 * per-target checks, a target that bypasses the tunnel would be "proven" by its neighbours'
 * traffic.
 */
struct wend {
	char conn[PROBE_NAME_MAX], child[PROBE_NAME_MAX];
	uint64_t out, in, sent, recv, cut;
	bool have;
};

static void window_end_all(struct probe_set *s, uint64_t now)
{
	struct wend *w = calloc(s->n, sizeof(*w));

	if (!w)
		return;
	/* Probes up to a cutoff IN_TUNNEL_LAG_NS ago: one sent just now may not be counted by the
	 * SA yet (kernel-libipsec encrypts in its own thread); it counts in the next window. */
	for (size_t i = 0; i < s->n; i++) {
		struct tstate *ts = &s->t[i];

		pthread_mutex_lock(&ts->lock);
		w[i].cut = probe_stats_sent_before(&ts->st, now - IN_TUNNEL_LAG_NS);
		w[i].sent = w[i].cut > ts->win_sent0 ? w[i].cut - ts->win_sent0 : 0;
		w[i].recv = ts->st.received - ts->win_recv0;
		pthread_mutex_unlock(&ts->lock);
	}
	for (size_t i = 0; i < s->n; i++) {
		struct tstate *ts = &s->t[i];

		resolve_child(s, ts, w[i].conn, w[i].child);
		w[i].have = w[i].conn[0] && s->ops.child_packets &&
		            s->ops.child_packets(s->ops.ctx, w[i].conn, w[i].child, &w[i].out,
		                                 &w[i].in) == 0;
		if (w[i].conn[0] && ts->cfg.t.has_source && s->ops.source_in_local_ts &&
		    !ts->warned_source &&
		    s->ops.source_in_local_ts(s->ops.ctx, w[i].conn, w[i].child,
		                              (const struct sockaddr *)&ts->cfg.t.source) == 0) {
			log_warn("probe %s: source address is outside the local traffic selector "
			         "of %s/%s: probes will not cross the tunnel",
			         ts->cfg.target, w[i].conn, w[i].child);
			ts->warned_source = true;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		struct tstate *ts = &s->t[i];
		uint64_t sum_sent = 0, sum_recv = 0;
		int in_tunnel = 0;

		for (size_t j = 0; j < s->n; j++)
			if (w[i].conn[0] && strcmp(w[i].conn, w[j].conn) == 0 &&
			    strcmp(w[i].child, w[j].child) == 0) {
				sum_sent += w[j].sent;
				sum_recv += w[j].recv;
			}
		pthread_mutex_lock(&ts->lock);
		if (strcmp(w[i].conn, ts->conn) != 0 || strcmp(w[i].child, ts->child) != 0)
			sa_tunnel_reset(&ts->tun); /* another SA: start over */
		log_debug("probe %s: window: sa %s/%s %s out +%" PRIu64 " in +%" PRIu64
		          ", probes of the SA sent %" PRIu64 " answered %" PRIu64,
		          ts->cfg.target, w[i].conn, w[i].child, w[i].have ? "found" : "unknown",
		          w[i].have && ts->tun.have_pk0 && w[i].out >= ts->tun.pk_out0
		              ? w[i].out - ts->tun.pk_out0
		              : 0,
		          w[i].have && ts->tun.have_pk0 && w[i].in >= ts->tun.pk_in0
		              ? w[i].in - ts->tun.pk_in0
		              : 0,
		          sum_sent, sum_recv);
		/* the SA's counters and ours may be a packet apart at a window's end, and a CHILD
		 * rekey may lose a few packets to the count (sa_ledger.h); probes that bypass the
		 * SA leave every window short */
		in_tunnel = sa_tunnel_window(&ts->tun, w[i].have, w[i].out, w[i].in, w[i].sent,
		                             sum_sent, sum_recv, IN_TUNNEL_SLACK);
		ts->in_tunnel = in_tunnel;
		log_debug("probe %s: in tunnel %d", ts->cfg.target, in_tunnel);
		memcpy(ts->conn, w[i].conn, sizeof(ts->conn));
		memcpy(ts->child, w[i].child, sizeof(ts->child));
		ts->win_sent0 = w[i].cut > ts->win_sent0 ? w[i].cut : ts->win_sent0;
		ts->win_recv0 += w[i].recv;
		pthread_mutex_unlock(&ts->lock);
	}
	s->win_start = now;
	free(w);
}

static void drain(struct tstate *ts)
{
	struct probe_event ev;
	bool reord;

	while (probe_sess_recv(ts->sess, &ev) == 0) {
		if (ev.kind != PROBE_EV_REPLY) {
			if (ev.kind == PROBE_EV_BAD)
				log_debug("probe %s: dropped a reply: %s", ts->cfg.target,
				          strerror(-ev.err));
			continue;
		}
		pthread_mutex_lock(&ts->lock);
		probe_stats_received(&ts->st, &ev.reply, &reord);
		pthread_mutex_unlock(&ts->lock);
	}
}

static void *probe_thread(void *arg)
{
	struct probe_set *s = arg;
	struct pollfd *pfd = calloc(s->n ? s->n : 1, sizeof(*pfd));

	if (!pfd)
		return NULL;
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint64_t now = clock_mono_ns(), wake = now + LOOP_MAX_WAIT_MS * MS;

		for (size_t i = 0; i < s->n; i++) {
			struct tstate *ts = &s->t[i];

			if (!ts->sess && now >= ts->reopen_at)
				open_session(ts, now);
			if (ts->sess && now >= ts->next_send) {
				uint32_t seq;

				pthread_mutex_lock(&ts->lock);
				seq = probe_stats_sent(&ts->st, now);
				pthread_mutex_unlock(&ts->lock);
				/* a failed send is a lost probe: the timeout will count it */
				probe_sess_send(ts->sess, seq, 0);
				ts->next_send += ts->cfg.interval_ns;
				if (ts->next_send < now)
					ts->next_send = now + ts->cfg.interval_ns;
			}
			pthread_mutex_lock(&ts->lock);
			probe_stats_tick(&ts->st, now);
			pthread_mutex_unlock(&ts->lock);
			if (ts->sess && ts->next_send < wake)
				wake = ts->next_send;
			pfd[i].fd = ts->sess ? probe_sess_fd(ts->sess) : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (now - s->win_start >= s->window_ns)
			window_end_all(s, now);
		if (poll(pfd, s->n, wake > now ? (int)((wake - now + MS - 1) / MS) : 0) <= 0)
			continue;
		for (size_t i = 0; i < s->n; i++)
			if (pfd[i].revents && s->t[i].sess)
				drain(&s->t[i]);
	}
	free(pfd);
	return NULL;
}

static void *mtu_thread(void *arg)
{
	struct probe_set *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint64_t now = clock_mono_ns();

		for (size_t i = 0; i < s->n && !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); i++) {
			struct tstate *ts = &s->t[i];
			struct probe_mtu_result r;
			struct probe_target t = ts->cfg.t;

			if (!ts->cfg.mtu_enabled || now < ts->next_mtu)
				continue;
			/* its own SSID, so that its probes do not disturb the loss figures */
			t.ssid = (uint16_t)(t.ssid ^ 0x8000);
			if (probe_mtu_run(&t, ts->cfg.mtu_min, ts->cfg.mtu_max, ts->cfg.mtu_retries,
			                  ts->cfg.timeout_ns, NULL, NULL, &s->stop, &r) == 0) {
				/* a search that loss cut short keeps the last good result: loss
				 * is ipsec_probe_lost_total's to report, not a smaller MTU */
				pthread_mutex_lock(&ts->lock);
				if (!r.inconclusive || !ts->have_mtu) {
					ts->have_mtu = !r.inconclusive;
					ts->path_mtu = r.path_mtu;
					ts->blackhole = r.blackhole;
				}
				pthread_mutex_unlock(&ts->lock);
			}
			ts->next_mtu = clock_mono_ns() + ts->cfg.mtu_interval_ns;
		}
		for (int k = 0; k < 10 && !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); k++)
			poll(NULL, 0, 100);
	}
	return NULL;
}

int probe_set_start(const struct probe_config *cfg, const struct probe_child_ops *ops,
                    struct probe_set **ret)
{
	struct probe_set *s;
	bool any_mtu = false;
	uint64_t now = clock_mono_ns();

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (ops)
		s->ops = *ops;
	s->t = calloc(cfg->n ? cfg->n : 1, sizeof(*s->t));
	if (!s->t) {
		free(s);
		return -ENOMEM;
	}
	s->n = cfg->n;
	for (size_t i = 0; i < s->n; i++) {
		struct tstate *ts = &s->t[i];
		struct probe_stats_config sc = {
		    .timeout_ns = cfg->targets[i].timeout_ns,
		    .interval_ns = cfg->targets[i].interval_ns,
		    .far_end = cfg->targets[i].far_end,
		    /* numbered apart from a stateful reflector's count: see probe_stats.h */
		    .first_seq =
		        cfg->targets[i].t.module == PROBE_MOD_STAMP ? PROBE_STAMP_FIRST_SEQ : 0,
		};
		uint64_t w = cfg->targets[i].window_ns / cfg->targets[i].interval_ns;

		ts->cfg = cfg->targets[i];
		sc.window = (uint32_t)(w < 1 ? 1 : w > PROBE_OUTCOMES_MAX ? PROBE_OUTCOMES_MAX : w);
		pthread_mutex_init(&ts->lock, NULL);
		probe_stats_init(&ts->st, &sc);
		if (s->window_ns == 0 || ts->cfg.window_ns < s->window_ns)
			s->window_ns = ts->cfg.window_ns;
		ts->next_mtu = now;
		any_mtu = any_mtu || ts->cfg.mtu_enabled;
	}
	s->win_start = now;
	if (s->n && pthread_create(&s->probe_thread, NULL, probe_thread, s) == 0)
		s->probe_started = true;
	if (any_mtu && pthread_create(&s->mtu_thread, NULL, mtu_thread, s) == 0)
		s->mtu_started = true;
	if ((s->n && !s->probe_started) || (any_mtu && !s->mtu_started)) {
		probe_set_free(s);
		return -EAGAIN;
	}
	*ret = s;
	return 0;
}

void probe_set_free(struct probe_set *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	if (s->probe_started)
		pthread_join(s->probe_thread, NULL);
	if (s->mtu_started)
		pthread_join(s->mtu_thread, NULL);
	for (size_t i = 0; i < s->n; i++) {
		probe_sess_free(s->t[i].sess);
		pthread_mutex_destroy(&s->t[i].lock);
		explicit_bzero(&s->t[i].cfg, sizeof(s->t[i].cfg));
	}
	free(s->t);
	free(s);
}

/* What the exposition needs of one target, copied under its lock. */
struct snap {
	char conn[PROBE_NAME_MAX], child[PROBE_NAME_MAX];
	uint64_t sent, received, dup, reord, lost[3];
	uint64_t cum[PROBE_RTT_BUCKETS], rtt_count;
	struct prom_native rtt_native;
	double rtt_sum, jitter, loss_ratio, owd[2];
	bool success, owd_valid, have_mtu, blackhole;
	uint32_t path_mtu;
	int in_tunnel;
};

static void take(struct tstate *ts, struct snap *p)
{
	pthread_mutex_lock(&ts->lock);
	memcpy(p->conn, ts->conn, sizeof(p->conn));
	memcpy(p->child, ts->child, sizeof(p->child));
	p->sent = ts->st.sent;
	p->received = ts->st.received;
	p->dup = ts->st.duplicated;
	p->reord = ts->st.reordered;
	p->lost[0] = ts->st.lost_forward;
	p->lost[1] = ts->st.lost_reverse;
	p->lost[2] = ts->st.lost_unknown;
	probe_stats_rtt_cumulative(&ts->st, p->cum);
	p->rtt_count = ts->st.rtt_count;
	p->rtt_native = ts->st.rtt_native;
	p->rtt_sum = ts->st.rtt_sum;
	p->jitter = ts->st.jitter_s;
	p->loss_ratio = probe_stats_window_loss(&ts->st);
	p->success = probe_stats_success(&ts->st);
	p->owd_valid = ts->st.owd_valid;
	p->owd[0] = ts->st.owd_fwd_s;
	p->owd[1] = ts->st.owd_rev_s;
	p->have_mtu = ts->have_mtu;
	p->path_mtu = ts->path_mtu;
	p->blackhole = ts->blackhole;
	p->in_tunnel = ts->in_tunnel;
	pthread_mutex_unlock(&ts->lock);
}

#define LBL(ts, p)                                                                                 \
	{                                                                                          \
		PROM_LABEL("target", (ts)->cfg.target), PROM_LABEL("conn", (p)->conn),             \
		    PROM_LABEL("child", (p)->child),                                               \
		    PROM_LABEL("module", probe_module_name((ts)->cfg.t.module)),                   \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

enum { F_SENT, F_RECV, F_DUP, F_REORD };

void probe_set_write_metrics(struct probe_set *s, struct prom_writer *w)
{
	static const char *const dirs[3] = {"forward", "reverse", "unknown"};
	struct snap *sn;

	if (!s || s->n == 0)
		return;
	sn = calloc(s->n, sizeof(*sn));
	if (!sn)
		return;
	for (size_t i = 0; i < s->n; i++)
		take(&s->t[i], &sn[i]);

	prom_family(w, "ipsec_probe_sent_total", PROM_COUNTER, "Probes sent.");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample_u64(w, l, 4, sn[i].sent);
	}
	prom_family(w, "ipsec_probe_received_total", PROM_COUNTER,
	            "Probes answered (first answer to each).");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample_u64(w, l, 4, sn[i].received);
	}
	prom_family(
	    w, "ipsec_probe_lost_total", PROM_COUNTER,
	    "Probes unanswered within the timeout, by direction (forward: to the reflector; "
	    "reverse: back; unknown: stateless far end or not yet decidable).");
	for (size_t i = 0; i < s->n; i++)
		for (int d = 0; d < 3; d++) {
			struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

			l[4] = PROM_LABEL("direction", dirs[d]);
			prom_sample_u64(w, l, 5, sn[i].lost[d]);
		}
	prom_family(w, "ipsec_probe_duplicated_total", PROM_COUNTER, "Duplicate answers.");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample_u64(w, l, 4, sn[i].dup);
	}
	prom_family(w, "ipsec_probe_reordered_total", PROM_COUNTER,
	            "Answers that arrived after one to a later probe (RFC 4737).");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample_u64(w, l, 4, sn[i].reord);
	}
	prom_family(w, "ipsec_probe_rtt_seconds", PROM_HISTOGRAM,
	            "Round-trip time, minus the reflector's dwell time for STAMP.");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_histogram_native(w, l, 4, probe_stats_rtt_bounds(), sn[i].cum,
		                      PROBE_RTT_BUCKETS, sn[i].rtt_sum, sn[i].rtt_count,
		                      &sn[i].rtt_native);
	}
	prom_family(w, "ipsec_probe_jitter_seconds", PROM_GAUGE,
	            "Interarrival jitter of the round-trip time (RFC 3550 A.8).");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample(w, l, 4, sn[i].jitter);
	}
	prom_family(w, "ipsec_probe_success", PROM_GAUGE,
	            "1 when at least one probe of the last window was answered.");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample(w, l, 4, sn[i].success);
	}
	prom_family(w, "ipsec_probe_loss_ratio", PROM_GAUGE,
	            "Share of the last window's probes that went unanswered (0..1).");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample(w, l, 4, sn[i].loss_ratio);
	}
	prom_family(w, "ipsec_probe_path_mtu_bytes", PROM_GAUGE,
	            "Largest IP packet that made the round trip with DF set (0: none did).");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		if (sn[i].have_mtu)
			prom_sample(w, l, 4, sn[i].path_mtu);
	}
	prom_family(w, "ipsec_probe_mtu_blackhole", PROM_GAUGE,
	            "1 when large probes vanish, small ones pass and no ICMP error comes back.");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		if (sn[i].have_mtu)
			prom_sample(w, l, 4, sn[i].blackhole);
	}
	prom_family(w, "ipsec_probe_in_tunnel", PROM_GAUGE,
	            "1 when the CHILD SA's packet counters advanced by at least the probes sent "
	            "and answered in the last window.");
	for (size_t i = 0; i < s->n; i++) {
		struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

		prom_sample(w, l, 4, sn[i].in_tunnel);
	}
	prom_family(w, "ipsec_probe_one_way_delay_seconds", PROM_GAUGE,
	            "One-way delay of the latest answered probe, only when both clocks report "
	            "synchronisation (STAMP Error Estimate S bit).");
	for (size_t i = 0; i < s->n; i++)
		for (int d = 0; d < 2 && sn[i].owd_valid; d++) {
			struct prom_label l[5] = LBL(&s->t[i], &sn[i]);

			l[4] = PROM_LABEL("direction", dirs[d]);
			prom_sample(w, l, 5, sn[i].owd[d]);
		}
	free(sn);
}

size_t probe_set_summaries(struct probe_set *s, struct probe_summary *ret, size_t cap)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < s->n && i < cap; i++) {
		struct probe_summary *r = &ret[i];
		struct snap p;

		take(&s->t[i], &p);
		memset(r, 0, sizeof(*r));
		memcpy(r->target, s->t[i].cfg.target, sizeof(r->target));
		memcpy(r->conn, p.conn, sizeof(r->conn));
		memcpy(r->child, p.child, sizeof(r->child));
		r->module = probe_module_name(s->t[i].cfg.t.module);
		r->sent = p.sent;
		r->received = p.received;
		r->loss_ratio = p.loss_ratio;
		r->rtt_count = p.rtt_count;
		memcpy(r->rtt_cum, p.cum, sizeof(r->rtt_cum));
		r->have_mtu = p.have_mtu;
		r->blackhole = p.blackhole;
		r->path_mtu = p.path_mtu;
		r->in_tunnel = p.in_tunnel;
	}
	return s->n;
}
