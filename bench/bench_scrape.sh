#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench_scrape.sh - how long one Prometheus scrape of "ikewatch serve" takes, next to the floor
# that charon sets (bench/vici_bare: the same VICI round trip, bytes read and skipped) and to
# the tool operators use today (swanctl --list-sas --raw), side by side in one run: against the
# REAL charon of the lab at 1, 100 and 1,000 SAs (-l), and against tests/fakevici at 1 to 10,000.
#
# Why: the exporter's promise is that a scrape costs about what charon's answer costs, and less
# than running swanctl; and that it stays small (peak RSS) with a thousand tunnels. Only a real
# charon gives the real floor: it builds every answer afresh. tests/fakevici/fakevici --sas N
# (recorded charon packets, re-encoded N times) answers from prepared bytes, so its "bare" round
# trip is unrealistically low; it is kept as a synthetic floor, and for 10,000 SAs, which the lab
# cannot hold in a few minutes (VICI's 512 KiB cap per IKE SA message also limits one IKE SA to
# about 1,400 CHILD SAs).
#
# Usage: bench/bench_scrape.sh [-b BUILD_DIR] [-r RUNS] [-s "1 100 1000 10000"] [-l]
#                              [-L "1 100 1000"] [-m "child ike"] [-o FILE]
#   -b  meson build directory holding ikewatch, bench/vici_bare, tests/fakevici/fakevici
#       (default: build; use a buildtype=release or debugoptimized build without sanitizers)
#   -r  runs per measurement (default 30; sizes of 10,000 SAs and more use RUNS/3, at least 5)
#   -s  SA counts for fakevici ("" for none)
#   -l  also measure the real charon of the lab (tests/lab/lab.sh; needs root): a fresh lab per
#       row, then lab_scale N-1, so gateway A holds N CHILD SAs with the lab's own "net"
#   -L  SA counts for the lab (default "1 100 1000")
#   -m  lab_scale modes for N > 1 (default "child ike"): child = N-1 CHILD SAs under one IKE SA
#       (plus a-b), ike = N-1 IKE SAs with one CHILD SA each (plus a-b), as fakevici's shape
#   -o  also append the markdown tables to FILE
# Prints markdown tables: median milliseconds of (a) a scrape (curl's time_total for GET
# /metrics on a kept-alive connection), (b) the bare VICI round trip (list-conns, then list-sas),
# (b') the bare round trip of every command a scrape sends, as it sends them (vici_bare -a: the
# same bytes as the scrape reads from charon; stats alone, then the other five pipelined),
# (c) swanctl --list-sas
# --raw (a whole process, as an operator or a cron job runs it); the ratios; swanctl --list-conns
# --raw alone (the other half of a scrape's VICI work, which swanctl --list-sas skips); the IKE and CHILD
# SAs the scrape saw; the bytes of charon's answers and of the scrape; and the peak RSS (VmHWM)
# of the ikewatch serve process after its scrapes. With -l, the first table holds the real
# charon's rows and fakevici's largest size; the second, every fakevici row (synthetic floor).

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
runs=30
sizes="1 100 1000 10000"
lab=0
lab_sizes="1 100 1000"
lab_modes="child ike"
outfile=
while getopts 'b:r:s:lL:m:o:' o; do
	case $o in
	b) build=$(cd "$OPTARG" && pwd) ;;
	r) runs=$OPTARG ;;
	s) sizes=$OPTARG ;;
	l) lab=1 ;;
	L) lab_sizes=$OPTARG ;;
	m) lab_modes=$OPTARG ;;
	o) outfile=$OPTARG ;;
	*) sed -n '2,35p' "$0"; exit 2 ;;
	esac
done

ikewatch=$build/ikewatch
bare=$build/bench/vici_bare
fake=$build/tests/fakevici/fakevici
for b in "$ikewatch" "$bare" "$fake"; do
	[ -x "$b" ] || { echo "bench_scrape: missing $b (ninja -C $build)" >&2; exit 1; }
