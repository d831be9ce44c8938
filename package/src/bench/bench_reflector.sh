#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_reflector.sh - reflector packets per second on loopback: `ikewatch reflect` against the
# seed-style Python UDP echo responder (a recvfrom/sendto loop), side by side, with the same
# load generator (bench_reflector_load: WINDOW packets in flight). Target: >= 10 times.
#
# Usage: bench/bench_reflector.sh [BUILD_DIR] [SECONDS] [WINDOW]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
secs=${2:-5}
window=${3:-64}
load=$build/bench/bench_reflector_load
port=$((40000 + $$ % 10000))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

"$build/ikewatch" reflect --listen "127.0.0.1:$port" --rate 0 >/dev/null 2>&1 &
pids+=($!)
/usr/bin/python3 - "$((port + 1))" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
PY
pids+=($!)
sleep 0.5
ours=$("$load" 127.0.0.1 "$port" "$secs" "$window")
py=$("$load" 127.0.0.1 "$((port + 1))" "$secs" "$window")
echo "reflector_pps ikewatch=$ours python_echo=$py ratio=$(awk -v a="$ours" -v b="$py" 'BEGIN{printf "%.1f", b ? a/b : 0}') (window $window, ${secs}s, $(nproc) CPUs)"
