#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_alert_inhibit.sh - the inhibit rules of mixin/alertmanager/ikewatch.example.yml in a real
# Alertmanager: alerts are posted as the mixin names and labels them, and each case says which
# of them Alertmanager must suppress and which it must not (the same alert on another gateway,
# tunnel, CHILD SA or certificate). alert_inhibit.py holds the cases. No root, no lab.

# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/prom_lib.sh"

work=$(mktemp -d /tmp/iw-inhibit.XXXXXX)
t_cleanup rm -rf "$work"
prom_am_start "$work" "http://127.0.0.1:9/unused"
prom_ready "http://$AM_ADDR" 30 || t_bail "alertmanager did not start: $(tail -n 3 "$work/alertmanager.log")"

python3 "$T_TOP/tests/integration/alert_inhibit.py" "$AM_ADDR" >"$work/cases" 2>&1
judged=0
while IFS= read -r line; do
	case $line in
	"ok - "*) t_ok "${line#ok - }" ;;
	"not ok - "*)
		line=${line#not ok - }
		t_fail "${line%%: *}" "${line#*: }"
		;;
	*) continue ;;
	esac
	judged=$((judged + 1))
done <"$work/cases"
want=$(grep -c '^    ("' "$T_TOP/tests/integration/alert_inhibit.py")
t_check every-case-judged test "$judged" = "$want" || cat "$work/cases" >&2
t_done
