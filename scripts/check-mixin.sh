#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# CI check of the Prometheus mixin (mixin/): the rendered rules, and the thresholds the runbooks
# and READMEs quote (their <!-- threshold:KEY --> markers), are up to date with
# the jsonnet mixin (mixin/mixin.libsonnet, defaults in mixin/config.libsonnet), an override by
# composition reaches every rule and the dashboard, promtool accepts them (default and lab variants), the promtool unit tests
# pass, the Alertmanager example loads, the runbooks and dashboards are complete, every PromQL
# expression in the dashboards parses, every metric they read is documented (the fleet
# dashboard's are all recorded series), and every link between them names a dashboard and
# variables that exist.
# Prints one `ok - mixin/<name>` or `not ok - mixin/<name>: why` line per check and exits 1 if
# any failed (2 if a tool is missing). Needs jsonnet (Debian: jsonnet), promtool (Debian:
# prometheus), amtool (Debian: prometheus-alertmanager) and python3 (standard library only).
#
#   scripts/check-mixin.sh            # from anywhere; works on the checkout it lives in
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
mixin=$root/mixin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-mixin.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

for tool in jsonnet promtool amtool python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "not ok - mixin/tools: $tool not found"
		exit 2
	fi
done

# The checks are independent and mostly single-threaded (jsonnet, promtool): they run one per CPU
# at a time, each into its own numbered file, and their lines are printed in the order written.
jobs_max=$(nproc 2>/dev/null || echo 1)
n=0
# run NAME CMD...: one result line for one command; its output becomes the reason.
run() {
	local name=$1 id
	shift
	n=$((n + 1))
	id=$(printf '%03d' "$n")
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
	result "$name" "$@" >"$tmp/$id.line" &
}
result() {
	local name=$1 out why
	shift
	out=$(mktemp "$tmp/out.XXXXXX")
	if "$@" >"$out" 2>&1; then
		echo "ok - mixin/$name"
	else
		why=$(grep -v '^\s*$' "$out" | grep -iE 'error|fail|stale|not|unknown|exp|got' |
			head -n 3 | tr '\n' ' ' | cut -c1-400)
		[ -n "$why" ] || why=$(tail -n 3 "$out" | tr '\n' ' ' | cut -c1-400)
		echo "not ok - mixin/$name: $why"
	fi
}
# say LINE: a result line decided here, in its place among the others
say() {
	n=$((n + 1))
	printf '%s\n' "$1" >"$tmp/$(printf '%03d' "$n").line"
}

# The committed files are what mixin/build.sh renders from the jsonnet now, and the documents
# quote its thresholds.
run build-current "$mixin/build.sh" --check
# An override by composition reaches every rule and the dashboard; a bad value is refused.
run jsonnet-override jsonnet -J "$mixin" "$mixin/tests/override_test.jsonnet"
if jsonnet -J "$mixin" -e "(import 'lib/config.libsonnet').values(((import 'mixin.libsonnet')
	+ { _config+:: { cert_expiry_critical_days: 20 } })._config)" >"$tmp/bad" 2>&1; then
	say "not ok - mixin/jsonnet-refuses-bad-config: critical days above warning days accepted"
else
	run jsonnet-refuses-bad-config grep -q 'cert_expiry_critical_days must be below' "$tmp/bad"
fi

for f in "$mixin"/rules/*.yaml; do
	run "rules/$(basename "$f")" promtool check rules "$f"
done

# The short-duration variant the end-to-end test loads must be valid too.
lab_variant() {
	mkdir -p "$tmp/lab" &&
		"$mixin/build.sh" --out "$tmp/lab" --for-scale 0.1 &&
		promtool check rules "$tmp/lab/ikewatch-alerts.yaml" "$tmp/lab/ikewatch-recording.yaml"
}
run rules-lab-variant lab_variant

for f in "$mixin"/tests/*_test.yaml; do
	run "tests/$(basename "$f")" promtool test rules "$f"
done

for f in "$mixin"/alertmanager/*.yml; do
	run "alertmanager/$(basename "$f")" amtool check-config "$f"
done

run thresholds-selftest python3 -B -m doctest "$mixin/thresholds.py"
run lint-selftest python3 -B -m doctest "$mixin/lint.py"
run dashboard-live-selftest python3 -B -m doctest "$mixin/dashboard_live.py"

# Structural checks: one line each, printed by lint.py itself.
lint_rc=0
python3 -B "$mixin/lint.py" promtool >"$tmp/lint.lines" || lint_rc=1
wait
cat "$tmp"/[0-9]*.line "$tmp/lint.lines"
if [ "$lint_rc" -ne 0 ] || grep -q '^not ok - ' "$tmp"/[0-9]*.line; then
	exit 1
fi
exit 0
