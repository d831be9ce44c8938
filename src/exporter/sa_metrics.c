// SPDX-License-Identifier: Apache-2.0
/*
 * Tunnel metrics (see sa_metrics.h). Every loaded connection and CHILD config gets its _up
 * series even without an SA, so alerts never need absent(). Volatile identifiers (SPIs, unique
 * ids, reqids) appear only in ipsec_child_sa_info; _info series are de-duplicated, because two
 * SAs can share every label (an IKE SA and its rekeyed predecessor to the same peer).
 */
#include "exporter/sa_metrics.h"

#include "exporter/sa_foresee.h"

#include "common/limits.h"
#include "common/strmap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ike_states[] = {
    "CREATED",  "CONNECTING", "ESTABLISHED", "PASSIVE",
    "REKEYING", "REKEYED",    "DELETING",    "DESTROYING",
};

/* Redaction: a stable short hash, so that one peer still maps to one series. */
static const char *redact(const char *v, char out[20], bool on)
{
	if (!on || !*v)
		return v;
	snprintf(out, 20, "h:%016llx", (unsigned long long)strmap_hash(v, strlen(v)));
	return out;
}

/* Absolute time of a relative VICI time: @sign +1 for "seconds until", -1 for "seconds since". */
static double abs_time(const struct sa_snapshot *s, int64_t rel, int sign)
{
	return floor(s->now) + (double)sign * (double)rel;
}

/* {conn="..."} of each connection of the view, and {conn="...",child="..."} of each of their
 * CHILD configs (the first EXPORT_CHILDREN_MAX, in view order). */
static int blocks_build(const struct sa_view *v, uint32_t n_children, struct prom_blocks *conns,
                        struct prom_blocks *children)
{
	if (prom_blocks_init(conns, v->n_conns) < 0)
		return -ENOMEM;
	if (prom_blocks_init(children, n_children) < 0) {
		prom_blocks_done(conns);
		return -ENOMEM;
	}
	for (uint32_t i = 0, k = 0; i < v->n_conns; i++) {
		prom_blocks_add(conns, &PROM_LABEL("conn", v->conns[i].name), 1);
		for (uint32_t j = 0; j < v->conns[i].n_children && k < n_children; j++, k++)
			prom_blocks_add(children,
			                (struct prom_label[]){
			                    PROM_LABEL("conn", v->conns[i].name),
			                    PROM_LABEL("child", v->conns[i].children[j].name)},
			                2);
	}
	if (conns->text.err || children->text.err) {
		int err = conns->text.err ? conns->text.err : children->text.err;

		prom_blocks_done(conns);
		prom_blocks_done(children);
		return err;
	}
	return 0;
}

static void write_ike_families(struct prom_writer *w, const struct sa_snapshot *s,
                               const struct sa_view *v, const struct prom_blocks *lb)
{
	size_t len;
	const char *l;

	prom_family(w, "ipsec_ike_sa_up", PROM_GAUGE,
	            "1 while an IKE SA of the connection is established (rekeying included), 0 "
	            "when the connection is loaded but has none.");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		l = prom_blocks_at(lb, i, &len);
		prom_sample_at_u64(w, l, len, v->conns[i].up);
	}
	prom_family(w, "ipsec_ike_sas", PROM_GAUGE,
	            "Number of IKE SAs of the connection, in any state.");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		l = prom_blocks_at(lb, i, &len);
		prom_sample_at_u64(w, l, len, v->conns[i].n_ikes);
	}
	/* Only the current state's series (a state set would write seven zeros per connection,
	 * an eighth of a scrape at 1,000 SAs); a connection without an SA has none: ipsec_ike_sa_up
	 * and ipsec_ike_sas read 0 for it. A state outside ike_states is not written, which keeps
	 * the label bounded. */
	prom_family(w, "ipsec_ike_sa_state", PROM_GAUGE,
	            "State of the connection's representative IKE SA: one series, value 1, for "
	            "its state; none without an SA.");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct snap_ike *best = v->conns[i].best;

		l = prom_blocks_at(lb, i, &len);
		for (size_t k = 0; best && k < sizeof(ike_states) / sizeof(ike_states[0]); k++) {
			if (strcmp(best->state, ike_states[k]) == 0) {
				prom_sample_at_plus_u64(w, l, len, "state", ike_states[k], 1);
				break;
			}
		}
	}
	prom_family(w, "ipsec_ike_sa_established_timestamp_seconds", PROM_GAUGE,
	            "When the connection's representative IKE SA was established (Unix time).");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct snap_ike *b = v->conns[i].best;

		l = prom_blocks_at(lb, i, &len);
		if (b && b->established != SNAP_NONE)
			prom_sample_at(w, l, len, abs_time(s, b->established, -1));
	}
	prom_family(w, "ipsec_ike_sa_rekey_timestamp_seconds", PROM_GAUGE,
	            "When the representative IKE SA is scheduled to rekey (Unix time; in the past "
	            "when the rekey is overdue).");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct snap_ike *b = v->conns[i].best;

		l = prom_blocks_at(lb, i, &len);
		if (b && b->rekey_time != SNAP_NONE)
			prom_sample_at(w, l, len, abs_time(s, b->rekey_time, +1));
	}
	prom_family(w, "ipsec_ike_sa_reauth_timestamp_seconds", PROM_GAUGE,
	            "When the representative IKE SA is scheduled to reauthenticate (Unix time).");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct snap_ike *b = v->conns[i].best;

		l = prom_blocks_at(lb, i, &len);
		if (b && b->reauth_time != SNAP_NONE)
			prom_sample_at(w, l, len, abs_time(s, b->reauth_time, +1));
	}
}

