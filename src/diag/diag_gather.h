/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Gathering for `ikewatch diag` (the I/O half): charon over VICI (version, stats, list-conns,
 * list-sas, list-certs, list-policies, printed as text), the kernel's view (ip xfrm state and
 * policy, routes, rules, links, addresses, /proc/net/xfrm_stat), IKE/NAT-T conntrack entries and
 * sockets, the tail of charon's log, the exporter's /metrics, the doctor's findings and, if
 * asked, a short tcpdump capture of IKE and ESP. Every item that fails is listed in the
 * bundle's manifest with the reason; nothing here aborts the bundle.
 */
#ifndef IKEWATCH_DIAG_GATHER_H
#define IKEWATCH_DIAG_GATHER_H

#include "diag/diag_bundle.h"

#include <stdint.h>

struct diag_options;
struct doctor_daemon_source;

/* Another daemon than charon (Libreswan's pluto: src/libreswan/lsw_diag.h; the command wires
 * it, since libreswan sits above diag): its items replace VICI's, its log is named for it and
 * the doctor reads it. */
struct diag_daemon {
	const char *name; /* "pluto": logs/pluto.log */
	void (*items)(void *ctx, const struct diag_options *o, struct diag_bundle *b);
	void *ctx;
	const struct doctor_daemon_source *doctor;
};

struct diag_options {
	const char *vici_socket;
	unsigned vici_timeout_ms;
	const char *log_file;     /* NULL: no log in the bundle */
	uint32_t log_lines;       /* newest lines of the log kept */
	const char *exporter_url; /* NULL: no /metrics; else a loopback http:// URL */
	unsigned capture_s;       /* 0: no capture */
	const char *conn;         /* NULL: everything; else list-sas/list-conns/doctor narrowed */
	unsigned cmd_timeout_ms;  /* per outside command (default 10 s) */
	const struct diag_daemon *daemon; /* NULL: charon over VICI */
};

/* Gather every item into @b. Returns 0, or -ENOMEM when not even the bookkeeping fits. */
int diag_gather(const struct diag_options *o, struct diag_bundle *b);

#endif
