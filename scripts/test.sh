#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Run every test ikewatch has, as root on Debian 12, from a clean clone:
#   1. install the Debian packages it needs (scripts/deps.sh)
#   2. build twice: release-style, and with ASan/UBSan (the tests run against the ASan build)
#   3. unit tests and the replay of every fuzz seed corpus (meson test, ASan build)
#   4. source checks (scripts/checksrc)
#   5. a short run of every libFuzzer target (clang), FUZZ_SECONDS each, at nice 19 beside
#   6. integration tests with real charon, Prometheus and Alertmanager (tests/integration/run.sh)
#   7. every metric serve and heal emitted during step 6 against docs/metrics.md, both ways
#      (tests/metrics_docs.py over the scrapes kept in $BUILD_ROOT/metrics-seen)
#   8. the Prometheus mixin checks (scripts/check-mixin.sh)
# Each check prints "ok - NAME", "not ok - NAME: why" or "skip - NAME: KEY[: detail]"; the last
# line counts them:
#   N passed, N skipped, N failed
# A skip is not a pass: it must name a reason of tests/skip_reasons.sh that this run's
# configuration makes true (not root, SKIP_INTEGRATION=1, ...), else it counts as failed, as does
# an "ok - ... # SKIP" line or a unit test that meson reports skipped. The run succeeds when
# nothing failed and something passed.
# Environment: FUZZ_SECONDS (default 15), SKIP_INTEGRATION=1, SKIP_FUZZ=1, BUILD_ROOT (default
# ./build-test), TEST_FILTER (words: only the integration tests whose file name contains one).
set -u
cd "$(dirname "$0")/.."
top=$PWD
BUILD_ROOT=${BUILD_ROOT:-$top/build-test}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
. tests/skip_reasons.sh

say() { echo "$*" | tee -a "$results"; }
step() { echo "== $*" >&2; }
# collect NAME LOG cmd...: run cmd (output kept in LOG), count its result lines; a cmd that fails
# without printing a "not ok" line (a crash, a missing tool) is one "not ok" line itself.
collect() {
	local name=$1 log=$2 rc
	shift 2
	# result lines show as they come (the integration tests take minutes)
	"$@" 2>&1 | tee "$log" | grep --line-buffered -E '^((not )?ok|skip) - ' | tee -a "$results"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! grep -qE '^not ok - ' "$log"; then
		say "not ok - $name: exit $rc without a failed check: $(tail -n 1 "$log" | cut -c1-200)"
	fi
}
# skip NAME KEY DETAIL: a skip line if KEY holds for this run (tests/skip_reasons.sh), else not ok
skip() {
	if skip_reason_holds "$2"; then
		say "skip - $1: $2: $3"
	else
		say "not ok - $1: skipped for \"$2\", which this run's configuration does not make true"
	fi
}

step "dependencies"
if ! scripts/deps.sh; then
	say "not ok - setup/deps: scripts/deps.sh failed"
fi

build() { # build DIR [meson options...]
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; return 1; }
	else
		meson configure "$dir" "$@" >/dev/null 2>&1 || true
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log" >&2; return 1; }
}

step "build (release, asan)"
mkdir -p "$BUILD_ROOT"
if build "$BUILD_ROOT/release" -Dbuildtype=release; then
	say "ok - build/release"
else
	say "not ok - build/release: see the compiler output above"
fi
if build "$BUILD_ROOT/asan" -Db_sanitize=address,undefined -Db_lundef=false; then
	say "ok - build/asan"
	asan_ok=1
else
	say "not ok - build/asan: see the compiler output above"
	asan_ok=0
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step "unit tests and fuzz corpora (asan)"
if [ "$asan_ok" = 1 ]; then
	meson test -C "$BUILD_ROOT/asan" --print-errorlogs >"$BUILD_ROOT/meson-test.out" 2>&1
	# each case line, from every test's own output
	grep -hE '^(not )?ok - ' "$BUILD_ROOT/asan/meson-logs/testlog.txt" | tee -a "$results"
	# a test binary that crashed or failed without printing a "not ok" line still counts, and so
	# does one that meson reports skipped (exit 77): the unit tests have no reason to skip
	while read -r line; do
		say "not ok - meson: $line (see $BUILD_ROOT/asan/meson-logs/testlog.txt)"
	done < <(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR|SKIP) ' "$BUILD_ROOT/meson-test.out" |
		sed -E 's/ +/ /g')
	# fuzz corpus replays print no case lines: count them by meson's verdict
	grep -E '^ *[0-9]+/[0-9]+ .*fuzz-corpus-[^ ]+ +OK ' "$BUILD_ROOT/meson-test.out" |
		sed -E 's/.*(fuzz-corpus-[^ ]+).*/ok - \1/' | tee -a "$results"
fi

step "source checks"
if out=$(scripts/checksrc 2>&1); then
	say "ok - checksrc"
else
	say "not ok - checksrc: $(echo "$out" | head -5 | tr '\n' ' ')"
fi

# fuzz_one TARGET: run one libFuzzer target over a copy of its seed corpus for FUZZ_SECONDS;
# print its result line (a crash keeps the copy and the log for a look)
fuzz_one() {
	local f=$1 name corpus work
	name=$(basename "$f")
	corpus=$top/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	cp -r "$corpus/." "$work/" 2>/dev/null
	if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		echo "ok - fuzz/$name: $(grep -oE 'Done [0-9]+ runs' "$work.log" | head -1)"
		rm -rf "$work" "$work.log"
	else
		echo "not ok - fuzz/$name: crash, see $work.log"
	fi
}