/* One _info series (value 1), unless the same label set was written already or the family
 * holds EXPORT_CHILDREN_MAX series (then it is counted in *dropped). */
static void write_info(struct prom_writer *w, struct prom_seen *seen, const struct prom_label *l,
                       size_t nl, uint32_t *n, uint64_t *dropped)
{
	if (*n >= EXPORT_CHILDREN_MAX) {
		(*dropped)++;
		return;
	}
	if (prom_sample_once(w, seen, l, nl, 1))
		(*n)++;
}

static int write_ike_info(struct prom_writer *w, const struct sa_snapshot *s,
                          const struct sa_metrics_opts *o, uint64_t *dropped)
{
	struct prom_seen seen = {0};
	uint32_t n = 0;

	prom_family(w, "ipsec_ike_sa_info", PROM_GAUGE,
	            "Always 1: identities, endpoints and algorithms of each IKE SA.");
	for (uint32_t i = 0; i < s->n_ikes; i++) {
		const struct snap_ike *ike = &s->ikes[i];
		char r1[20], r2[20];
		struct prom_label l[] = {
		    PROM_LABEL("conn", ike->conn),
		    PROM_LABEL("local_host", ike->local_host),
		    PROM_LABEL("remote_host", redact(ike->remote_host, r1, o->redact_ids)),
		    PROM_LABEL("local_id", ike->local_id),
		    PROM_LABEL("remote_id", redact(ike->remote_id, r2, o->redact_ids)),
		    PROM_LABEL("version", ike->version),
		    PROM_LABEL("encr", ike->encr),
		    PROM_LABEL("integ", ike->integ),
		    PROM_LABEL("prf", ike->prf),
		    PROM_LABEL("dh_group", ike->dh_group),
		    PROM_LABEL("nat", ike->nat),
		};

		write_info(w, &seen, l, sizeof(l) / sizeof(l[0]), &n, dropped);
	}
	prom_seen_done(&seen);
	return 0;
}

/* One family per CHILD metric, each over every (conn, child) of the view. */
enum child_metric {
	CM_UP,
	CM_BYTES_IN,
	CM_BYTES_OUT,
	CM_PACKETS_IN,
	CM_PACKETS_OUT,
	CM_LAST_IN,
	CM_LAST_OUT,
	CM_INSTALLED,
	CM_REKEY,
	CM_EXPIRE,
	CM_COUNT,
};

