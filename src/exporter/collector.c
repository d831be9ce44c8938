// SPDX-License-Identifier: Apache-2.0
/*
 * The scrape (see collector.h). One persistent VICI connection, because charon's VICI socket
 * has a listen backlog of 3 and an exporter that connects per scrape gets refused under load.
 * Every exchange with charon goes through vici_do(), so every VICI failure takes one path
 * (note_result): logged on state changes only (up -> down, and the first different error), so a
 * charon that is down for a day writes one line, not one per scrape; the connection closed;
 * readers told. Two locks: ->lock serialises the VICI session and the snapshots being filled;
 * ->pub_lock (a read-write lock) guards what readers see (the last complete snapshot and
 * certificates, whether charon answered) and is never held across VICI I/O, so the status page,
 * the health endpoints and the probes' lookups never wait for charon.
 *
 * Scrapes share the VICI round trip in flight (a single flight, gather_shared()): a scrape that
 * arrives while another one is reading charon waits for that read and renders its result, which
 * is fresh enough by definition (it ended after the scrape arrived). So two Prometheus servers
 * and a curl by hand cost charon one read, and none of them queues behind the others' reads.
 * Every scrape renders on its own from what was published: a generation (struct pub_gen) it
 * holds by reference, not under ->pub_lock, because a streamed answer (http_stream.h) renders at
 * the pace of its client, and a slow client must not hold up the next publish or anyone else.
 */
#include "exporter/collector.h"

#include "build_config.h"
#include "common/clock.h"
#include "common/limits.h"
#include "common/log.h"
#include "exporter/conn_proposals.h"
#include "exporter/daemon_collect.h"
#include "exporter/sa_foresee.h"
#include "exporter/sa_lookup.h"
#include "exporter/sa_metrics.h"
#include "exporter/snap_conns.h"
#include "exporter/xfrm_collect.h"
#include "swanctl/swanctl_file.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The last list-certs charon answered, shared by the generations published until the next. */
struct pub_certs {
	atomic_uint refs;
	struct sa_snapshot s;
};

/* One published read, held by reference by the scrapes that render it. When nobody holds the
 * one a publish replaces, its storage is the next read's; otherwise its last reader frees it. */
struct pub_gen {
	atomic_uint refs;
	struct sa_snapshot snap;   /* the last snapshot charon answered completely */
	struct daemon_collect own; /* charon's stats, IKE counters and pools, read with ->snap */
	struct pub_certs *certs;
};

/* What readers see, under ->pub_lock. */
struct collector_pub {
	struct pub_gen *gen; /* never NULL; empty until have_snap */
	bool have_snap;
	bool up;           /* the last exchange with charon succeeded */
	double checked_at; /* wall clock of that exchange, 0 = never */
	char error[200];   /* why it failed, when !up */
	char daemon[64], version[64];
};

struct collector {
	pthread_mutex_t lock; /* the VICI session and everything below but ->pub */
	struct collector_config cfg;
	struct vici_conn *vici;
	struct vici_msg msg; /* decode space, reused */
	struct sa_snapshot snap;
	struct snap_conns_reader conns; /* list-conns, decoded only where it changed */
	struct sa_snapshot certs;
	bool certs_fresh;              /* ->certs read completely and not published yet */
	struct sa_snapshot probe_snap; /* the probes' refreshes, kept apart from the scrape's */
	struct sa_counters *counters;
	/* stats, get-counters, get-pools */
	struct daemon_collect own;
	/* the kernel's SAs and policies */
	struct xfrm_collect xfrm;
	uint64_t certs_at_ms; /* monotonic time of the last list-certs, 0 = never */
	char daemon[64], version[64];
	struct swanctl_file *swanctl;     /* the configured proposals, NULL unless cfg.proposals */
	pthread_mutex_t proposals_lock;   /* ->swanctl: scrapes render concurrently */
	struct sa_silence_source silence; /* unanswered IKE requests; lookup NULL: none */
	bool up;
	void (*on_conn)(void *ctx, const char *conn);
	void *on_conn_ctx;
	int last_err;
	/* read by renderers without ->lock */
	_Atomic bool ready;
	_Atomic uint64_t scrapes, scrape_errors, reconnects, dropped, relisted;
	_Atomic size_t last_len[PROM_FORMAT_N]; /* per format: their sizes differ */
	/* the single flight of scrapes: one gather at a time, the others wait for its end */
	pthread_mutex_t flight_lock;
	pthread_cond_t flight_done;
	bool in_flight;
	uint64_t flights; /* gathers ended */
	int flight_err;   /* the last one's outcome */
	pthread_rwlock_t pub_lock;
	char source_why[200]; /* why ->cfg.source's last read failed */
	pthread_mutex_t
	    source_lock;           /* the source's state: its read, and renderers of its metrics */
	pthread_mutex_t xfrm_lock; /* ->xfrm: its write carries state, and renders run at once */
	bool xfrm_read;            /* under ->lock: this gather's read_xfrm() ran */
	uint32_t last_n_conns;     /* under ->lock: connections of the last list-conns, 0 unknown */
	/* under ->lock: the allocation of a generation that publish() replaced, none of its fields
	 * owned (their storage went back to ->snap and ->own): the next publish() takes it instead
	 * of calloc()ing 7 KB, most of it daemon_stats' plugin names, that it overwrites at once */
	struct pub_gen *spare;
	struct collector_pub pub;
};

