// SPDX-License-Identifier: Apache-2.0
/*
 * The rules of `ikewatch doctor`, in the order an operator triages: is charon there; did the
 * control plane say why it failed (the notify errors of RFC 7296 section 3.10.1 in the log);
 * does the peer answer at all (retransmissions, section 2.4); is the CHILD SA there; does the
 * data plane carry probes both ways; does it carry big packets (a black hole, RFC 4821 section
 * 1); are certificates and the clock consistent; does the kernel have policies without states.
 * Each rule adds a finding with its evidence and the next commands to run.
 */
#include "doctor/doctor_checks.h"
#include "doctor/doctor_foresee.h"

#include "doctor/doctor_path_checks.h"
#include "doctor/doctor_proposals.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SUDO_SWANCTL "swanctl"

/* Answered IKE retransmissions make a warning from this many on, when they are at least this
 * share (in %) of our requests: 5 % is one in twenty, far above what a sound path with a
 * peer that is merely slow now and then gives. */
#define RETX_LOSSY_MIN 2
#define RETX_LOSSY_PCT 5

/* What the findings tell the operator to run depends on the daemon (doctor_facts.daemon_name):
 * one row per daemon, the checks are the same. A command is its prefix, then the connection (or
 * the socket), then its suffix. */
struct daemon_words {
	const char *name;
	const char *down_id, *down_title, *down_next; /* down_next: before the socket */
	const char *show_sa, *show_sa_end;            /* around the connection */
	const char *show_conns;
	const char *creds, *proposals, *up; /* up: before the connection */
	const char *autostart, *retx, *log_default;
};

static const struct daemon_words words[] = {
    {"charon", "charon_down", "charon does not answer on its VICI socket",
     "systemctl status strongswan; ls -l ", SUDO_SWANCTL " --list-sas --ike ", "",
     SUDO_SWANCTL " --list-conns",
     "compare the secrets and identities on both gateways: " SUDO_SWANCTL
     " --list-conns; " SUDO_SWANCTL " --load-creds",
     "align 'proposals' / 'esp_proposals' in swanctl.conf on both sides, then " SUDO_SWANCTL
     " --load-conns",
     SUDO_SWANCTL " --initiate --ike ",
     "check start_action in swanctl.conf (none: nothing brings it up)",
     "charon gives up after retransmit_tries (5 by default)", "/var/log/charon.log"},
    {"pluto", "pluto_down", "pluto does not answer on its control socket",
     "systemctl status ipsec; ls -l ", "ipsec whack --status | grep '\"", "\"'",
     "ipsec whack --status; ipsec whack --trafficstatus",
     "compare the PSK in ipsec.secrets and leftid/rightid in ipsec.conf on both gateways; "
     "ipsec whack --rereadsecrets",
     "align ike= / esp= in ipsec.conf on both sides, then ipsec auto --replace the connection",
     "ipsec auto --up ", "check auto= in ipsec.conf (add: nothing brings it up from here)",
     "pluto gives up after retransmit-timeout (60 s by default)", "/var/log/pluto.log"},
};

static const struct daemon_words *daemon_words(const struct doctor_facts *f)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(f->daemon_name, words[i].name) == 0)
			return &words[i];
	return &words[0];
}

