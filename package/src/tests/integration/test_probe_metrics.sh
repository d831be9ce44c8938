#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_probe_metrics.sh - the exposition of a running probe set and reflector service (rendered
# by the probe_set unit test against a loopback reflector) passes `promtool check metrics`.

. "$(dirname "$0")/lib.sh"
bin=$(dirname "$IKEWATCH")/tests/unit/test_probe_set
command -v promtool >/dev/null || t_bail "promtool not installed (package prometheus, scripts/deps.sh)"
[ -x "$bin" ] || t_bail "no $bin"
out=$(mktemp /tmp/iw-probe-metrics.XXXXXX)
t_cleanup rm -f "$out"
PROBE_SET_DUMP=1 "$bin" | grep -vE '^(not )?ok - ' >"$out"
t_check "exposition-has-probe-families" grep -q '^ipsec_probe_in_tunnel{' "$out"
t_check "promtool-check-metrics" sh -c "promtool check metrics <'$out'"
t_done