static struct pub_certs *certs_new(void)
{
	struct pub_certs *p = calloc(1, sizeof(*p));

	if (p) {
		atomic_init(&p->refs, 1);
		sa_snapshot_init(&p->s);
	}
	return p;
}

static void certs_unref(struct pub_certs *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
		sa_snapshot_done(&p->s);
		free(p);
	}
}

static struct pub_gen *gen_new(void)
{
	struct pub_gen *g = calloc(1, sizeof(*g));

	if (g) {
		atomic_init(&g->refs, 1);
		sa_snapshot_init(&g->snap);
		daemon_collect_init(&g->own);
	}
	return g;
}

static void gen_free(struct pub_gen *g)
{
	if (!g)
		return;
	sa_snapshot_done(&g->snap);
	daemon_collect_done(&g->own);
	certs_unref(g->certs);
	free(g);
}

/* The published generation, held until gen_unref(). */
static struct pub_gen *gen_ref(struct collector *c, bool *ret_have)
{
	struct pub_gen *g;

	pthread_rwlock_rdlock(&c->pub_lock);
	g = c->pub.gen;
	atomic_fetch_add(&g->refs, 1);
	*ret_have = c->pub.have_snap;
	pthread_rwlock_unlock(&c->pub_lock);
	return g;
}

static void gen_unref(struct pub_gen *g)
{
	if (atomic_fetch_sub(&g->refs, 1) == 1)
		gen_free(g);
}

struct collector *collector_new(const struct collector_config *cfg)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = *cfg;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->flight_lock, NULL);
	pthread_mutex_init(&c->proposals_lock, NULL);
	pthread_cond_init(&c->flight_done, NULL);
	pthread_rwlock_init(&c->pub_lock, NULL);
	sa_snapshot_init(&c->snap);
	snap_conns_reader_init(&c->conns);
	sa_snapshot_init(&c->certs);
	sa_snapshot_init(&c->probe_snap);
	daemon_collect_init(&c->own);
	xfrm_collect_init(&c->xfrm);
	pthread_mutex_init(&c->source_lock, NULL);
	pthread_mutex_init(&c->xfrm_lock, NULL);
	c->vici = vici_conn_new(cfg->vici_socket, cfg->vici_timeout_ms);
	c->counters = sa_counters_new();
	if (cfg->proposals) {
		c->swanctl = swanctl_file_new(cfg->swanctl_conf);
		if (!c->swanctl) {
			collector_free(c);
			return NULL;
		}
	}
	c->pub.gen = gen_new();
	if (c->pub.gen && !(c->pub.gen->certs = certs_new())) {
		gen_free(c->pub.gen);
		c->pub.gen = NULL;
	}
	if (!c->vici || !c->counters || !c->pub.gen) {
		collector_free(c);
		return NULL;
	}
	return c;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	vici_conn_free(c->vici);
	sa_counters_free(c->counters);
	swanctl_file_free(c->swanctl);
	vici_msg_done(&c->msg);
	sa_snapshot_done(&c->snap);
	snap_conns_reader_done(&c->conns);
	sa_snapshot_done(&c->certs);
	sa_snapshot_done(&c->probe_snap);
	gen_free(c->pub.gen);
	free(c->spare); /* owns nothing */
	daemon_collect_done(&c->own);
	xfrm_collect_done(&c->xfrm);
	pthread_mutex_destroy(&c->source_lock);
	pthread_mutex_destroy(&c->xfrm_lock);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->flight_lock);
	pthread_mutex_destroy(&c->proposals_lock);
	pthread_cond_destroy(&c->flight_done);
	pthread_rwlock_destroy(&c->pub_lock);
	free(c);
}

