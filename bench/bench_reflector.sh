#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_reflector.sh - reflector packets per second on loopback, against its floors, in one run:
# `ikewatch reflect` unauthenticated and with HMAC (a key file), the batched C echo
# (bench_echo_floor: recvmmsg/sendmmsg, no parsing; the floor this kernel sets) and the
# seed-style Python UDP echo (a recvfrom/sendto loop), all with the same load generator
# (bench_reflector_load: WINDOW packets in flight, 44 octets, 112 with HMAC). The measurements
# are interleaved, ROUNDS times, so that the machine's load falls on all of them alike; it prints
# each round and the median ratios: ikewatch / floor (same packet size) and ikewatch / Python;
# and with two senders at once, `ikewatch reflect --threads 2` (SO_REUSEPORT) against the floor.
# Targets (issue 16): >= 0.95x the floor unauthenticated, >= 0.9x with HMAC.
#
# Usage: bench/bench_reflector.sh [BUILD_DIR] [SECONDS] [WINDOW] [ROUNDS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
secs=${2:-5}
window=${3:-64}
rounds=${4:-3}
load=$build/bench/bench_reflector_load
floor=$build/bench/bench_echo_floor
port=$((40000 + $$ % 10000))
work=$(mktemp -d /tmp/iw-bench-refl.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
for b in "$build/ikewatch" "$load" "$floor"; do
	[ -x "$b" ] || { echo "bench_reflector: missing $b (ninja -C $build)" >&2; exit 1; }
done
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' >"$work/key"

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
"$floor" 127.0.0.1 "$((port + 2))" &
pids+=($!)
"$build/ikewatch" reflect --listen "127.0.0.1:$((port + 3))" --rate 0 --key-file "$work/key" \
	>/dev/null 2>&1 &
pids+=($!)
"$build/ikewatch" reflect --listen "127.0.0.1:$((port + 4))" --rate 0 --threads 2 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || { echo "bench_reflector: a responder did not start (pid $p)" >&2; exit 1; }
done

# two senders at once (two source ports), the sum of their rates
load2() {
	"$load" 127.0.0.1 "$1" "$secs" "$window" >"$work/l1" &
	"$load" 127.0.0.1 "$1" "$secs" "$window" >"$work/l2"
	wait $!
	awk '{ s += $1 } END { print s }' "$work/l1" "$work/l2"
}

median() { sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
echo "# window $window, ${secs}s per measurement, $rounds rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | floor pps | ikewatch pps | Python pps | floor 112 B pps | ikewatch HMAC pps | floor, 2 senders | ikewatch 2 threads, 2 senders | ikewatch/floor | HMAC/floor | ikewatch/Python | 2 threads/floor |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for r in $(seq "$rounds"); do
	fl=$("$load" 127.0.0.1 "$((port + 2))" "$secs" "$window")
	us=$("$load" 127.0.0.1 "$port" "$secs" "$window")
	py=$("$load" 127.0.0.1 "$((port + 1))" "$secs" "$window")
	fla=$("$load" 127.0.0.1 "$((port + 2))" "$secs" "$window" "$work/key")
	ua=$("$load" 127.0.0.1 "$((port + 3))" "$secs" "$window" "$work/key")
	fl2=$(load2 "$((port + 2))")
	u2=$(load2 "$((port + 4))")
	echo "| $r | $fl | $us | $py | $fla | $ua | $fl2 | $u2 | $(ratio "$us" "$fl") | $(ratio "$ua" "$fla") | $(ratio "$us" "$py") | $(ratio "$u2" "$fl2") |"
	ratio "$us" "$fl" >>"$work/r_floor"; echo >>"$work/r_floor"
	ratio "$ua" "$fla" >>"$work/r_hmac"; echo >>"$work/r_hmac"
	ratio "$us" "$py" >>"$work/r_py"; echo >>"$work/r_py"
	ratio "$u2" "$fl2" >>"$work/r_two"; echo >>"$work/r_two"
done
echo "reflector_ratios ikewatch/floor=$(median <"$work/r_floor") hmac/floor=$(median <"$work/r_hmac") ikewatch/python=$(median <"$work/r_py") threads2/floor=$(median <"$work/r_two") (medians of $rounds rounds; load $(cut -d' ' -f1-3 /proc/loadavg))"