static void add_state_fact(struct doctor_report *r, const struct doctor_facts *f,
                           const struct doctor_conn_facts *c)
{
	struct doctor_finding *d;

	d = doctor_add(r, "state", c->name, DOCTOR_SEV_INFO, c->up ? 2 : 5, "IKE SA %s%s",
	               c->ike_state[0] ? c->ike_state : "not established",
	               c->configured ? "" : " (connection not loaded)");
	if (c->ike_state[0])
		doctor_evidence(d, "%s -> %s, established %" PRId64 " s ago, IKE %s", c->local_host,
		                c->remote_host, c->established == SNAP_NONE ? -1 : c->established,
		                c->ike_algs[0] ? c->ike_algs : "?");
	else if (c->remote_addrs[0])
		doctor_evidence(d, "configured peer %s", c->remote_addrs);
	if (c->nat[0] && strcmp(c->nat, "none") != 0)
		doctor_evidence(d, "NAT-T in use (%s behind NAT%s): IKE and ESP on UDP 4500",
		                c->nat, f->libipsec ? "; kernel-libipsec always encapsulates" : "");
	else if (c->ike_state[0])
		doctor_evidence(d, "no NAT detected: IKE on UDP 500, ESP as IP protocol 50");
	if (c->cfg_rekey_time != SNAP_NONE || c->cfg_reauth_time != SNAP_NONE)
		doctor_evidence(d,
		                "configured IKE rekey_time %" PRId64 " s, reauth_time %" PRId64
		                " s, dpd_delay %" PRId64 " s",
		                c->cfg_rekey_time, c->cfg_reauth_time, c->cfg_dpd_delay);
	if (c->rekey_time != SNAP_NONE)
		doctor_evidence(d, "IKE SA rekeys in %" PRId64 " s", c->rekey_time);
	if (c->log.ike_proposals[0])
		doctor_evidence(d, "proposals: %s", c->log.ike_proposals);
	if (c->log.esp_proposals[0])
		doctor_evidence(d, "proposals: %s", c->log.esp_proposals);
	for (uint32_t i = 0; i < c->n_children; i++) {
		const struct doctor_child_facts *ch = &c->children[i];

		doctor_evidence(d,
		                "CHILD %s: %s%s%s, rekey in %" PRId64 " s (configured %" PRId64
		                " s), %s === %s",
		                ch->name, ch->state[0] ? ch->state : "no SA",
		                ch->algs[0] ? ", " : "", ch->algs,
		                ch->rekey_time == SNAP_NONE ? -1 : ch->rekey_time,
		                ch->cfg_rekey_time == SNAP_NONE ? -1 : ch->cfg_rekey_time,
		                ch->local_ts, ch->remote_ts);
	}
	doctor_next(d, "%s%s%s", daemon_words(f)->show_sa, c->name, daemon_words(f)->show_sa_end);
	doctor_next(d, "%s", daemon_words(f)->show_conns);
}

/* The control plane failed to come up: which failure the log names decides the cause. */
/* What the peer's ikewatch (--peer) says of its charon: 1 up, 0 down, -1 not known. */
static int peer_charon(const struct doctor_facts *f)
{
	if (!f->proposals || f->proposals->peer != DOCTOR_PEER_OK)
		return -1;
	return f->proposals->peer_charon_up;
}