struct sa_counters *collector_counters(struct collector *c)
{
	return c->counters;
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

/* Connect if needed, and learn the daemon's version once per connection; a new connection
 * forgets what was cached from the old one. */
static int vici_open(struct collector *c)
{
	int err;

	if (!vici_conn_connected(c->vici)) {
		if ((err = vici_conn_connect(c->vici)) < 0)
			return err;
		c->reconnects++;
		c->daemon[0] = '\0';
		c->certs_at_ms = 0;
	}
	if (c->daemon[0])
		return 0;
	if ((err = vici_conn_simple(c->vici, "version", NULL, NULL, NULL, &c->msg)) < 0)
		return err;
	copy_value(&c->msg, "daemon", c->daemon, sizeof(c->daemon));
	copy_value(&c->msg, "version", c->version, sizeof(c->version));
	return 0;
}

/* The outcome of every exchange with charon, success or failure: the one place that logs it,
 * closes a connection that failed, and tells the readers. */
static void note_result(struct collector *c, int err)
{
	const char *why = "", *via = c->cfg.source ? c->cfg.source->implementation : "vici";
	const char *path = c->cfg.source ? c->cfg.source->where : vici_conn_path(c->vici);

	if (err == 0) {
		if (!c->up)
			log_info("%s: connected to %s (%s %s)", via, path, c->daemon, c->version);
		c->up = true;
		atomic_store(&c->ready, true);
		c->last_err = 0;
	} else {
		why = c->cfg.source && c->source_why[0]  ? c->source_why
		      : vici_conn_last_error(c->vici)[0] ? vici_conn_last_error(c->vici)
		                                         : strerror(-err);
		if (c->up || c->last_err != err)
			log_warn("%s: %s: %s; reporting ipsec_up 0 and retrying", via, path, why);
		c->up = false;
		c->last_err = err;
	}
	pthread_rwlock_wrlock(&c->pub_lock);
	c->pub.up = c->up;
	c->pub.checked_at = clock_real_s();
	snprintf(c->pub.error, sizeof(c->pub.error), "%s", why);
	memcpy(c->pub.daemon, c->daemon, sizeof(c->pub.daemon));
	memcpy(c->pub.version, c->version, sizeof(c->pub.version));
	pthread_rwlock_unlock(&c->pub_lock);
	/* whatever was half-read is unusable: start from a fresh connection next time (after
	 * the error text was taken, which closing clears) */
	if (err < 0)
		vici_conn_close(c->vici);
}

/* Run @op over the VICI connection: the one way into charon. A connection kept from before
 * that turns out dead (charon restarted) is not an outage: @op runs once more on a fresh one.
 * @op must start its work over when called again. Under ->lock. */
static int vici_do(struct collector *c, int (*op)(struct collector *c, void *arg), void *arg)
{
	bool was_connected = vici_conn_connected(c->vici);
	int err;

	if (c->cfg.source) { /* no VICI session: @op reads the daemon through the source */
		err = op(c, arg);
		note_result(c, err);
		return err;
	}
	err = vici_open(c);
	if (err == 0)
		err = op(c, arg);
	if (err < 0 && was_connected && vici_conn_is_stale_error(err)) {
		vici_conn_close(c->vici);
		err = vici_open(c);
		if (err == 0)
			err = op(c, arg);
	}
	note_result(c, err);
	return err;
}

/* The kernel's tables: a netlink dump, never a wait for charon. Done while charon works on the
 * scrape's first request, so that the two overlap instead of adding up. Under ->lock. */
static void read_xfrm(struct collector *c)
{
	pthread_mutex_lock(&c->xfrm_lock);
	xfrm_collect_read(&c->xfrm);
	pthread_mutex_unlock(&c->xfrm_lock);
	c->xfrm_read = true;
}

/* One read of the other daemon into @into: the source's counterpart of list-conns + list-sas.
 * The kernel's tables are read first, and the source joins its SAs to them (its packet
 * counters) instead of dumping them again. */
static int source_read(struct collector *c, struct sa_snapshot *into)
{
	const struct collector_source *src = c->cfg.source;
	int err;

	sa_snapshot_reset(into);
	into->now = clock_real_s();
	c->source_why[0] = '\0';
	snprintf(c->daemon, sizeof(c->daemon), "%s", src->implementation);
	read_xfrm(c);
	pthread_mutex_lock(&c->source_lock);
	/* ->xfrm is written only under ->lock, as this runs: no render changes it meanwhile */
	err = src->read(src->ctx, into, c->xfrm.err == 0 ? &c->xfrm.table : NULL, c->version,
	                sizeof(c->version), c->source_why, sizeof(c->source_why));
	pthread_mutex_unlock(&c->source_lock);
	return err;
}

static int op_none(struct collector *c, void *arg)
{
	(void)arg;
	/* another daemon answers only by being read */
	return c->cfg.source ? source_read(c, &c->probe_snap) : 0;
}

/* list-sas into @into (appended); noblock unless @block, so that a busy IKE SA does not stall
 * us. Always the full list (@conn NULL), never one narrowed to a connection: the counter store
 * must see every SA of every pair, or it would take the missing ones for ended. With @conn, only
 * that connection's IKE SAs (relist_skipped()). */
static int list_sas_send(struct collector *c, const char *conn, bool block)
{
	struct vici_builder b;
	uint8_t *req;
	size_t len;
	int err;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "list-sas");
	if (!block)
		vici_build_kv_str(&b, "noblock", "yes");
	if (conn)
		vici_build_kv_str(&b, "ike", conn);
	if ((err = vici_build_finish(&b, &req, &len)) < 0)
		return err;
	err = vici_conn_send(c->vici, req, len, "list-sa");
	free(req);
	return err;
}

