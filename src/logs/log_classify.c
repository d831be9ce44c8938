// SPDX-License-Identifier: Apache-2.0
/*
 * The charon log line classifier (see log_classify.h for the contract). The knowledge lives in
 * one table, log_patterns[], of literal anchors taken from strongSwan 5.9.8's DBG0/DBG1 format
 * strings; the code around it only finds the message inside a line and extracts a few fields.
 *
 * Speed: a line is first reduced to its debug group ("[IKE]", "[ENC]", ...) and the message
 * text; then only that group's rows are tried, each by its first byte, a memcmp of the prefix and
 * at most one memmem. There is no regex engine on the hot path: bench/bench_classify measures
 * this against grep -E with the same anchors.
 *
 * Untrusted input: a line comes from a log file, the journal, stdin or a VICI event, so every
 * span is bounded by the line's length; numbers go through num.h; nothing is written outside
 * *ret. Lines longer than LOGLINE_MAX are classified on their first LOGLINE_MAX bytes.
 */
#include "logs/log_classify.h"

#include "logs/log_classify_pluto.h"

#include "common/limits.h"
#include "common/num.h"

#include <errno.h>
#include <string.h>

/* How to pull fields out of a matched message. */
enum extract {
	X_NONE = 0,
	X_RETRANSMIT,  /* "retransmit N of request with message ID M" */
	X_GIVEUP,      /* "giving up after N retransmits" */
	X_NOTIFY_NAME, /* "received NAME notify ..." */
	X_IKE_NAME,    /* "IKE_SA name[id] ..." or "deleting IKE_SA name[id] ..." */
	X_CHILD_NAME,  /* "CHILD_SA name{id} ..." */
	X_REQUEST,     /* "generating|parsed EXCHANGE request N [ payloads ]" */
};

struct log_pattern {
	uint8_t group;   /* enum log_group */
	uint8_t cat;     /* enum log_cat */
	uint8_t code;    /* enum log_failure or enum log_event */
	uint8_t extract; /* enum extract */
	uint16_t notify; /* notify error type this line implies (RFC 7296 3.10.1), or 0 */
	uint8_t prefix_len;
	uint8_t contains_len;
	const char *prefix;   /* the message starts with this */
	const char *contains; /* ...and contains this after the prefix (optional) */
};

#define ROW(g, pre, con, c, k, n, x)                                                               \
	{                                                                                          \
		LOG_GROUP_##g, LOG_CAT_##c, (k), (x), (n), sizeof(pre) - 1, sizeof(con) - 1,       \
		    (pre), (con)                                                                   \
	}
#define FAIL(g, pre, con, kind, n, x) ROW(g, pre, con, FAILURE, LOG_FAIL_##kind, n, x)
#define IGNORE(g, pre, con) ROW(g, pre, con, NONE, 0, 0, X_NONE)
#define EVENT(cat, pre, con, ev, x) ROW(IKE, pre, con, cat, LOG_EV_##ev, 0, x)

/* Notify numbers used below (RFC 7296 section 3.10.1). */
#define N_NO_PROPOSAL_CHOSEN 14
#define N_INVALID_KE_PAYLOAD 17
#define N_AUTHENTICATION_FAILED 24
#define N_TS_UNACCEPTABLE 38

/*
 * The pattern table. Order matters only inside a group: the first matching row wins, so the
 * explicit IGNORE rows (follow-up lines of a failure already counted by an earlier line) come
 * before the IKE group's catch-all in classify_text(). Message texts are strongSwan 5.9.8's;
 * the source file is named where it is not obvious.
 */
