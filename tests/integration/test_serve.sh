#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# `ikewatch serve` against the real two-gateway lab: the metrics say what swanctl says (states,
# SPIs, byte and packet counters), a configured-but-down connection reads 0, the exposition is
# valid for promtool, a rekey keeps counters monotonic without duplicate series, a killed peer is
# seen down after DPD, and a restarted charon is picked up again without restarting serve.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
. "$T_TOP/tests/lab/lab.sh"
# a reauthentication far away: scheduled, so its time is exported, and never reached in the test
LAB_IKE_REAUTH=7200 lab_up || t_bail "lab_up failed"
t_cleanup lab_down

serve_start "$(lab_vici_path A)" || t_bail "serve did not start: $(tail -3 "$SERVE_LOG")"

t_eventually 5 ready curl -fsS "$SERVE_URL/-/ready"
t_check content_type sh -c "curl -fsSI '$SERVE_URL/metrics' | grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8'"
t_check landing_page sh -c "curl -fsS '$SERVE_URL/' | grep -q 'a-b'"

out=$(scrape)
t_check promtool_check_metrics sh -c "printf '%s\n' \"\$1\" | promtool check metrics" _ "$out"
t_check ipsec_up metric_is 'ipsec_up' 1
# serve fetches no URL: libcurl (and libcrypto, Kerberos, LDAP behind it) stays unloaded
t_check no_libcurl_mapped sh -c "! grep -E 'libcurl|libcrypto|libkrb5' /proc/$SERVE_PID/maps"
t_check ike_up metric_is 'ipsec_ike_sa_up{conn="a-b"}' 1
t_check child_up metric_is 'ipsec_child_sa_up{conn="a-b",child="net"}' 1
t_check configured_but_down_ike metric_is 'ipsec_ike_sa_up{conn="a-c"}' 0
t_check configured_but_down_child metric_is 'ipsec_child_sa_up{conn="a-c",child="c-net"}' 0
t_check state_established metric_is 'ipsec_ike_sa_state{conn="a-b",state="ESTABLISHED"}' 1
# reauth_time 7200 s (rand_time 0 is for rekeys only: charon schedules it up to 10 % earlier)
reauth_in() {
	local at
	at=$(scrape | sed -n 's/^ipsec_ike_sa_reauth_timestamp_seconds{conn="a-b"} //p')
	[ -n "$at" ] && awk -v at="$at" -v now="$(date +%s)" 'BEGIN { d = at - now; exit !(d > 6400 && d <= 7200) }'
}
t_check reauth_scheduled reauth_in
t_check daemon_info sh -c "curl -fsS '$SERVE_URL/metrics' | grep -q '^ipsec_daemon_info{daemon=\"strongswan\",implementation=\"strongswan\",version=\"5\.'"

# SPIs: the ones swanctl shows for the INSTALLED CHILD SA are in ipsec_child_sa_info, and no
# other family carries them.
sas=$(lab_swanctl A --list-sas)
spi_in=$(printf '%s\n' "$sas" | awk '/INSTALLED/ {f=1} f && $1 == "in" {sub(",", "", $2); print $2; exit}')
spi_out=$(printf '%s\n' "$sas" | awk '/INSTALLED/ {f=1} f && $1 == "out" {sub(",", "", $2); print $2; exit}')
out=$(scrape)
t_check spis_in_info sh -c "printf '%s\n' \"\$1\" | grep -q '^ipsec_child_sa_info{.*spi_in=\"$spi_in\",spi_out=\"$spi_out\"'" _ "$out"
t_check spis_only_in_info sh -c "! printf '%s\n' \"\$1\" | grep -v '^#' | grep -v '^ipsec_child_sa_info{' | grep -q '$spi_in'" _ "$out"

# Traffic: after pings, the counters equal what swanctl reports for the same SA.
lab_ping_through 5 >/dev/null || t_fail ping "no reply through the tunnel"
for dir in in out; do
	for what in bytes packets; do
		want=$(lab_child_counter A "$dir" "$what")
		got=$(metric "ipsec_child_sa_${what}_${dir}_total{conn=\"a-b\",child=\"net\"}")
		if [ -n "$want" ] && [ "$want" = "$got" ] && [ "$want" -gt 0 ]; then
			t_ok "counter_${what}_${dir}_matches_swanctl"
		else
			t_fail "counter_${what}_${dir}_matches_swanctl" "swanctl $want, metric $got"
		fi
	done
