#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_idle.sh - how often ikewatch wakes up when there is nothing to do: the voluntary
# context switches of every thread of (a) `ikewatch serve` with its default event stream,
# connected to tests/fakevici (1 SA) and scraped once, then left alone, (b) the same, its log
# lines followed from a quiet file (--events.log-source file), and (c) `ikewatch reflect
# --threads 2` on 127.0.0.1 with no sender; over SECS seconds each. The floor is 0: an
# idle daemon has nothing to wake for (a timer that fires to look at a flag costs power and
# shows in powertop on every gateway). With -B, a baseline build is measured in turn.
#
# Usage: bench/bench_idle.sh [-b BUILD] [-B BASELINE_BUILD] [-t SECS]
#   -b  build directory holding ikewatch and tests/fakevici/fakevici (default: build)
#   -B  a baseline build measured the same way, printed beside
#   -t  seconds of idleness measured (default 20)
# Prints a markdown table: wake-ups in SECS and per second, and each thread's count (its name,
# as top -H shows it).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
base=
secs=20
while getopts 'b:B:t:' o; do
	case $o in
	b) build=$(cd "$OPTARG" && pwd) ;;
	B) base=$(cd "$OPTARG" && pwd) ;;
	t) secs=$OPTARG ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
work=$(mktemp -d /tmp/iw-bench-idle.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/tests/integration/serve_lib.sh" # free_port

switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {s += $2} END {print s + 0}'; }
threads() {
	local t out=
	for t in /proc/"$1"/task/*; do
		out+="$(cat "$t/comm") $(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status"), "
	done
	echo "${out%, }"
}

# measure PID LABEL BUILD: one table row over $secs seconds
measure() {
	local pid=$1 what=$2 b=$3 a z
	sleep 1 # started and settled
	a=$(switches "$pid")
	sleep "$secs"
	z=$(switches "$pid")
	awk -v w="$what" -v b="$b" -v n=$((z - a)) -v s="$secs" -v t="$(threads "$pid")" \
		'BEGIN { printf "| %s | %s | %d | %.2f | %s |\n", w, b, n, n / s, t }'
}

# serve_row BUILD LABEL [serve args...]
serve_row() {
	local b=$1 what=$2 sock=$work/vici port fv sv
	shift 2
	rm -f "$sock"
	"$b/tests/fakevici/fakevici" --sas 1 "$sock" 2>/dev/null &
	fv=$!
	pids+=("$fv")
	for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
	port=$(free_port)
	"$b/ikewatch" serve --vici.socket "$sock" --web.listen-address "127.0.0.1:$port" "$@" \
		>"$work/serve.log" 2>&1 &
	sv=$!
	pids+=("$sv")
	for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.05; done
	measure "$sv" "$what" "$b"
	kill "$sv" "$fv"; wait "$sv" "$fv" 2>/dev/null
}

reflect_row() {
	local b=$1 port rv
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	"$b/ikewatch" reflect --listen "127.0.0.1:$port" --threads 2 >"$work/reflect.log" 2>&1 &
	rv=$!
	pids+=("$rv")
	measure "$rv" "reflect --threads 2 (no sender)" "$b"
	kill "$rv"; wait "$rv" 2>/dev/null
}

echo "# ikewatch idle wake-ups (voluntary context switches, all threads) over $secs s; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| process | build | wake-ups | per second | per thread (name count) |"
echo "|---|---|---|---|---|"
echo "Dec  7 00:00:00 gw charon: 00[DMN] quiet" >"$work/charon.log"
for b in $base $build; do
	serve_row "$b" "serve (events on, scraped once)"
	serve_row "$b" "serve, log lines from a file" --events.log-source file \
		--events.log-file "$work/charon.log"
	reflect_row "$b"
done
