#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Foreseen rekey failures in the real lab (about 75 s):
#  1. lifetimes: A's CHILD "net" has life_time 20 s below its rekey_time 60 s, so it will expire
#     instead of rekeying: A exports ipsec_child_sa_rekey_failure_expected_timestamp_seconds
#     {reason="lifetime"} at its expiry, right away; B (strongSwan's default lifetimes) exports
#     none; `ikewatch doctor a-b` on A says "the next CHILD rekey of a-b/net in N s will fail:
#     the SA expires first, in M s". With IKE dropped on the router, A's IKE rekey (due 36 s after start) cannot start:
#     the IKE twin appears with reason="rekey_overdue".
#  2. PFS: after lab_pfs_mismatch B, the proposals configured on A and B for a-b/net have no
#     common key-exchange group and the pure comparison (src/doctor/doctor_foresee.c) says the
#     next CHILD rekey fails, while before the mismatch it said they agree; the rekey then
#     really fails (NO_PROPOSAL_CHOSEN in A's log) and A's gauge turns to reason="rekey_overdue"
#     at the SA's expiry. strongSwan 5.9's list-conns does not report proposals, so they are
#     read from the lab's swanctl.conf here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
. "$T_TOP/tests/lab/lab.sh"
COMPARE=${FORESEE_COMPARE:-$(dirname "$IKEWATCH")/tests/unit/foresee_compare}
[ -x "$COMPARE" ] || t_bail "no foresee_compare at $COMPARE (set FORESEE_COMPARE)"

# the value of the first series of FAMILY whose labels contain all of LABELS
series_value() { # FAMILY LABELS...
	local fam=$1 line
	shift
	line=$(scrape | grep "^$fam{")
	for l in "$@"; do line=$(printf '%s\n' "$line" | grep -F "$l"); done
	[ -n "$line" ] && printf '%s\n' "$line" | head -1 | awk '{print $2}'
}
# true if the value is within [now + LO, now + HI] seconds
near_now() { # VALUE LO HI
	[ -n "$1" ] && awk -v v="$1" -v now="$(date +%s)" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v >= now + lo && v <= now + hi) }'
}
esp_proposals() { sed -n 's/^[[:space:]]*esp_proposals = //p' "$LAB_DIR/$1/swanctl/swanctl.conf" | head -1; }

# --- 1. lifetimes -------------------------------------------------------------------------------
# strongSwan's DPD and retransmit timing (LAB_FAST_DPD=0): the CHILD SA's DELETE at its expiry
# (20 s) and the DPD after 30 s of silence are retransmitted for minutes, so the IKE rekey due
# at 36 s waits behind them, ESTABLISHED with a rekey time in the past. (With fast DPD the dead
# peer is declared before the rekey is due, and the SA is gone instead of overdue; while
# REKEYING, charon reports no rekey time at all.)
LAB_FAST_DPD=0 LAB_REKEY=60 LAB_LIFE=20 LAB_IKE_REKEY=36 lab_up || t_bail "lab_up failed"
t_cleanup lab_down
# long before A's IKE rekey (36 s after lab_up) is due
lab_drop_ike || t_bail "lab_drop_ike failed"
# B's lifetimes are strongSwan's defaults (rekey 1 h, life 1.1 h): nothing expected
serve_start "$(lab_vici_path B)" || t_bail "serve on B did not start: $(tail -3 "$SERVE_LOG")"
t_eventually 5 b_child_up metric_is 'ipsec_child_sa_up{conn="a-b",child="net"}' 1
t_check b_nothing_expected sh -c "! curl -fsS '$SERVE_URL/metrics' | grep -q '^ipsec_[a-z]*_sa_rekey_failure_expected_timestamp_seconds{'"
serve_stop || t_fail serve_b_clean "sanitizer report in $SERVE_LOG"
serve_start "$(lab_vici_path A)" || t_bail "serve did not start: $(tail -3 "$SERVE_LOG")"
child_life() {
	local v e
	v=$(series_value ipsec_child_sa_rekey_failure_expected_timestamp_seconds 'conn="a-b"' 'child="net"' 'reason="lifetime"')
	e=$(metric 'ipsec_child_sa_expire_timestamp_seconds{conn="a-b",child="net"}')
	near_now "$v" -1 20 && [ "$v" = "$e" ]
}
t_eventually 5 child_lifetime_expected child_life
# doctor says the same, as a finding with the seconds left
doctor_says_lifetime() {
	"$IKEWATCH" doctor --vici.socket "$(lab_vici_path A)" --log-file "$(lab_log_path A)" a-b |
		grep -E 'the next CHILD rekey of a-b/net in [0-9]+ s will fail: the SA expires first, in [0-9]+ s'
}
t_check doctor_lifetime_finding doctor_says_lifetime
t_check child_only_net sh -c "! curl -fsS '$SERVE_URL/metrics' | grep '^ipsec_child_sa_rekey_failure_expected_timestamp_seconds{' | grep -v 'child=\"net\"'"
t_check ike_not_expected_yet sh -c "! curl -fsS '$SERVE_URL/metrics' | grep -q '^ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{'"
ike_overdue() {
	near_now "$(series_value ipsec_ike_sa_rekey_failure_expected_timestamp_seconds 'conn="a-b"' 'reason="rekey_overdue"')" -2 1
}
t_eventually 50 ike_rekey_overdue ike_overdue
t_check ike_requests_retransmitted grep -q 'retransmit 1 of request' "$(lab_log_path A)"
serve_stop || t_fail serve_a_clean "sanitizer report in $SERVE_LOG"
lab_down

# --- 2. PFS group mismatch ----------------------------------------------------------------------
LAB_REKEY=8 lab_up || t_bail "second lab_up failed"
verdict_is() { # WANT: compare A's and B's esp_proposals for a CHILD rekey
	local out
	out=$("$COMPARE" child "$(esp_proposals a)" "$(esp_proposals b)")
	echo "$out"
	case $out in "$1"*) return 0 ;; *) return 1 ;; esac
}
t_check pfs_agree_before verdict_is "agree -"
lab_pfs_mismatch B || t_bail "lab_pfs_mismatch failed"
t_check pfs_a_b_proposals sh -c "[ '$(esp_proposals a)' = aes128-sha256-modp2048 ] && [ '$(esp_proposals b)' = aes128-sha256-modp3072 ]"
t_check pfs_comparison_fails verdict_is "fail ke: no key-exchange group in common (we: modp2048, peer: modp3072)"
serve_start "$(lab_vici_path A)" || t_bail "serve did not start: $(tail -3 "$SERVE_LOG")"
child_overdue() {
	local v e
	v=$(series_value ipsec_child_sa_rekey_failure_expected_timestamp_seconds 'conn="a-b"' 'child="net"' 'reason="rekey_overdue"')
	e=$(metric 'ipsec_child_sa_expire_timestamp_seconds{conn="a-b",child="net"}')
	near_now "$v" 0 24 && [ "$v" = "$e" ]
}
t_eventually 20 pfs_rekey_overdue child_overdue
t_check pfs_rekey_refused grep -q 'received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built' "$(lab_log_path A)"
serve_stop || t_fail serve_pfs_clean "sanitizer report in $SERVE_LOG"
t_done
