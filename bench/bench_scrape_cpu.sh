#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_scrape_cpu.sh - ikewatch serve's own CPU per scrape and per SA, and its peak RSS, against
# tests/fakevici --sas N (answers from prepared bytes, so charon's share is nil and all the CPU
# counted is ikewatch's: VICI decode, grouping, rendering, HTTP, gzip). The CPU is the serve
# process's task-clock (perf stat -p) over RUNS scrapes on one kept-alive connection, after two
# warm-up scrapes; VmHWM is serve's peak RSS, RssAnon its anonymous memory after the scrapes (the
# 8 MB of shared libraries that every VmHWM includes are file pages, not in it). With -B, a second (baseline) build is measured in turn with the first, size by
# size and round by round, so that both see the same machine load; the ratio is printed.
# With -c, serve's user-space instructions per scrape are counted instead (valgrind's callgrind
# around serve_route, and around the producer thread that renders a streamed answer, counters
# zeroed after the warm-up): slow, but the same at any load, so
# small changes show (debugoptimized builds give the function names callgrind needs).
#
# Usage: bench/bench_scrape_cpu.sh [-b BUILD] [-B BASELINE_BUILD] [-s "1 100 1000 10000"]
#                                  [-k ROUNDS] [-z] [-f text|openmetrics|protobuf] [-c]
#   -b  build directory (default: build; use buildtype=release, no sanitizers)
#   -B  a baseline build (e.g. main's) measured interleaved with -b
#   -s  SA counts (RUNS: 200 scrapes at 1 SA, 100 at 100, 30 at 1,000, 5 at 10,000 and more)
#   -k  rounds per size; the median is printed (default 3)
#   -z  ask for gzip (Accept-Encoding: gzip), as Prometheus does
#   -f  the exposition format asked for with Accept (default text: no Accept header)
#   -c  count instructions (callgrind; RUNS: 50, 30, 5 and 3; one round is enough)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
base=
sizes="1 100 1000 10000"
rounds=3
gzip=
accept=
count=
while getopts 'b:B:s:k:zf:c' o; do
	case $o in
	b) build=$(cd "$OPTARG" && pwd) ;;
	B) base=$(cd "$OPTARG" && pwd) ;;
	s) sizes=$OPTARG ;;
	k) rounds=$OPTARG ;;
	z) gzip=1 ;;
	f) case $OPTARG in
		text) accept= ;;
		openmetrics) accept='application/openmetrics-text;version=1.0.0' ;;
		protobuf) accept='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' ;;
		*) echo "bench_scrape_cpu: -f text|openmetrics|protobuf" >&2; exit 2 ;;
		esac ;;
	c) count=1 ;;
	*) sed -n '2,26p' "$0"; exit 2 ;;
	esac
done
if [ -n "$count" ]; then
	command -v valgrind >/dev/null || { echo "bench_scrape_cpu: -c needs valgrind" >&2; exit 1; }
else
	command -v perf >/dev/null || { echo "bench_scrape_cpu: perf is needed (apt-get install linux-perf)" >&2; exit 1; }