static int list_sas(struct collector *c, struct sa_snapshot *into, const char *conn, bool block)
{
	int err = list_sas_send(c, conn, block);

	return err < 0 ? err : vici_conn_recv(c->vici, on_list_sa, into, &c->msg);
}

/* The SAs alone, into ->probe_snap: the probes' fresh counters. */
static int op_list_sas(struct collector *c, void *arg)
{
	int err;

	(void)arg;
	sa_snapshot_reset(&c->probe_snap);
	c->probe_snap.now = clock_real_s();
	if (c->cfg.source)
		err = source_read(c, &c->probe_snap);
	else
		err = list_sas(c, &c->probe_snap, NULL, false);
	if (err < 0)
		return err;
	return sa_counters_update(c->counters, &c->probe_snap);
}

/*
 * list-sas with noblock=yes skips an IKE SA that another thread holds at that moment (a DPD or
 * a rekey in flight: with a thousand SAs and DPD every 5 s, one scrape in five missed some).
 * Such an SA is not down. Ask again, by connection name and after a short pause, for each
 * connection that the last snapshot listed an IKE SA of and this one lists none of
 * (sa_lookup_missing_conns()); what charon still does not list after that is gone. More than
 * RELIST_MAX missing at once is no busy SA but a real change (charon restarted): taken as it is.
 * The names point into the published snapshot, which only publish() replaces, under ->lock as
 * this is.
 */
#define RELIST_MAX 64
#define RELIST_TRIES 3
#define RELIST_PAUSE_MS 10

static int relist_skipped(struct collector *c)
{
	const char *conns[RELIST_MAX];
	size_t n = 0;

	pthread_rwlock_rdlock(&c->pub_lock);
	if (c->pub.have_snap)
		n = sa_lookup_missing_conns(&c->pub.gen->snap, &c->snap, conns, RELIST_MAX);
	pthread_rwlock_unlock(&c->pub_lock);
	if (n > RELIST_MAX)
		return 0;
	for (unsigned t = 0; t < RELIST_TRIES && n; t++) {
		size_t left = 0;

		/* 10 ms, then 40 ms: a busy SA is held for a message's processing, not longer. A
		 * loaded charon can hold it longer: the last try waits for it (blocking list-sas),
		 * so that only an SA charon no longer has reads down */
		bool last = t + 1 == RELIST_TRIES;

		if (!last)
			nanosleep(&(struct timespec){.tv_nsec = (long)(RELIST_PAUSE_MS << (2 * t)) *
			                                        1000000L},
			          NULL);
		for (size_t i = 0; i < n; i++) {
			uint32_t from = c->snap.n_ikes;
			int err = list_sas(c, &c->snap, conns[i], last);

			if (err < 0)
				return err;
			sa_snapshot_keep_conn(&c->snap, from, conns[i]);
			if (c->snap.n_ikes > from)
				c->relisted += c->snap.n_ikes - from;
			else
				conns[left++] = conns[i];
		}
		n = left;
	}
	return 0;
}

/* The requests after list-conns and list-sas: get-counters and get-pools, and the certificates
 * when due. get-counters asks per connection only up to IKE_COUNTERS_CONNS_MAX of them
 * (@n_conns). */
static int send_rest(struct collector *c, uint32_t n_conns, bool certs_due)
{
	int err = daemon_collect_send(&c->own, c->vici, n_conns);

	if (err == 0 && certs_due)
		err = vici_conn_send_simple(c->vici, "list-certs", "list-cert");
	return err;
}