static const struct {
	const char *name;
	enum prom_type type;
	const char *help;
} child_metrics[CM_COUNT] = {
    [CM_UP] = {"ipsec_child_sa_up", PROM_GAUGE,
               "1 while a CHILD SA of this CHILD config is installed (rekeying included), 0 "
               "when it is loaded but has none."},
    [CM_BYTES_IN] = {"ipsec_child_sa_bytes_in_total", PROM_COUNTER,
                     "Bytes received over the CHILD SAs of this CHILD config, across rekeys."},
    [CM_BYTES_OUT] = {"ipsec_child_sa_bytes_out_total", PROM_COUNTER,
                      "Bytes sent over the CHILD SAs of this CHILD config, across rekeys."},
    [CM_PACKETS_IN] = {"ipsec_child_sa_packets_in_total", PROM_COUNTER,
                       "Packets received over the CHILD SAs of this CHILD config, across "
                       "rekeys."},
    [CM_PACKETS_OUT] = {"ipsec_child_sa_packets_out_total", PROM_COUNTER,
                        "Packets sent over the CHILD SAs of this CHILD config, across rekeys."},
    [CM_LAST_IN] = {"ipsec_child_sa_last_in_timestamp_seconds", PROM_GAUGE,
                    "When the last inbound packet was processed (Unix time; absent before "
                    "the first)."},
    [CM_LAST_OUT] = {"ipsec_child_sa_last_out_timestamp_seconds", PROM_GAUGE,
                     "When the last outbound packet was processed (Unix time; absent before "
                     "the first)."},
    [CM_INSTALLED] = {"ipsec_child_sa_installed_timestamp_seconds", PROM_GAUGE,
                      "When the representative CHILD SA was installed (Unix time)."},
    [CM_REKEY] = {"ipsec_child_sa_rekey_timestamp_seconds", PROM_GAUGE,
                  "When the representative CHILD SA is scheduled to rekey (Unix time)."},
    [CM_EXPIRE] = {"ipsec_child_sa_expire_timestamp_seconds", PROM_GAUGE,
                   "When the representative CHILD SA expires (hard lifetime, Unix time)."},
};

static void write_child_sample(struct prom_writer *w, const struct sa_snapshot *s,
                               enum child_metric m, const char *l, size_t len,
                               const struct sa_view_child *ch, const struct sa_totals *t)
{
	const struct snap_child *b = ch->best;

	switch (m) {
	case CM_UP:
		prom_sample_at_u64(w, l, len, ch->up);
		break;
	case CM_BYTES_IN:
		prom_sample_at_u64(w, l, len, t->bytes_in);
		break;
	case CM_BYTES_OUT:
		prom_sample_at_u64(w, l, len, t->bytes_out);
		break;
	case CM_PACKETS_IN:
		prom_sample_at_u64(w, l, len, t->packets_in);
		break;
	case CM_PACKETS_OUT:
		prom_sample_at_u64(w, l, len, t->packets_out);
		break;
	case CM_LAST_IN:
		if (ch->use_in != SNAP_NONE)
			prom_sample_at(w, l, len, abs_time(s, ch->use_in, -1));
		break;
	case CM_LAST_OUT:
		if (ch->use_out != SNAP_NONE)
			prom_sample_at(w, l, len, abs_time(s, ch->use_out, -1));
		break;
	case CM_INSTALLED:
		if (b && b->install_time != SNAP_NONE)
			prom_sample_at(w, l, len, abs_time(s, b->install_time, -1));
		break;
	case CM_REKEY:
		if (b && b->rekey_time != SNAP_NONE && snap_child_state_up(b->state))
			prom_sample_at(w, l, len, abs_time(s, b->rekey_time, +1));
		break;
	case CM_EXPIRE:
		if (b && b->life_time != SNAP_NONE && snap_child_state_up(b->state))
			prom_sample_at(w, l, len, abs_time(s, b->life_time, +1));
		break;
	default:
		break;
	}
}

/* @lb: the first @total (conn, child) blocks of blocks_build(). */
static int write_child_families(struct prom_writer *w, const struct sa_snapshot *s,
                                const struct sa_view *v, struct sa_counters *ctr,
                                const struct prom_blocks *lb, uint32_t total)
{
	struct sa_totals *totals = calloc(total ? total : 1, sizeof(*totals));

	if (!totals)
		return -ENOMEM;
	for (uint32_t i = 0, k = 0; i < v->n_conns; i++)
		for (uint32_t j = 0; j < v->conns[i].n_children && k < total; j++, k++)
			sa_counters_get(ctr, v->conns[i].name, v->conns[i].children[j].name,
			                &totals[k]);
	for (int m = 0; m < CM_COUNT; m++) {
		uint32_t k = 0;

		prom_family(w, child_metrics[m].name, child_metrics[m].type, child_metrics[m].help);
		for (uint32_t i = 0; i < v->n_conns; i++) {
			for (uint32_t j = 0; j < v->conns[i].n_children && k < total; j++, k++) {
				size_t len;
				const char *l = prom_blocks_at(lb, k, &len);

				write_child_sample(w, s, m, l, len, &v->conns[i].children[j],
				                   &totals[k]);
			}
		}
	}
	free(totals);
	return 0;
}