static const struct log_pattern log_patterns[] = {
    /* task_manager_v2.c retransmit(): one line per retransmission, then a give-up line. */
    ROW(IKE, "retransmit ", " of request with message ID ", RETRANSMIT, 0, 0, X_RETRANSMIT),
    FAIL(IKE, "giving up after ", " retransmits", DPD_TIMEOUT, 0, X_GIVEUP),
    IGNORE(IKE, "giving up after ", " path probings"),
    /* ike_sa.c retransmit(): always follows "giving up after", which is what we count. */
    IGNORE(IKE, "peer not responding, trying again", ""),
    IGNORE(IKE, "establishing IKE_SA failed, peer not responding", ""),
    IGNORE(IKE, "rekeying IKE_SA failed, peer not responding", ""),
    IGNORE(IKE, "proper IKE_SA delete failed, peer not responding", ""),
    IGNORE(IKE, "delete during reauthentication failed", ""),
    FAIL(IKE, "unable to resolve ", ", initiate aborted", PEER_UNREACHABLE, 0, X_NONE),

    /* Notify errors from the peer (ike_init.c, ike_auth.c, child_create.c, task_manager_v2.c):
     * the kind follows from the notify type. TEMPORARY_FAILURE is retried by charon. */
    IGNORE(IKE, "received ", " notify, will retry later"),
    FAIL(IKE, "received ", " notify error", OTHER, 0, X_NOTIFY_NAME),
    FAIL(IKE, "received ", " notify, no CHILD_SA built", OTHER, 0, X_NOTIFY_NAME),

    /* Authentication (authenticators/, ike_auth.c). */
    FAIL(IKE, "tried ", "but MAC mismatched", AUTH_FAILED, N_AUTHENTICATION_FAILED, X_NONE),
    FAIL(IKE, "verification of AUTH payload with", "failed", AUTH_FAILED, N_AUTHENTICATION_FAILED,
         X_NONE),
    FAIL(IKE, "EAP method ", " failed for peer", AUTH_FAILED, N_AUTHENTICATION_FAILED, X_NONE),
    FAIL(IKE, "EAP vendor specific method ", " failed for peer", AUTH_FAILED,
         N_AUTHENTICATION_FAILED, X_NONE),
    FAIL(IKE, "received ", ", EAP authentication failed", AUTH_FAILED, N_AUTHENTICATION_FAILED,
         X_NONE),
    FAIL(IKE, "authentication of '", "' (myself) failed", AUTH_FAILED, N_AUTHENTICATION_FAILED,
         X_NONE),
    FAIL(IKE, "no private key found for '", "", AUTH_FAILED, N_AUTHENTICATION_FAILED, X_NONE),
    FAIL(IKE, "peer requested EAP, config unacceptable", "", AUTH_FAILED, N_AUTHENTICATION_FAILED,
         X_NONE),
    FAIL(CFG, "no matching peer config found", "", AUTH_FAILED, N_AUTHENTICATION_FAILED, X_NONE),
    IGNORE(IKE, "signature validation failed, looking for another key", ""),

    /* Certificates: the trust chain's own CFG lines precede these; count only the verdict. */
    FAIL(IKE, "no trusted ", " public key found for '", CERT_INVALID, N_AUTHENTICATION_FAILED,
         X_NONE),
    FAIL(IKE, "peer certificate invalid", "", CERT_INVALID, 0, X_NONE),
    FAIL(IKE, "peer certificate verification failed", "", CERT_INVALID, 0, X_NONE),

    /* Proposals and key exchange (ike_init.c, child_create.c, task_manager_v2.c). */
    FAIL(IKE, "no acceptable proposal found", "", NO_PROPOSAL, N_NO_PROPOSAL_CHOSEN, X_NONE),
    FAIL(IKE, "received proposals unacceptable", "", NO_PROPOSAL, N_NO_PROPOSAL_CHOSEN, X_NONE),
    FAIL(IKE, "no IKE config found for ", "", NO_PROPOSAL, N_NO_PROPOSAL_CHOSEN, X_NONE),
    FAIL(IKE, "DH group ", " unacceptable, requesting ", INVALID_KE, N_INVALID_KE_PAYLOAD, X_NONE),
    FAIL(IKE, "peer didn't accept DH group ", "", INVALID_KE, N_INVALID_KE_PAYLOAD, X_NONE),

    /* Traffic selectors (child_create.c). */
    FAIL(IKE, "no acceptable traffic selectors found", "", TS_UNACCEPTABLE, N_TS_UNACCEPTABLE,
         X_NONE),
    FAIL(IKE, "traffic selectors ", " unacceptable", TS_UNACCEPTABLE, N_TS_UNACCEPTABLE, X_NONE),

    /* Kernel installation (child_create.c, child_rekey.c, child_delete.c, ike_sa.c). */
    FAIL(IKE, "unable to install ", " in kernel", INSTALL_FAILED, 0, X_NONE),
    FAIL(IKE, "installing virtual IP ", " failed", INSTALL_FAILED, 0, X_NONE),

    /* Rekeying (child_rekey.c, ike_rekey.c, ike_reauth.c). */
    FAIL(IKE, "CHILD_SA rekeying failed", "", REKEY_FAILED, 0, X_NONE),
    FAIL(IKE, "IKE_SA rekeying failed", "", REKEY_FAILED, 0, X_NONE),
    FAIL(IKE, "reauthenticating IKE_SA failed", "", REKEY_FAILED, 0, X_NONE),

    /* Follow-ups of a cause counted above. */
    IGNORE(IKE, "failed to establish CHILD_SA, keeping IKE_SA", ""),
    IGNORE(IKE, "closing IKE_SA due CHILD_SA setup failure", ""),

    /* Lifecycle (ike_establish.c, ike_rekey.c, ike_delete.c, child_create.c, child_delete.c). */
    EVENT(IKE_EVENT, "IKE_SA ", "] established between ", IKE_ESTABLISHED, X_IKE_NAME),
    EVENT(IKE_EVENT, "IKE_SA ", "] rekeyed between ", IKE_REKEYED, X_IKE_NAME),
    EVENT(IKE_EVENT, "deleting IKE_SA ", "] between ", IKE_DELETED, X_IKE_NAME),
    EVENT(CHILD_EVENT, "CHILD_SA ", "} established with SPIs", CHILD_INSTALLED, X_CHILD_NAME),
    EVENT(CHILD_EVENT, "inbound CHILD_SA ", "} established with SPIs", CHILD_INSTALLED,
          X_CHILD_NAME),
    EVENT(CHILD_EVENT, "closing CHILD_SA ", "} with SPIs", CHILD_DELETED, X_CHILD_NAME),
    EVENT(CHILD_EVENT, "closing expired CHILD_SA ", "} with SPIs", CHILD_DELETED, X_CHILD_NAME),

    /* message.c: what we send, so that a later retransmit can be named by its exchange. */
    ROW(ENC, "generating ", " request ", REQUEST, 0, 0, X_REQUEST),
    /* ...and what the peer asks, so that a CHILD SA rekey it starts is seen too. */
    ROW(ENC, "parsed ", " request ", REQUEST, 0, 0, X_REQUEST),
    /* ...and that the peer answers: a retransmitted request is no longer outstanding. */
    ROW(ENC, "parsed ", " response ", RESPONSE, 0, 0, X_REQUEST),
};

