#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_doctor.sh - `ikewatch doctor` against each fault of the lab (tests/lab/lab.sh): the first
# finding of `doctor a-b --json` must name the cause.
#  - healthy tunnel: nothing critical, exit 0, a path MTU measured through the tunnel;
#  - one-way data plane (ESP from A dropped): dataplane_one_way;
#  - MTU black hole (router MTU 1100, ICMP frag-needed dropped): mtu_blackhole;
#  - PSK mismatch: auth_failed; proposal mismatch: proposal_mismatch;
#  - peer down (B's charon killed, A's DPD gave up): peer_unreachable;
#  - text output, an unknown connection, charon gone.
# Figures (time per run) go to stderr with T_VERBOSE=1.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-doctor.XXXXXX)
t_cleanup rm -rf "$work"

A=203.0.113.1
B=203.0.113.129
ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen "$B:862" >"$work/refl.out" 2>&1 &
refl=$!
t_cleanup kill "$refl"
sleep 0.3

doctor() {
	ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" doctor --vici.socket "$(lab_vici_path A)" \
		--log-file "$(lab_log_path A)" --probe "$B" --source "$A" "$@"
}
# first finding's id (and severity) from the JSON
first() { python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"][0]; print(f["id"], f["severity"])'; }

expect_first() {
	local name=$1 want=$2 out rc t0 t1
	t0=$(date +%s%N)
	out=$(doctor a-b --json 2>"$work/err")
	rc=$?
	t1=$(date +%s%N)
	[ "${T_VERBOSE:-0}" = 1 ] && echo "# doctor $name took $(((t1 - t0) / 1000000)) ms" >&2
	got=$(printf '%s' "$out" | first 2>/dev/null)
	if [ "${got%% *}" = "$want" ] && [ $rc -eq 3 ]; then
		t_ok "$name"
	else
		t_fail "$name" "rc $rc, first '$got', want $want; $(head -c 300 "$work/err")"
	fi
}

# 1. Healthy: nothing critical, a path MTU was measured, JSON ranks findings.
out=$(doctor a-b --json)
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | python3 -c '
import json, sys
f = json.load(sys.stdin)["findings"]
assert all(x["severity"] != "critical" for x in f), f
assert [x["likelihood"] for x in f] == sorted((x["likelihood"] for x in f), reverse=True)
assert any(x["id"] == "path_mtu" for x in f)
assert all("evidence" in x and "next_steps" in x for x in f)'; then
	t_ok "healthy-nothing-critical"
else
	t_fail "healthy-nothing-critical" "rc $rc: $(printf '%s' "$out" | head -c 300)"
fi

# 2. One-way data plane.
lab_drop_esp A out || t_bail "lab_drop_esp"
expect_first "one-way-dataplane" dataplane_one_way
lab_undrop_esp

# 3. MTU black hole.
lab_mtu_blackhole 1100 || t_bail "lab_mtu_blackhole"
expect_first "mtu-blackhole" mtu_blackhole
lab_heal_net

# 4. PSK mismatch.
lab_psk_mismatch B || t_bail "lab_psk_mismatch"
expect_first "psk-mismatch" auth_failed
out=$(doctor a-b)
if printf '%s' "$out" | head -n 1 | grep -q '^1\. \[critical\] a-b: authentication failed'; then
	t_ok "text-output"
else
	t_fail "text-output" "$(printf '%s' "$out" | head -n 2)"
fi
lab_reset_config B || t_bail "lab_reset_config"

# 5. Proposal mismatch.
lab_proposal_mismatch B || t_bail "lab_proposal_mismatch"
expect_first "proposal-mismatch" proposal_mismatch
lab_reset_config B || t_bail "lab_reset_config"

# 6. Peer down: B's charon killed; once A's DPD gave up, the doctor names the peer.
lab_kill_gateway B || t_bail "lab_kill_gateway"
lab_wait_ike_gone A 30 || t_bail "A kept the IKE SA"
expect_first "peer-down" peer_unreachable

# 7. An unknown connection; charon gone.
got=$(doctor nope --json --no-mtu | first)
[ "${got%% *}" = unknown_conn ] && t_ok "unknown-conn" || t_fail "unknown-conn" "$got"
got=$(ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" doctor --vici.socket "$work/none.vici" --json | first)
[ "${got%% *}" = charon_down ] && t_ok "charon-down" || t_fail "charon-down" "$got"

t_done
