// SPDX-License-Identifier: Apache-2.0
/*
 * VICI `stats` (strongSwan vici_query.c stats()) into struct daemon_stats, and its metrics.
 * The answer looks like
 *   uptime { running = "3 seconds", since = "Nov 23 07:39:22 2026" }
 *   workers { total, idle, active { critical, high, medium, low } }
 *   queues { critical, high, medium, low }   scheduled   ikesas { total, half-open }
 *   plugins [ charon random ... ]            mallinfo { ... } (not read)
 * The uptime comes from "since" (charon's start, printed with strongSwan's %T: local time,
 * or "... UTC yyyy"), which is exact to the second; "running" (%V: "5 minutes", "3 hours") is
 * rounded, so it is only the fallback.
 */
#include "exporter/daemon_stats.h"

#include "common/num.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

static const char *const prio_names[DAEMON_PRIO_N] = {"critical", "high", "medium", "low"};

const char *daemon_prio_name(enum daemon_prio p)
{
	return (unsigned)p < DAEMON_PRIO_N ? prio_names[p] : "unknown";
}

/* Numbers of one section: the named keys into @out, all required. */
static int get_prios(const struct vici_msg *m, uint32_t sec, uint64_t out[DAEMON_PRIO_N])
{
	for (unsigned p = 0; p < DAEMON_PRIO_N; p++)
		if (vici_get_u64(m, sec, prio_names[p], &out[p]) < 0)
			return -EBADMSG;
	return 0;
}

static bool is_section(const struct vici_msg *m, uint32_t i)
{
	return i && m->elems[i].type == VICI_ELEM_SECTION_START;
}

/* The next space-separated word of [*p, end). */
static bool next_word(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*ret = s;
	while (s < end && *s != ' ')
		s++;
	*ret_len = (size_t)(s - *ret);
	*p = s;
	return *ret_len > 0;
}

/* "Nov 23 07:39:22 2026" or "Nov 23 07:39:22 UTC 2026" to a time_t. */
static int parse_since(const char *s, size_t len, time_t *ret)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = s, *end = s + len, *w;
	struct tm tm = {0};
	uint64_t day, h, mi, sec, year;
	bool utc = false;
	size_t wl;
	int mon = -1;
	time_t t;

	if (!next_word(&p, end, &w, &wl) || wl != 3)
		return -EINVAL;
	for (int i = 0; i < 12; i++)
		if (memcmp(months + 3 * i, w, 3) == 0)
			mon = i;
	if (mon < 0 || !next_word(&p, end, &w, &wl) || num_parse_u64(w, wl, 31, &day) < 0 ||
	    day == 0 || !next_word(&p, end, &w, &wl) || wl != 8 || w[2] != ':' || w[5] != ':' ||
	    num_parse_u64(w, 2, 23, &h) < 0 || num_parse_u64(w + 3, 2, 59, &mi) < 0 ||
	    num_parse_u64(w + 6, 2, 60, &sec) < 0 || !next_word(&p, end, &w, &wl))
		return -EINVAL;
	if (wl == 3 && memcmp(w, "UTC", 3) == 0) {
		utc = true;
		if (!next_word(&p, end, &w, &wl))
			return -EINVAL;
	}
	if (num_parse_u64(w, wl, 9999, &year) < 0 || year < 1970 || next_word(&p, end, &w, &wl))
		return -EINVAL;
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = (int)day;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = t;
	return 0;
}

/* parse_since() of the text last read, remembered: charon's start time does not change while
 * it runs, and each mktime() looked at /etc/localtime again (a stat() a scrape). Per thread,
 * as scrapes run on the HTTP server's threads. The cost: after the local time zone changes
 * under a running charon, the time first read is kept while charon's text stays the same. */
static int since_time(const char *s, size_t len, time_t *ret)
{
	static _Thread_local struct {
		char text[32];
		size_t len;
		time_t t;
	} memo;

	if (len && len == memo.len && memcmp(memo.text, s, len) == 0) {
		*ret = memo.t;
		return 0;
	}
	if (parse_since(s, len, ret) < 0)
		return -EINVAL;
	if (len <= sizeof(memo.text)) {
		memcpy(memo.text, s, len);
		memo.len = len;
		memo.t = *ret;
	}
	return 0;
}

/* "3 seconds", "1 minute", "5 hours", "2 days" to seconds. */
static int parse_running(const char *s, size_t len, double *ret)
{
	static const struct {
		const char *unit;
		double s;
	} units[] = {{"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}};
	const char *p = s, *end = s + len, *w, *u;
	size_t wl, ul;
	uint64_t n;

	if (!next_word(&p, end, &w, &wl) || num_parse_u64(w, wl, UINT32_MAX, &n) < 0 ||
	    !next_word(&p, end, &u, &ul) || next_word(&p, end, &w, &wl))
		return -EINVAL;
	if (ul > 1 && u[ul - 1] == 's')
		ul--;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].unit) == ul && memcmp(units[i].unit, u, ul) == 0) {
			*ret = (double)n * units[i].s;
			return 0;
		}
	return -EINVAL;
}

