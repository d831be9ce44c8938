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
. "$top/bench/fake_serve.sh"

echo "# gzip codecs on serve's exposition (fakevici); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $sizes; do
	fake_serve_start "$build" "$n" || { echo "bench_deflate: serve did not start at $n SAs" >&2; exit 1; }
	curl -fs -o "$FS_WORK/expo" "$FS_URL/metrics" || { echo "bench_deflate: no exposition at $n SAs" >&2; exit 1; }
	fake_serve_stop
	echo
	echo "## $n SAs"
	"$build/bench/bench_deflate" "$FS_WORK/expo" "$rounds"
done
