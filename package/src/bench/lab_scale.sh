#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# lab_scale.sh - how long the lab's real charon takes to hold N tunnels (tests/lab/lab.sh
# lab_scale), as N CHILD SAs under one IKE SA ("child") or as N IKE SAs with one CHILD SA each
# ("ike"), and a check that every one of them is really there.
#
# Why: bench/bench_scrape.sh -l measures scrapes against a real charon at 100 and 1,000 SAs; this
# script shows which way of building them is faster and more reliable on this machine, and what
# the set-up costs, so the scrape benchmark can choose and stay within a few minutes.
#
# Usage: bench/lab_scale.sh [-s "100 1000"] [-m "child ike"] [-r REPEATS] [-o FILE]
#   -s  tunnel counts (default "100 1000")
#   -m  modes (default "child ike")
#   -r  repeats per mode and count (default 1)
#   -o  also append the markdown table to FILE
# Needs root (network namespaces). Prints a markdown table: set-up time of lab_scale (addresses,
# loading, negotiation until every CHILD SA is INSTALLED on both gateways), CHILD SAs re-initiated
# because the first attempt failed, and what A holds afterwards: INSTALLED CHILD SAs (swanctl),
# IKE SAs (swanctl --stats), routes in table 220, and the size of one list-sas answer.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sizes="100 1000"
modes="child ike"
repeats=1
outfile=
while getopts 's:m:r:o:' o; do
	case $o in
	s) sizes=$OPTARG ;;
	m) modes=$OPTARG ;;
	r) repeats=$OPTARG ;;
	o) outfile=$OPTARG ;;
	*) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "lab_scale.sh: needs root (network namespaces)" >&2; exit 1; }

# shellcheck source=../tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
work=$(mktemp -d /tmp/iw-lab-scale.XXXXXX)
cleanup() {
	lab_down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

header='| mode | N | lab_up s | lab_scale s | re-initiated | A: INSTALLED CHILD SAs | A: IKE SAs | A: routes in table 220 | list-sas --raw bytes |
|---|---|---|---|---|---|---|---|---|'
table=$header
echo "$header"
for mode in $modes; do
	for n in $sizes; do
		for ((rep = 0; rep < repeats; rep++)); do
			if ! LAB_PREFIX=iwls$$ lab_up >"$work/up.log" 2>&1; then
				echo "lab_scale.sh: lab_up failed: $(tail -n 3 "$work/up.log")" >&2
				exit 1
			fi
			up_ms=$(cat "$LAB_DIR/up_ms")
			if ! LAB_VERBOSE=1 LAB_SCALE_MODE=$mode lab_scale "$n" 2>"$work/scale.log"; then
				echo "lab_scale.sh: lab_scale $n ($mode) failed: $(tail -n 2 "$work/scale.log")" >&2
				row="| $mode | $n | $(awk -v m="$up_ms" 'BEGIN {printf "%.2f", m / 1000}') | failed | | | | | |"
			else
				scale_ms=$(cat "$LAB_DIR/scale_ms")
				reinit=$(awk '/re-initiating/ {s += $4} END {print s + 0}' "$work/scale.log")
				installed=$(lab_swanctl A --list-sas --noblock 2>/dev/null |
					grep -Ec '^  [a-z0-9-]+: #[0-9]+, reqid [0-9]+, INSTALLED')
				ikes=$(lab_swanctl A --stats 2>/dev/null | awk '/^IKE_SAs:/ {print $2}')
				routes=$(lab_exec A ip route show table 220 | wc -l)
				bytes=$(lab_swanctl A --list-sas --noblock --raw 2>/dev/null | wc -c)
				row=$(awk -v m="$mode" -v n="$n" -v u="$up_ms" -v s="$scale_ms" -v r="$reinit" \
					-v i="$installed" -v k="$ikes" -v t="$routes" -v b="$bytes" 'BEGIN {
					printf "| %s | %d | %.2f | %.2f | %d | %d | %d | %d | %d |", m, n,
						u / 1000, s / 1000, r, i, k, t, b }')
			fi
			echo "$row"
			table+=$'\n'"$row"
			lab_down >/dev/null 2>&1
		done
	done
done

if [ -n "$outfile" ]; then
	{
		echo
		echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), strongSwan $(swanctl --version 2>/dev/null | awk '{print $NF}' | head -n 1)."
		echo
		echo "$table"
	} >>"$outfile"
fi
