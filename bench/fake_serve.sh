#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# fake_serve.sh - sourced by the bench scripts: `ikewatch serve` against tests/fakevici, started
# and stopped as a pair, on a free 127.0.0.1 port, with a scratch directory and a trap that
# stops what is left and removes it at exit.
#
#   fake_serve_start BUILD N [FAKEVICI_BUILD]   fakevici --sas N (FAKEVICI_BUILD's, else BUILD's)
#                                               and BUILD's serve on it, with the events and the
#                                               log source off; FS_PRE (an array, may be empty)
#                                               goes before the command (valgrind, say); sets
#                                               FS_URL, FS_SV, FS_FV; waits for /-/healthy
#   fake_serve_stop                             stops both, waits for them
#   FS_WORK                                     the scratch directory (serve.log is there)

FS_WORK=$(mktemp -d /tmp/iw-bench.XXXXXX)
FS_SV='' FS_FV='' FS_URL=''
FS_PRE=()
_fs_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$_fs_top/tests/integration/serve_lib.sh" # free_port

fake_serve_stop() {
	[ -n "$FS_SV" ] && kill "$FS_SV" 2>/dev/null && wait "$FS_SV" 2>/dev/null
	[ -n "$FS_FV" ] && kill "$FS_FV" 2>/dev/null && wait "$FS_FV" 2>/dev/null
	FS_SV='' FS_FV=''
}

_fs_cleanup() {
	fake_serve_stop
	rm -rf "$FS_WORK"
}
trap _fs_cleanup EXIT

fake_serve_start() {
	local build=$1 n=$2 fake=${3:-$1} sock=$FS_WORK/vici port
	rm -f "$sock"
	"$fake/tests/fakevici/fakevici" --sas "$n" "$sock" 2>/dev/null &
	FS_FV=$!
	for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
	port=$(free_port)
	FS_URL="http://127.0.0.1:$port"
	"${FS_PRE[@]}" "$build/ikewatch" serve --vici.socket "$sock" --events.stream false \
		--events.log-source none --web.listen-address "127.0.0.1:$port" \
		>"$FS_WORK/serve.log" 2>&1 &
	FS_SV=$!
	for _ in $(seq 600); do curl -fs "$FS_URL/-/healthy" >/dev/null && return 0; sleep 0.05; done
	return 1
}
