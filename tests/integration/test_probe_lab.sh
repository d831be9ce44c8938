#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_probe_lab.sh - STAMP probes through a real strongSwan tunnel (tests/lab/lab.sh):
#  - probes from LAN A to a reflector on LAN B are answered and counted in the CHILD SA on both
#    gateways (they crossed the SA);
#  - random ESP loss from nftables shows in the loss figures, split by direction;
#  - a data plane broken one way: all probes lost, and the reflector/SA counters tell which way;
#  - an MTU clamp with ICMP "fragmentation needed" dropped is reported as a black hole;
#  - authenticated probes with a wrong key are rejected and counted by the reflector.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-probe.XXXXXX)
t_cleanup rm -rf "$work"

A=203.0.113.1
B=203.0.113.129
ctr() { lab_child_counter "$1" "$2" packets; }

# Reflectors on LAN B: unauthenticated on 862, authenticated on 8620. Started by PID, stopped by
# PID (SIGTERM makes them print their counters).
ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen "$B:862" >"$work/refl.out" 2>&1 &
refl=$!
t_cleanup kill "$refl"
printf '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n' >"$work/key"
printf 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n' >"$work/wrong"
ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen "$B:8620" -k "$work/key" \
	>"$work/refl_auth.out" 2>&1 &
refl_auth=$!
t_cleanup kill "$refl_auth"
sleep 0.3