static double parse_uptime(const struct vici_msg *m, uint32_t sec, double now)
{
	const char *v;
	size_t len;
	time_t since;
	double up;

	if (!is_section(m, sec))
		return -1;
	/* to the millisecond: "since" is exact to the second, and what is finer than that is our
	 * own clock's; the exposition then writes it in 15 digits or fewer, not 17 (format_double()
	 * in prom_writer.c tries 15, 16 and 17, each with a strtod) */
	if (vici_get_str(m, sec, "since", &v, &len) == 0 && since_time(v, len, &since) == 0 &&
	    now >= (double)since)
		return round((now - (double)since) * 1000) / 1000;
	if (vici_get_str(m, sec, "running", &v, &len) == 0 && parse_running(v, len, &up) == 0)
		return up;
	return -1;
}

int daemon_stats_parse(const struct vici_msg *m, double now, struct daemon_stats *ret)
{
	struct daemon_stats s = {0};
	uint32_t wk = vici_find(m, 0, "workers"), q = vici_find(m, 0, "queues");
	uint32_t ike = vici_find(m, 0, "ikesas"), pl = vici_find(m, 0, "plugins");

	if (!is_section(m, wk) || !is_section(m, q) || !is_section(m, ike) ||
	    !is_section(m, vici_find(m, wk, "active")) ||
	    vici_get_u64(m, wk, "total", &s.workers_total) < 0 ||
	    vici_get_u64(m, wk, "idle", &s.workers_idle) < 0 ||
	    get_prios(m, vici_find(m, wk, "active"), s.workers_active) < 0 ||
	    get_prios(m, q, s.queued) < 0 || vici_get_u64(m, 0, "scheduled", &s.scheduled) < 0 ||
	    vici_get_u64(m, ike, "total", &s.ike_sas) < 0 ||
	    vici_get_u64(m, ike, "half-open", &s.ike_sas_half_open) < 0)
		return -EBADMSG;
	s.uptime_s = parse_uptime(m, vici_find(m, 0, "uptime"), now);
	if (pl && m->elems[pl].type == VICI_ELEM_LIST_START) {
		vici_foreach_child(m, pl, i)
		{
			const struct vici_elem *e = &m->elems[i];

			if (s.n_plugins == DAEMON_PLUGINS_MAX)
				break;
			/* a name that does not fit is not cut into another plugin's name, and one
			 * with a NUL in it is no plugin's name */
			if (e->value_len == 0 || e->value_len >= DAEMON_PLUGIN_NAME_MAX ||
			    memchr(e->value, '\0', e->value_len))
				continue;
			memcpy(s.plugins[s.n_plugins], e->value, e->value_len);
			s.plugins[s.n_plugins++][e->value_len] = '\0';
		}
	}
	*ret = s;
	return 0;
}

uint64_t daemon_stats_busy(const struct daemon_stats *s)
{
	return s->workers_total > s->workers_idle ? s->workers_total - s->workers_idle : 0;
}

uint64_t daemon_stats_queued(const struct daemon_stats *s)
{
	uint64_t n = 0;

	for (unsigned p = 0; p < DAEMON_PRIO_N; p++)
		n += s->queued[p];
	return n;
}

static void write_prios(struct prom_writer *w, const uint64_t v[DAEMON_PRIO_N])
{
	for (unsigned p = 0; p < DAEMON_PRIO_N; p++) {
		struct prom_label l = PROM_LABEL("priority", prio_names[p]);

		prom_sample_u64(w, &l, 1, v[p]);
	}
}

void daemon_stats_write(struct prom_writer *w, const struct daemon_stats *s)
{
	struct prom_label st;

	if (s->uptime_s >= 0) {
		prom_family(w, "ipsec_daemon_uptime_seconds", PROM_GAUGE,
		            "Seconds since the IPsec daemon started (VICI stats).");
		prom_sample(w, NULL, 0, s->uptime_s);
	}
	prom_family(w, "ipsec_daemon_workers", PROM_GAUGE,
	            "The daemon's worker threads, idle or busy with a job.");
	st = PROM_LABEL("state", "idle");
	prom_sample_u64(w, &st, 1, s->workers_idle);
	st = PROM_LABEL("state", "busy");
	prom_sample_u64(w, &st, 1, daemon_stats_busy(s));
	prom_family(w, "ipsec_daemon_workers_active", PROM_GAUGE,
	            "Worker threads busy with a job, by the job's priority.");
	write_prios(w, s->workers_active);
	prom_family(w, "ipsec_daemon_queued_jobs", PROM_GAUGE,
	            "Jobs waiting for a free worker thread, by priority.");
	write_prios(w, s->queued);
	prom_family(w, "ipsec_daemon_scheduled_jobs", PROM_GAUGE,
	            "Timed jobs the daemon holds (rekeys, DPD, retransmits, expiries).");
	prom_sample_u64(w, NULL, 0, s->scheduled);
	prom_family(w, "ipsec_daemon_ike_sas", PROM_GAUGE,
	            "IKE SAs the daemon holds, in any state (half-open ones included).");
	prom_sample_u64(w, NULL, 0, s->ike_sas);
	prom_family(w, "ipsec_daemon_ike_sas_half_open", PROM_GAUGE,
	            "IKE SAs whose IKE_SA_INIT exchange has not completed with IKE_AUTH.");
	prom_sample_u64(w, NULL, 0, s->ike_sas_half_open);
	if (s->n_plugins) {
		prom_family(w, "ipsec_daemon_plugin_info", PROM_GAUGE,
		            "Always 1: a plugin the daemon loaded.");
		for (uint32_t i = 0; i < s->n_plugins; i++) {
			struct prom_label l = PROM_LABEL("plugin", s->plugins[i]);

			prom_sample_u64(w, &l, 1, 1);
		}
	}
}
