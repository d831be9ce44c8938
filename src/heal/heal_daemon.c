// SPDX-License-Identifier: Apache-2.0
/*
 * heal's check loop. Each tick reads charon once (the exporter's collector), decides per
 * connection with the pure ladder (heal_ladder.c), performs at most one rung per connection,
 * and writes every action (or dry-run non-action) to the audit log and the notification
 * webhook with context: the SA state, the last rekey, the doctor's top findings (recent
 * errors and suggested commands). Alert label values only ever select a connection from the
 * allowlist; what runs is fixed by the configuration.
 */
#include "heal/heal_daemon.h"

#include "common/clock.h"
#include "common/log.h"
#include "doctor/doctor_checks.h"
#include "doctor/doctor_gather.h"
#include "exporter/collector.h"
#include "heal/heal_actions.h"
#include "heal/heal_ladder.h"
#include "heal/heal_notify.h"
#include "prom/prom_writer.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { RES_OK, RES_FAILED, RES_DRY_RUN, RES_COUNT };
static const char *const result_names[RES_COUNT] = {"ok", "failed", "dry_run"};

struct heal_conn {
	char name[64];
	char child[64];
	struct heal_ladder ladder;
	uint64_t alert_until_ms;
	char alert_name[64];
	uint64_t actions[HEAL_ACT_COUNT][RES_COUNT];
	bool exhausted_noted;
	/* from the last check */
	bool configured, up, child_up, busy;
	char ike_state[24], child_state[24];
	int64_t established, rekey_time, child_install, child_rekey;
};

struct heal_daemon {
	const struct heal_config *cfg;
	struct heal_ladder_cfg lcfg;
	struct heal_global global;
	char vici_socket[256];
	unsigned vici_timeout_ms;
	const char *log_file;
	struct collector *col;
	struct vici_conn *vc;
	pthread_mutex_t lock;
	struct heal_conn *conns;
	uint32_t n_conns;
	bool charon_up;
	uint64_t requests[3];
	uint64_t alerts_received;
};

static const char *const request_names[3] = {"accepted", "unauthorized", "bad_request"};

