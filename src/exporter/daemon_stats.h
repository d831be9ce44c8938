/* SPDX-License-Identifier: Apache-2.0 */
/*
 * charon's own health from VICI `stats`: uptime, worker threads idle and busy (and busy by job
 * priority), queued jobs by priority, scheduled jobs, IKE SAs and half-open IKE SAs, and the
 * loaded plugins. Parsing (a decoded `stats` response into struct daemon_stats) and rendering
 * (the ipsec_daemon_* families) do no I/O and never log; the collector asks and doctor reads.
 */
#ifndef IKEWATCH_DAEMON_STATS_H
#define IKEWATCH_DAEMON_STATS_H

#include "prom/prom_writer.h"
#include "vici/vici_msg.h"

#include <stdbool.h>
#include <stdint.h>

/* charon's job priorities (libstrongswan processing/jobs/job.h), in its order. */
enum daemon_prio {
	DAEMON_PRIO_CRITICAL,
	DAEMON_PRIO_HIGH,
	DAEMON_PRIO_MEDIUM,
	DAEMON_PRIO_LOW,
	DAEMON_PRIO_N,
};

/* Plugins beyond this many are not listed (charon loads about 20-60). */
#define DAEMON_PLUGINS_MAX 128
#define DAEMON_PLUGIN_NAME_MAX 48

struct daemon_stats {
	double uptime_s;                        /* -1: unknown */
	uint64_t workers_total;                 /* worker threads */
	uint64_t workers_idle;                  /* waiting for a job */
	uint64_t workers_active[DAEMON_PRIO_N]; /* working on a job of that priority */
	uint64_t queued[DAEMON_PRIO_N];         /* jobs waiting for a worker */
	uint64_t scheduled;                     /* timed jobs (rekeys, DPD, retransmits...) */
	uint64_t ike_sas, ike_sas_half_open;
	uint32_t n_plugins;
	char plugins[DAEMON_PLUGINS_MAX][DAEMON_PLUGIN_NAME_MAX];
};

const char *daemon_prio_name(enum daemon_prio p);

/* Parse a `stats` response. @now (wall clock, seconds) turns charon's start time into an
 * uptime. 0, or -EBADMSG when the response lacks the workers, queues or IKE SA counts. */
int daemon_stats_parse(const struct vici_msg *m, double now, struct daemon_stats *ret);

/* The ipsec_daemon_* families of @s (see docs/metrics.md). */
void daemon_stats_write(struct prom_writer *w, const struct daemon_stats *s);

/* Busy workers: those not idle (never below 0). */
uint64_t daemon_stats_busy(const struct daemon_stats *s);
/* Queued jobs of every priority. */
uint64_t daemon_stats_queued(const struct daemon_stats *s);

#endif