ping_a() { ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" ping -I "$A" "$@"; }
field() { sed -n "s/.*[ ,(]$1 \([0-9]*\).*/\1/p" | head -n 1; }

# 1. Through the tunnel, counted in the SA.
a_out0=$(ctr A out) b_in0=$(ctr B in)
out=$(ping_a -c 20 -i 0.05 -W 1 "$B" 2>&1)
rc=$?
a_out1=$(ctr A out) b_in1=$(ctr B in)
if [ $rc -eq 0 ] && echo "$out" | grep -q '20 packets transmitted, 20 received'; then
	t_ok "stamp-through-tunnel"
else
	t_fail "stamp-through-tunnel" "rc $rc: $(echo "$out" | grep transmitted)"
fi
if [ $((a_out1 - a_out0)) -ge 20 ] && [ $((b_in1 - b_in0)) -ge 20 ]; then
	t_ok "probes-counted-in-sa"
else
	t_fail "probes-counted-in-sa" "A out +$((a_out1 - a_out0)), B in +$((b_in1 - b_in0))"
fi
echo "$out" | grep -E '^rtt' | sed 's/^/# /' >&2

# 2. Random ESP loss (25 % each way) shows, split by direction (our reflector is stateful).
lab_loss 25 || t_bail "lab_loss"
out=$(ping_a -q -c 200 -i 0.01 -W 0.5 --stateful "$B" 2>&1)
lab_heal_net
recv=$(echo "$out" | sed -n 's/.*transmitted, \([0-9]*\) received.*/\1/p')
fwd=$(echo "$out" | field forward) rev=$(echo "$out" | field reverse)
echo "# loss run: received $recv/200, forward $fwd, reverse $rev" >&2
# expected delivery 0.75^2 = 56 %: accept 30..85 %, and losses seen in both directions
if [ -n "$recv" ] && [ "$recv" -ge 60 ] && [ "$recv" -le 170 ] && [ "${fwd:-0}" -gt 0 ] &&
	[ "${rev:-0}" -gt 0 ]; then
	t_ok "esp-loss-measured-by-direction"
else
	t_fail "esp-loss-measured-by-direction" "$(echo "$out" | grep -E 'transmitted|lost')"
fi

# 2b. Loss on the way back only, without --stateful: the reflector's count keeps pace with our
#     sequence numbers, and only because ping numbers its probes apart from it (as serve does)
#     is the loss seen as reverse rather than unknown.
lab_loss 25 B || t_bail "lab_loss"
out=$(ping_a -q -c 200 -i 0.01 -W 0.5 "$B" 2>&1)
lab_heal_net
fwd=$(echo "$out" | field forward) rev=$(echo "$out" | field reverse)
unk=$(echo "$out" | field unknown)
# (a few trailing losses stay unknown: no later reply tells their direction)
if [ "${fwd:-1}" -eq 0 ] && [ "${rev:-0}" -gt 10 ] && [ "${unk:-99}" -le $((rev / 4)) ]; then
	t_ok "esp-loss-by-direction-without-flag"
else
	t_fail "esp-loss-by-direction-without-flag" "$(echo "$out" | grep -E 'transmitted|lost')"
fi

# 3. One way broken: ESP from B dropped. Probes reach the reflector (B's SA in counter grows)
#    but nothing comes back.
lab_drop_esp B out || t_bail "lab_drop_esp"
b_in0=$(ctr B in) a_in0=$(ctr A in)
out=$(ping_a -q -c 10 -i 0.05 -W 0.5 "$B" 2>&1)
rc=$?
b_in1=$(ctr B in) a_in1=$(ctr A in)
lab_undrop_esp
if [ $rc -eq 1 ] && echo "$out" | grep -q '10 packets transmitted, 0 received' &&
	[ $((b_in1 - b_in0)) -ge 10 ] && [ "$a_in1" -eq "$a_in0" ]; then
	t_ok "one-way-broken-seen"
else
	t_fail "one-way-broken-seen" "rc $rc, B in +$((b_in1 - b_in0)), A in +$((a_in1 - a_in0))"
fi

# 4. MTU clamp on the router with ICMP frag-needed dropped: a black hole.
out=$(ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" mtu -I "$A" --max 1400 -W 0.5 -r 2 "$B" 2>&1)
rc=$?
echo "$out" | tail -n 1 | sed 's/^/# before clamp: /' >&2
lab_mtu_blackhole 1100 || t_bail "lab_mtu_blackhole"
out=$(ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" mtu -I "$A" --max 1400 -W 0.5 -r 2 "$B" 2>&1)
rc=$?
lab_heal_net
echo "$out" | sed 's/^/# /' >&2
mtu=$(echo "$out" | sed -n 's/.*path MTU \([0-9]*\) bytes.*/\1/p')
if [ $rc -eq 3 ] && echo "$out" | grep -q 'BLACK HOLE' && [ -n "$mtu" ] && [ "$mtu" -lt 1100 ]; then
	t_ok "mtu-blackhole-reported"
else
	t_fail "mtu-blackhole-reported" "rc $rc: $(echo "$out" | tail -n 2)"
fi

# 5. Authenticated STAMP: the right key is answered, a wrong key is dropped and counted.
out=$(ping_a -q -c 5 -i 0.05 -W 0.5 -p 8620 -k "$work/key" "$B" 2>&1)
t_check "auth-right-key" sh -c "echo '$out' | grep -q '5 packets transmitted, 5 received'"
out=$(ping_a -q -c 7 -i 0.05 -W 0.5 -p 8620 -k "$work/wrong" "$B" 2>&1)
rc=$?
kill "$refl_auth" && wait "$refl_auth" 2>/dev/null
failed=$(sed -n 's/^auth_failed \([0-9]*\)$/\1/p' "$work/refl_auth.out")
reflected=$(sed -n 's/^reflected \([0-9]*\)$/\1/p' "$work/refl_auth.out")
if [ $rc -eq 1 ] && [ "$failed" = 7 ] && [ "$reflected" = 5 ]; then
	t_ok "auth-wrong-key-rejected-and-counted"
else
	t_fail "auth-wrong-key-rejected-and-counted" "rc $rc, auth_failed $failed, reflected $reflected"
fi

# 6. ICMP crosses the tunnel too.
t_check "icmp-through-tunnel" ping_a -q -c 3 -i 0.1 -W 1 -m icmp "$B"

# A source outside the CHILD SA's local traffic selector (A's WAN address) is warned about,
# once, with the CHILD SA charon names; one inside it (LAN A) is not.
warn_out=$(ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" ping -q -c 1 -W 0.3 -I 192.0.2.1 \
	--vici.socket "$(lab_vici_path A)" "$B" 2>&1 >/dev/null)
if [ "$(grep -c 'warning: -I 192.0.2.1 is outside the local traffic selector of a-b/' <<<"$warn_out")" = 1 ]; then
	t_ok source-outside-ts-warned
else
	t_fail source-outside-ts-warned "stderr: $warn_out"
fi
warn_out=$(ping_a -q -c 1 -W 0.3 --vici.socket "$(lab_vici_path A)" "$B" 2>&1 >/dev/null)
t_check source-inside-ts-quiet test -z "$warn_out"

# 7. --ipsec-only: probes out of the tunnel (kernel-libipsec's ipsec0) are answered, the same
#    probes sent in clear to B's WAN address are dropped and counted as not_ipsec.
if ip -n "${LAB_PREFIX}b" link show ipsec0 >/dev/null 2>&1; then
	ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen 0.0.0.0:8621 --ipsec-only \
		>"$work/refl_ipsec.out" 2>&1 &
	refl_ipsec=$!
	t_cleanup kill "$refl_ipsec"
	sleep 0.3
	in_out=$(ping_a -q -c 4 -i 0.05 -W 0.5 -p 8621 "$B" 2>&1 | grep transmitted)
	clear_out=$(ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" ping -q -c 3 -i 0.05 -W 0.5 -p 8621 \
		198.51.100.1 2>&1 | grep transmitted)
	kill "$refl_ipsec" && wait "$refl_ipsec" 2>/dev/null
	not_ipsec=$(sed -n 's/^not_ipsec \([0-9]*\)$/\1/p' "$work/refl_ipsec.out")
	if echo "$in_out" | grep -q '4 received' && echo "$clear_out" | grep -q ' 0 received' &&
		[ "$not_ipsec" = 3 ]; then
		t_ok "ipsec-only-reflector"
	else
		t_fail "ipsec-only-reflector" "tunnel: $in_out; clear: $clear_out; not_ipsec $not_ipsec"
	fi
else
	t_skip "ipsec-only-reflector" lab-kernel-esp "no ipsec0: the interface test does not apply"
fi
t_done
