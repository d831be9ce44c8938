#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_busy_sas.sh - no false "down" at scale (issue 12 item 8). `list-sas` with noblock=yes skips
# an IKE SA that another thread of charon holds at that moment. With 1,000 real IKE SAs and DPD
# every 5 s, serve from the main branch read at least one established SA as ipsec_ike_sa_up 0 in
# 3 and in 10 of 100 scrapes (two runs). serve now asks again for such SAs by unique id: over 100
# scrapes no scale connection may read down, and every one must read up each time. Then one
# connection really goes away (terminated on A): it must read 0 at the next scrape.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

n=999 # plus a-b: 1,000 IKE SAs
t_cleanup lab_down
lab_up || t_bail "lab_up failed"
LAB_SCALE_MODE=ike LAB_SCALE_DPD=5s LAB_SCALE_TIMEOUT=500 lab_scale "$n" ||
	t_bail "lab_scale $n failed"
sleep 6 # every SA has run its first DPD

serve_start_in "${LAB_PREFIX}a" "$(lab_vici_path A)" --events.stream false \
	--events.log-source none || t_bail "serve did not start: $(tail -n 2 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"

scrapes=100 flapped=0 short=0
for ((i = 1; i <= scrapes; i++)); do
	m=$(scrape) || { short=$((short + 1)); continue; }
	down=$(grep -cE '^ipsec_ike_sa_up\{conn="scale[0-9]+"\} 0$' <<<"$m")
	up=$(grep -cE '^ipsec_ike_sa_up\{conn="scale[0-9]+"\} 1$' <<<"$m")
	[ "$down" -eq 0 ] || flapped=$((flapped + 1))
	[ "$up" -eq "$n" ] || short=$((short + 1))
	sleep 0.3
done
relisted=$(awk '$1 == "ikewatch_ike_sas_relisted_total" { print $2 }' <<<"$m")
echo "# $scrapes scrapes of $n IKE SAs with DPD every 5 s: $flapped with a connection down," \
	"$short without all $n up; $relisted busy SAs found by asking again" >&2
t_check no-busy-sa-reads-down test "$flapped" -eq 0
t_check every-scrape-all-up test "$short" -eq 0

lab_swanctl A --terminate --ike scale7 --timeout 10 >/dev/null 2>&1
t_check gone-sa-reads-down metric_is 'ipsec_ike_sa_up{conn="scale7"}' 0
serve_stop
t_check serve-clean-exit test "$SERVE_RC" = 0
t_done