struct heal_daemon *heal_daemon_new(const struct heal_config *cfg, const char *vici_socket,
                                    unsigned vici_timeout_ms, const char *log_file)
{
	struct heal_daemon *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = cfg;
	d->lcfg = (struct heal_ladder_cfg){
	    .confirm_checks = cfg->confirm_checks,
	    .backoff_initial_ms = cfg->backoff_initial_ms,
	    .backoff_max_ms = cfg->backoff_max_ms,
	    .restart_interval_ms = cfg->restart_interval_ms,
	    .has_restart = cfg->restart_argc > 0,
	};
	snprintf(d->vici_socket, sizeof(d->vici_socket), "%s", vici_socket);
	d->vici_timeout_ms = vici_timeout_ms;
	d->log_file = log_file;
	d->conns = calloc(HEAL_CONNS_MAX, sizeof(*d->conns));
	d->col = collector_new(&(struct collector_config){.vici_socket = vici_socket,
	                                                  .vici_timeout_ms = vici_timeout_ms,
	                                                  .cert_interval_s = 3600});
	/* actions can take a while (initiate waits for the peer): their own connection and a
	 * longer deadline than the checks */
	d->vc = vici_conn_new(vici_socket, 15000);
	if (!d->conns || !d->col || !d->vc) {
		heal_daemon_free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

void heal_daemon_free(struct heal_daemon *d)
{
	if (!d)
		return;
	collector_free(d->col);
	vici_conn_free(d->vc);
	free(d->conns);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static struct heal_conn *conn_get(struct heal_daemon *d, const char *name)
{
	struct heal_conn *c;

	for (uint32_t i = 0; i < d->n_conns; i++)
		if (strcmp(d->conns[i].name, name) == 0)
			return &d->conns[i];
	if (d->n_conns >= HEAL_CONNS_MAX || strlen(name) >= sizeof(c->name))
		return NULL;
	c = &d->conns[d->n_conns++];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, strlen(name) + 1);
	heal_ladder_init(&c->ladder, &d->lcfg);
	return c;
}

void heal_daemon_note_request(struct heal_daemon *d, const char *result)
{
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < 3; i++)
		if (strcmp(result, request_names[i]) == 0)
			d->requests[i]++;
	pthread_mutex_unlock(&d->lock);
}

void heal_daemon_alerts(struct heal_daemon *d, const struct heal_webhook *w, uint64_t now_ms)
{
	pthread_mutex_lock(&d->lock);
	for (uint32_t i = 0; i < w->n_alerts; i++) {
		const struct heal_alert *a = &w->alerts[i];
		struct heal_conn *c;

		d->alerts_received++;
		/* only connections heal may touch get a ladder from an alert: label values
		 * from outside cannot make the state grow */
		if (!a->conn[0] || !heal_config_allowed(d->cfg, a->conn))
			continue;
		c = conn_get(d, a->conn);
		if (!c)
			continue;
		if (a->firing) {
			c->alert_until_ms = now_ms + d->cfg->alert_ttl_ms;
			snprintf(c->alert_name, sizeof(c->alert_name), "%s", a->alertname);
			if (a->child[0] && !c->child[0])
				snprintf(c->child, sizeof(c->child), "%s", a->child);
		} else {
			c->alert_until_ms = 0;
		}
	}
	pthread_mutex_unlock(&d->lock);
}

static void take_view(void *ctx, const struct sa_snapshot *s, const struct sa_view *v, bool up,
                      const char *error)
{
	struct heal_daemon *d = ctx;

	(void)s;
	(void)error;
	d->charon_up = up;
	if (!up)
		return;
	for (uint32_t i = 0; i < d->n_conns; i++)
		d->conns[i].configured = d->conns[i].up = d->conns[i].child_up = false;
	for (uint32_t i = 0; i < v->n_conns; i++) {
		const struct sa_view_conn *vc = &v->conns[i];
		const struct snap_ike *ike = vc->best;
		struct heal_conn *c;

		if (!vc->configured || !heal_config_allowed(d->cfg, vc->name))
			continue;
		c = conn_get(d, vc->name);
		if (!c)
			continue;
		c->configured = true;
		c->up = vc->up;
		snprintf(c->ike_state, sizeof(c->ike_state), "%s", ike ? ike->state : "");
		c->busy = ike && (ike->tasks_pending || strcmp(ike->state, "REKEYING") == 0 ||
		                  strcmp(ike->state, "CONNECTING") == 0 ||
		                  strcmp(ike->state, "DELETING") == 0);
		c->established = ike ? ike->established : SNAP_NONE;
		c->rekey_time = ike ? ike->rekey_time : SNAP_NONE;
		c->child_up = vc->n_children > 0;
		c->child_state[0] = '\0';
		for (uint32_t j = 0; j < vc->n_children; j++) {
			const struct sa_view_child *ch = &vc->children[j];

			if (!ch->configured)
				continue;
			if (!c->child[0] || strcmp(c->child, ch->name) == 0) {
				snprintf(c->child, sizeof(c->child), "%s", ch->name);
				c->child_up = ch->up;
				snprintf(c->child_state, sizeof(c->child_state), "%s",
				         ch->best ? ch->best->state : "");
				c->child_install = ch->best ? ch->best->install_time : SNAP_NONE;
				c->child_rekey = ch->best ? ch->best->rekey_time : SNAP_NONE;
			}
		}
	}
}

/* The doctor's top findings for @conn: recent errors and the commands a person would run. */
static json_object *doctor_context(struct heal_daemon *d, const char *conn, bool full,
                                   struct buf *ret_json)
{
	struct doctor_options o = {.vici_socket = d->vici_socket,
	                           .vici_timeout_ms = d->vici_timeout_ms,
	                           .log_file = d->log_file,
	                           .conn = conn};
	struct doctor_facts *f = calloc(1, sizeof(*f));
	struct doctor_report r;
	json_object *arr = json_object_new_array();

	if (!f || !arr) {
		free(f);
		return arr;
	}
	doctor_facts_init(f);
	doctor_report_init(&r);
	if (doctor_gather(&o, f) == 0) {
		doctor_diagnose(f, conn, &r);
		for (uint32_t i = 0; i < r.n && i < 3; i++) {
			json_object *x = json_object_new_object(), *nx = json_object_new_array();

			json_object_object_add(x, "id", json_object_new_string(r.f[i].id));
			json_object_object_add(x, "title", json_object_new_string(r.f[i].title));
			for (uint32_t j = 0; j < r.f[i].n_evidence && j < 3; j++)
				json_object_array_add(nx,
				                      json_object_new_string(r.f[i].evidence[j]));
			json_object_object_add(x, "evidence", nx);
			nx = json_object_new_array();
			for (uint32_t j = 0; j < r.f[i].n_next; j++)
				json_object_array_add(nx, json_object_new_string(r.f[i].next[j]));
			json_object_object_add(x, "suggested_commands", nx);
			json_object_array_add(arr, x);
		}
		if (full && ret_json)
			doctor_render_json(&r, ret_json);
	}
	doctor_report_done(&r);
	doctor_facts_done(f);
	free(f);
	return arr;
}

/* The bundle rung: the doctor's full findings as a file in bundle_dir (no keys: the doctor
 * never reads any). */
static int write_bundle(struct heal_daemon *d, struct heal_conn *c, char *why, size_t whylen)
{
	struct buf b;
	char path[512];
	FILE *fp;
	json_object *ctx;
	int r = 0;

	if (!d->cfg->bundle_dir[0]) {
		snprintf(why, whylen, "no bundle_dir configured");
		return 0;
	}
	buf_init(&b, 4u << 20);
	ctx = doctor_context(d, c->name, true, &b);
	json_object_put(ctx);
	snprintf(path, sizeof(path), "%s/heal-%s-%lld.json", d->cfg->bundle_dir, c->name,
	         (long long)time(NULL));
	fp = fopen(path, "wxe");
	if (!fp || b.err || fwrite(b.data ? b.data : "{}", 1, b.data ? b.len : 2, fp) == 0)
		r = -EIO;
	if (fp && fclose(fp) != 0)
		r = -EIO;
	snprintf(why, whylen, r == 0 ? "%s" : "writing %s failed", path);
	buf_done(&b);
	return r;
}

static int perform(struct heal_daemon *d, struct heal_conn *c, enum heal_action a, char *why,
                   size_t whylen)
{
	const char *child = c->child[0] ? c->child : c->name;

	switch (a) {
	case HEAL_ACT_BUNDLE:
		return write_bundle(d, c, why, whylen);
	case HEAL_ACT_INITIATE:
		return heal_vici_initiate(d->vc, c->name, child, why, whylen);
	case HEAL_ACT_REKEY:
		return heal_vici_rekey(d->vc, c->name, child, why, whylen);
	case HEAL_ACT_REINIT:
		return heal_vici_reinit(d->vc, c->name, child, why, whylen);
	case HEAL_ACT_RESTART:
		return heal_run_command(d->cfg->restart_argv, 60000, why, whylen);
	default:
		return 0;
	}
}

static void audit(struct heal_daemon *d, struct heal_conn *c, const char *event, enum heal_action a,
                  const char *result, const char *detail, bool with_doctor)
{
	json_object *o = json_object_new_object(), *ctx = json_object_new_object();
	const char *s;
	struct timespec ts;
	char when[40];

	if (!o || !ctx) {
		json_object_put(o);
		json_object_put(ctx);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&ts.tv_sec));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "conn", json_object_new_string(c->name));
	json_object_object_add(o, "child", json_object_new_string(c->child));
	json_object_object_add(o, "action", json_object_new_string(heal_action_name(a)));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "dry_run", json_object_new_boolean(d->cfg->dry_run));
	json_object_object_add(o, "ladder_state",
	                       json_object_new_string(heal_state_name(c->ladder.state)));
	json_object_object_add(o, "ladder_step", json_object_new_int((int)c->ladder.actions));
	json_object_object_add(o, "next_wait_ms",
	                       json_object_new_int64((int64_t)c->ladder.backoff_ms));
	json_object_object_add(ctx, "ike_state", json_object_new_string(c->ike_state));
	json_object_object_add(ctx, "child_state", json_object_new_string(c->child_state));
	if (c->established != SNAP_NONE)
		json_object_object_add(ctx, "ike_established_s_ago",
		                       json_object_new_int64(c->established));
	if (c->child_install != SNAP_NONE && c->child_state[0])
		json_object_object_add(ctx, "child_last_rekey_s_ago",
		                       json_object_new_int64(c->child_install));
	if (c->alert_name[0])
		json_object_object_add(ctx, "alert", json_object_new_string(c->alert_name));
	if (with_doctor)
		json_object_object_add(ctx, "findings", doctor_context(d, c->name, false, NULL));
	json_object_object_add(o, "context", ctx);
	s = json_object_to_json_string_ext(o,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (d->cfg->audit_log[0] && heal_audit_append(d->cfg->audit_log, s, strlen(s)) < 0)
		log_warn("heal: cannot append to %s", d->cfg->audit_log);
	if (d->cfg->notify_url[0] && heal_notify_post(d->cfg->notify_url, s, strlen(s)) < 0)
		log_warn("heal: notification to %s failed", d->cfg->notify_url);
	log_info("heal: %s %s %s: %s (%s)", c->name, event, heal_action_name(a), result, detail);
	json_object_put(o);
}

