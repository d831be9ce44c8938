#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# check_swanctl.sh FAKEVICI - strongSwan's own client, swanctl, must accept what fakevici sends.
#
# Why: the scrape benchmark uses swanctl as its baseline and the failure tests use fakevici as
# charon; both are only meaningful if fakevici speaks the wire format exactly as charon does.
# swanctl's parser is strict (it aborts on any framing or element error), so this is the
# independent check that our codec-built packets are right. swanctl is required (scripts/deps.sh):
# without it this test fails, it does not skip.
set -u
fake=$1
command -v swanctl >/dev/null || { echo "not ok - fakevici-swanctl/swanctl-installed: package strongswan-swanctl missing"; exit 1; }
dir=$(mktemp -d /tmp/fakevici-swanctl.XXXXXX)
sock=$dir/charon.vici
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail=0
check() { # check NAME cmd...: "ok"/"not ok" line
	local name=$1
	shift
	if "$@"; then echo "ok - fakevici-swanctl/$name"; else echo "not ok - fakevici-swanctl/$name"; fail=1; fi
}
start() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$fake" "$@" "$sock" 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
	return 1
}
sw() { swanctl "$@" --uri "unix://$sock" 2>/dev/null; }

start || { echo "not ok - fakevici-swanctl/start"; exit 1; }
out=$(sw --list-sas --raw)
check replay-list-sas grep -q '^list-sa event {a-b {uniqueid=1 version=2 state=ESTABLISHED' <<<"$out"
check replay-list-sas-reply grep -qx 'list-sas reply {}' <<<"$out"
out=$(sw --list-conns)
check replay-list-conns grep -q '^a-b: IKEv2' <<<"$out"
check replay-list-conns-a-c grep -q '^a-c: IKEv2' <<<"$out"
check version sh -c "swanctl --version --uri unix://$sock 2>/dev/null | grep -q 'strongSwan swanctl'"
check stats sh -c "swanctl --stats --uri unix://$sock 2>/dev/null | grep -q 'IKE_SAs: 1 total'"
check list-certs sw --list-certs

start --sas 3 || { echo "not ok - fakevici-swanctl/start-sas"; exit 1; }
out=$(sw --list-sas --raw)
check sas3-events test "$(grep -c '^list-sa event {a-b-[123] {uniqueid=[123] ' <<<"$out")" = 3
check sas3-hosts test "$(grep -c 'remote-host=198\.18\.0\.[123] ' <<<"$out")" = 3
out=$(sw --list-sas)
check sas3-pretty test "$(grep -c 'INSTALLED, TUNNEL' <<<"$out")" = 3
out=$(sw --list-conns)
check sas3-conns test "$(grep -c '^a-b-[123]: IKEv2' <<<"$out")" = 3
exit $fail
