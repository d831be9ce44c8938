// SPDX-License-Identifier: Apache-2.0
/*
 * The event counter store (see event_counters.h). Connections are looked up by name in a
 * strmap and kept in an array in first-seen order, which is also the exposition order.
 *
 * A little state per connection turns single log lines into the right counts:
 *  - the last few outgoing requests (IKE SA unique id, message ID, exchange), so that
 *    "retransmit N of request with message ID M" is counted under its exchange;
 *  - what the last retransmitted request of each IKE SA was, so that "giving up after N
 *    retransmits" is named by the task whose retransmits ran out: dpd_timeout only for a DPD
 *    (an empty INFORMATIONAL request), rekey_failed for a rekey (CREATE_CHILD_SA with REKEY_SA,
 *    or without traffic selectors for the IKE SA), peer_unreachable for anything else, also for
 *    IKE_SA_INIT or IKE_AUTH (the peer was never reached) and when no request line told;
 *  - for lifecycle counting from logs: a CHILD rekey shows as a REKEY_SA request, a new CHILD SA
 *    "established" and the old one "closing"; an IKE rekey as "rekeyed" then "deleting" the old
 *    SA. A CHILD rekey is counted once, when the SA it replaces closes: in a rekey collision
 *    (RFC 7296 2.8.1) both sides' REKEY_SA requests create a new CHILD SA, and the redundant
 *    one closes again at once; counting new SAs would count that collision twice. This matches
 *    what VICI's child-rekey / ike-rekey events report (one per replaced SA, see
 *    event_counters_child_rekeyed()).
 */
#include "events/event_counters.h"

#include "common/array.h"
#include "common/limits.h"
#include "common/strmap.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define REQ_RING 8

/* What an outgoing request was for: names the failure when its retransmits run out. */
enum req_purpose {
	REQ_OTHER = 0,
	REQ_DPD,   /* empty INFORMATIONAL */
	REQ_REKEY, /* CREATE_CHILD_SA rekeying a CHILD SA or the IKE SA */
};

struct req_slot {
	uint32_t ike_id;
	uint32_t msgid;
	enum log_exchange exchange;
	enum req_purpose purpose;
	bool used;
	double sent; /* wall clock of the "generating" line */
};

/* A CHILD SA that a rekey created (from logs), until the rekey is settled. */
struct repl_slot {
	uint32_t uid;   /* CHILD SA unique id ("net{3}") */
	uint32_t child; /* index into conn_entry.children */
	bool used;
	bool settled; /* the SA it replaces has closed: the rekey is counted */
};

/* Old CHILD SA unique ids of the last VICI child-rekey events, per CHILD name: a won rekey
 * collision raises child-rekey twice for the same old SA. */
#define REKEYED_RING 4

struct child_entry {
	char *name;
	size_t len;
	uint64_t events[3]; /* installed, deleted, rekeyed */
	uint32_t rekeyed_old[REKEYED_RING];
	unsigned rekeyed_next;
};

/* What a connection's log lines about requests leave to be matched by later lines: the
 * requests sent, the newest retransmitted one, the CHILD SAs a rekey created. Allocated at the
 * first such line (track_get()) and freed when nothing in it waits for a later line any more
 * (requests_end()): every configured connection has an entry (up to 4,096), and most of them,
 * most of the time, have no request in flight (416 bytes, 1.7 MB at 4,096 connections;
 * docs/benchmarks.md, issue 16). */
struct conn_track {
	struct req_slot reqs[REQ_RING];
	unsigned req_next;
	uint32_t retx_ike_id;
	enum req_purpose retx_purpose;
	bool has_retx;
	struct event_retx outstanding; /* the newest retransmitted request, until answered */
	struct repl_slot repls[REQ_RING];
};

/* A connection's failures and retransmits, counted from the log alone: allocated at its first
 * failure or retransmit (faults_get()), as a healthy connection has none (152 bytes, 620 KB at
 * 4,096 connections). Until then it reads as zeros. */
struct conn_faults {
	uint64_t failures[LOG_FAIL_COUNT];
	uint64_t retransmits[LOG_EXCH_COUNT];
	uint16_t last_error;
	double last_error_ts;
	bool has_error;
};

struct conn_entry {
	char *name;
	size_t len;
	uint64_t ike_events[3];       /* established, deleted, rekeyed */
	struct conn_faults *faults;   /* NULL until the first failure or retransmit */
	unsigned ike_delete_suppress; /* "deleting IKE_SA" lines that end a rekey */
	unsigned child_rekey_pending; /* REKEY_SA requests whose new CHILD SA is not up yet */
	struct conn_track *track;     /* NULL until the first request or rekey */
	struct child_entry *children;
	size_t nchildren, cap;
};

