// SPDX-License-Identifier: Apache-2.0
/*
 * Reading pluto by running whack (see lsw_source.h), and the kernel's SAs for the packet
 * counters. Called under the collector's lock, so ->global needs no lock of its own: read()
 * fills it, write_metrics() renders it in the same scrape.
 */
#include "libreswan/lsw_source.h"

#include "diag/diag_exec.h"
#include "exporter/xfrm_join.h"
#include "libreswan/lsw_parse.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lsw_source {
	char ctl[PATH_MAX], whack[PATH_MAX];
	unsigned timeout_ms;
	struct collector_source cs;
	struct lsw_global global;
	bool have_global;
	/* what was joined from the kernel's SAs: the packet counters whack does not show */
	struct xfrm_join join;
};

/* The first line of what whack wrote to stderr (or stdout), for the log and the status page:
 * whack names itself ("whack: Pluto is not running (no ...)"). */
static void first_line(const struct buf *b, char *why, size_t why_len)
{
	const char *p = b->len ? (const char *)b->data : "";
	size_t n = 0;

	while (n < b->len && p[n] != '\n')
		n++;
	snprintf(why, why_len, "%.*s", (int)n, p);
}

int lsw_source_whack(struct lsw_source *l, const char *what, struct diag_exec_result *ret,
                     char *why, size_t why_len)
{
	char *argv[] = {l->whack, (char *)"--ctlsocket", l->ctl, (char *)what, NULL};
	int err = diag_exec(argv, l->timeout_ms, LSW_OUTPUT_MAX, ret);

	if (err < 0) {
		snprintf(why, why_len, "%s: %s", l->whack, strerror(-err));
		return err;
	}
	if (ret->timed_out || ret->truncated || ret->status != 0) {
		if (ret->timed_out)
			snprintf(why, why_len, "whack %s took longer than %u ms", what,
			         l->timeout_ms);
		else if (ret->truncated)
			snprintf(why, why_len, "whack %s wrote more than %u bytes", what,
			         LSW_OUTPUT_MAX);
		else
			first_line(ret->err.len ? &ret->err : &ret->out, why, why_len);
		diag_exec_result_done(ret);
		/* whack exits 33 with "Pluto is not running" (no socket) or "is Pluto running?"
		 * (nobody listening) */
		return ret->timed_out ? -ETIMEDOUT : -ECONNREFUSED;
	}
	return 0;
}

static int lsw_read(void *ctx, struct sa_snapshot *into, const struct xfrm_table *kernel,
                    char *version, size_t version_len, char *why, size_t why_len)
{
	struct lsw_source *l = ctx;
	struct diag_exec_result r;
	struct lsw_info info;
	int err;

	if ((err = lsw_source_whack(l, "--status", &r, why, why_len)) < 0)
		return err;
	err = lsw_parse_status(into, (const char *)r.out.data, r.out.len, &info);
	diag_exec_result_done(&r);
	if (err < 0)
		return err;
	snprintf(version, version_len, "%s", info.version);
	if ((err = lsw_source_whack(l, "--trafficstatus", &r, why, why_len)) < 0)
		return err;
	lsw_parse_traffic(into, (const char *)r.out.data, r.out.len);
	diag_exec_result_done(&r);
	/* pluto installs its CHILD SAs in the kernel, which counts their packets (the
	 * collector's dump of this scrape). Without CAP_NET_ADMIN the dump fails: the packets
	 * stay as last read (0 at first), and ikewatch_xfrm_up says why. */
	if ((err = xfrm_join_children(&l->join, kernel, into, NULL)) < 0)
		return err;
	lsw_global_reset(&l->global);
	l->have_global = false;
	if ((err = lsw_source_whack(l, "--globalstatus", &r, why, why_len)) < 0)
		return err;
	err = lsw_parse_global(&l->global, (const char *)r.out.data, r.out.len);
	diag_exec_result_done(&r);
	l->have_global = err == 0;
	return err;
}

/* Every counter named PREFIX<label> (label without dots) as one sample with that label. */
static void samples_by_suffix(struct prom_writer *w, const struct lsw_global *g, const char *prefix,
                              const char *label, const struct prom_label *more, size_t n_more)
{
	size_t pl = strlen(prefix);

	for (uint32_t i = 0; i < g->n; i++) {
		const char *name = g->counters[i].name, *suffix = name + pl;
		struct prom_label labels[3];

		if (strncmp(name, prefix, pl) != 0 || !*suffix || strchr(suffix, '.') || n_more > 2)
			continue;
		for (size_t k = 0; k < n_more; k++)
			labels[k] = more[k];
		labels[n_more] = PROM_LABEL(label, suffix);
		prom_sample_u64(w, labels, n_more + 1, g->counters[i].value);
	}
}