done
for c in curl swanctl; do
	command -v $c >/dev/null || { echo "bench_scrape: $c is needed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/iw-bench-scrape.XXXXXX)
serve_pid='' fake_pid=''
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	[ "$lab" = 1 ] && declare -F lab_down >/dev/null && lab_down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

start_serve() { # start_serve SOCKET: ikewatch serve on a free loopback port -> $port
	:
	for _ in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && continue
		"$ikewatch" serve --web.listen-address "127.0.0.1:$port" --vici.socket "$1" \
			--vici.timeout 60s --log.level warn 2>"$work/serve.err" &
		serve_pid=$!
		for _ in $(seq 50); do
			curl -s -o /dev/null "http://127.0.0.1:$port/-/healthy" && return 0
			kill -0 "$serve_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$serve_pid" 2>/dev/null
		wait "$serve_pid" 2>/dev/null
		serve_pid=
	done
	echo "bench_scrape: ikewatch serve did not start: $(tail -n 2 "$work/serve.err")" >&2
	return 1
}

stop_serve() {
	kill "$serve_pid" 2>/dev/null
	wait "$serve_pid" 2>/dev/null
	serve_pid=
}

# measure LABEL SOCKET RUNS: one table row (and a check that the scrape saw every SA).
measure() {
	local label=$1 sock=$2 n=$3 url urls=() i scrape_ms bare_ms swan_ms t0 t1 hwm size ikes children
	local vici_bytes conns_ms all_ms all_bytes
	start_serve "$sock" || return 1
	url="http://127.0.0.1:$port/metrics"
	# warm-up: the first scrape also reads version and list-certs, and sizes the buffers
	curl -s -o "$work/metrics.txt" "$url"
	curl -s -o /dev/null "$url"
	grep -q '^ipsec_up 1' "$work/metrics.txt" || {
		echo "bench_scrape: $label: ipsec_up is not 1: $(tail -n 1 "$work/serve.err")" >&2
		stop_serve
		return 1
	}
	size=$(wc -c <"$work/metrics.txt")
	ikes=$(grep -c '^ipsec_ike_sa_info{' "$work/metrics.txt")
	children=$(grep -c '^ipsec_child_sa_info{' "$work/metrics.txt")
	for ((i = 0; i < n; i++)); do urls+=(-o /dev/null "$url"); done
	# one curl, one kept-alive connection, n requests: time_total of each in seconds
	scrape_ms=$(curl -s -w '%{time_total}\n' "${urls[@]}" |
		awk '{print $1 * 1000}' | median)
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$serve_pid/status")
	stop_serve
	"$bare" -n "$n" -w 2 "$sock" >"$work/bare"
	bare_ms=$(awk '{print $1 / 1000}' "$work/bare" | median)
	vici_bytes=$(awk '{b = $2} END {print b + 0}' "$work/bare")
	# the floor for the same bytes as a scrape: its six commands, stats alone, then the rest
	"$bare" -a -n "$n" -w 2 "$sock" >"$work/bare_all"
	all_ms=$(awk '{print $1 / 1000}' "$work/bare_all" | median)
	all_bytes=$(awk '{b = $2} END {print b + 0}' "$work/bare_all")
	for ((i = 0; i < n; i++)); do
		t0=$EPOCHREALTIME
		swanctl --list-sas --raw --uri "unix://$sock" >/dev/null 2>&1
		t1=$EPOCHREALTIME
		echo "$t0 $t1"
	done | awk '{printf "%.3f\n", ($2 - $1) * 1000}' | median >"$work/swan"
	swan_ms=$(cat "$work/swan")
	# list-conns alone, to split charon's floor: swanctl --list-sas reads only list-sas, a scrape
	# (and vici_bare) also list-conns, the half that shows configured-but-down tunnels.
	for ((i = 0; i < n; i++)); do
		t0=$EPOCHREALTIME
		swanctl --list-conns --raw --uri "unix://$sock" >/dev/null 2>&1
		t1=$EPOCHREALTIME
		echo "$t0 $t1"
	done | awk '{printf "%.3f\n", ($2 - $1) * 1000}' | median >"$work/conns"
	conns_ms=$(cat "$work/conns")
	awk -v l="$label" -v n="$n" -v s="$scrape_ms" -v b="$bare_ms" -v w="$swan_ms" \
		-v h="$hwm" -v z="$size" -v k="$ikes" -v c="$children" -v v="$vici_bytes" \
		-v lc="$conns_ms" -v a="$all_ms" -v ab="$all_bytes" 'BEGIN {
		printf "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f | %.3f | %.3f | %d / %d | %s / %s | %s | %.1f |\n",
			l, n, s, b, a, w, s / b, s / a, s / w, lc, k, c, v, ab, z, h / 1024 }'
}

