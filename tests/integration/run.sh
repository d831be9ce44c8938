#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh - run every tests/integration/test_*.sh, each in its own process with a timeout, and
# print their "ok"/"not ok"/"skip" lines.
#
# Why: integration scripts start daemons and namespaces; one that hangs or is killed must not
# hang the run, hide its failure, or leave a lab behind. A script that ends without printing any
# result line, exits non-zero without a "not ok" line, or times out, becomes a "not ok" line here.
# Each script gets its own output directory (T_OUT, where serve_lib.sh keeps serve's log) and
# LAB_ROOT; after it ends, every lab still recorded there is taken down
# (tests/lab/lab.sh lab_down), so even a SIGKILLed script leaves nothing running.
#
# Usage: tests/integration/run.sh [-t SECONDS] [-k] [FILTER...]
#   -t SECONDS   per-script timeout (default 600, env T_TIMEOUT)
#   -k           keep each script's output directory (default: removed when the script passed)
#   FILTER       only scripts whose name contains one of these words
# Env: IKEWATCH=path/to/ikewatch (passed to the scripts); METRICS_SEEN_DIR (passed on: where
# the scripts' scrapes of serve and heal are kept, see lib.sh); INTEG_ROOT (default /tmp): where
# the work directory iw-integ.XXXXXX (each script's output and labs) is made.
# Exit status: 0 if no line is "not ok", 1 otherwise. A skip ("skip - NAME: KEY", lib.sh t_skip)
# is counted apart, never as ok; a script may exit 77 only after printing one (t_require_root).

top=$(cd "$(dirname "$0")/../.." && pwd)
timeout_s=${T_TIMEOUT:-600}
keep=0
while getopts 't:k' o; do
	case $o in
	t) timeout_s=$OPTARG ;;
	k) keep=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

: "${IKEWATCH:=$top/build/ikewatch}"
export IKEWATCH
failed=0 total=0 skipped=0
work=$(mktemp -d "${INTEG_ROOT:-/tmp}/iw-integ.XXXXXX") || exit 1

for t in "$top"/tests/integration/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for f in "$@"; do case "$name" in *"$f"*) match=1 ;; esac; done
		[ $match = 1 ] || continue
	fi
	short=${name#test_}
	out="$work/$name"
	mkdir -p "$out/labs"
	start=$(date +%s)
	# setsid: the script and everything it starts form one group that a timeout can kill.
	T_OUT="$out" LAB_ROOT="$out/labs" timeout -k 10 "$timeout_s" setsid bash "$t" >"$out/stdout" 2>"$out/stderr" </dev/null
	rc=$?
	dur=$(($(date +%s) - start))
	# Take down any lab the script left (killed, timed out, or forgot).
	for d in "$out"/labs/*/; do
		[ -f "$d/created" ] || continue
		LAB_DIR=${d%/} bash -c '. "$1"; lab_down' _ "$top/tests/lab/lab.sh"
	done
	if [ ! -f "$out/stdout" ]; then
		echo "not ok - integration/$short/output: $out vanished while the script ran (removed by another process?)"
		failed=$((failed + 1)); total=$((total + 1))
		continue
	fi
	grep -E '^((not )?ok|skip) - ' "$out/stdout"
	oks=$(grep -cE '^ok - ' "$out/stdout")
	noks=$(grep -cE '^not ok - ' "$out/stdout")
	skips=$(grep -cE '^skip - ' "$out/stdout")
	total=$((total + oks + noks + skips))
	skipped=$((skipped + skips))
	if [ "$noks" -gt 0 ]; then
		failed=$((failed + noks))
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - integration/$short/timeout: killed after ${timeout_s}s"
		failed=$((failed + 1)); total=$((total + 1))
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$noks" -eq 0 ]; then
		echo "not ok - integration/$short/exit: exit status $rc without a failed check: $(tail -n 1 "$out/stderr" | cut -c1-200)"
		failed=$((failed + 1)); total=$((total + 1))
	elif [ "$rc" -eq 77 ] && [ "$skips" -eq 0 ]; then
		echo "not ok - integration/$short/exit: exit 77 (skipped) without a skip line naming its reason"
		failed=$((failed + 1)); total=$((total + 1))
	elif [ "$oks" -eq 0 ] && [ "$noks" -eq 0 ] && [ "$skips" -eq 0 ]; then
		echo "not ok - integration/$short/output: no result line (exit $rc): $(tail -n 1 "$out/stderr" | cut -c1-200)"
		failed=$((failed + 1)); total=$((total + 1))
	fi
	echo "# $name: exit $rc in ${dur}s; output in $out" >&2
	if [ $keep = 0 ] && [ "$rc" -eq 0 ] && [ "$noks" -eq 0 ]; then
		rm -rf "$out"
	fi
done

echo "# integration: $((total - failed - skipped)) ok, $skipped skipped, $failed failed"
rmdir "$work" 2>/dev/null
[ "$failed" -eq 0 ]