fi
. "$top/bench/fake_serve.sh"
work=$FS_WORK
median() { sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# one B N RUNS: prints "cpu_ms_per_scrape vmhwm_kib rssanon_kib"
one() {
	local b=$1 n=$2 runs=$3 urls=() h=() ms hwm anon sv
	FS_PRE=()
	[ -n "$count" ] && FS_PRE=(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out"
		--collect-atstart=no --toggle-collect=serve_route --toggle-collect=producer)
	fake_serve_start "$b" "$n"
	sv=$FS_SV
	[ -n "$gzip" ] && h=(-H 'Accept-Encoding: gzip')
	[ -n "$accept" ] && h+=(-H "Accept: $accept")
	for _ in $(seq "$runs"); do urls+=(-o /dev/null "$FS_URL/metrics"); done
	curl -s "${h[@]}" -o /dev/null "$FS_URL/metrics" -o /dev/null "$FS_URL/metrics"
	if [ -n "$count" ]; then
		callgrind_control -z "$sv" >/dev/null 2>&1
		curl -s "${h[@]}" "${urls[@]}"
		hwm=0 anon=0
		fake_serve_stop
		# millions of instructions, in the place of milliseconds
		ms=$(awk '/^(summary|totals):/ {print $2 / 1e6; exit}' "$work/cg.out")
		rm -f "$work/cg.out"
	else
		perf stat -x, -e task-clock -p "$sv" -o "$work/stat" -- curl -s "${h[@]}" "${urls[@]}"
		ms=$(awk -F, '/task-clock/ {print $1}' "$work/stat")
		hwm=$(awk '/VmHWM/ {print $2}' "/proc/$sv/status")
		anon=$(awk '/RssAnon/ {print $2}' "/proc/$sv/status")
		fake_serve_stop
	fi
	awk -v ms="$ms" -v r="$runs" -v h="$hwm" -v a="$anon" 'BEGIN { printf "%.4f %d %d\n", ms / r, h, a }'
}

echo "# ikewatch serve CPU per scrape against fakevici; ${gzip:+gzip, }$rounds rounds, median; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$count" ] && echo "# -c: user-space instructions (callgrind): read \"ms\" as millions of instructions, \"us\" as thousands"
if [ -n "$base" ]; then
	echo "| SAs | CPU ms/scrape (base) | CPU ms/scrape | us per SA (base) | us per SA | after/before | VmHWM MiB (base) | VmHWM MiB | RssAnon MiB (base) | RssAnon MiB |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
else
	echo "| SAs | CPU ms/scrape | us per SA | VmHWM MiB | RssAnon MiB |"
	echo "|---|---|---|---|---|"
fi
for n in $sizes; do
	runs=5
	[ "$n" -lt 10000 ] && runs=30
	[ "$n" -lt 1000 ] && runs=100
	[ "$n" -lt 100 ] && runs=200
	if [ -n "$count" ]; then
		runs=3
		[ "$n" -lt 10000 ] && runs=5
		[ "$n" -lt 1000 ] && runs=30
		[ "$n" -lt 100 ] && runs=50
	fi
	: >"$work/a"; : >"$work/ah"; : >"$work/aa"; : >"$work/b"; : >"$work/bh"; : >"$work/ba"
	for _ in $(seq "$rounds"); do
		if [ -n "$base" ]; then
			read -r ms h an < <(one "$base" "$n" "$runs")
			echo "$ms" >>"$work/b"; echo "$h" >>"$work/bh"; echo "$an" >>"$work/ba"
		fi
		read -r ms h an < <(one "$build" "$n" "$runs")
		echo "$ms" >>"$work/a"; echo "$h" >>"$work/ah"; echo "$an" >>"$work/aa"
	done
	a=$(median <"$work/a") ah=$(median <"$work/ah") aa=$(median <"$work/aa")
	if [ -n "$base" ]; then
		b=$(median <"$work/b") bh=$(median <"$work/bh") ba=$(median <"$work/ba")
		awk -v n="$n" -v a="$a" -v b="$b" -v ah="$ah" -v bh="$bh" -v aa="$aa" -v ba="$ba" 'BEGIN {
			printf "| %d | %.3f | %.3f | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f |\n",
				n, b, a, b / n * 1000, a / n * 1000, a / b, bh / 1024, ah / 1024,
				ba / 1024, aa / 1024 }'
	else
		awk -v n="$n" -v a="$a" -v ah="$ah" -v aa="$aa" 'BEGIN {
			printf "| %d | %.3f | %.2f | %.1f | %.1f |\n", n, a, a / n * 1000, ah / 1024,
				aa / 1024 }'
	fi
done
echo "# load afterwards $(cut -d' ' -f1-3 /proc/loadavg)"
