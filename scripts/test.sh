#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Run every test ikewatch has, as root on Debian 12, from a clean clone:
#   1. install the Debian packages it needs (scripts/deps.sh)
#   2. build twice: release-style, and with ASan/UBSan (the tests run against the ASan build)
#   3. unit tests and the replay of every fuzz seed corpus (meson test, ASan build)
#   4. source checks (scripts/checksrc)
#   5. a short run of every libFuzzer target (clang), FUZZ_SECONDS each
#   6. integration tests with real charon, Prometheus and Alertmanager (tests/integration/run.sh)
#   7. the Prometheus mixin checks (scripts/check-mixin.sh)
# Each check prints "ok - NAME" or "not ok - NAME: why"; the last line counts them:
#   N passed, N failed
# Environment: FUZZ_SECONDS (default 10), SKIP_INTEGRATION=1, SKIP_FUZZ=1, BUILD_ROOT (default
# ./build-test), TEST_FILTER (a regex on integration test file names).
set -u
cd "$(dirname "$0")/.."
top=$PWD
BUILD_ROOT=${BUILD_ROOT:-$top/build-test}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

say() { echo "$*" | tee -a "$results"; }
step() { echo "== $*" >&2; }

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
	# a test binary that crashed or failed without printing a "not ok" line still counts
	while read -r line; do
		say "not ok - meson: $line (see $BUILD_ROOT/asan/meson-logs/testlog.txt)"
	done < <(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' "$BUILD_ROOT/meson-test.out" |
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

step "fuzzers (${FUZZ_SECONDS}s each)"
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	fuzzdir=$BUILD_ROOT/fuzz
	if CC=clang build "$fuzzdir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link; then
		for f in "$fuzzdir"/fuzz/fuzz_*; do
			# the executables only, not meson's object directories (fuzz_x.p)
			[ -f "$f" ] && [ -x "$f" ] || continue
			name=$(basename "$f")
			corpus=$top/fuzz/corpus/${name#fuzz_}
			work=$(mktemp -d)
			cp -r "$corpus/." "$work/" 2>/dev/null
			if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
				-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
				say "ok - fuzz/$name: $(grep -oE 'Done [0-9]+ runs' "$work.log" | head -1)"
			else
				say "not ok - fuzz/$name: crash, see $work.log"
				continue
			fi
			rm -rf "$work" "$work.log"
		done
	else
		say "not ok - fuzz/build: clang build failed"
	fi
fi

step "integration tests"
if [ "${SKIP_INTEGRATION:-0}" != 1 ] && [ "$asan_ok" = 1 ]; then
	IKEWATCH=$BUILD_ROOT/asan/ikewatch BUILD_DIR=$BUILD_ROOT/asan \
		tests/integration/run.sh 2>&1 | tee "$BUILD_ROOT/integration.out" |
		grep -E '^(not )?ok - ' | tee -a "$results"
fi

step "mixin"
if [ -x scripts/check-mixin.sh ]; then
	scripts/check-mixin.sh 2>&1 | grep -E '^(not )?ok - ' | tee -a "$results"
fi

passed=$(grep -cE '^ok - ' "$results")
failed=$(grep -cE '^not ok - ' "$results")
echo
grep -E '^not ok - ' "$results" || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
