#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_deflate.sh - the gzip codecs of /metrics side by side (bench/bench_deflate.c) on the
# exposition a serve writes for fakevici --sas N, for each N.
#
# Usage: bench/bench_deflate.sh [-b BUILD] [-s "100 1000 10000"] [-k ROUNDS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
sizes="100 1000 10000"
rounds=21
while getopts 'b:s:k:' o; do
	case $o in
	b) build=$(cd "$OPTARG" && pwd) ;;
	s) sizes=$OPTARG ;;
	k) rounds=$OPTARG ;;
	*) sed -n '2,8p' "$0"; exit 2 ;;
	esac
done
work=$(mktemp -d /tmp/iw-bench-deflate.XXXXXX)
sv='' fv=''
cleanup() {
	[ -n "$sv" ] && kill "$sv" 2>/dev/null && wait "$sv" 2>/dev/null
	[ -n "$fv" ] && kill "$fv" 2>/dev/null && wait "$fv" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/tests/integration/serve_lib.sh" # free_port

echo "# gzip codecs on serve's exposition (fakevici); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $sizes; do
	rm -f "$work/vici"
	"$build/tests/fakevici/fakevici" --sas "$n" "$work/vici" 2>/dev/null &
	fv=$!
	for _ in $(seq 200); do [ -S "$work/vici" ] && break; sleep 0.05; done
	port=$(free_port)
	"$build/ikewatch" serve --vici.socket "$work/vici" --events.stream false \
		--events.log-source none --web.listen-address "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
	sv=$!
	for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/-/healthy" >/dev/null && break; sleep 0.05; done
	curl -fs -o "$work/expo" "http://127.0.0.1:$port/metrics" || { echo "bench_deflate: no exposition at $n SAs" >&2; exit 1; }
	kill "$sv" "$fv"; wait "$sv" "$fv" 2>/dev/null
	sv='' fv=''
	echo
	echo "## $n SAs"
	"$build/bench/bench_deflate" "$work/expo" "$rounds"
done