# fuzz_all: build the libFuzzer targets with clang and run each one; their result lines on
# stdout, the compiler's complaints on stderr
fuzz_all() {
	local fuzzdir=$BUILD_ROOT/fuzz jobs_max f
	if ! CC=clang build "$fuzzdir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link; then
		echo "not ok - fuzz/build: clang build failed (see $BUILD_ROOT/fuzz.err)"
		return
	fi
	# one target per CPU at a time; each fuzzer is single-threaded
	jobs_max=$(nproc 2>/dev/null || echo 1)
	for f in "$fuzzdir"/fuzz/fuzz_*; do
		# the executables only, not meson's object directories (fuzz_x.p)
		[ -f "$f" ] && [ -x "$f" ] || continue
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
		fuzz_one "$f" >"$f.result" &
	done
	wait
	for f in "$fuzzdir"/fuzz/fuzz_*.result; do
		[ -f "$f" ] || continue
		cat "$f"
		rm -f "$f"
	done
}

# The fuzzers run beside the integration tests, at the lowest priority: those mostly wait on
# real time (rekeys, alert windows), and the CPUs they leave idle build and run the fuzzers,
# about 200 s of CI time when it ran alone. The tests took as long as before (1,381 s against
# 1,376-1,414), and a fuzzer made 0.7x the runs in its seconds (median; 0.4-1.4x), hence 15 s
# each rather than 10: the step still ends 18 minutes before the tests. Nice 19, not
# SCHED_IDLE: a fuzzer starved outright for its -timeout by a busy test would report a false
# hang.
fuzz_pid=
if [ "${SKIP_FUZZ:-0}" = 1 ]; then
	skip fuzz SKIP_FUZZ "no libFuzzer run"
else
	step "fuzzers (${FUZZ_SECONDS}s each), at nice 19 beside the integration tests"
	(renice -n 19 -p "$BASHPID" >/dev/null && fuzz_all) \
		>"$BUILD_ROOT/fuzz.results" 2>"$BUILD_ROOT/fuzz.err" &
	fuzz_pid=$!
fi

step "integration tests"
seen=$BUILD_ROOT/metrics-seen
if [ "${SKIP_INTEGRATION:-0}" = 1 ]; then
	skip integration SKIP_INTEGRATION "no integration test ran"
	skip metrics-docs SKIP_INTEGRATION "no scrape to compare with docs/metrics.md"
elif [ "$asan_ok" != 1 ]; then
	say "not ok - integration: not run, the ASan build failed"
else
	rm -rf "$seen"
	mkdir -p "$seen"
	# shellcheck disable=SC2086 # TEST_FILTER is a list of words
	IKEWATCH=$BUILD_ROOT/asan/ikewatch BUILD_DIR=$BUILD_ROOT/asan METRICS_SEEN_DIR=$seen \
		collect integration "$BUILD_ROOT/integration.out" tests/integration/run.sh ${TEST_FILTER:-}
	step "metrics: emitted (during the integration tests) vs docs/metrics.md"
	if [ -n "${TEST_FILTER:-}" ]; then
		skip metrics-docs TEST_FILTER "a documented metric may be emitted only by a test not run"
	else
		if python3 -B -m doctest tests/metrics_docs.py >"$BUILD_ROOT/metrics-docs.out" 2>&1; then
			say "ok - metrics-docs/selftest"
		else
			say "not ok - metrics-docs/selftest: $(grep -m1 -E '^(File|Failed)' "$BUILD_ROOT/metrics-docs.out")"
		fi
		collect metrics-docs "$BUILD_ROOT/metrics-docs.out" \
			python3 tests/metrics_docs.py check docs/metrics.md "$seen"
	fi
fi

if [ -n "$fuzz_pid" ]; then
	step "fuzzers: results"
	wait "$fuzz_pid"
	grep -q 'fuzz/build' "$BUILD_ROOT/fuzz.results" && tail -n 50 "$BUILD_ROOT/fuzz.err" >&2
	while IFS= read -r line; do say "$line"; done <"$BUILD_ROOT/fuzz.results"
	# no line at all: the background job died before it could write one
	[ -s "$BUILD_ROOT/fuzz.results" ] || say "not ok - fuzz: no result (see $BUILD_ROOT/fuzz.err)"
fi

step "mixin"
collect mixin "$BUILD_ROOT/check-mixin.out" scripts/check-mixin.sh

# A skip counts only with a reason tests/skip_reasons.sh knows; "ok - ... # SKIP" (TAP's way of
# writing a skip as a pass) is a failure.
tally=$(mktemp)
while IFS= read -r line; do
	case $line in
	"ok - "*"# SKIP"* | "ok - "*"# skip"*)
		echo "not ok - ${line#ok - } (a skip written as ok: use a reason of tests/skip_reasons.sh)" ;;
	"skip - "*)
		key=$(sed -nE 's/^skip - [^:]*: ([A-Za-z0-9_-]+)(:.*)?$/\1/p' <<<"$line")
		rc=2
		[ -n "$key" ] && { skip_reason_holds "$key" >/dev/null 2>&1; rc=$?; }
		if [ "$rc" -ne 2 ]; then echo "$line"; else
			echo "not ok - ${line#skip - } (a skip without a reason of tests/skip_reasons.sh)"
		fi ;;
	*) echo "$line" ;;
	esac
done <"$results" >"$tally"
mv "$tally" "$results"
passed=$(grep -cE '^ok - ' "$results")
skipped=$(grep -cE '^skip - ' "$results")
failed=$(grep -cE '^not ok - ' "$results")
echo
grep -E '^(not ok|skip) - ' "$results" || true
echo "$passed passed, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
