// SPDX-License-Identifier: Apache-2.0
/*
 * pluto's lines (see log_classify_pluto.h). pluto starts its messages with a state name or a
 * role ("STATE_V2_PARENT_I1: retransmission", "initiator established IKE SA"), so a row is one
 * literal found anywhere in the message (memmem) rather than a prefix; only lines that carry
 * pluto's "name" #N: marker get here, which keeps this off the charon hot path. First match wins:
 * the IGNORE rows (follow-ups of a cause counted by an earlier line) come before the catch-all.
 */
#include "logs/log_classify_pluto.h"

#include "common/limits.h"
#include "common/num.h"

#include <string.h>

enum pextract {
	PX_NONE = 0,
	PX_SA_ID,       /* "... IKE SA #N" / "Child SA #N": the SA named is the rekeyed one */
	PX_STATE_EXCH,  /* "STATE_V2_PARENT_I1: retransmission": the exchange from the state */
	PX_TIMEOUT,     /* "STATE: N second timeout exceeded after M retransmits" */
	PX_NOTIFY_NAME, /* "... containing NAME notification" / "rejected by peer: NAME" */
};

struct prow {
	const char *contains;
	const char *also; /* a second literal after the first, or NULL */
	uint8_t cat, code, extract;
	uint16_t notify;
};

#define PFAIL(con, also, kind, n, x)                                                               \
	{                                                                                          \
		(con), (also), LOG_CAT_FAILURE, LOG_FAIL_##kind, (x), (n)                          \
	}
#define PIGNORE(con)                                                                               \
	{                                                                                          \
		(con), NULL, LOG_CAT_NONE, 0, PX_NONE, 0                                           \
	}
#define PEVENT(cat, con, also, ev, x)                                                              \
	{                                                                                          \
		(con), (also), LOG_CAT_##cat, LOG_EV_##ev, (x), 0                                  \
	}

static const struct prow pluto_rows[] = {
    /* Lifecycle (ikev2_ike_sa_init.c, ikev2_child.c, state.c of 4.10; 5.x words alike). */
    PEVENT(IKE_EVENT, "established IKE SA", NULL, IKE_ESTABLISHED, PX_NONE),
    PEVENT(IKE_EVENT, " rekeyed IKE SA #", NULL, IKE_REKEYED, PX_SA_ID),
    PEVENT(CHILD_EVENT, "established Child SA", NULL, CHILD_INSTALLED, PX_NONE),
    PEVENT(CHILD_EVENT, " rekeyed Child SA #", NULL, CHILD_REKEYED, PX_SA_ID),
    PEVENT(IKE_EVENT, "deleting ", "ESTABLISHED_IKE_SA)", IKE_DELETED, PX_NONE),
    PEVENT(CHILD_EVENT, "deleting ", "ESTABLISHED_CHILD_SA)", CHILD_DELETED, PX_NONE),
    PIGNORE("deleting "),

    /* Retransmits, and the give-up: an established IKE SA whose peer stopped answering is a
     * dead peer (RFC 7296 2.4), a set-up that got no answer an unreachable one. */
    {": retransmission; will wait ", NULL, LOG_CAT_RETRANSMIT, 0, PX_STATE_EXCH, 0},
    PFAIL(" second timeout exceeded after ", " retransmits", DPD_TIMEOUT, 0, PX_TIMEOUT),
    PIGNORE("liveness action"),
    PIGNORE("asynchronous network error report"),
    PIGNORE("starting keying attempt"),

    /* Authentication. */
    PFAIL("authentication failed", NULL, AUTH_FAILED, 24, PX_NONE),
    PFAIL("authentication request rejected by peer: ", NULL, AUTH_FAILED, 24, PX_NONE),
    PFAIL("Digital Signature authentication using", "failed", AUTH_FAILED, 24, PX_NONE),

    /* Proposals and key exchange. */
    PFAIL("no local proposal matches remote proposals", NULL, NO_PROPOSAL, 14, PX_NONE),
    PFAIL(" containing ", " notification", OTHER, 0, PX_NOTIFY_NAME),
    PFAIL("rejected by peer: ", NULL, OTHER, 0, PX_NOTIFY_NAME),

    /* Kernel installation: this kernel has XFRM without ESP ("Protocol not supported"). */
    PFAIL("netlink response for Add SA", NULL, INSTALL_FAILED, 0, PX_NONE),

    /* Follow-ups of a cause counted above. */
    PIGNORE("netlink response for Del SA"),
    PIGNORE("setup_half_ipsec_sa() hit fail"),
    PIGNORE("encountered fatal error"),
    PIGNORE("responding to "),

    /* What we send, so that a rekey is seen as one (no message ID: pluto does not log it). */
    {"sent CREATE_CHILD_SA request to rekey IKE SA", NULL, LOG_CAT_REQUEST, 0, PX_NONE, 0},
    {"sent CREATE_CHILD_SA request to rekey", NULL, LOG_CAT_REQUEST, 1, PX_NONE, 0},
};