void heal_daemon_tick(struct heal_daemon *d, uint64_t now_ms)
{
	pthread_mutex_lock(&d->lock);
	collector_with_view(d->col, take_view, d);
	if (!d->charon_up) {
		/* nothing to judge without charon; a restart rung needs a known connection */
		pthread_mutex_unlock(&d->lock);
		return;
	}
	for (uint32_t i = 0; i < d->n_conns; i++) {
		struct heal_conn *c = &d->conns[i];
		struct heal_obs obs = {
		    .allowed = heal_config_allowed(d->cfg, c->name),
		    .busy = c->busy,
		    .child_up = c->child_up,
		};
		enum heal_hold hold;
		enum heal_action a;
		char why[256] = "";
		int res, r;

		obs.fault =
		    (c->configured && (!c->up || !c->child_up)) || c->alert_until_ms > now_ms;
		a = heal_ladder_check(&c->ladder, &d->global, &d->lcfg, &obs, now_ms, &hold);
		if (c->ladder.recovered) {
			c->exhausted_noted = false;
			audit(d, c, "recovered", HEAL_ACT_NONE, "ok", "the fault cleared", false);
		}
		if (a == HEAL_ACT_NONE) {
			if (hold == HEAL_HOLD_EXHAUSTED && !c->exhausted_noted) {
				c->exhausted_noted = true;
				audit(d, c, "exhausted", HEAL_ACT_NONE, "stopped",
				      "every rung tried, the fault persists: a person is needed",
				      true);
			}
			continue;
		}
		if (d->cfg->dry_run) {
			res = RES_DRY_RUN;
			snprintf(why, sizeof(why), "dry run: nothing done");
		} else {
			r = perform(d, c, a, why, sizeof(why));
			res = r == 0 ? RES_OK : RES_FAILED;
		}
		c->actions[a][res]++;
		audit(d, c, "action", a, result_names[res], why, a != HEAL_ACT_BUNDLE);
	}
	pthread_mutex_unlock(&d->lock);
}

