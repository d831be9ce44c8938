#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# expo_diff.sh - is the exposition of two builds the same, byte for byte? For a change that is
# meant to make a scrape cheaper without changing what it says. Each build's `ikewatch serve`
# scrapes the same fakevici (BUILD_A's, --sas N) twice; the second answer is kept and the
# values that depend on when it was taken are masked: samples of families whose name says time
# (_timestamp_seconds, _seconds_total, ikewatch_scrape_duration...) and of ipsec_daemon_uptime.
# Prints one line per size and the first differing lines; exits 1 if any size differs.
#
# Usage: bench/expo_diff.sh BUILD_A BUILD_B [-s "1 100 1000 10000"] [-f text|openmetrics]
# (protobuf is left out: its time-dependent values cannot be masked in the binary)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,13p' "$0"; exit 2; }
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd)
shift 2
sizes="1 100 1000 10000"
accept=
while getopts 's:f:' o; do
	case $o in
	s) sizes=$OPTARG ;;
	f) case $OPTARG in
		text) accept= ;;
		openmetrics) accept='application/openmetrics-text;version=1.0.0' ;;
		*) echo "expo_diff: -f text|openmetrics" >&2; exit 2 ;;
		esac ;;
	*) sed -n '2,13p' "$0"; exit 2 ;;
	esac
done
work=$(mktemp -d /tmp/iw-expo-diff.XXXXXX)
sv='' fv=''
cleanup() {
	[ -n "$sv" ] && kill "$sv" 2>/dev/null && wait "$sv" 2>/dev/null
	[ -n "$fv" ] && kill "$fv" 2>/dev/null && wait "$fv" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/tests/integration/serve_lib.sh" # free_port

# scrape BUILD N OUT: the second scrape of BUILD's serve against A's fakevici --sas N
scrape() {
	local build=$1 n=$2 out=$3 sock=$work/vici port h=()
	rm -f "$sock"
	"$a/tests/fakevici/fakevici" --sas "$n" "$sock" 2>/dev/null &
	fv=$!
	for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
	port=$(free_port)
	"$build/ikewatch" serve --vici.socket "$sock" --events.stream false \
		--events.log-source none --web.listen-address "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
	sv=$!
	for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/-/healthy" >/dev/null && break; sleep 0.05; done
	[ -n "$accept" ] && h=(-H "Accept: $accept")
	curl -s "${h[@]}" -o /dev/null "http://127.0.0.1:$port/metrics"
	curl -s "${h[@]}" -o "$out.raw" "http://127.0.0.1:$port/metrics"
	kill "$sv"; wait "$sv" 2>/dev/null
	kill "$fv"; wait "$fv" 2>/dev/null
	sv='' fv=''
	sed -E '/^[a-z_:]*(timestamp_seconds|_seconds_total|scrape_duration|uptime)[^ ]* /s/ [^ ]+$/ MASKED/' \
		"$out.raw" >"$out"
}

rc=0
for n in $sizes; do
	scrape "$a" "$n" "$work/a"
	scrape "$b" "$n" "$work/b"
	if cmp -s "$work/a" "$work/b"; then
		echo "$n SAs: same ($(wc -c <"$work/a") bytes, $(grep -c MASKED "$work/a") values masked)"
	else
		echo "$n SAs: DIFFERENT ($(wc -c <"$work/a") against $(wc -c <"$work/b") bytes)"
		diff "$work/a" "$work/b" | head -10
		rc=1
	fi
done
exit $rc
