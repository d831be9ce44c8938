#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_busy_sas.sh - no false "down" at scale (issue 12 item 8). `list-sas` with noblock=yes skips
# an IKE SA that another thread of charon holds at that moment. With 1,000 real IKE SAs and DPD
# every 5 s, serve from the main branch read at least one established SA as ipsec_ike_sa_up 0 in
# 3 and in 10 of 100 scrapes (two runs). serve now asks again, by name, for each connection that
# lost every IKE SA since the last read: over 100 scrapes no scale connection may read down, and
# every one must read up each time. A first read has no last read to compare with and waits for
# busy SAs instead: 60 one-shot `textfile` runs, each a first read, must all read every SA up
# (CI once caught a serve whose first scrape read one down). Then one connection really goes away
# (terminated on A): it must read 0 at the next scrape.
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

# "none": 0 else the message, so that a failed check tells what it saw
none() { [ "$1" -eq 0 ] || { echo "$2"; return 1; }; }

scrapes=100 flapped=0 short=0 failed=0 seen=""
for ((i = 1; i <= scrapes; i++)); do
	m=$(scrape) || { failed=$((failed + 1)); continue; }
	down=$(grep -oE '^ipsec_ike_sa_up\{conn="scale[0-9]+"\} 0$' <<<"$m" | grep -oE 'scale[0-9]+')
	up=$(grep -cE '^ipsec_ike_sa_up\{conn="scale[0-9]+"\} 1$' <<<"$m")
	[ -z "$down" ] || { flapped=$((flapped + 1)) seen="$seen scrape $i: ${down//$'\n'/ };"; }
	[ "$up" -eq "$n" ] || short=$((short + 1))
	sleep 0.3
done
relisted=$(awk '$1 == "ikewatch_ike_sas_relisted_total" { print $2 }' <<<"$m")
echo "# $scrapes scrapes of $n IKE SAs with DPD every 5 s: $flapped with a connection down," \
	"$short without all $n up, $failed failed; $relisted busy SAs found by asking again" >&2
t_check no-busy-sa-reads-down none "$flapped" "$flapped of $scrapes scrapes read down:$seen"
t_check every-scrape-all-up none $((short + failed)) \
	"$short of $scrapes scrapes without all $n up, $failed failed"

tf=$(mktemp -d "${T_OUT:-/tmp}/busy-first.XXXXXX")
t_cleanup rm -rf "$tf"
runs=60 first_down=0 seen=""
for ((i = 1; i <= runs; i++)); do
	"$IKEWATCH" textfile --output "$tf/one.prom" --vici.socket "$(lab_vici_path A)" \
		--log.level error 2>>"$tf/stderr" || { first_down=$((first_down + 1)); continue; }
	up=$(grep -cE '^ipsec_ike_sa_up\{conn="scale[0-9]+"\} 1$' "$tf/one.prom")
	[ "$up" -eq "$n" ] || { first_down=$((first_down + 1)) seen="$seen run $i: $up up;"; }
done
echo "# $runs first reads (textfile once): $first_down without all $n up" >&2
t_check first-read-all-up none "$first_down" "$first_down of $runs first reads:$seen $(tail -n 1 "$tf/stderr")"

lab_swanctl A --terminate --ike scale7 --timeout 10 >/dev/null 2>&1
t_check gone-sa-reads-down metric_is 'ipsec_ike_sa_up{conn="scale7"}' 0
serve_stop
t_check serve-clean-exit test "$SERVE_RC" = 0
t_done