static const char *const failure_names[LOG_FAIL_COUNT] = {
    [LOG_FAIL_REKEY_FAILED] = "rekey_failed",         [LOG_FAIL_DPD_TIMEOUT] = "dpd_timeout",
    [LOG_FAIL_AUTH_FAILED] = "auth_failed",           [LOG_FAIL_NO_PROPOSAL] = "no_proposal",
    [LOG_FAIL_TS_UNACCEPTABLE] = "ts_unacceptable",   [LOG_FAIL_INVALID_KE] = "invalid_ke",
    [LOG_FAIL_INSTALL_FAILED] = "install_failed",     [LOG_FAIL_CERT_INVALID] = "cert_invalid",
    [LOG_FAIL_PEER_UNREACHABLE] = "peer_unreachable", [LOG_FAIL_OTHER] = "other",
};

static const char *const event_names[LOG_EV_COUNT] = {
    [LOG_EV_IKE_ESTABLISHED] = "established", [LOG_EV_IKE_DELETED] = "deleted",
    [LOG_EV_IKE_REKEYED] = "rekeyed",         [LOG_EV_CHILD_INSTALLED] = "installed",
    [LOG_EV_CHILD_DELETED] = "deleted",       [LOG_EV_CHILD_REKEYED] = "rekeyed",
};

