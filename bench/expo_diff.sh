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
. "$top/bench/fake_serve.sh"

# scrape BUILD N OUT: the second scrape of BUILD's serve against A's fakevici --sas N
scrape() {
	local build=$1 n=$2 out=$3 h=()
	fake_serve_start "$build" "$n" "$a"
	[ -n "$accept" ] && h=(-H "Accept: $accept")
	curl -s "${h[@]}" -o /dev/null "$FS_URL/metrics"
	curl -s "${h[@]}" -o "$out.raw" "$FS_URL/metrics"
	fake_serve_stop
	sed -E '/^[a-z_:]*(timestamp_seconds|_seconds_total|scrape_duration|uptime)[^ ]* /s/ [^ ]+$/ MASKED/' \
		"$out.raw" >"$out"
}

rc=0
for n in $sizes; do
	scrape "$a" "$n" "$FS_WORK/a"
	scrape "$b" "$n" "$FS_WORK/b"
	if cmp -s "$FS_WORK/a" "$FS_WORK/b"; then
		echo "$n SAs: same ($(wc -c <"$FS_WORK/a") bytes, $(grep -c MASKED "$FS_WORK/a") values masked)"
	else
		echo "$n SAs: DIFFERENT ($(wc -c <"$FS_WORK/a") against $(wc -c <"$FS_WORK/b") bytes)"
		diff "$FS_WORK/a" "$FS_WORK/b" | head -10
		rc=1
	fi
done
exit $rc
