#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The peer silent on IKE while its ESP still flows, in the real lab (about 40 s). With charon's
# default retransmits (LAB_FAST_DPD=0: 4 s, 1.8, 5 tries, about 165 s), the router drops only
# B's IKE to A: UDP 500, and UDP 4500 whose first 4 payload bytes are the non-ESP marker (0);
# kernel-libipsec's ESP-in-UDP on the same port 4500 (a non-zero SPI there) still passes, as do
# A's requests to B. A ping through the tunnel keeps ESP flowing both ways, then A rekeys its
# IKE SA: B answers, the answers are dropped, A retransmits.
#  - serve on A (reading A's strongswan.conf, which sets no retransmit_*: it says it assumes
#    charon's defaults) exports ipsec_ike_sa_rekey_failure_expected_timestamp_seconds
#    {reason="peer_silent"} at about 165 s after the rekey request;
#  - `doctor a-b` on A says "the IKE SA a-b will fail in about N s: the peer stopped answering
#    IKE although its ESP still arrives", with the silence and the retransmits as evidence;
#  - ESP really flows meanwhile (pings answered), and the drop rules really drop IKE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
. "$T_TOP/tests/lab/lab.sh"

LAB_FAST_DPD=0 lab_up || t_bail "lab_up failed"
t_cleanup lab_down
tmp=$(mktemp -d /tmp/iw-silent.XXXXXX) || t_bail "mktemp failed"
t_cleanup rm -rf "$tmp"
printf 'vici:\n  strongswan_conf: %s\n' "$LAB_DIR/a/strongswan.conf" >"$tmp/a.yml"
serve_start "$(lab_vici_path A)" --config "$tmp/a.yml" ||
	t_bail "serve did not start: $(tail -3 "$SERVE_LOG")"
t_check serve_says_timing grep -q "peer_silent forecasts assume retransmit_timeout 4 s, base 1.8, 5 tries (charon's defaults)" "$SERVE_LOG"
t_eventually 5 child_up metric_is 'ipsec_child_sa_up{conn="a-b",child="net"}' 1

# ESP both ways, all along
ip netns exec "${LAB_PREFIX}a" ping -n -q -i 0.2 -W 1 -I 203.0.113.1 203.0.113.129 \
	>"$tmp/ping.txt" 2>&1 &
ping_pid=$!
t_cleanup kill "$ping_pid"
sleep 1
# only B's IKE to A
_lab_nft_ensure || t_bail "nft table"
_lab_nft add rule inet lab f_ike ip saddr 198.51.100.1 udp dport 500 counter drop &&
	_lab_nft add rule inet lab f_ike ip saddr 198.51.100.1 udp dport 4500 @th,64,32 == 0 counter drop ||
	t_bail "nft rules"
t_cleanup lab_undrop_ike
t0=$(date +%s)
lab_rekey_ike A || t_bail "lab_rekey_ike failed"

silent_value() {
	scrape | sed -n 's/^ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{conn="a-b",reason="peer_silent"} //p'
}
silent_forecast() {
	local v
	v=$(silent_value)
	# the first send was t0 (+1 s of scheduling); charon gives up about 165 s later
	[ -n "$v" ] && awk -v v="$v" -v t0="$t0" 'BEGIN { exit !(v >= t0 + 160 && v <= t0 + 170) }'
}
t_eventually 20 peer_silent_forecast silent_forecast
v=$(silent_value)
echo "# peer_silent: expected failure at $v, $(awk -v v="$v" -v t0="$t0" 'BEGIN { printf "%.1f", v - t0 }') s after the rekey request"

# doctor on A, with the log
"$IKEWATCH" doctor --config "$tmp/a.yml" --vici.socket "$(lab_vici_path A)" \
	--log-file "$(lab_log_path A)" a-b >"$tmp/doctor.txt" 2>&1
sed -n 's/^/# doctor: /; 1,6p' "$tmp/doctor.txt"
t_check doctor_peer_silent grep -qE 'the IKE SA a-b will fail in about [0-9]+ s: the peer stopped answering IKE although its ESP still arrives' "$tmp/doctor.txt"
t_check doctor_evidence grep -qE 'peer silent for [0-9]+ s, [0-9]+ retransmits, charon gives up in about [0-9]+ s' "$tmp/doctor.txt"
t_check doctor_esp_evidence grep -qE 'ESP still arrives: the last inbound packet on a-b/net [0-9]+ s ago' "$tmp/doctor.txt"
t_check doctor_ranks_it_first sh -c "grep -m1 -E '^ *1[.)]|\\[CRIT\\]' '$tmp/doctor.txt' | grep -q 'peer stopped answering IKE'"

# the fault is what it claims: IKE from B dropped, ESP answered
ike_dropped() { _lab_nft list chain inet lab f_ike | grep -qE 'counter packets [1-9]'; }
t_check ike_really_dropped ike_dropped
t_check esp_still_flows lab_ping_through 5
t_check a_retransmits grep -q 'retransmit [0-9]* of request' "$(lab_log_path A)"
serve_stop || t_fail serve_clean "sanitizer report in $SERVE_LOG"
t_done