static bool check_down_log(struct doctor_report *r, const struct doctor_facts *f,
                           const struct doctor_conn_facts *c, const struct doctor_log_facts *l,
                           int penalty)
{
	struct doctor_finding *d = NULL;
	int k = l->last_fail;

	if (k == LOG_FAIL_AUTH_FAILED) {
		d = doctor_add(
		    r, "auth_failed", c->name, DOCTOR_SEV_CRIT, 95 - penalty,
		    "authentication failed: the pre-shared key or the certificate/identity "
		    "does not match the peer's");
		doctor_next(d, "%s", daemon_words(f)->creds);
		doctor_next(d, "look at the peer's log for 'MAC mismatched' or 'no matching peer "
		               "config'");
	} else if (k == LOG_FAIL_CERT_INVALID) {
		d = doctor_add(r, "cert_invalid", c->name, DOCTOR_SEV_CRIT, 93 - penalty,
		               "the peer's certificate was not accepted");
		doctor_next(d, SUDO_SWANCTL " --list-certs; check the CA chain, CRLs and dates");
	} else if (k == LOG_FAIL_NO_PROPOSAL || k == LOG_FAIL_INVALID_KE) {
		d = doctor_add(r, "proposal_mismatch", c->name, DOCTOR_SEV_CRIT, 95 - penalty,
		               "no common proposal: the two gateways offer different algorithms");
		if (l->ike_proposals[0])
			doctor_evidence(d, "we offer %s", l->ike_proposals);
		if (l->esp_proposals[0])
			doctor_evidence(d, "we offer %s", l->esp_proposals);
		if (l->peer_proposals[0])
			doctor_evidence(d, "the peer offered %s", l->peer_proposals);
		doctor_next(d, "%s", daemon_words(f)->proposals);
	} else if (k == LOG_FAIL_TS_UNACCEPTABLE) {
		d = doctor_add(r, "ts_mismatch", c->name, DOCTOR_SEV_CRIT, 92 - penalty,
		               "traffic selectors refused: local_ts/remote_ts differ between the "
		               "gateways");
		doctor_next(d, "compare local_ts and remote_ts on both sides (" SUDO_SWANCTL
		               " --list-conns)");
	} else if (k == LOG_FAIL_PEER_UNREACHABLE || k == LOG_FAIL_DPD_TIMEOUT ||
	           (l->retx_outstanding && l->retransmits)) {
		bool setup = k == LOG_FAIL_PEER_UNREACHABLE || l->setup_retransmits > 0;
		int up = peer_charon(f);

		/* the peer's ikewatch answered: it tells a dead peer from a path that drops IKE */
		if (up == 1)
			d = doctor_add(
			    r, "peer_unreachable", c->name, DOCTOR_SEV_CRIT, 92 - penalty,
			    "the peer's charon is up, but our IKE goes unanswered: the path "
			    "drops IKE (UDP 500/4500)");
		else if (up == 0)
			d = doctor_add(
			    r, "peer_unreachable", c->name, DOCTOR_SEV_CRIT, 92 - penalty,
			    "the peer's charon is down: its ikewatch answers, its charon "
			    "does not");
		else
			d = doctor_add(
			    r, "peer_unreachable", c->name, DOCTOR_SEV_CRIT, 92 - penalty,
			    setup
			        ? "the peer does not answer IKE: it is down, or UDP 500/4500 is "
			          "blocked on the way"
			        : "the peer stopped answering (DPD/retransmission timeout): it is "
			          "down or the path to it was lost");
		if (up >= 0)
			doctor_evidence(d, "the peer's ikewatch at %s says ipsec_up %d",
			                f->proposals->peer_url, up);
		doctor_evidence(d,
		                "%u retransmissions (%u of set-up requests), %u give-ups since the "
		                "last establishment",
		                l->retransmits, l->setup_retransmits, l->giveups);
		if (l->retx_outstanding && l->retx_count) {
			char silent[48] = "";

			if (l->retx_silent_s >= 0)
				snprintf(silent, sizeof(silent), " for %.0f s", l->retx_silent_s);
			doctor_evidence(
			    d,
			    "peer silent%s: %s request (message ID %u) retransmitted %u "
			    "times and still unanswered; %s and then %s",
			    silent,
			    l->retx_liveness   ? "DPD"
			    : l->retx_exchange ? log_exchange_name(l->retx_exchange)
			                       : "its",
			    l->retx_msgid, l->retx_count, daemon_words(f)->retx,
			    c->up ? "closes the IKE SA" : "stops trying");
		}
		if (c->remote_addrs[0])
			doctor_evidence(d, "peer address %s", c->remote_addrs);
		doctor_next(
		    d, "ping %s; check the peer's IKE daemon and firewalls for UDP 500 and 4500",
		    c->remote_addrs[0] ? c->remote_addrs : "<peer>");
		doctor_next(d, "conntrack -L -p udp --dport 500; conntrack -L -p udp --dport 4500");
	} else if (k == LOG_FAIL_INSTALL_FAILED) {
		d = doctor_add(r, "install_failed", c->name, DOCTOR_SEV_CRIT, 85 - penalty,
		               "the kernel refused to install the SA or its policies");
		doctor_next(d, "ip xfrm state; ip xfrm policy; dmesg | tail");
	} else if (k >= 0) {
		d = doctor_add(r, "ike_failed", c->name, DOCTOR_SEV_CRIT, 80 - penalty,
		               "IKE failed: %s", log_failure_name((enum log_failure)k));
	}
	if (d) {
		if (l->last_error[0])
			doctor_evidence(d, "log: %s", l->last_error);
		if (k >= 0 && l->fails[k] > 1)
			doctor_evidence(d, "%u such failures since the last establishment",
			                l->fails[k]);
		doctor_evidence(d, "IKE SA %s", c->ike_state[0] ? c->ike_state : "absent");
		if (penalty)
			doctor_evidence(
			    d, "the log line names no connection (a responder logs "
			       "IKE_SA_INIT before it picks a config): likely, not certain");
		doctor_next(d, "grep '%s' in %s's log on both gateways", c->name, f->daemon_name);
		return true;
	}
	return false;
}

