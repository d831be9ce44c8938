/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every hard limit on a resource that a peer, a daemon or a user controls, in one place.
 * Code checks these before it allocates; tests and docs refer to them by name.
 */
#ifndef IKEWATCH_LIMITS_H
#define IKEWATCH_LIMITS_H

/* VICI (strongSwan src/libcharon/plugins/vici/vici_socket.h: VICI_MESSAGE_SIZE_MAX). */
#define VICI_MSG_MAX (512u * 1024u)
/* Deepest section/list nesting we accept; charon's own messages stay below 8. */
#define VICI_NEST_MAX 32
/* Elements in one message: every element but the implicit root takes at least 3 bytes (an
 * empty list item) after the 1-byte packet type, so VICI_MSG_MAX / 3 plus the root is the most a
 * legal message can hold. */
#define VICI_ELEMS_MAX (VICI_MSG_MAX / 3 + 1)
/* Default time one VICI command may take end to end before the connection is reset. */
#define VICI_TIMEOUT_MS 5000
/* Packets sent on one VICI connection whose answers are not read yet (vici_conn_send()); a
 * scrape pipelines at most nine (list-conns, list-sas, stats, get-counters twice, get-pools,
 * list-certs, and the registrations of the first scrape). */
#define VICI_PIPELINE_MAX 16
/* Events queued while a command is running, before older ones are dropped and counted. */
#define VICI_EVENT_QUEUE_MAX 1024

/* Label cardinality bounds for the exporter: beyond these, series are dropped and counted. */
#define EXPORT_CONNS_MAX 4096
#define EXPORT_CHILDREN_MAX 16384
#define EXPORT_CERTS_MAX 1024
/* Above this many loaded connections, get-counters is not asked with all = yes: its answer (about
 * 500 bytes per connection) would pass VICI_MSG_MAX, and charon discards such an answer instead
 * of sending it, so the command would only time out. */
#define IKE_COUNTERS_CONNS_MAX 800
/* Virtual-IP pools (get-pools) exported. */
#define EXPORT_POOLS_MAX 1024
/* Kernel SAs and policies kept from one XFRM dump (more are counted, not kept). */
#define XFRM_STATES_MAX 65536
#define XFRM_POLICIES_MAX 65536
/* Longest label value we export; longer values are cut at a UTF-8 boundary. */
#define LABEL_VALUE_MAX 256

/* HTTP server (libmicrohttpd). */
#define HTTP_MAX_CLIENTS 64
/* Idle timeout, and deadline for a whole request (from accept or the previous response on) and
 * for sending a response. */
#define HTTP_CLIENT_TIMEOUT_S 10
#define HTTP_BODY_MAX (64u * 1024u * 1024u)
/* Listening sockets of one server (addresses, or sockets from systemd), each with its own
 * HTTP_THREADS threads. */
#define HTTP_LISTEN_MAX 8
/* web-config (exporter-toolkit format): users and YAML nesting we accept, and how many verified
 * (user, password) pairs the basic-auth cache keeps so bcrypt does not run on every scrape. */
#define WEB_CONFIG_USERS_MAX 1024
#define WEB_CONFIG_NEST_MAX 16
#define BASIC_AUTH_CACHE_SIZE 64

/* Log lines longer than this are cut and counted, never buffered without bound. */
#define LOGLINE_MAX 8192
/* The log sources' position file (journal cursor or file offset), and a journal cursor in it. */
#define LOG_STATE_MAX 4096
#define LOG_CURSOR_MAX 1024

/* STAMP probing and reflection. */
#define PROBE_MAX_SESSIONS 1024
#define PROBE_MAX_TARGETS 256
/* Sources the reflector keeps a rate-limit bucket for; the oldest is reused beyond this. */
#define REFLECT_SOURCES_MAX 4096
/* Largest datagram reflected (jumbo frames); anything longer is malformed. */
#define REFLECT_PKT_MAX 9216
/*
 * Senders the reflector counts apart in ipsec_reflector_sender_packets_total (times the results
 * it has seen from each); a sender is listed once one of its packets is reflected and keeps its
 * row for the life of the process, later senders are summed under sender="_other".
 */
#define REFLECT_SENDERS_MAX 64
/* Entries in a reflector's allow list. */
#define REFLECT_ALLOW_MAX 256
/* `ikewatch reflect --threads`: sockets on one address (SO_REUSEPORT), a thread each. */
#define REFLECT_THREADS_MAX 64
/* Default per-source reply rate and burst (RFC 8762 section 4.3: do not amplify). */
#define REFLECT_RATE_PPS_DEFAULT 1000
/* Probes kept in flight per target (sequence window); older unanswered ones count as lost. */
#define PROBE_WINDOW 4096
/* RTT samples kept for percentiles in the ping summary. */
#define PROBE_RTT_SAMPLES_MAX 100000

/* Configuration file. */
#define CONFIG_FILE_MAX (1024u * 1024u)

/* ikewatch doctor: how much of the charon log it reads backwards, findings it keeps. */
#define DOCTOR_LOG_TAIL_BYTES (2u * 1024u * 1024u)
#define DOCTOR_LOG_TAIL_LINES 5000
#define DOCTOR_CONNS_MAX 256
#define DOCTOR_CHILDREN_MAX 16
#define DOCTOR_FINDINGS_MAX 512
/* ikewatch heal: webhook body and alerts per notification, connections with a ladder. */
#define HEAL_WEBHOOK_BODY_MAX (1024u * 1024u)
#define HEAL_WEBHOOK_ALERTS_MAX 1024
#define HEAL_CONNS_MAX 256
#define HEAL_ALLOW_MAX 256
#define HEAL_ARGV_MAX 32
/* ikewatch diag: output of one gathered command, before it is cut. */
#define DIAG_ITEM_MAX (8u * 1024u * 1024u)
/* ikewatch diag: the whole uncompressed bundle, and charon log lines it keeps by default. */
#define DIAG_BUNDLE_MAX (96u * 1024u * 1024u)
#define DIAG_LOG_LINES_DEFAULT 2000

#endif
