#!/bin/sh
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
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-mixin.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

for tool in jsonnet promtool amtool python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "not ok - mixin/tools: $tool not found"
		exit 2
	fi
done

# run NAME CMD...: one result line for one command; its output becomes the reason.
run() {
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok - mixin/$name"
	else
		why=$(grep -v '^\s*$' "$tmp/out" | grep -iE 'error|fail|stale|not|unknown|exp|got' |
			head -n 3 | tr '\n' ' ' | cut -c1-400)
		[ -n "$why" ] || why=$(tail -n 3 "$tmp/out" | tr '\n' ' ' | cut -c1-400)
		echo "not ok - mixin/$name: $why"
		failed=1
	fi
}

# The committed files are what mixin/build.sh renders from the jsonnet now, and the documents
# quote its thresholds.
run build-current "$mixin/build.sh" --check
# An override by composition reaches every rule and the dashboard; a bad value is refused.
run jsonnet-override jsonnet -J "$mixin" "$mixin/tests/override_test.jsonnet"
if jsonnet -J "$mixin" -e "(import 'lib/config.libsonnet').values(((import 'mixin.libsonnet')
	+ { _config+:: { cert_expiry_critical_days: 20 } })._config)" >"$tmp/bad" 2>&1; then
	echo "not ok - mixin/jsonnet-refuses-bad-config: critical days above warning days accepted"
	failed=1
else
	run jsonnet-refuses-bad-config grep -q 'cert_expiry_critical_days must be below' "$tmp/bad"
fi

for f in "$mixin"/rules/*.yaml; do
	run "rules/$(basename "$f")" promtool check rules "$f"
done

# The short-duration variant the end-to-end test loads must be valid too.
mkdir -p "$tmp/lab"
if "$mixin/build.sh" --out "$tmp/lab" --for-scale 0.1 >"$tmp/out" 2>&1; then
	run rules-lab-variant promtool check rules "$tmp/lab/ikewatch-alerts.yaml" \
		"$tmp/lab/ikewatch-recording.yaml"
else
	echo "not ok - mixin/rules-lab-variant: $(head -n 1 "$tmp/out")"
	failed=1
fi

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
python3 -B "$mixin/lint.py" promtool || failed=1

exit $failed