static const char *mem_find(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if (p >= end || (size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), lit, n);
}

static size_t digits(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

static bool u32_at(const char *p, const char *end, uint32_t *ret)
{
	size_t n = digits(p, end);
	uint64_t v;

	if (n == 0 || num_parse_u64(p, n, UINT32_MAX, &v) < 0)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* Find "\"NAME\"[ [N]][ ADDR] #N: " and return where the message starts, or NULL. */
static const char *marker(const char *line, const char *end, struct log_class *c)
{
	const char *q = memchr(line, '"', (size_t)(end - line)), *name, *p;
	uint32_t serial;

	if (!q)
		return NULL;
	name = q + 1;
	q = memchr(name, '"', (size_t)(end - name));
	if (!q || q == name || (size_t)(q - name) > LABEL_VALUE_MAX ||
	    memchr(name, ' ', (size_t)(q - name)))
		return NULL;
	p = q + 1;
	/* a template's instance: "name"[N], which names the connection */
	if (p < end && *p == '[') {
		size_t n = digits(p + 1, end);

		if (n == 0 || p + 1 + n >= end || p[1 + n] != ']')
			return NULL;
		p += n + 2;
	}
	/* the instance's peer address */
	if (end - p > 2 && p[0] == ' ' && p[1] != '#') {
		const char *sp = memchr(p + 1, ' ', (size_t)(end - p - 1));

		if (!sp || sp - p > 64)
			return NULL;
		p = sp;
	}
	if (end - p < 4 || p[0] != ' ' || p[1] != '#' || !u32_at(p + 2, end, &serial))
		return NULL;
	p += 2 + digits(p + 2, end);
	if (end - p < 2 || p[0] != ':' || p[1] != ' ')
		return NULL;
	/* an instance "name"[N] counts under its template's name, as --status lists it */
	c->conn.p = name;
	c->conn.len = (size_t)(q - name);
	c->ike_id = serial;
	return p + 2;
}

/* The exchange a state is waiting for an answer to. */
static enum log_exchange state_exchange(const char *msg, const char *colon)
{
	size_t n = (size_t)(colon - msg);

	if (n >= 9 && memcmp(colon - 9, "PARENT_I1", 9) == 0)
		return LOG_EXCH_IKE_SA_INIT;
	if (n >= 9 && memcmp(colon - 9, "PARENT_I2", 9) == 0)
		return LOG_EXCH_IKE_AUTH;
	if (n >= 11 && memcmp(colon - 11, "IKE_SA_INIT", 11) == 0)
		return LOG_EXCH_IKE_SA_INIT;
	if (n >= 8 && memcmp(colon - 8, "IKE_AUTH", 8) == 0)
		return LOG_EXCH_IKE_AUTH;
	return LOG_EXCH_UNKNOWN;
}

/* "0.5 seconds for response" (Libreswan 3.x to 5.x) or "20s for response" (older pluto): the
 * wait in seconds, 0 when it cannot be read. pluto doubles its wait from the second retransmit
 * on, so that the wait it announces is also the time since the request's first send: what
 * event_counters.c takes for that time when it saw no first send. */
static double announced_wait(const char *p, const char *end)
{
	size_t n = 0;
	double v;

	while (p + n < end && n < 16 && ((p[n] >= '0' && p[n] <= '9') || p[n] == '.'))
		n++;
	if (n == 0 || p + n >= end || num_parse_double(p, n, 0.001, 86400.0, &v) < 0)
		return 0;
	if (p[n] == 's' || (end - (p + n) >= 7 && memcmp(p + n, " second", 7) == 0))
		return v;
	return 0;
}

static bool extract(const struct prow *r, const char *msg, const char *end, const char *hit,
                    struct log_class *c)
{
	const char *after = hit + strlen(r->contains), *colon;
	uint32_t v;

	switch (r->extract) {
	case PX_SA_ID:
		if (!u32_at(after, end, &v))
			return false;
		c->sa_id = v;
		return true;
	case PX_STATE_EXCH:
		c->exchange = state_exchange(msg, hit);
		c->wait_s = announced_wait(after, end);
		return true;
	case PX_TIMEOUT:
		colon = memchr(msg, ':', (size_t)(hit - msg));
		if (!colon || !u32_at(after, end, &c->count))
			return false;
		/* pluto gives up after retransmit-timeout, on any request: the state says which */
		c->failure = mem_find(msg, colon, "ESTABLISHED") ? LOG_FAIL_DPD_TIMEOUT
		                                                 : LOG_FAIL_PEER_UNREACHABLE;
		return true;
	case PX_NOTIFY_NAME: {
		const char *e = after;

		while (e < end &&
		       ((*e >= 'A' && *e <= 'Z') || *e == '_' || (*e >= '0' && *e <= '9')))
			e++;
		if (e == after)
			return false;
		c->notify = log_notify_from_name(after, (size_t)(e - after));
		if (!c->notify)
			return false;
		c->failure = log_failure_from_notify(c->notify);
		return true;
	}
	default:
		return true;
	}
}

int log_classify_pluto(const char *line, size_t len, struct log_class *out)
{
	const char *end = line + len, *msg;
	struct log_class c = *out;

	if (!line || !len || !(msg = marker(line, end, &c)))
		return 0;
	c.group = LOG_GROUP_IKE;
	c.msg.p = msg;
	c.msg.len = (size_t)(end - msg);
	for (size_t i = 0; i < sizeof(pluto_rows) / sizeof(pluto_rows[0]); i++) {
		const struct prow *r = &pluto_rows[i];
		const char *hit = mem_find(msg, end, r->contains);

		if (!hit || (r->also && !mem_find(hit + strlen(r->contains), end, r->also)))
			continue;
		c.cat = (enum log_cat)r->cat;
		c.notify = r->notify;
		if (c.cat == LOG_CAT_FAILURE)
			c.failure = (enum log_failure)r->code;
		else if (c.cat == LOG_CAT_IKE_EVENT || c.cat == LOG_CAT_CHILD_EVENT)
			c.event = (enum log_event)r->code;
		if (c.cat == LOG_CAT_REQUEST) {
			c.exchange = LOG_EXCH_CREATE_CHILD_SA;
			c.ike_rekey = r->code == 0;
			c.rekey = r->code == 1;
		}
		/* pluto's CHILD SA has its connection's name */
		if (c.cat == LOG_CAT_CHILD_EVENT)
			c.child = c.conn;
		if (!extract(r, msg, end, hit, &c)) {
			c.cat = LOG_CAT_NONE;
			c.notify = 0;
			c.child = (struct log_span){NULL, 0};
		}
		if (c.cat != LOG_CAT_CHILD_EVENT && c.cat != LOG_CAT_IKE_EVENT)
			c.sa_id = c.cat == LOG_CAT_NONE ? 0 : c.sa_id;
		else if (!c.sa_id)
			c.sa_id = c.ike_id;
		*out = c;
		return 1;
	}
	if (mem_find(msg, end, "failed")) {
		c.cat = LOG_CAT_FAILURE;
		c.failure = LOG_FAIL_OTHER;
	}
	*out = c;
	return 1;
}