/*
 * A whole read into ->snap: loaded connections, SAs, charon's own answers (stats, get-counters,
 * get-pools), and now and then the certificates.
 * - `stats` goes first and alone (daemon_collect_send_stats() says why); the kernel's tables
 *   are dumped while charon answers it.
 * - The rest is pipelined (vici_conn.h) and the answers read in the order sent. get-counters
 *   depends on how many connections there are, which list-conns tells: with the last read's
 *   count under half the per-connection bound, everything goes out at once, one wait for
 *   charon; else (and at the first read) the rest goes out once list-conns has answered, two
 *   waits. (The connections would have to double between two scrapes for a per-connection
 *   answer to pass VICI's size limit: that scrape fails, the next one asks in two steps.)
 */
static int op_collect(struct collector *c, void *arg)
{
	uint64_t now_ms = clock_mono_ms();
	const uint32_t *decoded;
	uint32_t n_decoded;
	bool certs_due, first, early;
	int err;

	(void)arg;
	if (c->cfg.source) {
		if ((err = source_read(c, &c->snap)) < 0)
			return err;
		for (uint32_t i = 0; c->on_conn && i < c->snap.n_conns; i++)
			c->on_conn(c->on_conn_ctx, c->snap.conns[i].name);
		return sa_counters_update(c->counters, &c->snap);
	}
	sa_snapshot_reset(&c->snap);
	c->snap.now = clock_real_s();
	/* sent now, not with the first read: the kernel's tables are dumped while charon answers */
	if ((err = daemon_collect_send_stats(c->vici)) < 0 || (err = vici_conn_flush(c->vici)) < 0)
		return err;
	if (!c->xfrm_read) /* once per gather, though vici_do() may run this twice */
		read_xfrm(c);
	if ((err = daemon_collect_recv_stats(&c->own, c->vici, &c->msg, c->snap.now)) < 0)
		return err;
	/* The first read has no earlier list to find a skipped SA by (relist_skipped()): it waits
	 * for busy SAs instead, so that no connection reads down in it for a DPD in flight. */
	pthread_rwlock_rdlock(&c->pub_lock);
	first = !c->pub.have_snap;
	pthread_rwlock_unlock(&c->pub_lock);
	certs_due =
	    !c->certs_at_ms || now_ms - c->certs_at_ms >= (uint64_t)c->cfg.cert_interval_s * 1000;
	early = c->last_n_conns && c->last_n_conns <= IKE_COUNTERS_CONNS_MAX / 2;
	snap_conns_begin(&c->conns);
	if ((err = vici_conn_send_simple(c->vici, "list-conns", "list-conn")) < 0 ||
	    (err = list_sas_send(c, NULL, first)) < 0 ||
	    (early && (err = send_rest(c, c->last_n_conns, certs_due)) < 0) ||
	    (err = vici_conn_recv_raw(c->vici, snap_conns_event, &c->conns, &c->msg)) < 0 ||
	    (err = snap_conns_end(&c->conns, &c->snap)) < 0)
		return err;
	c->last_n_conns = c->snap.n_conns;
	/* only connections new or changed since the last read: the callee keeps what it heard */
	decoded = snap_conns_decoded(&c->conns, &n_decoded);
	for (uint32_t i = 0; c->on_conn && i < n_decoded; i++)
		c->on_conn(c->on_conn_ctx, c->snap.conns[decoded[i]].name);
	if ((!early && (err = send_rest(c, c->snap.n_conns, certs_due)) < 0) ||
	    (err = vici_conn_recv(c->vici, on_list_sa, &c->snap, &c->msg)) < 0 ||
	    (err = daemon_collect_recv(&c->own, c->vici, &c->msg)) < 0)
		return err;
	if (certs_due) {
		sa_snapshot_reset(&c->certs);
		c->certs_fresh = false;
		if ((err = vici_conn_recv(c->vici, on_list_cert, &c->certs, &c->msg)) < 0)
			return err;
		c->certs_fresh = true;
		c->certs_at_ms = now_ms ? now_ms : 1;
	}
	if ((err = relist_skipped(c)) < 0)
		return err;
	return sa_counters_update(c->counters, &c->snap);
}

/* ->snap (and ->certs when read anew), just read and used, become a new generation that readers
 * see. The next read gets the snapshot of the generation replaced when no scrape holds it any
 * more (the usual case), its memory given back until that read (sa_snapshot_release()), else
 * starts empty. Under ->lock, after a successful op_collect. Out of memory: readers keep the
 * last generation. */
