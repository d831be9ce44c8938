#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_rtt.sh - RTT that ikewatch adds over ping(8) on the same loopback path: the median of
# `ping` (ICMP, kernel answers) against the median of `ikewatch ping` to `ikewatch reflect`
# (STAMP: RTT = (T4 - T1) - (T3 - T2), kernel receive timestamps), and `ikewatch ping -m icmp`.
# Target: medians within 20 microseconds.
#
# Usage: bench/bench_rtt.sh [BUILD_DIR] [COUNT]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
count=${2:-500}
port=$((40000 + $$ % 10000))

"$build/ikewatch" reflect --listen "127.0.0.1:$port" --rate 0 >/dev/null 2>&1 &
refl=$!
trap 'kill $refl 2>/dev/null' EXIT
sleep 0.3

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2); else print "nan"}'; }
ping_ms=$(ping -n -c "$count" -i 0.005 127.0.0.1 | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | median)
stamp_ms=$("$build/ikewatch" ping -c "$count" -i 0.005 -p "$port" 127.0.0.1 |
	sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | median)
icmp_ms=$("$build/ikewatch" ping -m icmp -c "$count" -i 0.005 127.0.0.1 |
	sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | median)
awk -v p="$ping_ms" -v s="$stamp_ms" -v i="$icmp_ms" -v n="$count" 'BEGIN {
	printf "rtt_median_us ping=%.1f ikewatch_stamp=%.1f (added %+.1f) ikewatch_icmp=%.1f (added %+.1f), %d probes each\n",
		p * 1000, s * 1000, (s - p) * 1000, i * 1000, (i - p) * 1000, n }'