struct event_counters {
	pthread_mutex_t lock;
	struct strmap by_name;
	struct conn_entry **conns;
	size_t nconns, cap;
	size_t total_children;
	uint64_t overflow;
	/* connections whose ->outstanding is active: event_counters_retx() is asked about every
	 * connection with an SA at every scrape, and nearly always none is; with none, it answers
	 * without a lookup by name (a hash of the name and a cold key compared: 3 % of a scrape) */
	size_t n_outstanding;
	size_t n_track;  /* connections with ->track */
	size_t n_faults; /* connections with ->faults */
	uint64_t lines;
	uint64_t truncated;
	struct event_failure recent[EVENT_RECENT_MAX]; /* a ring, ->recent_next is the oldest */
	size_t recent_next, recent_n;
};

struct event_counters *event_counters_new(void)
{
	struct event_counters *ec = calloc(1, sizeof(*ec));

	if (!ec)
		return NULL;
	if (pthread_mutex_init(&ec->lock, NULL) != 0) {
		free(ec);
		return NULL;
	}
	strmap_init(&ec->by_name);
	return ec;
}

static void conn_free(struct conn_entry *c)
{
	for (size_t i = 0; i < c->nchildren; i++)
		free(c->children[i].name);
	free(c->children);
	free(c->track);
	free(c->faults);
	free(c->name);
	free(c);
}

void event_counters_free(struct event_counters *ec)
{
	if (!ec)
		return;
	for (size_t i = 0; i < ec->nconns; i++)
		conn_free(ec->conns[i]);
	free(ec->conns);
	strmap_done(&ec->by_name);
	pthread_mutex_destroy(&ec->lock);
	free(ec);
}