static bool check_down(struct doctor_report *r, const struct doctor_facts *f,
                       const struct doctor_conn_facts *c)
{
	return check_down_log(r, f, c, &c->log, 0);
}

static void check_conn_down(struct doctor_report *r, const struct doctor_facts *f,
                            const struct doctor_conn_facts *c)
{
	struct doctor_finding *d;

	if (check_down(r, f, c))
		return;
	if (check_down_log(r, f, c, &f->anon, 10))
		return;
	if (strcmp(c->ike_state, "CONNECTING") == 0) {
		d = doctor_add(r, "ike_connecting", c->name, DOCTOR_SEV_CRIT, 70,
		               "IKE SA is still connecting: no answer yet");
		doctor_next(d, "wait a few seconds and run the doctor again");
		return;
	}
	if (f->log_read && c->log.peer_deleted) {
		d = doctor_add(r, "conn_down", c->name, DOCTOR_SEV_CRIT, 60,
		               "configured but not established: the peer deleted the IKE SA, and "
		               "nothing brought it up again");
		if (c->log.peer_delete_time >= 0 && f->now >= c->log.peer_delete_time)
			doctor_evidence(d, "log, %.0f s ago: %s", f->now - c->log.peer_delete_time,
			                c->log.peer_delete);
		else
			doctor_evidence(d, "log: %s", c->log.peer_delete);
		doctor_next(d, "ask at the peer why it closed the SA (swanctl --terminate there, "
		               "its start_action or close_action)");
	} else if (f->log_read)
		d = doctor_add(r, "conn_down", c->name, DOCTOR_SEV_CRIT, 60,
		               "configured but not established, and the log read shows no attempt");
	else
		d = doctor_add(r, "conn_down", c->name, DOCTOR_SEV_CRIT, 60,
		               "configured but not established; %s's log was not read, so "
		               "whether it was attempted is not known",
		               f->daemon_name);
	if (c->remote_addrs[0])
		doctor_evidence(d, "peer address %s", c->remote_addrs);
	if (strcmp(f->daemon_name, "charon") != 0)
		doctor_next(d, "%s%s", daemon_words(f)->up, c->name);
	else if (c->n_children)
		doctor_next(d, SUDO_SWANCTL " --initiate --child %s --ike %s", c->children[0].name,
		            c->name);
	doctor_next(d, "%s", daemon_words(f)->autostart);
}