header='| SAs (source) | runs | scrape ms | bare VICI ms | bare, all commands ms | swanctl ms | scrape/bare | scrape/bare all | scrape/swanctl | swanctl --list-conns ms | IKE / CHILD SAs in scrape | VICI bytes (list-conns + list-sas / all) | scrape bytes | serve VmHWM MiB |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
fake_table=$header
fake_largest=
echo "$header"
for n in $sizes; do
	r=$runs
	[ "$n" -ge 10000 ] && r=$((runs / 3)) && [ "$r" -lt 5 ] && r=5
	sock=$work/fake-$n.vici
	"$fake" --sas "$n" "$sock" 2>"$work/fake.err" &
	fake_pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	if row=$(measure "$n (fakevici)" "$sock" "$r"); then
		echo "$row"
		fake_table+=$'\n'"$row"
		fake_largest=$row
	fi
	kill "$fake_pid"
	wait "$fake_pid" 2>/dev/null
	fake_pid=
done

# One lab per row: a fresh charon, lab_scale N-1 next to the lab's own a-b/net, so A holds N CHILD
# SAs (and 2 IKE SAs in child mode, N in ike mode). The set-up time goes to stderr.
lab_table=
setup_notes=
if [ "$lab" = 1 ]; then
	# shellcheck source=../tests/lab/lab.sh
	. "$top/tests/lab/lab.sh"
	lab_table=$header
	echo
	echo "$header"
	for n in $lab_sizes; do
		modes=$lab_modes
		[ "$n" -gt 1 ] || modes=single
		for mode in $modes; do
			if ! LAB_PREFIX=iwbs$$ lab_up >"$work/lab.log" 2>&1; then
				echo "bench_scrape: lab_up failed: $(tail -n 3 "$work/lab.log")" >&2
				continue
			fi
			case $mode in
			single) label="1 (real charon)" ;;
			child) label="$n (real charon, CHILD SAs under 1 IKE SA)" ;;
			ike) label="$n (real charon, $n IKE SAs)" ;;
			esac
			if [ "$mode" = single ] ||
				LAB_VERBOSE=1 LAB_SCALE_MODE=$mode lab_scale $((n - 1)) >"$work/scale.log" 2>&1; then
				[ "$mode" = single ] ||
					setup_notes+="lab_scale $((n - 1)) ($mode): $(cat "$LAB_DIR/scale_ms") ms after lab_up $(cat "$LAB_DIR/up_ms") ms, $(awk '/re-initiating/ {s += $4} END {print s + 0}' "$work/scale.log") re-initiated; "
				row=$(measure "$label" "$(lab_vici_path A)" "$runs") &&
					{ echo "$row"; lab_table+=$'\n'"$row"; }
			else
				echo "bench_scrape: lab_scale $((n - 1)) ($mode) failed: $(tail -n 2 "$work/scale.log")" >&2
			fi
			lab_down >/dev/null 2>&1
		done
	done
	[ -z "$fake_largest" ] || lab_table+=$'\n'"$fake_largest"
	[ -z "$setup_notes" ] || echo "Set-up: ${setup_notes%; }."
fi

if [ -n "$outfile" ]; then
	{
		echo
		echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load $(cut -d' ' -f1-3 /proc/loadavg), ikewatch $(git -C "$top" rev-parse --short HEAD), build $(basename "$build")."
		if [ -n "$lab_table" ]; then
			echo
			echo "Real charon (lab), and fakevici's largest size:"
			echo
			echo "$lab_table"
			[ -z "$setup_notes" ] || { echo; echo "Set-up: ${setup_notes%; }."; }
		fi
		echo
		echo "fakevici (synthetic floor: answers from prepared bytes):"
		echo
		echo "$fake_table"
	} >>"$outfile"
fi