static void publish(struct collector *c)
{
	struct pub_gen *g = c->spare ? c->spare : malloc(sizeof(*g)), *old;
	struct pub_certs *certs = NULL;
	struct sa_snapshot snap;

	c->spare = NULL;
	if (!g || (c->certs_fresh && !(certs = certs_new()))) {
		free(g); /* nothing in it is set yet */
		return;
	}
	atomic_init(&g->refs, 1);
	g->snap = c->snap;
	g->own = c->own;
	if (certs) {
		snap = certs->s;
		certs->s = c->certs;
		c->certs = snap;
		c->certs_fresh = false;
	}
	pthread_rwlock_wrlock(&c->pub_lock);
	old = c->pub.gen;
	if (!certs) {
		certs = old->certs;
		atomic_fetch_add(&certs->refs, 1);
	}
	g->certs = certs;
	c->pub.gen = g;
	c->pub.have_snap = true;
	pthread_rwlock_unlock(&c->pub_lock);
	if (atomic_fetch_sub(&old->refs, 1) == 1) {
		c->snap = old->snap;
		/* not resident until the next read needs it: renders peak on one snapshot */
		sa_snapshot_release(&c->snap);
		c->own = old->own;
		certs_unref(old->certs);
		c->spare = old;
	} else {
		sa_snapshot_init(&c->snap);
		daemon_collect_init(&c->own);
	}
	c->own.logged = g->own.logged; /* what was logged stays with the reading side */
}

bool collector_ready(struct collector *c)
{
	if (atomic_load(&c->ready))
		return true;
	/* not scraped yet: ask charon for its version, so that readiness does not wait for
	 * Prometheus to come by first; but never queue behind an exchange in progress */
	if (pthread_mutex_trylock(&c->lock) == 0) {
		if (!atomic_load(&c->ready))
			vici_do(c, op_none, NULL);
		pthread_mutex_unlock(&c->lock);
	}
	return atomic_load(&c->ready);
}

/* The exporter's own series; @up: the gather this scrape used succeeded. Under ->pub_lock. */
static void write_self(struct prom_writer *w, struct collector *c, bool up)
{
	struct prom_label bl[2] = {PROM_LABEL("version", IKEWATCH_VERSION),
	                           PROM_LABEL("revision", IKEWATCH_REVISION)};

	prom_family(w, "ipsec_up", PROM_GAUGE,
	            "1 when the IPsec daemon answered this scrape over VICI, else 0.");
	prom_sample_u64(w, NULL, 0, up);
	prom_family(w, "ikewatch_build_info", PROM_GAUGE,
	            "Always 1: the version and git revision of this ikewatch.");
	prom_sample_u64(w, bl, 2, 1);
	if (up) {
		const char *daemon = c->cfg.source ? c->cfg.source->implementation : "strongswan";
		/* "implementation": the label's first name, kept for dashboards that use it */
		struct prom_label dl[3] = {PROM_LABEL("daemon", daemon),
		                           PROM_LABEL("implementation", daemon),
		                           PROM_LABEL("version", c->pub.version)};

		prom_family(w, "ipsec_daemon_info", PROM_GAUGE,
		            "Always 1: the IPsec daemon (strongswan, libreswan) and its version; "
		            "implementation is the deprecated name of daemon.");
		prom_sample_u64(w, dl, 3, 1);
	}
	prom_family(w, "ikewatch_scrapes_total", PROM_COUNTER, "Scrapes served.");
	prom_sample_u64(w, NULL, 0, c->scrapes);
	prom_family(w, "ikewatch_scrape_errors_total", PROM_COUNTER,
	            "Scrapes in which the daemon could not be read (see the log for why).");
	prom_sample_u64(w, NULL, 0, c->scrape_errors);
	prom_family(w, "ikewatch_vici_connects_total", PROM_COUNTER,
	            "VICI connections opened (1 plus reconnects).");
	prom_sample_u64(w, NULL, 0, c->reconnects);
	prom_family(w, "ikewatch_ike_sas_relisted_total", PROM_COUNTER,
	            "IKE SAs that list-sas skipped because they were busy, found by asking again.");
	prom_sample_u64(w, NULL, 0, c->relisted);
	prom_family(w, "ikewatch_series_dropped_total", PROM_COUNTER,
	            "Series not exported because a label-cardinality limit was reached.");
	prom_sample_u64(w, NULL, 0, c->dropped);
}

void collector_on_silence(struct collector *c, const struct sa_silence_source *src)
{
	pthread_mutex_lock(&c->lock);
	c->silence = *src;
	pthread_mutex_unlock(&c->lock);
}

void collector_on_conn(struct collector *c, void (*fn)(void *ctx, const char *conn), void *ctx)
{
	pthread_mutex_lock(&c->lock);
	c->on_conn = fn;
	c->on_conn_ctx = ctx;
	snap_conns_reader_forget(&c->conns); /* so that @fn hears of every connection */
	pthread_mutex_unlock(&c->lock);
}

/* The configured proposals, read again only when swanctl.conf changed; whether it can be read
 * is logged when that changes, never per scrape. Written whether charon is up or not: it is
 * configuration. Scrapes render concurrently: one at a time here (the refresh rereads). */