/* charon's exchange_type_names spelling first, then the label value. */
static const struct {
	const char *charon;
	const char *label;
} exchange_names[LOG_EXCH_COUNT] = {
    [LOG_EXCH_UNKNOWN] = {"", "unknown"},
    [LOG_EXCH_IKE_SA_INIT] = {"IKE_SA_INIT", "ike_sa_init"},
    [LOG_EXCH_IKE_AUTH] = {"IKE_AUTH", "ike_auth"},
    [LOG_EXCH_CREATE_CHILD_SA] = {"CREATE_CHILD_SA", "create_child_sa"},
    [LOG_EXCH_INFORMATIONAL] = {"INFORMATIONAL", "informational"},
    [LOG_EXCH_IKE_INTERMEDIATE] = {"IKE_INTERMEDIATE", "ike_intermediate"},
};

/* IKEv2 error notify types, RFC 7296 section 3.10.1 (40-42: RFC 4555, RFC 5555), as strongSwan
 * names them (notify_payload.c). */
static const struct {
	uint16_t type;
	const char *name;
} notify_names[] = {
    {1, "UNSUPPORTED_CRITICAL_PAYLOAD"}, {4, "INVALID_IKE_SPI"},
    {5, "INVALID_MAJOR_VERSION"},        {7, "INVALID_SYNTAX"},
    {9, "INVALID_MESSAGE_ID"},           {11, "INVALID_SPI"},
    {14, "NO_PROPOSAL_CHOSEN"},          {17, "INVALID_KE_PAYLOAD"},
    {24, "AUTHENTICATION_FAILED"},       {34, "SINGLE_PAIR_REQUIRED"},
    {35, "NO_ADDITIONAL_SAS"},           {36, "INTERNAL_ADDRESS_FAILURE"},
    {37, "FAILED_CP_REQUIRED"},          {38, "TS_UNACCEPTABLE"},
    {39, "INVALID_SELECTORS"},           {40, "UNACCEPTABLE_ADDRESSES"},
    {41, "UNEXPECTED_NAT_DETECTED"},     {42, "USE_ASSIGNED_HoA"},
    {43, "TEMPORARY_FAILURE"},           {44, "CHILD_SA_NOT_FOUND"},
};

const char *log_failure_name(enum log_failure f)
{
	return (unsigned)f < LOG_FAIL_COUNT ? failure_names[f] : "other";
}

const char *log_event_name(enum log_event e)
{
	return (unsigned)e < LOG_EV_COUNT ? event_names[e] : "unknown";
}

const char *log_exchange_name(enum log_exchange x)
{
	return (unsigned)x < LOG_EXCH_COUNT ? exchange_names[x].label : "unknown";
}

static bool span_eq(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len == n && memcmp(p, lit, n) == 0;
}

uint16_t log_notify_from_name(const char *name, size_t len)
{
	uint64_t v;

	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(notify_names) / sizeof(notify_names[0]); i++)
		if (span_eq(name, len, notify_names[i].name))
			return notify_names[i].type;
	/* enum_to_name() prints values it has no name for as "(N)". */
	if (len > 2 && name[0] == '(' && name[len - 1] == ')' &&
	    num_parse_u64(name + 1, len - 2, UINT16_MAX, &v) == 0)
		return (uint16_t)v;
	return 0;
}

enum log_failure log_failure_from_notify(uint16_t notify)
{
	switch (notify) {
	case 14:
		return LOG_FAIL_NO_PROPOSAL;
	case 17:
		return LOG_FAIL_INVALID_KE;
	case 24:
		return LOG_FAIL_AUTH_FAILED;
	case 38:
	case 39:
		return LOG_FAIL_TS_UNACCEPTABLE;
	default:
		return LOG_FAIL_OTHER;
	}
}