static int write_child_info(struct prom_writer *w, const struct sa_snapshot *s, uint64_t *dropped)
{
	struct prom_seen seen = {0};
	uint32_t n = 0;

	prom_family(w, "ipsec_child_sa_info", PROM_GAUGE,
	            "Always 1: SPIs, mode, algorithms and traffic selectors of each CHILD SA. SPIs "
	            "change at every rekey and appear only here.");
	for (uint32_t i = 0; i < s->n_ikes; i++) {
		for (uint32_t j = 0; j < s->ikes[i].n_children; j++) {
			const struct snap_child *c = &s->ikes[i].children[j];
			struct prom_label l[] = {
			    PROM_LABEL("conn", s->ikes[i].conn),
			    PROM_LABEL("child", c->name),
			    PROM_LABEL("spi_in", c->spi_in),
			    PROM_LABEL("spi_out", c->spi_out),
			    PROM_LABEL("mode", c->mode),
			    PROM_LABEL("protocol", c->protocol),
			    PROM_LABEL("encap", c->encap ? "yes" : "no"),
			    PROM_LABEL("encr", c->encr),
			    PROM_LABEL("integ", c->integ),
			    PROM_LABEL("local_ts", c->local_ts),
			    PROM_LABEL("remote_ts", c->remote_ts),
			};

			write_info(w, &seen, l, sizeof(l) / sizeof(l[0]), &n, dropped);
		}
	}
	prom_seen_done(&seen);
	return 0;
}

void sa_metrics_write_certs(struct prom_writer *w, const struct sa_snapshot *s)
{
	struct prom_seen seen = {0};

	prom_family(w, "ipsec_cert_not_after_timestamp_seconds", PROM_GAUGE,
	            "End of validity of each loaded X.509 certificate (Unix time).");
	for (uint32_t i = 0; i < s->n_certs; i++) {
		const struct snap_cert *c = &s->certs[i];
		struct prom_label l[2] = {PROM_LABEL("subject", c->subject),
		                          PROM_LABEL("serial", c->serial)};

		if (c->not_after != SNAP_NONE)
			prom_sample_once(w, &seen, l, 2, (double)c->not_after);
	}
	prom_seen_done(&seen);
}

/* The configured rekey intervals (list-conns rekey_time): what the mixin compares the rate of
 * rekeys with, so that a rekey on the configured schedule is never "frequent". In list-conns
 * order, which is the view's (sa_view_build() lists the loaded connections first, each with
 * its configured children first): so the view's label blocks serve, found by position and
 * checked by name pointer; a config the view folded (a name listed twice) gets its labels
 * rendered here. */
static void write_rekey_config(struct prom_writer *w, const struct sa_snapshot *s,
                               const struct sa_view *v, const struct prom_blocks *conn_lb,
                               const struct prom_blocks *child_lb, uint32_t n_child_blocks)
{
	size_t len;
	const char *l;

	prom_family(w, "ipsec_ike_sa_rekey_config_seconds", PROM_GAUGE,
	            "Configured IKE SA rekey interval of the connection (swanctl rekey_time; 0: "
	            "no rekeying).");
	for (uint32_t i = 0; i < s->n_conns; i++) {
		if (s->conns[i].rekey_time == SNAP_NONE)
			continue;
		if (i < v->n_conns && v->conns[i].config == &s->conns[i]) {
			l = prom_blocks_at(conn_lb, i, &len);
			prom_sample_at(w, l, len, (double)s->conns[i].rekey_time);
		} else {
			prom_sample(w, &PROM_LABEL("conn", s->conns[i].name), 1,
			            (double)s->conns[i].rekey_time);
		}
	}
	prom_family(w, "ipsec_child_sa_rekey_config_seconds", PROM_GAUGE,
	            "Configured CHILD SA rekey interval (swanctl rekey_time; 0: no rekeying).");
	for (uint32_t i = 0, base = 0; i < s->n_conns; i++) {
		const struct sa_view_conn *vc = i < v->n_conns ? &v->conns[i] : NULL;

		for (uint32_t j = 0; j < s->conns[i].n_children; j++) {
			if (s->conns[i].children_rekey_time[j] == SNAP_NONE)
				continue;
			if (vc && vc->config == &s->conns[i] && j < vc->n_children &&
			    vc->children[j].name == s->conns[i].children[j] &&
			    base + j < n_child_blocks) {
				l = prom_blocks_at(child_lb, base + j, &len);
				prom_sample_at(w, l, len,
				               (double)s->conns[i].children_rekey_time[j]);
			} else {
				prom_sample(w,
				            (struct prom_label[]){
				                PROM_LABEL("conn", s->conns[i].name),
				                PROM_LABEL("child", s->conns[i].children[j])},
				            2, (double)s->conns[i].children_rekey_time[j]);
			}
		}
		if (vc)
			base += vc->n_children;
	}
}

