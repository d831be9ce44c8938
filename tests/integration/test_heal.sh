#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_heal.sh - `ikewatch heal` against the lab (tests/lab/lab.sh):
#  - the webhook refuses requests without the right bearer token (401) and takes a valid one;
#  - heal.listen takes ":PORT" and "localhost:PORT" as serve's --web.listen-address does;
#  - dry run: a CHILD SA deleted by the peer stays down, the audit log says "dry_run";
#  - a data plane broken while IKE stays up (the peer deleted the CHILD SA) is healed by
#    "initiate", and probes through the tunnel pass again;
#  - a fault that persists (ESP dropped, alert firing) climbs bundle -> rekey -> IKE re-initiate
#    -> restart command, then stops; the backoff between rungs is measured; a second episode
#    within restart_interval gets no second restart;
#  - heal's metrics show the actions and the ladder state.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-heal.XXXXXX)
t_cleanup rm -rf "$work"
A=203.0.113.1
B=203.0.113.129
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
printf 's3cret-token-0123456789\n' >"$work/token"
mkdir -p "$work/bundles"

ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen "$B:862" >"$work/refl.out" 2>&1 &
t_cleanup kill $!

write_config() { # dry_run
	cat >"$work/heal.yml" <<YML
vici:
  socket: $(lab_vici_path A)
heal:
  listen: 127.0.0.1:$PORT
  token_file: $work/token
  allowlist: [a-b]
  dry_run: $1
  check_interval: 500ms
  confirm_checks: 2
  backoff_initial: 1s
  backoff_max: 4s
  restart_interval: 15m
  alert_ttl: 10m
  restart_command: [/usr/bin/touch, $work/restarted]
  audit_log: $work/audit.jsonl
  bundle_dir: $work/bundles
YML
}
heal_pid=
start_heal() {
	"$IKEWATCH" heal --config "$work/heal.yml" --log-file "$(lab_log_path A)" "$@" \
		>>"$work/heal.out" 2>&1 &
	heal_pid=$!
	t_cleanup kill "$heal_pid"
	for _ in $(seq 50); do curl -sf "$URL/-/healthy" >/dev/null && return 0; sleep 0.1; done
	return 1
}
stop_heal() { kill "$heal_pid" 2>/dev/null; wait "$heal_pid" 2>/dev/null; }
post() { # token body
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		${1:+-H "Authorization: Bearer $1"} --data "$2" "$URL/webhook"
}
alert() { # firing|resolved
	printf '{"version":"4","status":"%s","alerts":[{"status":"%s","labels":{"alertname":"IPsecTunnelOneWay","conn":"a-b","child":"net"}}]}' "$1" "$1"
}
child_up_a() { lab_swanctl A --list-sas --ike a-b | grep -q 'net: .*INSTALLED'; }
kill_child_from_b() { lab_swanctl B --terminate --child net >/dev/null 2>&1; }
count() { grep -c "$1" "$work/audit.jsonl" 2>/dev/null || true; }

# 1. Dry run + webhook authentication.
write_config true
start_heal || t_bail "heal did not start: $(tail -n 3 "$work/heal.out")"
[ "$(post '' "$(alert firing)")" = 401 ] && t_ok "webhook-no-token-refused" ||
	t_fail "webhook-no-token-refused" "not 401"
[ "$(post wrong "$(alert firing)")" = 401 ] && t_ok "webhook-wrong-token-refused" ||
	t_fail "webhook-wrong-token-refused" "not 401"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")
[ "$code" = 401 ] && t_ok "metrics-need-auth" || t_fail "metrics-need-auth" "$code"
[ "$(post s3cret-token-0123456789 '{"alerts":')" = 400 ] && t_ok "webhook-bad-body-400" ||
	t_fail "webhook-bad-body-400" "not 400"
kill_child_from_b
sleep 4
if ! child_up_a && [ "$(count '"result":"dry_run"')" -ge 1 ] && [ ! -e "$work/restarted" ]; then
	t_ok "dry-run-changes-nothing"
else
	t_fail "dry-run-changes-nothing" "child up? $(child_up_a && echo yes); $(tail -n 1 "$work/audit.jsonl")"
fi
stop_heal
: >"$work/audit.jsonl"

