/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Gathering for `ikewatch doctor` (the I/O half): reads charon over VICI (list-sas, list-conns,
 * list-certs through the exporter's collector, plus configured lifetimes from list-conns), the
 * tail of charon's log file, the kernel's XFRM counts, and, when a target is given, runs a short
 * probe stream and a path-MTU search through the tunnel. Every source that fails is recorded in
 * the facts (the doctor reports it) rather than aborting the run.
 */
#ifndef IKEWATCH_DOCTOR_GATHER_H
#define IKEWATCH_DOCTOR_GATHER_H

#include "doctor/doctor_facts.h"
#include "doctor/doctor_peer_read.h"
#include "doctor/doctor_prom_read.h"
#include "doctor/doctor_proposals.h"
#include "probe/probe_sess.h"

struct collector_source;

/* Another daemon than charon (Libreswan's pluto: src/libreswan/lsw_doctor.h builds one, and
 * the command wires it, since libreswan sits above doctor): its SAs and connections come through
 * the collector's source, its daemon-wide facts through @gather; VICI, swanctl.conf and
 * strongswan.conf are not read. */
struct doctor_daemon_source {
	const char *name;  /* "pluto": the findings name it */
	const char *where; /* its control socket, for the evidence */
	const struct collector_source *collector;
	/* called at the start and again after the probe run, as charon's stats are */
	void (*gather)(void *ctx, double now, struct doctor_daemon_facts *d);
	/* the daemon's retransmission defaults (timeout 0: charon's, from strongswan.conf); a
	 * connection's own schedule comes with the snapshot (snap_conn.retx) */
	struct sa_retx_timing retx_default;
	/* our configured proposals as the daemon shows them (NULL: not compared), named by
	 * ->proposal_words (doctor_proposals_gather_daemon()) */
	int (*proposals)(void *ctx, struct swanctl_conf *ret, char *why, size_t why_len);
	struct doctor_proposal_words proposal_words;
	void *ctx;
};

struct doctor_options {
	const char *vici_socket;
	unsigned vici_timeout_ms;
	const char *log_file;             /* NULL: the log is not read */
	const char *conn;                 /* NULL: every connection */
	const struct probe_target *probe; /* NULL: no probe run, no MTU search */
	uint32_t probe_count; /* probes in the run (default 400, at most PROBE_RUN_MAX) */
	uint64_t probe_interval_ns, probe_timeout_ns;
	bool mtu;                  /* also search the path MTU */
	uint32_t mtu_min, mtu_max; /* IP packet sizes */
	uint64_t mtu_timeout_ns;
	uint32_t mtu_retries;
	struct doctor_peer_options peer; /* --peer: read before and after the probe run */
	const char *swanctl_conf;        /* our configured proposals; NULL: swanctl's default */
	const char *strongswan_conf;     /* charon's retransmit settings; NULL: the default */
	struct doctor_prom_options prom; /* --prometheus: both ends, around the probe run */
	const struct doctor_daemon_source *daemon; /* NULL: charon over VICI */
};

#define DOCTOR_PROBE_RUN_MAX 2000

/* Fill @f (initialised by the caller). Returns 0, or -ENOMEM. */
int doctor_gather(const struct doctor_options *o, struct doctor_facts *f);

#endif