/* The data plane, judged by the probe run and the CHILD SA counters during it. */
static void check_dataplane(struct doctor_report *r, const struct doctor_facts *f,
                            const struct doctor_conn_facts *c)
{
	struct doctor_finding *d;

	if (!c->probed) {
		/* without probes, counters still tell a one-way SA: we send, nothing arrives */
		for (uint32_t i = 0; i < c->n_children; i++) {
			const struct doctor_child_facts *ch = &c->children[i];

			if (ch->up && ch->use_out != SNAP_NONE && ch->use_out < 10 &&
			    (ch->use_in == SNAP_NONE || ch->use_in > 60)) {
				d = doctor_add(r, "dataplane_one_way", c->name, DOCTOR_SEV_CRIT, 60,
				               "CHILD %s sends but receives nothing", ch->name);
				doctor_evidence(
				    d, "last outbound packet %" PRId64 " s ago, last inbound %s",
				    ch->use_out,
				    ch->use_in == SNAP_NONE ? "never" : "over 60 s ago");
				doctor_next(d,
				            "ikewatch doctor %s --probe <address behind the peer> "
				            "--source <local address in local_ts>",
				            c->name);
			}
		}
		return;
	}
	doctor_check_path(r, f, c);
	if (c->mtu_ran && c->mtu_blackhole) {
		d = doctor_add(r, "mtu_blackhole", c->name, DOCTOR_SEV_CRIT, 88,
		               "path MTU black hole: packets above %u bytes vanish without an ICMP "
		               "error",
		               c->path_mtu);
		doctor_evidence(d,
		                "DF probes to %s pass up to %u bytes; larger ones get no answer "
		                "and no ICMP 'fragmentation needed'",
		                c->probe_target, c->path_mtu);
		doctor_next(d,
		            "clamp TCP MSS (nft ... tcp option maxseg size set rt mtu) or send "
		            "packets of at most %u bytes into the tunnel",
		            c->path_mtu);
		doctor_next(d,
		            "find who drops ICMP type 3 code 4 on the path between the gateways");
	} else if (c->mtu_ran && c->path_mtu) {
		d = doctor_add(r, "path_mtu", c->name, DOCTOR_SEV_INFO, 3,
		               "path MTU through the tunnel is %u bytes", c->path_mtu);
		doctor_evidence(d, "ICMP errors %s", c->mtu_icmp_seen ? "seen" : "not needed");
	}
}

