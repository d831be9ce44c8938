/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Everything the doctor learned before it judges: the daemon's view (list-sas, list-conns,
 * list-certs), the recent charon log classified per connection, the kernel's XFRM counts, and
 * the results of a short probe run and a path-MTU search. Gathering fills it (doctor_gather.c,
 * doctor_log.c); doctor_diagnose() reads it and nothing else, so each lab fault can be replayed
 * as a struct in unit tests. Times are seconds; SNAP_NONE means "not known".
 */
#ifndef IKEWATCH_DOCTOR_FACTS_H
#define IKEWATCH_DOCTOR_FACTS_H

#include "common/limits.h"
#include "doctor/doctor_daemon.h"
#include "exporter/sa_foresee.h"
#include "exporter/sa_snapshot.h"
#include "logs/log_classify.h"

#include <stdbool.h>
#include <stdint.h>

struct doctor_child_facts {
	char name[64];
	bool configured, up;
	char state[24]; /* "" when no SA */
	char mode[24];
	bool encap;
	int64_t rekey_time, life_time, use_in, use_out; /* from list-sas */
	uint64_t packets_in, packets_out;
	char algs[96];
	int64_t cfg_rekey_time; /* list-conns */
	char local_ts[128], remote_ts[128];
	bool spis; /* spi_in, spi_out read from list-sas */
	uint32_t spi_in, spi_out;
};

/* The connection's log since its last IKE SA establishment (older trouble was overcome). */
struct doctor_log_facts {
	uint32_t fails[LOG_FAIL_COUNT];
	int last_fail;        /* enum log_failure of the newest failure, -1 none */
	uint16_t last_notify; /* newest notify error, 0 none */
	uint32_t requests;    /* IKE requests we generated (retransmits of one count once) */
	uint32_t retransmits;
	uint32_t setup_retransmits; /* of IKE_SA_INIT / IKE_AUTH requests: never answered */
	uint32_t giveups;
	bool retx_outstanding; /* the newest request was retransmitted and not yet answered */
	uint32_t retx_count;   /* the newest retransmit's number ("retransmit 4 of request") */
	uint32_t retx_msgid;
	enum log_exchange retx_exchange; /* of that request, LOG_EXCH_UNKNOWN when not seen */
	bool retx_liveness;              /* that request is a DPD (an empty INFORMATIONAL) */
	double retx_silent_s; /* now minus the log time of that request's first send, or -1 */
	double last_req_time; /* log time of the newest request we sent, -1 unknown */
	bool last_req_liveness;
	uint32_t established; /* IKE SAs established within the window read */
	bool failed_last;     /* the newest lifecycle-or-failure line is a failure */
	char last_error[160];
	char ike_proposals[160]; /* newest "configured proposals: IKE:..." */
	char esp_proposals[160];
	char peer_proposals[160]; /* newest "received proposals: ..." */
	enum log_exchange last_req_exchange;
	uint32_t last_req_msgid;
	bool has_req;
	/* the peer deleted the IKE SA ("received DELETE for IKE_SA a-b[1]") since the last
	 * establishment: the line, and its log time (-1 unknown) */
	bool peer_deleted;
	char peer_delete[160];
	double peer_delete_time;
};

struct doctor_conn_facts {
	char name[64];
	bool configured, up;
	char ike_state[24]; /* "" when no IKE SA */
	bool tasks_pending, initiator;
	char nat[12];
	char local_host[64], remote_host[64], remote_addrs[128];
	int64_t established, rekey_time, reauth_time;
	char ike_algs[96];
	int64_t cfg_rekey_time, cfg_reauth_time, cfg_dpd_delay; /* list-conns */
	struct doctor_child_facts children[DOCTOR_CHILDREN_MAX];
	uint32_t n_children;
	struct doctor_log_facts log;
	struct sa_retx_timing retx; /* the daemon's retransmissions for this connection */
	/* the probe run and MTU search, attached to the connection the target belongs to */
	bool probed;
	char probe_target[64];
	uint32_t probe_sent, probe_received;
	/* ICMP port unreachable (or ECONNREFUSED) answers to the probes: the target host got
	 * them, and nothing listens on the port */
	uint32_t probe_refused;
	bool probe_counters; /* CHILD packet counters were read before and after */
	uint64_t probe_out_delta, probe_in_delta;
	/* our CHILD SA was replaced (rekeyed) during the probe run: the traffic the old SA
	 * carried after the first read is not in the deltas, so they are not the run's */
	bool probe_sa_changed;
	char probe_child[64]; /* the CHILD SA the probes went through ("" unknown) */
	bool mtu_ran, mtu_blackhole, mtu_icmp_seen;
	uint32_t path_mtu;
};