void heal_daemon_metrics(struct heal_daemon *d, struct prom_writer *w)
{
	pthread_mutex_lock(&d->lock);
	prom_family(w, "ikewatch_heal_actions_total", PROM_COUNTER,
	            "Repair actions by connection, action and result (ok, failed, dry_run).");
	for (uint32_t i = 0; i < d->n_conns; i++)
		for (int a = HEAL_ACT_BUNDLE; a < HEAL_ACT_COUNT; a++)
			for (int r = 0; r < RES_COUNT; r++) {
				struct prom_label l[3] = {
				    PROM_LABEL("conn", d->conns[i].name),
				    PROM_LABEL("action", heal_action_name((enum heal_action)a)),
				    PROM_LABEL("result", result_names[r]),
				};

				prom_sample_u64(w, l, 3, d->conns[i].actions[a][r]);
			}
	prom_family(w, "ikewatch_heal_ladder_state", PROM_GAUGE,
	            "1 for the state each connection's repair ladder is in.");
	for (uint32_t i = 0; i < d->n_conns; i++)
		for (int s = 0; s < HEAL_ST_COUNT; s++) {
			struct prom_label l[2] = {
			    PROM_LABEL("conn", d->conns[i].name),
			    PROM_LABEL("state", heal_state_name((enum heal_state)s)),
			};

			prom_sample(w, l, 2, d->conns[i].ladder.state == (enum heal_state)s);
		}
	prom_family(w, "ikewatch_heal_ladder_step", PROM_GAUGE,
	            "Rungs taken in the current episode of each connection's ladder.");
	for (uint32_t i = 0; i < d->n_conns; i++) {
		struct prom_label l[1] = {PROM_LABEL("conn", d->conns[i].name)};

		prom_sample_u64(w, l, 1, d->conns[i].ladder.actions);
	}
	prom_family(w, "ikewatch_heal_webhook_requests_total", PROM_COUNTER,
	            "Webhook requests by outcome (accepted, unauthorized, bad_request).");
	for (int i = 0; i < 3; i++) {
		struct prom_label l[1] = {PROM_LABEL("result", request_names[i])};

		prom_sample_u64(w, l, 1, d->requests[i]);
	}
	prom_family(w, "ikewatch_heal_dry_run", PROM_GAUGE, "1 when heal only pretends to act.");
	prom_sample(w, NULL, 0, d->cfg->dry_run);
	prom_family(w, "ikewatch_heal_charon_up", PROM_GAUGE,
	            "1 when the last check could read charon.");
	prom_sample(w, NULL, 0, d->charon_up);
	pthread_mutex_unlock(&d->lock);
}