static int write_proposals(struct prom_writer *w, struct collector *c)
{
	int err;

	if (!c->swanctl)
		return 0;
	pthread_mutex_lock(&c->proposals_lock);
	if (swanctl_file_refresh(c->swanctl)) {
		const struct swanctl_conf *conf = swanctl_file_conf(c->swanctl);

		if (conf)
			log_info("read the proposals of %zu connection(s) from %s", conf->n_conns,
			         swanctl_file_path(c->swanctl));
		else
			log_warn("configured proposals not exported: %s",
			         swanctl_file_error(c->swanctl));
	}
	err = conn_proposals_write(w, swanctl_file_conf(c->swanctl));
	pthread_mutex_unlock(&c->proposals_lock);
	return err;
}

/* One read of charon into the published state, shared by the scrapes that arrive while it runs:
 * the first one reads, the others wait for its end and take its outcome. 0 or the VICI error. */
static int gather_shared(struct collector *c)
{
	uint64_t seen;
	int err;

	pthread_mutex_lock(&c->flight_lock);
	if (c->in_flight) {
		seen = c->flights;
		while (c->flights == seen)
			pthread_cond_wait(&c->flight_done, &c->flight_lock);
		err = c->flight_err;
		pthread_mutex_unlock(&c->flight_lock);
		return err;
	}
	c->in_flight = true;
	pthread_mutex_unlock(&c->flight_lock);

	pthread_mutex_lock(&c->lock);
	c->xfrm_read = false;
	err = vici_do(c, op_collect, NULL); /* the kernel's tables too (read_xfrm()) */
	if (err == 0)
		publish(c);
	if (!c->xfrm_read) /* charon unreachable: the kernel's tables all the same */
		read_xfrm(c);
	/* the render comes next: the read buffer (64 KiB at 1,000 SAs) is not needed there */
	vici_conn_trim(c->vici);
	pthread_mutex_unlock(&c->lock);

	pthread_mutex_lock(&c->flight_lock);
	c->in_flight = false;
	c->flight_err = err;
	c->flights++;
	pthread_cond_broadcast(&c->flight_done);
	pthread_mutex_unlock(&c->flight_lock);
	return err;
}

/* Render generation @g; @up: the gather succeeded and @g holds a snapshot. Without ->pub_lock:
 * the output may stream at a client's pace, so what is written under a lock others need is
 * held in the buffer (buf_hold()) until the lock is released. */
static int render(struct collector *c, struct prom_writer *w, struct pub_gen *g, bool up,
                  uint64_t t0)
{
	struct sa_view view = {0};
	uint64_t dropped = 0;
	size_t last = atomic_load(&c->last_len[w->format]);
	int err = 0;

	if (up && (err = sa_view_build(&g->snap, &view)) < 0)
		return err;
	/* the exposition of the last scrape says how much this one needs: one allocation */
	if (last)
		buf_hint(w->out, last + last / 8);
	if (up) {
		struct sa_metrics_opts opts = {.redact_ids = c->cfg.redact_ids};

		err = sa_metrics_write(w, &g->snap, &view, c->counters, &opts, &dropped);
		if (err < 0)
			goto out;
		sa_metrics_write_certs(w, &g->certs->s);
		sa_metrics_write_foresee(w, &g->snap, &view, &g->certs->s,
		                         c->silence.lookup ? &c->silence : NULL);
		daemon_collect_write(w, &g->own);
		if (c->cfg.source && c->cfg.source->write_metrics) {
			buf_hold(w->out);
			pthread_mutex_lock(&c->source_lock);
			c->cfg.source->write_metrics(c->cfg.source->ctx, w);
			pthread_mutex_unlock(&c->source_lock);
			buf_unhold(w->out);
		}
		c->dropped += dropped;
	}
	buf_hold(w->out);
	err = write_proposals(w, c);
	buf_unhold(w->out);
	if (err < 0)
		goto out;
	buf_hold(w->out);
	pthread_mutex_lock(&c->xfrm_lock);
	err = xfrm_collect_write(w, &c->xfrm, up ? &g->snap : NULL);
	pthread_mutex_unlock(&c->xfrm_lock);
	buf_unhold(w->out);
	if (err < 0)
		goto out;
	buf_hold(w->out);
	pthread_rwlock_rdlock(&c->pub_lock);
	write_self(w, c, up);
	pthread_rwlock_unlock(&c->pub_lock);
	buf_unhold(w->out);
	prom_family(w, "ikewatch_scrape_duration_seconds", PROM_GAUGE,
	            "Time this scrape took to read the daemon and render the metrics.");
	prom_sample(w, NULL, 0, (double)(clock_mono_ns() - t0) / 1e9);
	atomic_store(&c->last_len[w->format], buf_total(w->out));
out:
	sa_view_done(&view);
	return err;
}

