#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_lab.sh - proves the strongSwan lab (tests/lab/lab.sh) does what the other integration
# tests rely on: both gateways INSTALLED, traffic crosses the tunnel and shows in the CHILD SA
# counters, a one-way ESP drop keeps IKE up but freezes the receiving counters, an IKE drop
# stalls a rekey until lifted, a SIGKILLed peer is declared dead by DPD in seconds, and lab_down
# leaves no namespace or process behind.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
start=$(_t_ms)
lab_up || t_bail "lab_up failed"
t_ok "lab-up"
echo "# lab_up took $(($(_t_ms) - start)) ms" >&2
prefix=$LAB_PREFIX
pids="$(lab_pid A) $(lab_pid B)"

installed() { lab_swanctl "$1" --list-sas --noblock --ike a-b | grep -Eq '^  net: #[0-9]+, reqid [0-9]+, INSTALLED'; }
established() { lab_swanctl "$1" --list-sas --noblock --ike a-b | grep -Eq '^a-b: #[0-9]+, ESTABLISHED'; }
ctr() { lab_child_counter "$1" "$2" packets; }
t_check "a-installed" installed A
t_check "b-installed" installed B
t_check "vici-path-is-socket" test -S "$(lab_vici_path A)"
t_check "vici-uri" test "$(lab_vici B)" = "unix://$(lab_vici_path B)"
conns=$(lab_swanctl A --list-conns 2>&1)
sas=$(lab_swanctl A --list-sas --noblock 2>&1)
if echo "$conns" | grep -q '^a-c: ' && ! echo "$sas" | grep -q '^a-c: '; then
	t_ok "a-c-loaded-and-down"
else
	t_fail "a-c-loaded-and-down" "list-conns/list-sas disagree: $(echo "$conns" | head -n 1)"
fi

# Traffic: counters of the INSTALLED CHILD grow on both sides.
a_out0=$(ctr A out) b_in0=$(ctr B in)
t_check "ping-through-tunnel" lab_ping_through 5
a_out1=$(ctr A out) b_in1=$(ctr B in)
if [ "$((a_out1 - a_out0))" -ge 5 ] && [ "$((b_in1 - b_in0))" -ge 5 ]; then
	t_ok "counters-grow"
else
	t_fail "counters-grow" "A out $a_out0->$a_out1, B in $b_in0->$b_in1"
fi
if [ "$(lab_child_counter A out bytes)" -gt 0 ]; then t_ok "byte-counter"; else t_fail "byte-counter" "A out bytes 0"; fi

# One-way ESP drop: A's out grows, B's in and A's in freeze, IKE stays ESTABLISHED.
lab_drop_esp A out || t_fail "drop-esp-setup" "nft"
a_out0=$(ctr A out) a_in0=$(ctr A in) b_in0=$(ctr B in)
if lab_ping_through 3; then t_fail "drop-esp-ping-fails" "ping got through"; else t_ok "drop-esp-ping-fails"; fi
a_out1=$(ctr A out) a_in1=$(ctr A in) b_in1=$(ctr B in)
if [ "$a_out1" -gt "$a_out0" ] && [ "$a_in1" -eq "$a_in0" ] && [ "$b_in1" -eq "$b_in0" ]; then
	t_ok "drop-esp-freezes-in-counters"
else
	t_fail "drop-esp-freezes-in-counters" "A out $a_out0->$a_out1 A in $a_in0->$a_in1 B in $b_in0->$b_in1"
fi
# DPD (2 s) keeps running over IKE while ESP is dropped: after 5 s both sides are still up.
sleep 5
t_check "drop-esp-ike-stays-up-a" established A
t_check "drop-esp-ike-stays-up-b" established B
lab_undrop_esp
t_check "undrop-esp-ping" lab_ping_through 2

# IKE drop: a CHILD rekey cannot complete while IKE is dropped, and completes after.
lab_drop_ike || t_fail "drop-ike-setup" "nft"
old=$(lab_swanctl A --list-sas --noblock --ike a-b | grep -Eo '^  net: #[0-9]+' | head -n 1)
lab_rekey_child A
sleep 2
if lab_swanctl A --list-sas --noblock --ike a-b | grep -Eq '^  net: #[0-9]+, reqid [0-9]+, DELETED'; then
	t_fail "drop-ike-stalls-rekey" "rekey completed while IKE was dropped"
else
	t_ok "drop-ike-stalls-rekey"
fi
dropped=$(lab_exec R nft list chain inet lab f_ike | grep -Eo 'packets [0-9]+' | awk '{s += $2} END {print s + 0}')
if [ "$dropped" -gt 0 ]; then t_ok "drop-ike-counts-retransmits"; else t_fail "drop-ike-counts-retransmits" "0 dropped"; fi
t_check "drop-ike-esp-still-flows" lab_ping_through 2
lab_undrop_ike
rekeyed() { lab_swanctl A --list-sas --noblock --ike a-b | grep -E '^  net: #[0-9]+, reqid [0-9]+, INSTALLED' | grep -vq "${old}," ; }
t_eventually 10 "rekey-completes-after-undrop-ike" rekeyed

# Kill B: A notices by DPD (fast DPD: dpd_delay 2 s, 3 retransmits) in about 10 s.
lab_kill_gateway B || t_fail "kill-b" "no charon B"
gone() { ! lab_swanctl A --list-sas --noblock --ike a-b | grep -q '^a-b: '; }
t_eventually 25 "a-sees-b-dead-by-dpd" gone
echo "# DPD detection took ${T_ELAPSED_MS} ms" >&2
if [ "$T_ELAPSED_MS" -ge 3000 ]; then t_ok "dpd-not-instant"; else t_fail "dpd-not-instant" "${T_ELAPSED_MS} ms"; fi
pids="$pids $(lab_pid A)"
lab_start_gateway B || t_fail "start-b" "lab_start_gateway"
t_check "b-back-installed" installed B
t_check "ping-after-restart" lab_ping_through 2
pids="$pids $(lab_pid B)"

# lab_down leaves nothing behind.
lab_down
left=$(ip netns list | awk '{print $1}' | grep -c "^${prefix}[abrx]$")
if [ "$left" -eq 0 ]; then t_ok "down-removes-namespaces"; else t_fail "down-removes-namespaces" "$left left"; fi
alive=""
# a killed charon that the shell has not reaped yet is a zombie: stopped, not alive
for p in $pids; do _lab_alive "$p" && alive="$alive $p"; done
if [ -z "$alive" ]; then t_ok "down-stops-charons"; else t_fail "down-stops-charons" "still alive:$alive"; fi
t_check "down-idempotent" lab_down
t_done