# 1b. heal.listen takes the forms `serve` takes (one parser): every address, a host name.
for form in all-addresses:":$PORT" localhost:"localhost:$PORT"; do
	sed "s|^  listen: .*|  listen: ${form#*:}|" "$work/heal.yml" >"$work/heal-listen.yml"
	"$IKEWATCH" heal --config "$work/heal-listen.yml" >"$work/heal-listen.out" 2>&1 &
	listen_pid=$!
	t_cleanup kill "$listen_pid"
	up=
	for _ in $(seq 50); do curl -sf "$URL/-/healthy" >/dev/null && up=1 && break; sleep 0.1; done
	kill "$listen_pid" 2>/dev/null
	wait "$listen_pid" 2>/dev/null
	[ -n "$up" ] && t_ok "listen-${form%%:*}" ||
		t_fail "listen-${form%%:*}" "$(tail -n 2 "$work/heal-listen.out")"
done

# 2. Real mode: the missing CHILD SA is initiated again, probes pass.
write_config false
start_heal || t_bail "heal did not start"
t_eventually 15 "child-sa-healed" child_up_a
t_eventually 5 "probes-pass-after-heal" \
	ip netns exec "${LAB_PREFIX}a" "$IKEWATCH" ping -q -c 3 -i 0.2 -W 1 -I "$A" "$B"
grep -q '"action":"initiate_child","result":"ok"' "$work/audit.jsonl" &&
	t_ok "audit-initiate-ok" || t_fail "audit-initiate-ok" "$(tail -n 2 "$work/audit.jsonl")"
t_eventually 5 "recovered-audited" grep -q '"event":"recovered"' "$work/audit.jsonl"

# 3. A persisting fault climbs and stops.
: >"$work/audit.jsonl"
lab_drop_esp A out || t_bail "lab_drop_esp"
[ "$(post s3cret-token-0123456789 "$(alert firing)")" = 200 ] && t_ok "webhook-accepted" ||
	t_fail "webhook-accepted" "not 200"
t_eventually 30 "ladder-exhausted" grep -q '"event":"exhausted"' "$work/audit.jsonl"
actions=$(python3 - "$work/audit.jsonl" <<'PY'
import json, sys, datetime
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(e["action"] for e in ev if e["event"] == "action"))
PY
)
if [ "$actions" = "bundle rekey_child reinit_ike restart" ] && [ -e "$work/restarted" ] &&
	ls "$work/bundles"/heal-a-b-*.json >/dev/null 2>&1; then
	t_ok "ladder-order"
else
	t_fail "ladder-order" "got '$actions'"
fi
# the backoff: gaps between the rungs (check interval 0.5 s) from heal's own log times
grep -o '"next_wait_ms":[0-9]*' "$work/audit.jsonl" | tr '\n' ' ' >&2; echo >&2
n0=$(count '"event":"action"')
sleep 5
[ "$(count '"event":"action"')" = "$n0" ] && t_ok "stops-when-exhausted" ||
	t_fail "stops-when-exhausted" "more actions after exhaustion"
metrics=$(curl -s -H "Authorization: Bearer s3cret-token-0123456789" "$URL/metrics")
if printf '%s' "$metrics" | grep -q 'ikewatch_heal_actions_total{conn="a-b",action="restart",result="ok"} 1' &&
	printf '%s' "$metrics" | grep -q 'ikewatch_heal_ladder_state{conn="a-b",state="exhausted"} 1'; then
	t_ok "metrics"
else
	t_fail "metrics" "$(printf '%s' "$metrics" | grep heal_actions | head -n 3)"
fi
# the exposition format as serve chooses it: OpenMetrics when asked (ends with # EOF), text
# by default
om_type=$(curl -s -o "$work/om" -w '%{content_type}' -H "Authorization: Bearer s3cret-token-0123456789" \
	-H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5' "$URL/metrics")
if [ "${om_type%%;*}" = application/openmetrics-text ] && [ "$(tail -n 1 "$work/om")" = "# EOF" ] &&
	grep -q '^ikewatch_heal_actions_total{conn="a-b",action="restart",result="ok"} 1' "$work/om"; then
	t_ok "metrics-openmetrics"
else
	t_fail "metrics-openmetrics" "content type '$om_type', last line '$(tail -n 1 "$work/om")'"
fi

# 4. Second episode within restart_interval: climbs again but gets no second restart.
lab_undrop_esp
[ "$(post s3cret-token-0123456789 "$(alert resolved)")" = 200 ] || t_fail "resolve" "not 200"
t_eventually 10 "recovered-after-resolve" sh -c "grep -c '\"event\":\"recovered\"' '$work/audit.jsonl' | grep -q 1"
rm -f "$work/restarted"
[ "$(post s3cret-token-0123456789 "$(alert firing)")" = 200 ] || t_fail "refire" "not 200"
sleep 12
restarts=$(count '"action":"restart"')
if [ "$restarts" = 1 ] && [ ! -e "$work/restarted" ]; then
	t_ok "restart-limit"
else
	t_fail "restart-limit" "$restarts restarts"
fi
stop_heal
t_done