static void check_up(struct doctor_report *r, const struct doctor_facts *f,
                     const struct doctor_conn_facts *c)
{
	const struct doctor_log_facts *l = &c->log;
	struct doctor_finding *d;
	bool proposal = l->fails[LOG_FAIL_INVALID_KE] || l->fails[LOG_FAIL_NO_PROPOSAL];
	bool overdue = false;

	if (l->retx_outstanding && l->retransmits) {
		/* IKE looks up but its newest request is unanswered: DPD is about to give up;
		 * ESP may still flow (the control plane only), which the probes tell */
		check_down(r, f, c);
		check_dataplane(r, f, c);
		return;
	}
	for (uint32_t i = 0; i < c->n_children; i++) {
		const struct doctor_child_facts *ch = &c->children[i];

		if (ch->configured && !ch->up) {
			bool ts = l->last_fail == LOG_FAIL_TS_UNACCEPTABLE;

			d = doctor_add(r, ts ? "ts_mismatch" : "child_down", c->name,
			               DOCTOR_SEV_CRIT, ts ? 92 : 85,
			               "IKE SA up but CHILD SA %s %s", ch->name,
			               ts ? "refused: traffic selectors differ" : "is missing");
			if (l->last_error[0])
				doctor_evidence(d, "log: %s", l->last_error);
			doctor_evidence(d, "configured %s === %s", ch->local_ts, ch->remote_ts);
			if (strcmp(f->daemon_name, "charon") == 0)
				doctor_next(d, SUDO_SWANCTL " --initiate --child %s --ike %s",
				            ch->name, c->name);
			else
				doctor_next(d, "%s%s", daemon_words(f)->up, c->name);
		}
		if (ch->up && ch->rekey_time != SNAP_NONE && ch->rekey_time < 0) {
			overdue = true;
			d = doctor_add(r, "rekey_overdue", c->name, DOCTOR_SEV_WARN, 70,
			               "CHILD SA %s rekey overdue by %" PRId64 " s", ch->name,
			               -ch->rekey_time);
			if (l->fails[LOG_FAIL_INVALID_KE] || l->fails[LOG_FAIL_NO_PROPOSAL])
				doctor_evidence(
				    d, "rekeys fail with a proposal/DH group error: "
				       "check the PFS group of esp_proposals on both sides");
			doctor_next(d, SUDO_SWANCTL " --rekey --child %s", ch->name);
		}
	}
	/* the log tells why a rekey is overdue: the cause ranks above the symptom */
	if (l->fails[LOG_FAIL_REKEY_FAILED] || l->fails[LOG_FAIL_INVALID_KE]) {
		d = doctor_add(r, "rekey_failed", c->name, DOCTOR_SEV_WARN, overdue ? 72 : 65,
		               "rekeying failed %u times since the IKE SA was established%s",
		               l->fails[LOG_FAIL_REKEY_FAILED] + l->fails[LOG_FAIL_INVALID_KE],
		               proposal ? ": the peer refuses the proposal (check the PFS group of "
		                          "esp_proposals on both sides)"
		                        : "");
		if (l->last_error[0])
			doctor_evidence(d, "log: %s", l->last_error);
		doctor_next(d, "compare esp_proposals (the DH group for PFS) on both gateways");
	}
	if (l->retransmits && !l->retx_outstanding) {
		/* Every one was answered. A lone retransmit among many requests is a late answer
		 * (a busy peer, a short retransmit_timeout), not a lossy path: only a share of them
		 * (or a count, when the log held too few of our requests to tell) is a warning. */
		bool lossy =
		    l->retransmits >= RETX_LOSSY_MIN &&
		    (uint64_t)l->retransmits * 100 >= (uint64_t)l->requests * RETX_LOSSY_PCT;

		if (lossy)
			d = doctor_add(
			    r, "retransmits", c->name, DOCTOR_SEV_WARN, 40,
			    "%u IKE retransmissions in %u requests since establishment: the "
			    "control path loses packets",
			    l->retransmits, l->requests);
		else
			d = doctor_add(
			    r, "retransmits", c->name, DOCTOR_SEV_INFO, 12,
			    "%u IKE retransmission%s in %u requests since establishment, all "
			    "answered: an isolated late answer or lost packet",
			    l->retransmits, l->retransmits == 1 ? "" : "s", l->requests);
		doctor_next(d, "check loss on the path between the gateways (UDP 500/4500)");
	}
	if (c->tasks_pending) {
		d = doctor_add(r, "tasks_in_flight", c->name, DOCTOR_SEV_INFO, 10,
		               "an exchange (rekey or DPD) is in flight right now");
		doctor_evidence(d, "%s",
		                f->log_read
		                    ? "the log shows no retransmit of it: the peer answers"
		                    : "the daemon's log was not read: whether the peer answers "
		                      "it is not known");
	}
	check_dataplane(r, f, c);
}

static void check_certs(struct doctor_report *r, const struct doctor_facts *f)
{
	int64_t now = (int64_t)f->now;
	uint32_t future = 0;

	for (uint32_t i = 0; i < f->n_certs; i++) {
		const struct doctor_cert_facts *c = &f->certs[i];
		struct doctor_finding *d;

		if (c->not_after != SNAP_NONE && now > c->not_after) {
			d = doctor_add(r, "cert_expired", "", DOCTOR_SEV_CRIT, 80,
			               "certificate expired %" PRId64 " days ago: %s",
			               (now - c->not_after) / 86400, c->subject);
			doctor_next(d, "renew it and " SUDO_SWANCTL " --load-creds");
		} else if (c->not_before != SNAP_NONE && now < c->not_before) {
			future++;
			d = doctor_add(r, "cert_not_yet_valid", "", DOCTOR_SEV_CRIT, 80,
			               "certificate not valid for another %" PRId64 " s: %s",
			               c->not_before - now, c->subject);
			doctor_evidence(d, "this host's clock may be behind: compare it with NTP "
			                   "(timedatectl; chronyc tracking)");
		} else if (c->not_after != SNAP_NONE && c->not_after - now < DOCTOR_CERT_WARN_S) {
			d = doctor_add(r, "cert_expiring", "", DOCTOR_SEV_WARN, 45,
			               "certificate expires in %" PRId64 " days: %s",
			               (c->not_after - now) / 86400, c->subject);
			doctor_next(d,
			            "renew it before it expires and " SUDO_SWANCTL " --load-creds");
		}
	}
	if (future > 1)
		doctor_add(r, "clock_suspect", "", DOCTOR_SEV_CRIT, 82,
		           "%u certificates look issued in the future: the clock is probably wrong",
		           future);
}

