#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_events.sh - issue 3 end to end: each fault in the lab moves the right event counter by
# the right amount within 10 s, a healthy lab with forced rekeys raises no failure counter, and
# the log-file source counts the same faults and does not count old lines again after a restart.
#
# Two `ikewatch serve` run against gateway A: one with the defaults (VICI event stream with
# `log` events), one with `events: {stream: false, log_source: file}` following A's charon log.
# Both listen on 127.0.0.1 only.

. "$(dirname "$0")/lib.sh"
t_require_root
. "$T_TOP/tests/lab/lab.sh"
lab_up >/dev/null || t_bail "lab_up"
t_cleanup lab_down

work=$(mktemp -d /tmp/iw-events.XXXXXX)
t_cleanup rm -rf "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P1=$(free_port)
P2=$(free_port)

cat >"$work/vici.yml" <<YML
events: {}
YML
cat >"$work/file.yml" <<YML
events:
  stream: false
  log_source: file
  log_file: $(lab_log_path A)
  state_file: $work/file.state
YML

start_serve() { # name port config
	"$IKEWATCH" serve --config "$3" --vici.socket "$(lab_vici_path A)" \
		--web.listen-address "127.0.0.1:$2" >"$work/$1.log" 2>&1 &
	echo $! >"$work/$1.pid"
}
stop_serve() { # name
	local pid; pid=$(cat "$work/$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$work/$1.pid"
}
t_cleanup stop_serve vici
t_cleanup stop_serve file
start_serve vici "$P1" "$work/vici.yml"
start_serve file "$P2" "$work/file.yml"

# value PORT 'metric{labels}' -> the sample's value (0 when absent)
value() {
	curl -sf "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? 0 : v) }'
}
# wait_delta PORT METRIC BEFORE DELTA: until METRIC == BEFORE + DELTA
eq() { [ "$(value "$1" "$2")" = "$(($3 + $4))" ]; }

serving() { curl -sf "http://127.0.0.1:$1/metrics" | grep -q '^ikewatch_log_lines_total '; }
t_eventually 10 "vici-stream-up" eq "$P1" 'ikewatch_event_stream_up' 0 1
t_eventually 10 "file-serve-up" serving "$P2"

# split_ok PORT: the event families' two parts agree (docs/metrics.md, "Which series exist
# when"): no breakdown series reads 0, and per connection the breakdown of ipsec_failures_total,
# ipsec_retransmits_total and ipsec_ike_sa_events_total adds up to its ipsec_conn_*_total,
# which every connection with a breakdown has. Prints what differs.
split_ok() {
	curl -sf "http://127.0.0.1:$1/metrics" | awk '
		function conn(s) { sub(/^[^{]*\{conn="/, "", s); sub(/".*/, "", s); return s }
		/^ipsec_conn_(failures|retransmits|ike_sa_events)_total\{/ {
			f = $1; sub(/^ipsec_conn_/, "", f); sub(/\{.*/, "", f); total[f SUBSEP conn($1)] = $2 }
		/^ipsec_(failures|retransmits|ike_sa_events)_total\{/ {
			f = $1; sub(/^ipsec_/, "", f); sub(/\{.*/, "", f)
			if ($2 == 0) { print "zero series " $1; bad = 1 }
			sum[f SUBSEP conn($1)] += $2 }
		END {
			for (k in sum) if (!(k in total) || total[k] != sum[k]) {
				split(k, p, SUBSEP); print p[1] " of " p[2] ": total " total[k] ", breakdown " sum[k]; bad = 1 }
			for (k in total) if (total[k] != 0 && !(k in sum)) {
				split(k, p, SUBSEP); print p[1] " of " p[2] ": total " total[k] " without breakdown"; bad = 1 }
			exit bad }'
}
has_series() { curl -sf "http://127.0.0.1:$1/metrics" | grep -q "^$2 "; }
t_check "conn-totals-before-events/vici" has_series "$P1" 'ipsec_conn_failures_total{conn="a-b"}'
t_check "conn-totals-before-events/file" has_series "$P2" 'ipsec_conn_retransmits_total{conn="a-b"}'
t_check "split-adds-up-at-start/vici" split_ok "$P1"

fail_sum() { # port -> sum of ipsec_failures_total
	curl -sf "http://127.0.0.1:$1/metrics" | awk '/^ipsec_failures_total\{/ { s += $2 } END { print s + 0 }'
}

# A fault: snapshot, act, then expect METRIC +DELTA on both serves within 10 s.
expect() { # name metric delta action...
	local name=$1 metric=$2 delta=$3 b1 b2
	shift 3
	b1=$(value "$P1" "$metric")
	b2=$(value "$P2" "$metric")
	"$@" >/dev/null 2>&1
	t_eventually 10 "$name/vici" eq "$P1" "$metric" "$b1" "$delta"
	t_eventually 10 "$name/file" eq "$P2" "$metric" "$b2" "$delta"
}

C='conn="a-b"'
# --- healthy: forced rekeys count as rekeys, never as failures ---
f1=$(fail_sum "$P1"); f2=$(fail_sum "$P2")
expect child-rekey "ipsec_child_sa_events_total{$C,child=\"net\",event=\"rekeyed\"}" 1 lab_rekey_child A
expect ike-rekey "ipsec_ike_sa_events_total{$C,event=\"rekeyed\"}" 1 lab_rekey_ike A
sleep 2
t_check "healthy-no-failure/vici" test "$(fail_sum "$P1")" = "$f1"
t_check "healthy-no-failure/file" test "$(fail_sum "$P2")" = "$f2"

# --- configuration faults (each re-initiates a-b from A and fails) ---
expect psk "ipsec_failures_total{$C,kind=\"auth_failed\"}" 1 lab_psk_mismatch B
t_check "psk/last-error-code" test "$(value "$P1" "ipsec_ike_last_error_code{$C}")" = 24
lab_reset_config B >/dev/null 2>&1
expect proposal "ipsec_failures_total{$C,kind=\"no_proposal\"}" 1 lab_proposal_mismatch B
lab_reset_config B >/dev/null 2>&1
expect ts "ipsec_failures_total{$C,kind=\"ts_unacceptable\"}" 1 _lab_mismatch b S_REMOTE_TS_OVERRIDE 198.18.0.0/24
lab_reset_config B >/dev/null 2>&1

# --- IKE packets dropped: DPD retransmits into the void, then gives up (~8 s) ---
r1=$(value "$P1" "ipsec_retransmits_total{$C,exchange=\"informational\"}")
d1=$(value "$P1" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}")
d2=$(value "$P2" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}")
lab_drop_ike
t_eventually 10 "drop-ike/retransmits" eq "$P1" "ipsec_retransmits_total{$C,exchange=\"informational\"}" "$r1" 3
t_eventually 10 "drop-ike/dpd-timeout/vici" eq "$P1" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}" "$d1" 1
t_eventually 10 "drop-ike/dpd-timeout/file" eq "$P2" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}" "$d2" 1
lab_undrop_ike
lab_reset_config B >/dev/null 2>&1

# --- peer killed (no DELETE): DPD gives up ---
d1=$(value "$P1" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}")
d2=$(value "$P2" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}")
lab_kill_gateway B
t_eventually 15 "peer-killed/dpd-timeout/vici" eq "$P1" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}" "$d1" 1
t_eventually 10 "peer-killed/dpd-timeout/file" eq "$P2" "ipsec_failures_total{$C,kind=\"dpd_timeout\"}" "$d2" 1

# --- no double counting: a restarted file serve resumes exactly after the lines it has seen:
# a fault logged while it is down is counted once after the restart, older ones never again ---
LAB_REINITIATE=1 lab_start_gateway B >/dev/null 2>&1
stop_serve file
lab_psk_mismatch B >/dev/null 2>&1
start_serve file "$P2" "$work/file.yml"
t_eventually 10 "file-restart-up" serving "$P2"
t_eventually 10 "file-restart-counts-missed-line" eq "$P2" "ipsec_failures_total{$C,kind=\"auth_failed\"}" 0 1
sleep 1
t_check "file-restart-no-recount" test "$(fail_sum "$P2")" = 1
t_check "file-state-written" test -s "$work/file.state"
t_check "split-adds-up-at-end/vici" split_ok "$P1"
t_check "split-adds-up-at-end/file" split_ok "$P2"

t_done