int sa_metrics_write(struct prom_writer *w, const struct sa_snapshot *s, const struct sa_view *v,
                     struct sa_counters *ctr, const struct sa_metrics_opts *opts,
                     uint64_t *ret_dropped)
{
	static const struct sa_metrics_opts no_opts;
	struct prom_blocks conn_lb, child_lb;
	uint64_t dropped = s->dropped;
	uint32_t total = 0;
	int err;

	if (!opts)
		opts = &no_opts;
	for (uint32_t i = 0; i < v->n_conns; i++)
		total += v->conns[i].n_children;
	if (total > EXPORT_CHILDREN_MAX) {
		dropped += total - EXPORT_CHILDREN_MAX;
		total = EXPORT_CHILDREN_MAX;
	}
	/* each label block is rendered once and used by every family of its connection or
	 * CHILD config */
	if ((err = blocks_build(v, total, &conn_lb, &child_lb)) < 0)
		return err;
	write_ike_families(w, s, v, &conn_lb);
	write_ike_info(w, s, opts, &dropped);
	err = write_child_families(w, s, v, ctr, &child_lb, total);
	if (err == 0) {
		write_child_info(w, s, &dropped);
		write_rekey_config(w, s, v, &conn_lb, &child_lb, total);
		*ret_dropped = dropped;
	}
	prom_blocks_done(&conn_lb);
	prom_blocks_done(&child_lb);
	return err;
}

/* Expected rekey failures that one end can tell alone (sa_foresee.h): one series per
 * connection or CHILD config, only while a failure is expected, its reason from a fixed set. */
void sa_metrics_write_foresee(struct prom_writer *w, const struct sa_snapshot *s,
                              const struct sa_view *v, const struct sa_snapshot *certs,
                              const struct sa_silence_source *silence)
{
	struct sa_forecast f;

	prom_family(w, "ipsec_ike_sa_rekey_failure_expected_timestamp_seconds", PROM_GAUGE,
	            "When the representative IKE SA is expected to fail at its next rekey or "
	            "reauthentication (Unix time; reason cert_expiry, peer_silent or "
	            "rekey_overdue); absent when nothing is expected to fail.");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct snap_ike *b = v->conns[i].best;
		bool have = b && sa_foresee_ike(s, b, v->conns[i].config, certs, &f);

		/* an unanswered request while ESP flows explains an overdue rekey: say that */
		if (b && silence && silence->lookup &&
		    (!have || f.reason == SA_FORESEE_REKEY_OVERDUE)) {
			struct sa_silence q;
			struct sa_forecast g;

			if (silence->lookup(silence->ctx, v->conns[i].name, &q) &&
			    sa_foresee_silent(s, b, &q, &silence->timing, &g)) {
				f = g;
				have = true;
			}
		}
		if (have)
			prom_sample(w,
			            (struct prom_label[]){
			                PROM_LABEL("conn", v->conns[i].name),
			                PROM_LABEL("reason", sa_foresee_reason_name(f.reason))},
			            2, f.fail_at);
	}
	prom_family(w, "ipsec_child_sa_rekey_failure_expected_timestamp_seconds", PROM_GAUGE,
	            "When the representative CHILD SA is expected to fail instead of rekeying "
	            "(Unix time; reason lifetime or rekey_overdue); absent when nothing is "
	            "expected to fail.");
	for (uint32_t i = 0; i < v->n_conns; i++) {
		for (uint32_t j = 0; j < v->conns[i].n_children; j++) {
			const struct sa_view_child *ch = &v->conns[i].children[j];

			if (ch->best && sa_foresee_child(s, ch->best, &f))
				prom_sample(
				    w,
				    (struct prom_label[]){
				        PROM_LABEL("conn", v->conns[i].name),
				        PROM_LABEL("child", ch->name),
				        PROM_LABEL("reason", sa_foresee_reason_name(f.reason))},
				    3, f.fail_at);
		}
	}
}