static enum log_exchange exchange_from_name(const char *p, size_t len)
{
	for (size_t i = 1; i < LOG_EXCH_COUNT; i++)
		if (span_eq(p, len, exchange_names[i].charon))
			return (enum log_exchange)i;
	return LOG_EXCH_UNKNOWN;
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Three upper-case letters -> group. Callers have checked they are letters. */
static enum log_group group_from_name(const char *g, size_t len)
{
	static const struct {
		char name[4];
		enum log_group group;
	} groups[] = {
	    {"IKE", LOG_GROUP_IKE}, {"CFG", LOG_GROUP_CFG}, {"ENC", LOG_GROUP_ENC},
	    {"NET", LOG_GROUP_NET}, {"CHD", LOG_GROUP_CHD}, {"KNL", LOG_GROUP_KNL},
	};

	if (len != 3)
		return LOG_GROUP_UNKNOWN;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (memcmp(g, groups[i].name, 3) == 0)
			return groups[i].group;
	return LOG_GROUP_OTHER;
}

/* The number at the start of [p, end): its span length (0 if none). */
static size_t digits_len(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && is_digit(p[n]))
		n++;
	return n;
}

static int parse_u32_at(const char *p, const char *end, uint32_t *ret)
{
	size_t n = digits_len(p, end);
	uint64_t v;

	if (n == 0 || num_parse_u64(p, n, UINT32_MAX, &v) < 0)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Find charon's "NN[GRP] " (or "NN[GRP4] " with log_level = yes) marker. On success *ret_msg is
 * where the text after the marker starts. */
static enum log_group find_marker(const char *line, size_t len, const char **ret_msg)
{
	const char *p = line, *end = line + len;

	while ((p = memchr(p, '[', (size_t)(end - p)))) {
		const char *g = p + 1, *q = g;

		/* thread number: charon prints at least two digits ("%.2d") */
		if (p - line >= 2 && is_digit(p[-1]) && is_digit(p[-2])) {
			while (q < end && q - g < 3 && is_upper(*q))
				q++;
			if (q - g == 3) {
				const char *gend = q;

				while (q < end && is_digit(*q) && q - gend < 2)
					q++;
				if (end - q >= 2 && q[0] == ']' && q[1] == ' ') {
					*ret_msg = q + 2;
					return group_from_name(g, 3);
				}
			}
		}
		p++;
	}
	return LOG_GROUP_UNKNOWN;
}

/* "<conn|id> " or "<id> " (charon's ike_name = yes). Moves *msg past it when present. */
static void take_ike_name(const char **msg, const char *end, struct log_class *c)
{
	const char *p = *msg, *gt, *bar = NULL;
	size_t room;
	uint32_t id;

	if (p >= end || *p != '<')
		return;
	room = (size_t)(end - p);
	if (room > LABEL_VALUE_MAX + 16)
		room = LABEL_VALUE_MAX + 16;
	gt = memchr(p, '>', room);
	if (!gt || gt + 1 >= end || gt[1] != ' ')
		return;
	for (const char *q = gt - 1; q > p; q--)
		if (*q == '|') {
			bar = q;
			break;
		}
	if (bar) {
		if (parse_u32_at(bar + 1, gt, &id) < 0 || bar + 1 + digits_len(bar + 1, gt) != gt)
			return;
		c->conn.p = p + 1;
		c->conn.len = (size_t)(bar - p - 1);
	} else {
		if (parse_u32_at(p + 1, gt, &id) < 0 || p + 1 + digits_len(p + 1, gt) != gt)
			return;
	}
	c->ike_id = id;
	*msg = gt + 2;
}

static const char *memmem_span(const char *hay, const char *end, const char *needle, size_t n)
{
	if (n == 0)
		return hay;
	return memmem(hay, (size_t)(end - hay), needle, n);
}

/* Fill in the fields that a row's extract kind names; -EBADMSG when the line only looks like
 * one of ours (then it is reported as LOG_CAT_NONE, not misread). */
static int extract(const struct log_pattern *pat, const char *msg, const char *end, const char *hit,
                   struct log_class *c)
{
	const char *after = msg + pat->prefix_len, *q;
	uint32_t v;

	switch (pat->extract) {
	case X_RETRANSMIT:
		if (parse_u32_at(after, end, &c->count) < 0)
			return -EBADMSG;
		if (parse_u32_at(hit + pat->contains_len, end, &c->msgid) < 0)
			return -EBADMSG;
		c->has_msgid = true;
		/* The line does not name the exchange, and message ID 0 does not tell either: every
		 * IKE SA, also one made by a rekey, starts at 0 (RFC 7296 2.2). The counter store
		 * resolves it from the "generating ... request" line of the same SA and ID. */
		c->exchange = LOG_EXCH_UNKNOWN;
		return 0;
	case X_GIVEUP:
		if (parse_u32_at(after, end, &c->count) < 0)
			return -EBADMSG;
		c->giveup = true;
		return 0;
	case X_NOTIFY_NAME:
		/* "received NAME notify error": NAME is one token */
		if (hit <= after || memchr(after, ' ', (size_t)(hit - after)))
			return -EBADMSG;
		c->notify = log_notify_from_name(after, (size_t)(hit - after));
		c->failure = log_failure_from_notify(c->notify);
		return 0;
	case X_IKE_NAME:
	case X_CHILD_NAME: {
		char open = pat->extract == X_IKE_NAME ? '[' : '{';
		struct log_span name;

		/* hit points at "]..." or "}...": the name runs from the prefix to the last opener
		 */
		for (q = hit - 1; q >= after && *q != open; q--)
			;
		if (q < after || q == after || parse_u32_at(q + 1, hit, &v) < 0 ||
		    q + 1 + digits_len(q + 1, hit) != hit)
			return -EBADMSG;
		name.p = after;
		name.len = (size_t)(q - after);
		if (pat->extract == X_IKE_NAME) {
			if (!c->conn.p)
				c->conn = name;
			if (!c->ike_id)
				c->ike_id = v;
			c->sa_id = v;
		} else {
			c->child = name;
			c->sa_id = v;
		}
		return 0;
	}
	case X_REQUEST: {
		const char *sp = memchr(after, ' ', (size_t)(end - after));

		/* "generating EXCHANGE request N [ ... ]": the exchange is the first token */
		if (!sp || sp != hit)
			return -EBADMSG;
		c->exchange = exchange_from_name(after, (size_t)(sp - after));
		if (parse_u32_at(hit + pat->contains_len, end, &c->msgid) < 0)
			return -EBADMSG;
		c->has_msgid = true;
		c->inbound = pat->prefix[0] == 'p';
		/* RFC 7296 1.3.3: a CHILD SA rekey carries a REKEY_SA notify */
		c->rekey = memmem_span(hit, end, "N(REKEY_SA)", 11) != NULL;
		/* RFC 7296 1.3.2: an IKE SA rekey is a CREATE_CHILD_SA without traffic selectors */
		c->ike_rekey = c->exchange == LOG_EXCH_CREATE_CHILD_SA && !c->rekey &&
		               memmem_span(hit, end, "KE", 2) && !memmem_span(hit, end, "TSi", 3);
		/* RFC 7296 2.4: a liveness check (DPD) is an empty INFORMATIONAL request */
		q = hit + pat->contains_len + digits_len(hit + pat->contains_len, end);
		c->liveness = c->exchange == LOG_EXCH_INFORMATIONAL && end - q == 4 &&
		              memcmp(q, " [ ]", 4) == 0;
		return 0;
	}
	default:
		return 0;
	}
}

/* Match @msg against the rows of @group (LOG_GROUP_UNKNOWN: all rows). */
static void classify_text(enum log_group group, const char *msg, const char *end,
                          struct log_class *c)
{
	size_t len = (size_t)(end - msg);

	c->msg.p = msg;
	c->msg.len = len;
	if (len == 0)
		return;
	for (size_t i = 0; i < sizeof(log_patterns) / sizeof(log_patterns[0]); i++) {
		const struct log_pattern *pat = &log_patterns[i];
		const char *hit;

		if (group != LOG_GROUP_UNKNOWN && pat->group != group)
			continue;
		if (msg[0] != pat->prefix[0] || len < pat->prefix_len ||
		    memcmp(msg, pat->prefix, pat->prefix_len) != 0)
			continue;
		hit = memmem_span(msg + pat->prefix_len, end, pat->contains, pat->contains_len);
		if (!hit)
			continue;
		c->cat = (enum log_cat)pat->cat;
		if (c->cat == LOG_CAT_FAILURE)
			c->failure = (enum log_failure)pat->code;
		else if (c->cat == LOG_CAT_IKE_EVENT || c->cat == LOG_CAT_CHILD_EVENT)
			c->event = (enum log_event)pat->code;
		c->notify = pat->notify;
		if (extract(pat, msg, end, hit, c) < 0) {
			/* looked like ours but is not well formed: say nothing rather than guess */
			c->cat = LOG_CAT_NONE;
			c->notify = 0;
			c->giveup = false;
			c->has_msgid = false;
			c->child = (struct log_span){NULL, 0};
		}
		return;
	}
	/* Unknown failures are counted as "other", never dropped: an IKE line that says something
	 * failed and that no row above explains. */
	if ((group == LOG_GROUP_IKE || group == LOG_GROUP_UNKNOWN) &&
	    memmem(msg, len, "failed", 6)) {
		c->cat = LOG_CAT_FAILURE;
		c->failure = LOG_FAIL_OTHER;
	}
}

int log_classify_pattern_at(size_t i, const char **ret_group, const char **ret_prefix,
                            const char **ret_contains)
{
	static const char *const group_names[] = {
	    [LOG_GROUP_IKE] = "IKE", [LOG_GROUP_CFG] = "CFG", [LOG_GROUP_ENC] = "ENC",
	    [LOG_GROUP_NET] = "NET", [LOG_GROUP_CHD] = "CHD", [LOG_GROUP_KNL] = "KNL",
	};

	if (i >= sizeof(log_patterns) / sizeof(log_patterns[0]))
		return -ENOENT;
	*ret_group = group_names[log_patterns[i].group];
	*ret_prefix = log_patterns[i].prefix;
	*ret_contains = log_patterns[i].contains;
	return 0;
}

static size_t clamp_len(size_t len, struct log_class *c)
{
	if (len > LOGLINE_MAX) {
		c->truncated = true;
		return LOGLINE_MAX;
	}
	return len;
}

int log_classify_line(const char *line, size_t len, struct log_class *ret)
{
	struct log_class c = {0};
	const char *msg, *end;

	if (!ret || (!line && len))
		return -EINVAL;
	len = clamp_len(len, &c);
	/* a line may come with its newline (or CR LF) still attached */
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	end = line + len;
	if (len)
		c.group = find_marker(line, len, &msg);
	if (c.group == LOG_GROUP_UNKNOWN) {
		/* not charon's: Libreswan's pluto, or nothing to count */
		log_classify_pluto(line, len, &c);
		*ret = c;
		return 0;
	}
	take_ike_name(&msg, end, &c);
	classify_text(c.group, msg, end, &c);
	*ret = c;
	return 0;
}

int log_classify_msg(const char *group, size_t group_len, const char *msg, size_t len,
                     const char *conn, size_t conn_len, struct log_class *ret)
{
	struct log_class c = {0};
	const char *end;

	if (!ret || (!msg && len) || (!group && group_len) || (!conn && conn_len))
		return -EINVAL;
	len = clamp_len(len, &c);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	end = msg + len;
	if (group_len == 3 && is_upper(group[0]) && is_upper(group[1]) && is_upper(group[2]))
		c.group = group_from_name(group, 3);
	if (conn && conn_len) {
		c.conn.p = conn;
		c.conn.len = conn_len > LABEL_VALUE_MAX ? LABEL_VALUE_MAX : conn_len;
	}
	/* charon-systemd and VICI give the message without the "<conn|id>" prefix, but a
	 * syslog-forwarded message may still carry it */
	if (len)
		take_ike_name(&msg, end, &c);
	if (c.group == LOG_GROUP_OTHER) {
		c.msg.p = msg;
		c.msg.len = (size_t)(end - msg);
		*ret = c;
		return 0;
	}
	classify_text(c.group, msg, end, &c);
	*ret = c;
	return 0;
}