done

# A rekey: counters never go backwards and no series is duplicated, also while the old CHILD
# SA is still listed as DELETED.
before=$(metric 'ipsec_child_sa_bytes_out_total{conn="a-b",child="net"}')
lab_rekey_child A >/dev/null
lab_ping_through 2 >/dev/null
mono=1 dups=""
for _ in $(seq 8); do
	out=$(scrape)
	now=$(printf '%s\n' "$out" | awk 'index($0, "ipsec_child_sa_bytes_out_total{conn=\"a-b\",child=\"net\"} ") == 1 {print $2}')
	[ -n "$now" ] && [ "$now" -ge "$before" ] || mono=0
	before=${now:-$before}
	d=$(printf '%s\n' "$out" | grep -v '^#' | awk '{print $1}' | sort | uniq -d)
	[ -n "$d" ] && dups="$d"
	sleep 1
done
[ "$mono" = 1 ] && t_ok rekey_counters_monotonic || t_fail rekey_counters_monotonic "bytes_out went down"
[ -z "$dups" ] && t_ok rekey_no_duplicate_series || t_fail rekey_no_duplicate_series "$dups"
t_check rekey_counters_include_old_sa sh -c "[ \$(printf '%s' '$before') -ge \$(( $(lab_child_counter A out bytes) + 1 )) ]"
t_check after_rekey_promtool sh -c "curl -fsS '$SERVE_URL/metrics' | promtool check metrics"

# textfile mode: the same metrics, written atomically for node_exporter.
tf=$(mktemp -d)
t_cleanup rm -rf "$tf"
t_check textfile_once "$IKEWATCH" textfile --output "$tf/ikewatch.prom" --vici.socket "$(lab_vici_path A)"
t_check textfile_content grep -q '^ipsec_child_sa_up{conn="a-b",child="net"} 1$' "$tf/ikewatch.prom"
t_check textfile_promtool sh -c "promtool check metrics < '$tf/ikewatch.prom'"
t_check textfile_no_temp_left sh -c "[ \$(ls '$tf' | wc -l) = 1 ]"
timeout -s TERM 4 "$IKEWATCH" textfile --interval 1s -o "$tf/loop.prom" --vici.socket "$(lab_vici_path A)" 2>/dev/null
# the event counters' per-connection totals are there before any event (their breakdown by
# event only from its first one)
t_check textfile_interval_has_events grep -q '^ipsec_conn_ike_sa_events_total{conn="a-b"} ' "$tf/loop.prom"
rm -f "$tf/loop.prom"
t_check textfile_charon_missing sh -c "'$IKEWATCH' textfile -o '$tf/down.prom' --vici.socket '$tf/nope.vici' 2>/dev/null && grep -q '^ipsec_up 0$' '$tf/down.prom'"

# The peer dies without a word: DPD (fast in the lab, ~8-10 s) takes the SA down.
lab_kill_gateway B >/dev/null
t_eventually 40 peer_killed_ike_down metric_is 'ipsec_ike_sa_up{conn="a-b"}' 0
t_check peer_killed_child_down metric_is 'ipsec_child_sa_up{conn="a-b",child="net"}' 0
t_check peer_killed_still_configured metric_is 'ipsec_ike_sas{conn="a-b"}' 0
lab_start_gateway B >/dev/null
t_eventually 30 peer_back_ike_up metric_is 'ipsec_ike_sa_up{conn="a-b"}' 1

# charon on A restarts: serve reconnects by itself.
connects=$(metric 'ikewatch_vici_connects_total')
lab_restart_charon A >/dev/null
t_eventually 30 charon_restart_picked_up sh -c "[ \"\$(curl -fsS '$SERVE_URL/metrics' | awk '\$1 == \"ipsec_up\" {print \$2}')\" = 1 ] && [ \"\$(curl -fsS '$SERVE_URL/metrics' | awk '\$1 == \"ikewatch_vici_connects_total\" {print \$2}')\" -gt $connects ]"
t_check serve_survived kill -0 "$SERVE_PID"
t_check grep_reconnect_log grep -q 'vici: connected to' "$SERVE_LOG"

if serve_stop && [ "$SERVE_RC" = 0 ]; then
	t_ok clean_exit_no_sanitizer_report
else
	t_fail clean_exit_no_sanitizer_report "rc $SERVE_RC: $(grep -m1 -E 'Sanitizer|runtime error' "$SERVE_LOG")"
fi
t_done