static void lsw_write_metrics(void *ctx, struct prom_writer *w)
{
	const struct lsw_source *l = ctx;
	const struct lsw_global *g = &l->global;
	static const char *const versions[] = {"ikev1", "ikev2"};
	static const char *const dirs[] = {"sent", "recv"};

	if (!l->have_global)
		return;
	prom_family(w, "libreswan_ike_sas_total", PROM_COUNTER,
	            "IKE SAs pluto established or failed to establish since it started "
	            "(--globalstatus total.ike.VERSION.RESULT).");
	for (size_t v = 0; v < 2; v++) {
		char prefix[32];
		struct prom_label vl = PROM_LABEL("version", versions[v]);

		snprintf(prefix, sizeof(prefix), "total.ike.%s.", versions[v]);
		samples_by_suffix(w, g, prefix, "result", &vl, 1);
	}
	prom_family(w, "libreswan_ike_sas_finished_total", PROM_COUNTER,
	            "IKEv2 SAs that ended, by pluto's reason (completed, too-many-retransmits, "
	            "auth-failed, other, ...).");
	samples_by_suffix(w, g, "total.ikev2.ike.finished.", "reason", NULL, 0);
	prom_family(w, "libreswan_dpd_messages_total", PROM_COUNTER,
	            "Liveness (DPD) messages pluto sent, received and replied to.");
	samples_by_suffix(w, g, "total.ike.dpd.", "direction", NULL, 0);
	prom_family(w, "libreswan_ike_bytes_total", PROM_COUNTER, "IKE bytes, in and out.");
	samples_by_suffix(w, g, "total.ike.traffic.", "direction", NULL, 0);
	prom_family(w, "libreswan_esp_bytes_total", PROM_COUNTER,
	            "ESP bytes of all IPsec SAs pluto counted, in and out.");
	samples_by_suffix(w, g, "total.ipsec.traffic.", "direction", NULL, 0);
	prom_family(w, "libreswan_states", PROM_GAUGE,
	            "pluto's states now, by kind (all, ike, ipsec, shunts).");
	samples_by_suffix(w, g, "current.states.", "kind", NULL, 0);
	prom_family(w, "libreswan_ike_sas", PROM_GAUGE,
	            "pluto's IKE SAs now, by type (halfopen, open, authenticated, anonymous).");
	samples_by_suffix(w, g, "current.states.iketype.", "type", NULL, 0);
	prom_family(w, "libreswan_notify_errors_total", PROM_COUNTER,
	            "IKEv2 error notifies pluto sent and received, by notify type.");
	for (size_t d = 0; d < 2; d++) {
		char prefix[48];
		struct prom_label dl = PROM_LABEL("direction", dirs[d]);

		snprintf(prefix, sizeof(prefix), "total.ikev2.%s.notifies.error.", dirs[d]);
		samples_by_suffix(w, g, prefix, "type", &dl, 1);
	}
}

struct lsw_source *lsw_source_new(const char *ctl, const char *whack, unsigned timeout_ms)
{
	struct lsw_source *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	snprintf(l->ctl, sizeof(l->ctl), "%s", ctl ? ctl : LSW_DEFAULT_CTL);
	snprintf(l->whack, sizeof(l->whack), "%s", whack ? whack : LSW_DEFAULT_WHACK);
	l->timeout_ms = timeout_ms;
	lsw_global_init(&l->global);
	xfrm_join_init(&l->join);
	l->cs = (struct collector_source){.implementation = "libreswan",
	                                  .where = l->ctl,
	                                  .read = lsw_read,
	                                  .write_metrics = lsw_write_metrics,
	                                  .ctx = l};
	return l;
}

void lsw_source_free(struct lsw_source *l)
{
	if (!l)
		return;
	lsw_global_done(&l->global);
	xfrm_join_done(&l->join);
	free(l);
}

const struct collector_source *lsw_source_collector(struct lsw_source *l)
{
	return &l->cs;
}

const char *lsw_source_ctl(const struct lsw_source *l)
{
	return l->ctl;
}