static char *dup_span(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* Create without the cardinality check (for the overflow bucket itself). */
static struct conn_entry *conn_create(struct event_counters *ec, const char *name, size_t len)
{
	struct conn_entry *c;

	if (ARRAY_GROW(ec->conns, ec->nconns, ec->cap, 16, SIZE_MAX) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = dup_span(name, len);
	c->len = len;
	if (!c->name || strmap_put(&ec->by_name, name, len, c) < 0) {
		free(c->name);
		free(c);
		return NULL;
	}
	ec->conns[ec->nconns++] = c;
	return c;
}

/* Find or create the entry of @name; overflow and allocation failures land in "_other"
 * (NULL only if even that cannot be allocated). Caller holds the lock. */
static struct conn_entry *conn_get(struct event_counters *ec, const char *name, size_t len)
{
	struct conn_entry *c;

	if (!name || len == 0) {
		name = EVENT_CONN_UNKNOWN;
		len = strlen(name);
	}
	if (len > LABEL_VALUE_MAX)
		len = LABEL_VALUE_MAX;
	c = strmap_get(&ec->by_name, name, len);
	if (c)
		return c;
	if (ec->nconns < EXPORT_CONNS_MAX) {
		c = conn_create(ec, name, len);
		if (c)
			return c;
	}
	ec->overflow++;
	c = strmap_get(&ec->by_name, EVENT_CONN_OTHER, strlen(EVENT_CONN_OTHER));
	return c ? c : conn_create(ec, EVENT_CONN_OTHER, strlen(EVENT_CONN_OTHER));
}

static struct child_entry *child_get(struct event_counters *ec, struct conn_entry *c,
                                     const char *name, size_t len)
{
	struct child_entry *e;

	if (!name || len == 0) {
		name = EVENT_CONN_UNKNOWN;
		len = strlen(name);
	}
	if (len > LABEL_VALUE_MAX)
		len = LABEL_VALUE_MAX;
	for (size_t i = 0; i < c->nchildren; i++)
		if (c->children[i].len == len && memcmp(c->children[i].name, name, len) == 0)
			return &c->children[i];
	if (ec->total_children >= EXPORT_CHILDREN_MAX) {
		/* past the limit every new name shares this connection's "_other" entry */
		ec->overflow++;
		for (size_t i = 0; i < c->nchildren; i++)
			if (strcmp(c->children[i].name, EVENT_CONN_OTHER) == 0)
				return &c->children[i];
		name = EVENT_CONN_OTHER;
		len = strlen(name);
	}
	if (ARRAY_GROW(c->children, c->nchildren, c->cap, 4, SIZE_MAX) < 0)
		return NULL;
	e = &c->children[c->nchildren];
	memset(e, 0, sizeof(*e));
	e->name = dup_span(name, len);
	if (!e->name)
		return NULL;
	e->len = len;
	c->nchildren++;
	ec->total_children++;
	return e;
}

/* @c's request tracking, allocated at its first use; NULL only when out of memory (the
 * line is then counted without being matched to its request). */
static struct conn_track *track_get(struct event_counters *ec, struct conn_entry *c)
{
	if (!c->track && (c->track = calloc(1, sizeof(*c->track))))
		ec->n_track++;
	return c->track;
}

/* @c's failure counts, allocated at its first failure or retransmit; NULL only when out of
 * memory (the line then counts nothing). */
static struct conn_faults *faults_get(struct event_counters *ec, struct conn_entry *c)
{
	if (!c->faults && (c->faults = calloc(1, sizeof(*c->faults))))
		ec->n_faults++;
	return c->faults;
}

/* Requests of IKE SA @ike_id that no later line will be about: @msgid's (answered), or all of
 * them (@all: the SA gave up or is gone). Then @c's tracking is freed if nothing in it waits
 * for a later line, so that a connection holds it only while it has requests in flight or a
 * rekey to settle: DPDs and rekeys would otherwise give it to every connection the log
 * mentions. */
static void requests_end(struct event_counters *ec, struct conn_entry *c, uint32_t ike_id,
                         uint32_t msgid, bool all)
{
	struct conn_track *t = c->track;
	bool busy = false;

	if (!t)
		return;
	for (unsigned i = 0; i < REQ_RING; i++) {
		struct req_slot *r = &t->reqs[i];

		if (r->used && r->ike_id == ike_id && (all || r->msgid == msgid))
			r->used = false;
		busy = busy || r->used || t->repls[i].used;
	}
	if (busy || t->outstanding.active)
		return;
	free(t);
	c->track = NULL;
	ec->n_track--;
}

static const struct req_slot *request_find(const struct conn_entry *c, uint32_t ike_id,
                                           uint32_t msgid)
{
	const struct conn_track *t = c->track;

	for (unsigned i = 0; t && i < REQ_RING; i++)
		if (t->reqs[i].used && t->reqs[i].ike_id == ike_id && t->reqs[i].msgid == msgid)
			return &t->reqs[i];
	return NULL;
}

/* Count a failure; returns its kind. */
static enum log_failure count_failure(struct event_counters *ec, struct conn_entry *c,
                                      const struct log_class *lc, double now_s)
{
	struct conn_faults *f = faults_get(ec, c);
	enum log_failure kind = lc->failure;

	if (lc->giveup) {
		/* RFC 7296 2.4: no answer to retransmissions means the peer is gone. The kind names
		 * the task whose request went unanswered: a DPD, a rekey, or anything else (set-up,
		 * delete, MOBIKE, or a request no ENC line described), which says only that the
		 * peer could not be reached. */
		const struct conn_track *t = c->track;
		bool known = t && t->has_retx && t->retx_ike_id == lc->ike_id;

		kind = LOG_FAIL_PEER_UNREACHABLE;
		if (known && t->retx_purpose == REQ_DPD)
			kind = LOG_FAIL_DPD_TIMEOUT;
		else if (known && t->retx_purpose == REQ_REKEY)
			kind = LOG_FAIL_REKEY_FAILED;
	}
	if ((unsigned)kind >= LOG_FAIL_COUNT)
		kind = LOG_FAIL_OTHER;
	if (!f)
		return kind;
	f->failures[kind]++;
	if (lc->notify) {
		f->last_error = lc->notify;
		f->last_error_ts = now_s;
		f->has_error = true;
	}
	return kind;
}

static void remember_failure(struct event_counters *ec, const struct conn_entry *c,
                             enum log_failure kind, uint16_t notify, double now_s)
{
	struct event_failure *f = &ec->recent[ec->recent_next];

	memcpy(f->conn, c->name, c->len);
	f->conn[c->len] = '\0';
	f->kind = kind;
	f->notify = notify;
	f->at = now_s;
	ec->recent_next = (ec->recent_next + 1) % EVENT_RECENT_MAX;
	if (ec->recent_n < EVENT_RECENT_MAX)
		ec->recent_n++;
}

static void repl_add(struct event_counters *ec, struct conn_entry *c, uint32_t uid, uint32_t child)
{
	struct conn_track *t = track_get(ec, c);
	struct repl_slot *free_slot = NULL;

	if (!t)
		return; /* out of memory: its old SA's close will count as a delete */
	for (unsigned i = 0; i < REQ_RING; i++)
		if (!t->repls[i].used) {
			free_slot = &t->repls[i];
			break;
		}
	/* a full ring (replacements whose old SA never closed in our log): reuse the first */
	if (!free_slot)
		free_slot = &t->repls[0];
	*free_slot = (struct repl_slot){uid, child, true, false};
}

/* A new rekey starts: replacements of earlier, settled rekeys are ordinary SAs now. */
static void repl_forget_settled(struct conn_entry *c)
{
	for (unsigned i = 0; c->track && i < REQ_RING; i++)
		if (c->track->repls[i].settled)
			c->track->repls[i].used = false;
}

/*
 * "closing CHILD_SA name{uid}": the redundant SA of a rekey collision (a replacement closing
 * again) counts nothing; the SA that replacements of the same CHILD wait for counts one
 * rekey and settles them; any other close is a delete.
 */
static void count_child_close(struct conn_entry *c, struct child_entry *ch, uint32_t child,
                              uint32_t uid)
{
	struct conn_track *t = c->track;
	bool waiting = false;

	for (unsigned i = 0; t && i < REQ_RING; i++) {
		struct repl_slot *r = &t->repls[i];

		if (!r->used || r->child != child)
			continue;
		if (uid && r->uid == uid) {
			r->used = false;
			return;
		}
		waiting = waiting || !r->settled;
	}
	if (!waiting) {
		ch->events[1]++;
		return;
	}
	ch->events[2]++;
	for (unsigned i = 0; i < REQ_RING; i++) /* waiting: t is not NULL */
		if (t->repls[i].used && t->repls[i].child == child)
			t->repls[i].settled = true;
}

static void count_lifecycle(struct event_counters *ec, struct conn_entry *c,
                            const struct log_class *lc)
{
	struct child_entry *ch;

	switch (lc->event) {
	case LOG_EV_IKE_ESTABLISHED:
		c->ike_events[0]++;
		break;
	case LOG_EV_IKE_REKEYED:
		c->ike_events[2]++;
		c->ike_delete_suppress++;
		break;
	case LOG_EV_IKE_DELETED:
		if (c->ike_delete_suppress)
			c->ike_delete_suppress--;
		else
			c->ike_events[1]++;
		break;
	case LOG_EV_CHILD_INSTALLED:
		ch = child_get(ec, c, lc->child.p, lc->child.len);
		if (!ch)
			break;
		if (c->child_rekey_pending) {
			/* a replacement: counted when the SA it replaces closes */
			c->child_rekey_pending--;
			repl_add(ec, c, lc->sa_id, (uint32_t)(ch - c->children));
		} else {
			ch->events[0]++;
		}
		break;
	case LOG_EV_CHILD_DELETED:
		ch = child_get(ec, c, lc->child.p, lc->child.len);
		if (ch)
			count_child_close(c, ch, (uint32_t)(ch - c->children), lc->sa_id);
		break;
	default:
		break;
	}
}

/* @c's request is answered, given up, or its SA is gone or new. */
static void outstanding_end(struct event_counters *ec, struct conn_entry *c)
{
	if (c->track && c->track->outstanding.active) {
		c->track->outstanding.active = false;
		ec->n_outstanding--;
	}
}

/* A retransmit: the same request again, or a new one that is now the outstanding one. */
static void note_retransmit(struct event_counters *ec, struct event_retx *o,
                            const struct log_class *lc, const struct req_slot *rq, double now_s)
{
	if (!o->active || o->ike_id != lc->ike_id || o->msgid != lc->msgid) {
		ec->n_outstanding += !o->active;
		*o = (struct event_retx){.active = true,
		                         .ike_id = lc->ike_id,
		                         .msgid = lc->msgid,
		                         .first_sent = rq && rq->sent > 0 ? rq->sent : now_s,
		                         .exchange = rq ? rq->exchange : lc->exchange};
	}
	/* pluto logs no first send of most requests, but its announced wait is the time since
	 * then (log_classify_pluto.c), at every retransmit, so a new request on the same SA
	 * (which pluto does not number in its log) starts its own series */
	if (!rq && lc->wait_s > 0)
		o->first_sent = now_s - lc->wait_s;
	o->next_by = lc->wait_s > 0 ? now_s + lc->wait_s : 0;
	o->count = lc->count;
	o->last_retx = now_s;
}

void event_counters_feed_log(struct event_counters *ec, const struct log_class *lc, bool lifecycle,
                             double now_s)
{
	struct conn_entry *c;

	if (!ec || !lc || lc->cat == LOG_CAT_NONE)
		return;
	pthread_mutex_lock(&ec->lock);
	c = conn_get(ec, lc->conn.p, lc->conn.len);
	if (!c)
		goto out_unlock;
	if (lc->cat == LOG_CAT_RESPONSE || (lc->cat == LOG_CAT_FAILURE && lc->giveup) ||
	    (lc->cat == LOG_CAT_IKE_EVENT && lc->event != LOG_EV_IKE_REKEYED))
		outstanding_end(ec, c); /* answered, given up, or the SA is gone or new */
	if (lc->cat == LOG_CAT_RESPONSE && lc->has_msgid)
		requests_end(ec, c, lc->ike_id, lc->msgid, false);
	else if (lc->cat == LOG_CAT_IKE_EVENT && lc->event == LOG_EV_IKE_DELETED && lc->ike_id)
		requests_end(ec, c, lc->ike_id, 0, true);
	if (!lifecycle && (lc->cat == LOG_CAT_IKE_EVENT || lc->cat == LOG_CAT_CHILD_EVENT))
		goto out_unlock;
	switch (lc->cat) {
	case LOG_CAT_FAILURE:
		remember_failure(ec, c, count_failure(ec, c, lc, now_s), lc->notify, now_s);
		if (lc->giveup)
			requests_end(ec, c, lc->ike_id, 0, true);
		/* a CHILD rekey that failed (our side, or the peer's request we refused) will not
		 * establish a replacement: the next new CHILD SA is no rekey */
		if (c->child_rekey_pending && lc->failure != LOG_FAIL_AUTH_FAILED &&
		    lc->failure != LOG_FAIL_CERT_INVALID)
			c->child_rekey_pending--;
		break;
	case LOG_CAT_RETRANSMIT: {
		const struct req_slot *rq =
		    lc->has_msgid ? request_find(c, lc->ike_id, lc->msgid) : NULL;
		enum log_exchange x = lc->exchange;
		struct conn_faults *f = faults_get(ec, c);
		struct conn_track *t;

		if (x == LOG_EXCH_UNKNOWN && rq)
			x = rq->exchange;
		if (f)
			f->retransmits[x]++;
		/* rq points into c->track, which track_get() then returns unchanged */
		if (!(t = track_get(ec, c)))
			break;
		note_retransmit(ec, &t->outstanding, lc, rq, now_s);
		t->retx_ike_id = lc->ike_id;
		t->retx_purpose = rq ? rq->purpose : REQ_OTHER;
		t->has_retx = true;
		break;
	}
	case LOG_CAT_REQUEST:
		if (!lc->inbound && lc->has_msgid) {
			enum req_purpose p = lc->liveness                 ? REQ_DPD
			                     : lc->rekey || lc->ike_rekey ? REQ_REKEY
			                                                  : REQ_OTHER;
			struct conn_track *t = track_get(ec, c);

			if (t) {
				t->reqs[t->req_next] = (struct req_slot){
				    lc->ike_id, lc->msgid, lc->exchange, p, true, now_s};
				t->req_next = (t->req_next + 1) % REQ_RING;
			}
		}
		if (lifecycle && lc->rekey) {
			if (!c->child_rekey_pending)
				repl_forget_settled(c);
			c->child_rekey_pending++;
		}
		break;
	case LOG_CAT_IKE_EVENT:
	case LOG_CAT_CHILD_EVENT:
		count_lifecycle(ec, c, lc);
		break;
	default:
		break;
	}
out_unlock:
	pthread_mutex_unlock(&ec->lock);
}

void event_counters_note_line(struct event_counters *ec, bool truncated)
{
	if (!ec)
		return;
	pthread_mutex_lock(&ec->lock);
	ec->lines++;
	if (truncated)
		ec->truncated++;
	pthread_mutex_unlock(&ec->lock);
}

void event_counters_ike_event(struct event_counters *ec, const char *conn, size_t conn_len,
                              enum log_event ev)
{
	struct conn_entry *c;

	if (!ec || ev > LOG_EV_IKE_REKEYED)
		return;
	pthread_mutex_lock(&ec->lock);
	c = conn_get(ec, conn, conn_len);
	if (c)
		c->ike_events[ev - LOG_EV_IKE_ESTABLISHED]++;
	if (c && ev != LOG_EV_IKE_REKEYED)
		outstanding_end(ec, c);
	pthread_mutex_unlock(&ec->lock);
}

bool event_counters_retx(struct event_counters *ec, const char *conn, size_t conn_len,
                         struct event_retx *ret)
{
	struct conn_entry *c;
	bool active = false;

	if (!ec || !conn)
		return false;
	pthread_mutex_lock(&ec->lock);
	c = !ec->n_outstanding
	        ? NULL
	        : strmap_get(&ec->by_name, conn,
	                     conn_len > LABEL_VALUE_MAX ? LABEL_VALUE_MAX : conn_len);
	if (c && c->track && c->track->outstanding.active) {
		*ret = c->track->outstanding;
		active = true;
	}
	pthread_mutex_unlock(&ec->lock);
	return active;
}

void event_counters_child_event(struct event_counters *ec, const char *conn, size_t conn_len,
                                const char *child, size_t child_len, enum log_event ev)
{
	struct conn_entry *c;
	struct child_entry *ch;

	if (!ec || ev < LOG_EV_CHILD_INSTALLED || ev >= LOG_EV_COUNT)
		return;
	pthread_mutex_lock(&ec->lock);
	c = conn_get(ec, conn, conn_len);
	ch = c ? child_get(ec, c, child, child_len) : NULL;
	if (ch)
		ch->events[ev - LOG_EV_CHILD_INSTALLED]++;
	pthread_mutex_unlock(&ec->lock);
}

int event_counters_child_rekeyed(struct event_counters *ec, const char *conn, size_t conn_len,
                                 const char *child, size_t child_len, uint32_t old_uid)
{
	struct conn_entry *c;
	struct child_entry *ch;
	int r = -ENOMEM;

	if (!ec)
		return -EINVAL;
	pthread_mutex_lock(&ec->lock);
	c = conn_get(ec, conn, conn_len);
	ch = c ? child_get(ec, c, child, child_len) : NULL;
	if (!ch)
		goto out_unlock;
	r = -EALREADY;
	for (unsigned i = 0; old_uid && i < REKEYED_RING; i++)
		if (ch->rekeyed_old[i] == old_uid)
			goto out_unlock;
	ch->rekeyed_old[ch->rekeyed_next] = old_uid;
	ch->rekeyed_next = (ch->rekeyed_next + 1) % REKEYED_RING;
	ch->events[2]++;
	r = 0;
out_unlock:
	pthread_mutex_unlock(&ec->lock);
	return r;
}

void event_counters_allocated(struct event_counters *ec, struct event_counters_alloc *ret)
{
	*ret = (struct event_counters_alloc){0};
	if (!ec)
		return;
	pthread_mutex_lock(&ec->lock);
	ret->conns = ec->nconns;
	ret->tracked = ec->n_track;
	ret->faults = ec->n_faults;
	pthread_mutex_unlock(&ec->lock);
}

int event_counters_touch_conn(struct event_counters *ec, const char *conn, size_t conn_len)
{
	int r = 0;

	if (!ec || !conn || !conn_len)
		return -EINVAL;
	pthread_mutex_lock(&ec->lock);
	if (conn_len > LABEL_VALUE_MAX)
		conn_len = LABEL_VALUE_MAX;
	if (!strmap_get(&ec->by_name, conn, conn_len)) {
		if (ec->nconns >= EXPORT_CONNS_MAX)
			r = -ENOSPC;
		else if (!conn_create(ec, conn, conn_len))
			r = -ENOMEM;
	}
	pthread_mutex_unlock(&ec->lock);
	return r;
}

size_t event_counters_conn_errors(struct event_counters *ec, struct event_conn_errors *ret,
                                  size_t cap)
{
	size_t n;

	if (!ec)
		return 0;
	pthread_mutex_lock(&ec->lock);
	for (size_t i = 0; i < ec->nconns && i < cap; i++) {
		const struct conn_entry *c = ec->conns[i];
		struct event_conn_errors *r = &ret[i];

		memcpy(r->conn, c->name, c->len);
		r->conn[c->len] = '\0';
		if (c->faults) {
			memcpy(r->failures, c->faults->failures, sizeof(r->failures));
			r->has_error = c->faults->has_error;
			r->last_error = c->faults->last_error;
			r->last_error_ts = c->faults->last_error_ts;
		} else {
			memset(r->failures, 0, sizeof(r->failures));
			r->has_error = false;
		}
	}
	n = ec->nconns;
	pthread_mutex_unlock(&ec->lock);
	return n;
}

size_t event_counters_recent_failures(struct event_counters *ec, struct event_failure *ret,
                                      size_t cap)
{
	size_t n = 0;

	if (!ec)
		return 0;
	pthread_mutex_lock(&ec->lock);
	for (; n < ec->recent_n && n < cap; n++)
		ret[n] =
		    ec->recent[(ec->recent_next + EVENT_RECENT_MAX - 1 - n) % EVENT_RECENT_MAX];
	pthread_mutex_unlock(&ec->lock);
	return n;
}

static const char *const ike_event_names[3] = {"established", "deleted", "rekeyed"};
static const char *const child_event_names[3] = {"installed", "deleted", "rekeyed"};

static const char *ike_event_name(int e)
{
	return ike_event_names[e];
}

static const char *failure_name(int k)
{
	return log_failure_name((enum log_failure)k);
}

static const char *exchange_name(int x)
{
	return log_exchange_name((enum log_exchange)x);
}

/*
 * A per-connection counter family in two parts (docs/metrics.md, "Which series exist when"):
 * the connection's total, present from the moment the connection is known (configured, or
 * first seen in an event) so that rate() and increase() see its first event; and the
 * breakdown by @label, one series per value once that value has counted something. Nearly all
 * of a gateway's breakdown series would read 0 forever (ten failure kinds, four exchanges and
 * three events per connection); writing them made up about half of a scrape at 1,000 SAs.
 * A breakdown series never goes back once written, as its counter never decreases.
 */
struct split_family {
	const char *total, *total_help;                        /* {conn}, always */
	const char *name, *help, *label;                       /* {conn, label}, once non-zero */
	const uint64_t *(*counts)(const struct conn_entry *c); /* its uint64_t[n] */
	int n;
	const char *(*value)(int i);
};

/* what a connection reads before its first failure or retransmit */
static const uint64_t no_faults[(int)LOG_FAIL_COUNT > (int)LOG_EXCH_COUNT ? (int)LOG_FAIL_COUNT
                                                                          : (int)LOG_EXCH_COUNT];

static const uint64_t *ike_counts(const struct conn_entry *c)
{
	return c->ike_events;
}

static const uint64_t *failure_counts(const struct conn_entry *c)
{
	return c->faults ? c->faults->failures : no_faults;
}

static const uint64_t *retransmit_counts(const struct conn_entry *c)
{
	return c->faults ? c->faults->retransmits : no_faults;
}

static const struct split_family split_families[] = {
    {"ipsec_conn_ike_sa_events_total",
     "IKE SA lifecycle events per connection, all kinds (present for every known connection).",
     "ipsec_ike_sa_events_total",
     "IKE SA lifecycle events per connection: established, deleted, rekeyed (each present once "
     "non-zero).",
     "event", ike_counts, 3, ike_event_name},
    {"ipsec_conn_failures_total",
     "IKE/IPsec failures per connection from charon's log, all kinds (present for every known "
     "connection).",
     "ipsec_failures_total",
     "IKE/IPsec failures per connection, by kind, from charon's log; unknown failures are "
     "counted as kind=\"other\" (each kind present once non-zero).",
     "kind", failure_counts, LOG_FAIL_COUNT, failure_name},
    {"ipsec_conn_retransmits_total",
     "IKE requests retransmitted by charon per connection, all exchanges (present for every "
     "known connection).",
     "ipsec_retransmits_total",
     "IKE requests retransmitted by charon, per connection and exchange type (each present "
     "once non-zero).",
     "exchange", retransmit_counts, LOG_EXCH_COUNT, exchange_name},
};

#define SPLIT_N (sizeof(split_families) / sizeof(split_families[0]))

/* What the families below read of a connection, gathered in one pass: each connection is a
 * cold allocation of its own by the time a scrape renders, and reading it once per family cost
 * a cache miss per connection and family (3 % of a 1,000-SA scrape in perf, on the loads of
 * the totals' sums). */
struct conn_sums {
	uint64_t total[SPLIT_N];
	bool any[SPLIT_N]; /* a breakdown series to write: a count that is not 0 */
	bool has_error;
	uint16_t last_error;
	double last_error_ts;
};

static void conn_sums_get(const struct conn_entry *c, struct conn_sums *r)
{
	for (size_t f = 0; f < SPLIT_N; f++) {
		const uint64_t *v = split_families[f].counts(c);
		uint64_t sum = 0;
		bool any = false;

		for (int k = 0; k < split_families[f].n; k++) {
			sum += v[k];
			any = any || v[k];
		}
		r->total[f] = sum;
		r->any[f] = any;
	}
	if (c->faults) {
		r->has_error = c->faults->has_error;
		r->last_error = c->faults->last_error;
		r->last_error_ts = c->faults->last_error_ts;
	}
}

/* @lb: block i is {conn="..."} of ec->conns[i]; @sums[i] its conn_sums. */
static void write_split(const struct event_counters *ec, size_t fi, const struct conn_sums *sums,
                        const struct prom_blocks *lb, struct prom_writer *w)
{
	const struct split_family *f = &split_families[fi];
	const char *l;
	size_t len;

	prom_family(w, f->total, PROM_COUNTER, f->total_help);
	for (size_t i = 0; i < ec->nconns; i++) {
		l = prom_blocks_at(lb, i, &len);
		prom_sample_at_u64(w, l, len, sums[i].total[fi]);
	}

	prom_family(w, f->name, PROM_COUNTER, f->help);
	for (size_t i = 0; i < ec->nconns; i++) {
		const uint64_t *v;

		if (!sums[i].any[fi])
			continue;
		v = f->counts(ec->conns[i]);
		l = prom_blocks_at(lb, i, &len);
		for (int k = 0; k < f->n; k++)
			if (v[k])
				prom_sample_at_plus_u64(w, l, len, f->label, f->value(k), v[k]);
	}
}

void event_counters_write_metrics(struct event_counters *ec, struct prom_writer *w)
{
	struct prom_blocks lb, child_lb;
	struct conn_sums *sums = NULL;
	size_t len, n_children = 0;
	const char *l;
	int err;

	if (!ec || !w)
		return;
	pthread_mutex_lock(&ec->lock);
	/* each connection's {conn="..."} (and each CHILD's {conn="...",child="..."}) is rendered
	 * once and used by every family below */
	for (size_t i = 0; i < ec->nconns; i++)
		n_children += ec->conns[i]->nchildren;
	err = prom_blocks_init(&lb, ec->nconns);
	if (prom_blocks_init(&child_lb, n_children) < 0 || err < 0 ||
	    !(sums = calloc(ec->nconns ? ec->nconns : 1, sizeof(*sums)))) {
		w->dropped++;
		goto out;
	}
	for (size_t i = 0; i < ec->nconns; i++) {
		const struct conn_entry *c = ec->conns[i];

		conn_sums_get(c, &sums[i]);
		prom_blocks_add(&lb, &PROM_LABEL_SPAN("conn", c->name, c->len), 1);
		for (size_t k = 0; k < c->nchildren; k++)
			prom_blocks_add(
			    &child_lb,
			    (struct prom_label[]){
			        PROM_LABEL_SPAN("conn", c->name, c->len),
			        PROM_LABEL_SPAN("child", c->children[k].name, c->children[k].len)},
			    2);
	}

	if (lb.text.err ||
	    child_lb.text.err) { /* out of memory: no series rather than wrong ones */
		w->dropped++;
		goto out;
	}

	for (size_t f = 0; f < SPLIT_N; f++)
		write_split(ec, f, sums, &lb, w);

	prom_family(w, "ipsec_child_sa_events_total", PROM_COUNTER,
	            "CHILD SA lifecycle events per connection and CHILD SA name: installed, "
	            "deleted, rekeyed.");
	for (size_t i = 0, b = 0; i < ec->nconns; i++) {
		const struct conn_entry *c = ec->conns[i];

		for (size_t k = 0; k < c->nchildren; k++, b++) {
			l = prom_blocks_at(&child_lb, b, &len);
			for (int e = 0; e < 3; e++)
				prom_sample_at_plus_u64(w, l, len, "event", child_event_names[e],
				                        c->children[k].events[e]);
		}
	}

	prom_family(w, "ipsec_ike_last_error_code", PROM_GAUGE,
	            "IKEv2 notify error type (RFC 7296 section 3.10.1) of the last error received "
	            "or sent on this connection.");
	for (size_t i = 0; i < ec->nconns; i++) {
		l = prom_blocks_at(&lb, i, &len);
		if (sums[i].has_error)
			prom_sample_at_u64(w, l, len, sums[i].last_error);
	}
	prom_family(w, "ipsec_ike_last_error_timestamp_seconds", PROM_GAUGE,
	            "When ipsec_ike_last_error_code last changed (seconds since the epoch).");
	for (size_t i = 0; i < ec->nconns; i++) {
		l = prom_blocks_at(&lb, i, &len);
		if (sums[i].has_error)
			prom_sample_at(w, l, len, sums[i].last_error_ts);
	}
out:
	free(sums);
	prom_blocks_done(&lb);
	prom_blocks_done(&child_lb);

	prom_family(w, "ikewatch_log_lines_total", PROM_COUNTER,
	            "charon log lines read by ikewatch from any log source.");
	prom_sample_u64(w, NULL, 0, ec->lines);
	prom_family(w, "ikewatch_log_lines_truncated_total", PROM_COUNTER,
	            "charon log lines longer than LOGLINE_MAX, classified on their head.");
	prom_sample_u64(w, NULL, 0, ec->truncated);
	prom_family(w, "ikewatch_event_series_overflow_total", PROM_COUNTER,
	            "Events counted under conn or child \"_other\" because of the cardinality "
	            "limits.");
	prom_sample_u64(w, NULL, 0, ec->overflow);

	pthread_mutex_unlock(&ec->lock);
}