static void check_xfrm(struct doctor_report *r, const struct doctor_facts *f)
{
	struct doctor_finding *d;
	bool any_up = false;

	for (uint32_t i = 0; i < f->n_conns; i++)
		any_up |= f->conns[i].up;
	if (!f->xfrm_read || f->libipsec)
		return;
	if (f->xfrm_policies > 0 && f->xfrm_states == 0) {
		d = doctor_add(r, "policies_without_states", "", DOCTOR_SEV_CRIT, any_up ? 80 : 55,
		               "the kernel has %u IPsec policies but no SAs: matching traffic is "
		               "dropped (XfrmOutNoStates)",
		               f->xfrm_policies);
		doctor_next(d, "ip xfrm policy; ip xfrm state; grep XfrmOutNoStates "
		               "/proc/net/xfrm_stat");
		doctor_next(d, "remove stale policies or re-initiate the CHILD SAs");
	}
}

void doctor_diagnose(const struct doctor_facts *f, const char *only, struct doctor_report *r)
{
	struct doctor_finding *d;
	uint32_t seen = 0;

	if (!f->charon_up) {
		const struct daemon_words *w = daemon_words(f);

		d = doctor_add(r, w->down_id, "", DOCTOR_SEV_CRIT, 100, "%s", w->down_title);
		doctor_evidence(d, "%s: %s", f->vici_socket, f->charon_error);
		doctor_next(d, "%s%s", w->down_next, f->vici_socket);
	}
	for (uint32_t i = 0; i < f->n_conns; i++) {
		const struct doctor_conn_facts *c = &f->conns[i];

		if (only && strcmp(c->name, only) != 0)
			continue;
		/* connections only the log names (no longer loaded) are history, not triage */
		if (!c->configured && !c->ike_state[0])
			continue;
		seen++;
		if (f->charon_up) {
			if (c->up)
				check_up(r, f, c);
			else if (c->configured)
				check_conn_down(r, f, c);
		}
		add_state_fact(r, f, c);
		doctor_foresee_findings(r, f, c);
	}
	if (only && seen == 0 && f->charon_up)
		doctor_add(r, "unknown_conn", only, DOCTOR_SEV_CRIT, 99,
		           "%s has no connection named '%s' loaded", f->daemon_name, only);
	check_certs(r, f);
	check_xfrm(r, f);
	doctor_daemon_check(r, &f->daemon);
	if (!f->probe_configured) {
		d = doctor_add(r, "no_probe_target", "", DOCTOR_SEV_INFO, 1,
		               "no probe target configured: data plane and path MTU not tested");
		doctor_next(d, "ikewatch doctor --probe <address behind the peer> --source <local "
		               "address inside local_ts>");
	} else if (f->probe_error[0]) {
		d = doctor_add(r, "probe_error", "", DOCTOR_SEV_WARN, 30,
		               "the probe run failed: %s", f->probe_error);
	}
	if (!f->log_read) {
		d = doctor_add(r, "no_log", "", DOCTOR_SEV_INFO, 1,
		               "%s's log was not read: failures and retransmits not checked",
		               f->daemon_name);
		doctor_evidence(d, "%s%s%s", f->log_path[0] ? f->log_path : "no --log-file given",
		                f->log_error[0] ? ": " : "", f->log_error);
		doctor_next(d, "ikewatch doctor --log-file %s", daemon_words(f)->log_default);
	}
	doctor_rank(r);
}