int collector_scrape(struct collector *c, struct prom_writer *w)
{
	uint64_t t0 = clock_mono_ns();
	struct pub_gen *g;
	bool have;
	int err;

	c->scrapes++;
	err = gather_shared(c);
	if (err < 0)
		c->scrape_errors++;
	g = gen_ref(c, &have);
	err = render(c, w, g, err == 0 && have, t0);
	gen_unref(g);
	return err;
}

int collector_child_packets(struct collector *c, const char *conn, const char *child,
                            uint64_t *ret_out, uint64_t *ret_in)
{
	struct sa_totals t;
	bool found;
	int err;

	pthread_mutex_lock(&c->lock);
	err = vici_do(c, op_list_sas, NULL);
	found = err == 0 && sa_lookup_has_child(&c->probe_snap, conn, child);
	pthread_mutex_unlock(&c->lock);
	if (err < 0)
		return err;
	sa_counters_get(c->counters, conn, child, &t);
	if (!found && t.packets_out == 0 && t.packets_in == 0)
		return -ENOENT;
	*ret_out = t.packets_out;
	*ret_in = t.packets_in;
	return 0;
}

uint32_t collector_child_newest(struct collector *c, const char *conn, const char *child)
{
	uint32_t id;

	pthread_mutex_lock(&c->lock);
	id = sa_lookup_child_newest(&c->probe_snap, conn, child);
	pthread_mutex_unlock(&c->lock);
	return id;
}

/* Read charon now if it never answered a full read yet, so that a probe started before the
 * first scrape finds its tunnel without waiting for Prometheus. */
static void ensure_published(struct collector *c)
{
	bool have;

	pthread_rwlock_rdlock(&c->pub_lock);
	have = c->pub.have_snap;
	pthread_rwlock_unlock(&c->pub_lock);
	if (have)
		return;
	pthread_mutex_lock(&c->lock);
	if (vici_do(c, op_collect, NULL) == 0)
		publish(c);
	pthread_mutex_unlock(&c->lock);
}

int collector_find_child(struct collector *c, const struct sockaddr *target, char *ret_conn,
                         size_t conn_len, char *ret_child, size_t child_len)
{
	int err;

	ensure_published(c);
	pthread_rwlock_rdlock(&c->pub_lock);
	err = sa_lookup_find_child(&c->pub.gen->snap, target, ret_conn, conn_len, ret_child,
	                           child_len);
	pthread_rwlock_unlock(&c->pub_lock);
	return err;
}

int collector_source_in_local_ts(struct collector *c, const char *conn, const char *child,
                                 const struct sockaddr *source)
{
	int r;

	pthread_rwlock_rdlock(&c->pub_lock);
	r = sa_lookup_source_in_local_ts(&c->pub.gen->snap, conn, child, source);
	pthread_rwlock_unlock(&c->pub_lock);
	return r;
}

int collector_with_view(struct collector *c, collector_view_fn fn, void *ctx)
{
	struct sa_view v = {0};
	int err;

	pthread_mutex_lock(&c->lock);
	err = vici_do(c, op_collect, NULL);
	if (err < 0) {
		char why[sizeof(c->pub.error)];

		pthread_rwlock_rdlock(&c->pub_lock);
		memcpy(why, c->pub.error, sizeof(why));
		pthread_rwlock_unlock(&c->pub_lock);
		fn(ctx, &c->snap, &v, false, why);
	} else if ((err = sa_view_build(&c->snap, &v)) == 0) {
		fn(ctx, &c->snap, &v, true, NULL);
		sa_view_done(&v);
		publish(c);
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

int collector_with_last(struct collector *c, collector_last_fn fn, void *ctx)
{
	struct collector_last l = {0};
	struct sa_view v = {0};
	int err = 0;

	pthread_rwlock_rdlock(&c->pub_lock);
	if (c->pub.have_snap && (err = sa_view_build(&c->pub.gen->snap, &v)) == 0) {
		l.snap = &c->pub.gen->snap;
		l.view = &v;
	}
	l.up = c->pub.up;
	l.checked_at = c->pub.checked_at;
	l.error = c->pub.error;
	l.daemon = c->pub.daemon;
	l.version = c->pub.version;
	l.vici_path = c->cfg.source ? c->cfg.source->where : vici_conn_path(c->vici);
	l.redact_ids = c->cfg.redact_ids;
	fn(ctx, &l);
	sa_view_done(&v);
	pthread_rwlock_unlock(&c->pub_lock);
	return err;
}
