#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# lib.sh - tiny TAP-like helpers for ikewatch's bash integration tests.
#
# Why: integration tests run real daemons (charon, Prometheus, ikewatch) and must report each
# check on one line that the same counter as the unit tests understands, and must clean up after
# themselves even when they fail or are interrupted.
#
# Source it first thing in tests/integration/test_<x>.sh:
#   . "$(dirname "$0")/lib.sh"
#   t_require_root
#   . "$T_TOP/tests/lab/lab.sh"; lab_up || t_bail "lab_up"; t_cleanup lab_down
#
#   t_ok NAME                      print "ok - integration/<file>/NAME"
#   t_fail NAME WHY                print "not ok - integration/<file>/NAME: WHY" (returns 1)
#   t_check NAME cmd...            run cmd; ok if it exits 0, else not ok with its exit code and
#                                  the last line of its output (the command itself when it printed
#                                  nothing, so that a failed `test` shows the values it compared)
#   t_eventually SECONDS NAME cmd...   poll cmd every T_POLL (0.2) s until it succeeds or
#                                  SECONDS pass; one ok/not ok line; prints the time it took
#                                  to stderr when T_VERBOSE=1; exports T_ELAPSED_MS
#   t_cleanup cmd...               register cmd to run at exit (last registered runs first);
#                                  runs on normal exit, error, SIGINT, SIGTERM and SIGHUP
#   t_require_root                 exit 77 with "skip - .../all: not-root" when not root
#   t_skip NAME KEY [DETAIL]       print "skip - integration/<file>/NAME: KEY: DETAIL" if KEY is a
#                                  reason of tests/skip_reasons.sh that this run's configuration
#                                  makes true; otherwise a "not ok" line (a skip nothing
#                                  explains is a failure). A skip is never counted as a pass.
#   t_bail WHY                     print "not ok - integration/<file>/setup: WHY" and exit 1
#   t_done                         exit 0 if no check failed, else 1 (call at the end)
#
# Variables: T_FILE (test file name without test_ and .sh), T_TOP (repository root),
# T_FAILED (count of failed checks), IKEWATCH (binary under test; default $T_TOP/build/ikewatch).
#
# Teardown is the harness's job, never a test case: register it with t_cleanup (run.sh also
# takes down any lab a script leaves behind).
#
# With METRICS_SEEN_DIR set (scripts/test.sh sets it), tests/integration/shim/ comes first on
# PATH: its curl keeps the shape of every /metrics body of serve or heal that a test fetches,
# for the metrics-vs-docs check (tests/metrics_docs.py) that runs after all the tests.

T_FILE=$(basename "${0%.sh}")
T_FILE=${T_FILE#test_}
T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_FAILED=0
T_POLL=${T_POLL:-0.2}
: "${IKEWATCH:=$T_TOP/build/ikewatch}"
export IKEWATCH
_t_cleanups=()
# shellcheck source=../skip_reasons.sh
. "$T_TOP/tests/skip_reasons.sh"
if [ -n "${METRICS_SEEN_DIR:-}" ]; then
	mkdir -p "$METRICS_SEEN_DIR"
	export METRICS_SEEN_DIR PATH="$T_TOP/tests/integration/shim:$PATH"
fi

_t_oneline() { tr '\n\t' '  ' | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-300; }

t_ok() { printf 'ok - integration/%s/%s\n' "$T_FILE" "$1"; return 0; }

t_fail() {
	local why
	why=$(printf '%s' "${2:-failed}" | _t_oneline)
	printf 'not ok - integration/%s/%s: %s\n' "$T_FILE" "$1" "$why"
	T_FAILED=$((T_FAILED + 1))
	return 1
}

t_skip() {
	local name=$1 key=${2:-} detail=${3:-} rc
	skip_reason_holds "$key"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		printf 'skip - integration/%s/%s: %s%s\n' "$T_FILE" "$name" "$key" \
			"${detail:+: $(printf '%s' "$detail" | _t_oneline)}"
		return 0
	fi
	if [ "$rc" -eq 2 ]; then
		t_fail "$name" "skipped for \"$key\", not a reason in tests/skip_reasons.sh${detail:+ ($detail)}"
	else
		t_fail "$name" "skipped for \"$key\", which this run's configuration does not make true${detail:+ ($detail)}"
	fi
}

t_check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		t_ok "$name"
	else
		# a command that failed silently (test, grep -q) is its own reason: the values it compared
		[ -n "$out" ] || out="$*"
		t_fail "$name" "exit $rc: $(printf '%s' "$out" | tail -n 1)"
	fi
}

_t_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

t_eventually() {
	local secs=$1 name=$2 start deadline out rc
	shift 2
	start=$(_t_ms)
	deadline=$((start + secs * 1000))
	while :; do
		out=$("$@" 2>&1)
		rc=$?
		if [ "$rc" -eq 0 ]; then
			T_ELAPSED_MS=$(($(_t_ms) - start))
			export T_ELAPSED_MS
			[ "${T_VERBOSE:-0}" = 1 ] && echo "# $name took ${T_ELAPSED_MS} ms" >&2
			t_ok "$name"
			return 0
		fi
		[ "$(_t_ms)" -lt "$deadline" ] || break
		sleep "$T_POLL"
	done
	T_ELAPSED_MS=$(($(_t_ms) - start))
	export T_ELAPSED_MS
	t_fail "$name" "not true after ${secs}s (exit $rc: $(printf '%s' "$out" | tail -n 1))"
}

# Cleanups run once, newest first, whatever way the script ends.
_t_run_cleanups() {
	local i
	trap - EXIT INT TERM HUP
	for ((i = ${#_t_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_t_cleanups[$i]}" >/dev/null 2>&1 </dev/null || true
	done
	_t_cleanups=()
}
t_cleanup() {
	local q
	printf -v q '%q ' "$@"
	_t_cleanups+=("$q")
}
trap '_t_run_cleanups' EXIT
trap '_t_run_cleanups; exit 130' INT
trap '_t_run_cleanups; exit 143' TERM
trap '_t_run_cleanups; exit 129' HUP

t_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		t_skip all not-root "needs root (network namespaces)"
		exit 77
	fi
}

t_bail() {
	printf 'not ok - integration/%s/setup: %s\n' "$T_FILE" "$(printf '%s' "${1:-setup failed}" | _t_oneline)"
	exit 1
}

t_done() { [ "$T_FAILED" -eq 0 ]; exit $?; }