/* What reading the far end's ikewatch (--peer) gave, before and after the probe run. */
enum doctor_peer_status {
	DOCTOR_PEER_NONE = 0,     /* no --peer */
	DOCTOR_PEER_OK,           /* the paired CHILD SA and its counters, before and after */
	DOCTOR_PEER_UNREACHABLE,  /* refused, no route, or any transport error */
	DOCTOR_PEER_TIMEOUT,      /* no whole answer within --peer.timeout */
	DOCTOR_PEER_AUTH,         /* 401/403, or TLS refused */
	DOCTOR_PEER_HTTP,         /* another status than 200 */
	DOCTOR_PEER_OVERSIZED,    /* the answer exceeded the cap */
	DOCTOR_PEER_MALFORMED,    /* not a Prometheus exposition */
	DOCTOR_PEER_NOT_IKEWATCH, /* an exposition without ikewatch_build_info */
	DOCTOR_PEER_NO_MATCH,     /* ikewatch, but no CHILD SA with our SPIs (another gateway, or
	                           * SAs out of sync) */
	DOCTOR_PEER_NO_COUNTERS,  /* the paired SA has no packet counters */
	DOCTOR_PEER_REKEYED,      /* the pair changed during the probe run (a rekey) */
	/* --prometheus only (doctor_prom_read.c) */
	DOCTOR_PEER_API_ERROR, /* Prometheus answered status "error" */
	DOCTOR_PEER_NO_SELF,   /* no instance in Prometheus holds our CHILD SA */
	DOCTOR_PEER_STALE,     /* no sample of both ends after the probe run in time */
};

/* Where the far end's counters came from. */
enum doctor_peer_source {
	DOCTOR_PEER_SRC_METRICS = 0, /* --peer: its /metrics, read before and after */
	DOCTOR_PEER_SRC_PROMETHEUS,  /* --prometheus: both ends' samples around the run */
};

struct doctor_peer_facts {
	enum doctor_peer_status status;
	char url[160];
	char error[160]; /* one line from the client or the parser */
	long http_status;
	uint32_t elapsed_ms; /* both reads */
	char version[32];
	char conn[64], child[64];     /* the paired CHILD SA, by the peer's names */
	uint32_t spi_in, spi_out;     /* ours, that were looked for */
	uint64_t in_delta, out_delta; /* the paired SA's packets during the probe run */
	/* the far reflector's count of our prober's packets during the run (its
	 * ipsec_reflector_sender_packets_total{sender=<our probe source>}), summed over results */
	bool reflector_known;
	uint64_t reflector_delta, reflected_delta; /* received, and of them reflected */
	char sender[64];                           /* the sender looked for */
	/* the peer's own probes through the paired CHILD SA (toward us) during the run, and how
	 * many of its probe streams succeed at the second reading (--peer only) */
	bool probes_known;
	uint64_t probes_sent_delta, probes_received_delta;
	uint32_t probe_streams, probe_streams_succeeding;
	char probe_target[64];
	enum doctor_peer_source source;
	/* --prometheus: the two scrape targets (job/instance) and our own SA's counters over
	 * the same samples, so that both ends' windows hold the whole run */
	char self_target[128], peer_target[128];
	bool self_known;
	uint64_t self_in_delta, self_out_delta;
	double window_s; /* the longer of the two ends' sample windows */
	/* packets of each ESP direction that the receiver's window may miss of the sender's
	 * because the two targets are scraped at different moments (counted by the receiver in
	 * the scrape interval next to the edge, see doctor_prom_read.c) */
	uint64_t skew_out, skew_back;
};

struct doctor_proposal_facts;

struct doctor_cert_facts {
	char subject[160];
	int64_t not_before, not_after; /* epoch seconds, or SNAP_NONE */
};

struct doctor_facts {
	double now; /* wall clock, epoch seconds */
	/* the daemon read: "charon" (doctor_facts_init) or "pluto"; charon_up, charon_error and
	 * vici_socket are its state, whichever it is (vici_socket: pluto's control socket) */
	char daemon_name[16];
	bool charon_up;
	char charon_error[128];
	char vici_socket[128];
	bool log_read;
	char log_path[256];
	char log_error[96];
	uint32_t log_lines;
	bool xfrm_read;
	char xfrm_error[96];
	uint32_t xfrm_policies, xfrm_states;
	bool libipsec; /* ESP in user space (ipsec0): an empty SAD is normal */
	/* charon's workers, queues, pools, IKE counters */
	struct doctor_daemon_facts daemon;
	bool probe_configured;
	char probe_error[128];
	struct doctor_peer_facts peer;
	struct doctor_proposal_facts *proposals; /* doctor_proposals.h; NULL: not gathered */
	struct sa_retx_timing retx; /* the daemon's retransmit settings: charon's (charon_retx.h) or
	                             * pluto's defaults; each connection's are in its facts */
	/* failures in lines that name no connection: a responder logs IKE_SA_INIT trouble before
	 * it has matched a config ("<2> received proposals unacceptable") */
	struct doctor_log_facts anon;
	struct doctor_cert_facts *certs;
	uint32_t n_certs, cap_certs;
	struct doctor_conn_facts *conns;
	uint32_t n_conns, cap_conns;
};

void doctor_facts_init(struct doctor_facts *f);
void doctor_facts_done(struct doctor_facts *f);
/* The connection named @name (len bytes), added when missing; NULL past DOCTOR_CONNS_MAX or
 * when out of memory. */
struct doctor_conn_facts *doctor_facts_conn(struct doctor_facts *f, const char *name, size_t len);
struct doctor_conn_facts *doctor_facts_find(struct doctor_facts *f, const char *name);
struct doctor_child_facts *doctor_conn_child(struct doctor_conn_facts *c, const char *name);
int doctor_facts_add_cert(struct doctor_facts *f, const char *subject, int64_t not_before,
                          int64_t not_after);
/* Bounded copy that always terminates (for the fixed text fields above). */
void doctor_copy(char *dst, size_t cap, const char *src, size_t len);

#endif
