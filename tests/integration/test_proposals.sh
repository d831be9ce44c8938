#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Both ends' configured proposals in the real lab (about 60 s): after lab_pfs_mismatch B, A's
# esp_proposals for a-b/net offer modp2048 and B's modp3072. The CHILD SA set up in IKE_AUTH ran
# no key exchange, so the tunnel is up, and nothing but the configuration says that its first
# rekey (LAB_REKEY=30) will fail.
#  - `serve` on each gateway, reading that gateway's swanctl.conf (vici.swanctl_conf), exports
#    ipsec_conn_proposals_info and ipsec_conn_proposal_algorithm_info with its own groups; the
#    lab's PSK, in the same file, is in no scrape and no log line;
#  - `doctor a-b --peer B` on A, before the first CHILD rekey, says "the next CHILD rekey of
#    a-b/net in N s will fail: no key-exchange group in common (we: modp2048, peer: modp3072)";
#    without --peer it says what one end cannot tell;
#  - the rekey then really fails (NO_PROPOSAL_CHOSEN in A's log).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
. "$T_TOP/tests/lab/lab.sh"

LAB_REKEY=30 lab_up || t_bail "lab_up failed"
t_cleanup lab_down
lab_pfs_mismatch B || t_bail "lab_pfs_mismatch failed"
tmp=$(mktemp -d /tmp/iw-proposals.XXXXXX) || t_bail "mktemp failed"
t_cleanup rm -rf "$tmp"
for g in a b; do
	printf 'vici:\n  swanctl_conf: %s\n' "$LAB_DIR/$g/swanctl/swanctl.conf" >"$tmp/$g.yml"
done
t_check lab_file_has_psk grep -q "$S_PSK" "$LAB_DIR/b/swanctl/swanctl.conf"

# B first; its URL, PID and log kept while A's serve runs too
serve_start "$(lab_vici_path B)" --config "$tmp/b.yml" ||
	t_bail "serve on B did not start: $(tail -3 "$SERVE_LOG")"
B_URL=$SERVE_URL B_PID=$SERVE_PID B_LOG=$SERVE_LOG
serve_start "$(lab_vici_path A)" --config "$tmp/a.yml" ||
	t_bail "serve on A did not start: $(tail -3 "$SERVE_LOG")"

has() { # URL SERIES: the exposition at URL has SERIES with value 1
	curl -fsS "$1/metrics" | grep -qxF "$2 1"
}
t_check a_child_proposals has "$SERVE_URL" 'ipsec_conn_proposals_info{conn="a-b",child="net",exchange="child",proposals="aes128-sha256-modp2048"}'
t_check b_child_proposals has "$B_URL" 'ipsec_conn_proposals_info{conn="a-b",child="net",exchange="child",proposals="aes128-sha256-modp3072"}'
t_check a_ike_proposals sh -c "curl -fsS '$SERVE_URL/metrics' | grep -q '^ipsec_conn_proposals_info{conn=\"a-b\",child=\"\",exchange=\"ike\",proposals=\"[a-z0-9-]*\"} 1$'"
t_check a_ke_modp2048 has "$SERVE_URL" 'ipsec_conn_proposal_algorithm_info{conn="a-b",child="net",exchange="child",transform="ke",algorithm="modp2048"}'
t_check b_ke_modp3072 has "$B_URL" 'ipsec_conn_proposal_algorithm_info{conn="a-b",child="net",exchange="child",transform="ke",algorithm="modp3072"}'
t_check a_no_modp3072 sh -c "! curl -fsS '$SERVE_URL/metrics' | grep -q 'child=\"net\",exchange=\"child\",transform=\"ke\",algorithm=\"modp3072\"'"
# the PSK sits next to the proposals in the same file: it reaches nothing
t_check psk_not_exported sh -c "! curl -fsS '$SERVE_URL/metrics' '$B_URL/metrics' | grep -qF '$S_PSK'"
t_check proposals_read_logged grep -q 'read the proposals of' "$B_LOG"

# doctor on A, before the first CHILD rekey (30 s after the re-establishment)
doctor_out=$tmp/doctor.txt
"$IKEWATCH" doctor --config "$tmp/a.yml" --vici.socket "$(lab_vici_path A)" \
	--log-file "$(lab_log_path A)" --peer "$B_URL/metrics" a-b >"$doctor_out" 2>&1
sed -n 's/^/# doctor --peer: /; /will fail/p' "$doctor_out"
t_check doctor_exit_not_usage sh -c "! grep -q 'usage\\|needs --probe' '$doctor_out'"
t_check doctor_foresees_pfs grep -qE 'the next CHILD rekey of a-b/net in [0-9]+ s will fail: no key-exchange group in common \(we: modp2048, peer: modp3072\)' "$doctor_out"
t_check doctor_evidence_peer grep -qF "the peer's ($B_URL/metrics, its a-b/net): aes128-sha256-modp3072" "$doctor_out"
t_check doctor_before_rekey sh -c "! grep -q 'NO_PROPOSAL_CHOSEN' '$(lab_log_path A)'"
t_check doctor_ike_agrees sh -c "! grep -q 'the next IKE' '$doctor_out'"
"$IKEWATCH" doctor --config "$tmp/a.yml" --vici.socket "$(lab_vici_path A)" \
	--log-file "$(lab_log_path A)" a-b >"$tmp/one_end.txt" 2>&1
t_check doctor_one_end grep -qF "our PFS groups for a-b/net are modp2048; the peer's are unknown: run with --peer" "$tmp/one_end.txt"
t_check doctor_one_end_no_verdict sh -c "! grep -q 'will fail: no key-exchange' '$tmp/one_end.txt'"
t_check psk_not_in_doctor sh -c "! grep -qF '$S_PSK' '$doctor_out' '$tmp/one_end.txt'"

# ... and the rekey really fails
t_eventually 60 pfs_rekey_refused grep -q 'received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built' "$(lab_log_path A)"

serve_stop || t_fail serve_a_clean "sanitizer report in $SERVE_LOG"
A_LOG=$SERVE_LOG SERVE_PID=$B_PID SERVE_LOG=$B_LOG
serve_stop || t_fail serve_b_clean "sanitizer report in $SERVE_LOG"
t_check psk_not_logged sh -c "! grep -qF '$S_PSK' '$B_LOG' '$A_LOG'"
t_done
