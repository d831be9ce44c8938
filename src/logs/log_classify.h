/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The charon log line classifier: a codec from one log line (bytes and a length, no newline
 * needed, not NUL-terminated) to a small struct saying what the line means for the event
 * counters: a failure of some kind, a retransmit, an IKE or CHILD SA lifecycle event, or an
 * outgoing request (which later lines' retransmits refer to). It does no I/O, never logs, keeps
 * no state and never allocates: every text field of the result is a span into the caller's line.
 *
 * Accepted shapes (all go through one pattern table in log_classify.c):
 *   charon filelog    "Nov 23 07:40:01 11[IKE] <a-b|1> retransmit 1 of request with message ID 2"
 *   syslog            "Nov 23 07:40:01 host charon: 11[IKE] <a-b|1> ..."
 *   bare message      "retransmit 1 of request with message ID 2" plus a group and a conn name
 *                     from elsewhere (VICI `log` events, charon-systemd's journal fields).
 */
#ifndef IKEWATCH_LOG_CLASSIFY_H
#define IKEWATCH_LOG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* charon's debug groups (strongSwan debug.h); only some carry lines we count. */
enum log_group {
	LOG_GROUP_UNKNOWN = 0,
	LOG_GROUP_IKE,
	LOG_GROUP_CFG,
	LOG_GROUP_ENC,
	LOG_GROUP_NET,
	LOG_GROUP_CHD,
	LOG_GROUP_KNL,
	LOG_GROUP_OTHER, /* DMN, MGR, JOB, ASN, LIB, TLS, ...: valid, never counted */
};

enum log_cat {
	LOG_CAT_NONE = 0,    /* nothing to count */
	LOG_CAT_FAILURE,     /* ->failure, ->notify */
	LOG_CAT_RETRANSMIT,  /* ->count (1-based try), ->msgid, ->exchange when it can be known */
	LOG_CAT_IKE_EVENT,   /* ->event, ->ike_id */
	LOG_CAT_CHILD_EVENT, /* ->event, ->child */
	LOG_CAT_REQUEST,     /* "generating/parsed X request N": ->exchange, ->msgid, ->rekey,
	                      * ->inbound */
	LOG_CAT_RESPONSE,    /* "parsed X response N": the peer answered (->exchange, ->msgid) */
};

/* Label values of ipsec_failures_total{kind}; the order is the metric's order. */
enum log_failure {
	LOG_FAIL_REKEY_FAILED = 0,
	LOG_FAIL_DPD_TIMEOUT,
	LOG_FAIL_AUTH_FAILED,
	LOG_FAIL_NO_PROPOSAL,
	LOG_FAIL_TS_UNACCEPTABLE,
	LOG_FAIL_INVALID_KE,
	LOG_FAIL_INSTALL_FAILED,
	LOG_FAIL_CERT_INVALID,
	LOG_FAIL_PEER_UNREACHABLE,
	LOG_FAIL_OTHER,
	LOG_FAIL_COUNT
};

enum log_event {
	LOG_EV_IKE_ESTABLISHED = 0,
	LOG_EV_IKE_DELETED,
	LOG_EV_IKE_REKEYED,
	LOG_EV_CHILD_INSTALLED,
	LOG_EV_CHILD_DELETED,
	LOG_EV_CHILD_REKEYED,
	LOG_EV_COUNT
};

/* IKEv2 exchange types (RFC 7296 section 3.1), label values of ipsec_retransmits_total. */
enum log_exchange {
	LOG_EXCH_UNKNOWN = 0,
	LOG_EXCH_IKE_SA_INIT,
	LOG_EXCH_IKE_AUTH,
	LOG_EXCH_CREATE_CHILD_SA,
	LOG_EXCH_INFORMATIONAL,
	LOG_EXCH_IKE_INTERMEDIATE,
	LOG_EXCH_COUNT
};

struct log_span {
	const char *p; /* NULL when absent */
	size_t len;
};

struct log_class {
	enum log_cat cat;
	enum log_group group;
	enum log_failure failure;   /* LOG_CAT_FAILURE */
	enum log_event event;       /* LOG_CAT_*_EVENT */
	enum log_exchange exchange; /* LOG_CAT_REQUEST; LOG_CAT_RETRANSMIT when known */
	uint16_t notify; /* IKEv2 notify error type (RFC 7296 3.10.1) received or sent, or 0 */
	uint32_t msgid;  /* LOG_CAT_REQUEST, LOG_CAT_RETRANSMIT */
	uint32_t count;  /* retransmit number, or the tries of "giving up after N" */
	bool has_msgid;
	bool rekey;            /* a REQUEST that carries N(REKEY_SA): a CHILD SA rekey */
	bool ike_rekey;        /* a CREATE_CHILD_SA REQUEST without TSi: an IKE SA rekey
	                        * (RFC 7296 1.3.2) */
	bool liveness;         /* an INFORMATIONAL REQUEST without payloads: DPD (RFC 7296 2.4) */
	bool inbound;          /* a REQUEST we parsed (the peer's) rather than generated */
	bool giveup;           /* "giving up after N retransmits": the counter store names the
	                        * kind by what the unanswered request was (see event_counters.c) */
	bool truncated;        /* the line was longer than LOGLINE_MAX; its head was used */
	double wait_s;         /* RETRANSMIT: the wait until the next retransmit or the give-up
	                        * as the daemon announces it (pluto's "will wait 0.5 seconds"),
	                        * 0 unknown (charon does not say) */
	struct log_span conn;  /* connection name from "<conn|id>" or the SA name in the text */
	struct log_span child; /* CHILD SA name for CHILD events */
	uint32_t ike_id;       /* unique id from "<conn|id>", 0 when absent */
	uint32_t sa_id;        /* IKE and CHILD events: unique id of the SA the text names
	                        * ("a-b[2]", "net{3}") */
	struct log_span msg;   /* the message text after any timestamp/thread/name prefix */
};

/*
 * Classify one full log line (filelog or syslog shape). Lines without charon's "NN[GRP]" marker
 * are LOG_CAT_NONE. Returns 0 (with *ret filled, cat possibly NONE) or -EINVAL for a NULL line
 * with a non-zero length. Spans in *ret point into @line.
 */
int log_classify_line(const char *line, size_t len, struct log_class *ret);

/*
 * Classify a bare message whose group (e.g. "IKE", from a VICI `log` event or the journal's
 * GROUP field) and conn name come from elsewhere. @group may be NULL/0 when unknown: then every
 * group's patterns are tried. @conn (may be NULL) is copied into ret->conn as a span unless the
 * text itself names the SA.
 */
int log_classify_msg(const char *group, size_t group_len, const char *msg, size_t len,
                     const char *conn, size_t conn_len, struct log_class *ret);

/* Label values; never NULL. */
const char *log_failure_name(enum log_failure f);
const char *log_event_name(enum log_event e);
const char *log_exchange_name(enum log_exchange x);
/* charon's name of an IKEv2 notify type -> number, 0 if unknown. */
uint16_t log_notify_from_name(const char *name, size_t len);
/* The failure kind that a received/sent notify error implies (LOG_FAIL_OTHER if none). */
enum log_failure log_failure_from_notify(uint16_t notify);

/* The pattern table, row by row, for the benchmark's grep baseline and for docs: 0 and the
 * row's group name, prefix and contains literals (contains may be ""), or -ENOENT past the end. */
int log_classify_pattern_at(size_t i, const char **ret_group, const char **ret_prefix,
                            const char **ret_contains);

#endif
