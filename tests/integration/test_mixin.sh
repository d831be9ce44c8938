#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_mixin.sh - the ikewatch mixin end to end, on real faults.
#
# Why: promtool's unit tests (mixin/tests/) prove the rules against invented series; this test
# proves them against what `ikewatch serve` really exports from a real charon. It runs Debian's
# Prometheus and Alertmanager on loopback with the mixin loaded (every duration / 10 through
# `mixin/build.sh --for-scale 0.1`), scrapes ikewatch on gateway A of the lab every 2 s, and
# sends notifications to a webhook receiver (a python3 http.server on 127.0.0.1 that appends
# each POST to a file). Then:
#   1. a healthy lab with short lifetimes and several rekeys raises no alert at all
#      (the lab's "a-c" connection is configured but deliberately never up: it must raise
#      IPsecIKESADown and nothing else, which also proves the path to the webhook);
#   2. ESP dropped one way while IKE stays up  -> IPsecTunnelOneWay + IPsecChildSADegraded
#   3. random loss                             -> IPsecProbeLossHigh
#   4. MTU black hole                          -> IPsecPathMTUBlackhole
#   5. PSK mismatch                            -> IPsecIKESADown + IPsecAuthFailures
#   6. peer killed                             -> IPsecIKESADown + IPsecDPDTimeouts
#   7. charon on A killed                      -> IPsecDaemonDown
#   8. ikewatch killed                         -> IPsecExporterDown
# Each expected alert must fire in Prometheus and reach the webhook through Alertmanager. Every
# check runs: if serve stops exporting a series an alert needs, that alert's check fails.
# After each fault, serve is scraped once more (through `scrape`), so that the series the fault
# brings out are among those tests/metrics_docs.py compares with docs/metrics.md.
#
# Needs root (namespaces), strongSwan (see tests/lab/lab.sh), prometheus, prometheus-alertmanager,
# python3, curl (all in scripts/deps.sh: a missing one fails the test). Takes about 4 minutes. Traffic stays on 127.0.0.1 and inside the lab's
# namespaces; every daemon is stopped by its own PID.

. "$(dirname "$0")/lib.sh"
t_require_root
. "$T_TOP/tests/integration/serve_lib.sh"
. "$T_TOP/tests/lab/lab.sh"

for tool in prometheus prometheus-alertmanager python3 curl nft; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		t_bail "$tool not installed (scripts/deps.sh)"
	fi
done
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"

W=$(mktemp -d /tmp/iw-mixin.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$W"

note() { printf '# %s\n' "$*" >&2; }

# ---- The lab: short lifetimes so the healthy phase sees several rekeys --------------------
# CHILD every 25 s and IKE every 45 s: with the scaled rules (IPsecFrequentRekeys: more than 3
# in 1m) this is a busy but healthy tunnel.
export LAB_REKEY=${LAB_REKEY:-25} LAB_IKE_REKEY=${LAB_IKE_REKEY:-45}
lab_up || t_bail "lab_up"
t_cleanup lab_down

# The lab authenticates with PSKs; a certificate loaded into charon A as well gives serve a
# ipsec_cert_not_after_timestamp_seconds series (and the dashboard's certificate panel data).
# Valid for a year: far from IPsecCertExpiringSoon's thresholds, so the healthy phase stays quiet.
# RSA: the lab's charon parses keys with gmp, which has no ECDSA. swanctl exits 0 even when a
# file fails to load, so its output says whether the certificate went in.
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=ikewatch mixin test" \
	-keyout "$W/cert.key" -out "$LAB_DIR/a/swanctl/x509/mixin-test.pem" >"$W/openssl.log" 2>&1 ||
	t_bail "openssl: $(tail -n 1 "$W/openssl.log")"
lab_swanctl A --load-creds --file "$LAB_DIR/a/swanctl/swanctl.conf" >"$W/load-creds.log" 2>&1
grep -q "^loaded certificate .*mixin-test.pem" "$W/load-creds.log" ||
	t_bail "swanctl --load-creds: $(grep -m1 mixin-test "$W/load-creds.log")"

# serve runs in gateway A's namespace, with probes through the tunnel (ICMP, and a path-MTU
# search) so that the probe-based alerts see real data-plane faults.
cat >"$W/ikewatch.yml" <<YAML
exporter:
  cert_interval: 2s
probes:
  - target: 203.0.113.129
    module: icmp
    source: 203.0.113.1
    interval: 250ms
    mtu:
      enabled: true
      min: 576
      max: 1400
      interval: 10s
YAML
serve_start_in "${LAB_PREFIX}a" "$(lab_vici_path A)" --config "$W/ikewatch.yml" ||
	t_bail "ikewatch serve did not start: $(tail -n 3 "$SERVE_LOG")"
SERVE_ADDR=${SERVE_URL#http://}

# Traffic through the tunnel all along, as users would have (and what makes a one-way
# fault visible in the counters).
ip netns exec "${LAB_PREFIX}a" ping -n -q -i 0.2 -W 1 -I 203.0.113.1 203.0.113.129 \
	>/dev/null 2>&1 &
PING_PID=$!
t_cleanup kill "$PING_PID"

# ---- The mixin, scaled for the lab ------------------------------------------------------------
"$T_TOP/mixin/build.sh" --out "$W/rules" --for-scale 0.1 >"$W/build.log" 2>&1 ||
	t_bail "mixin/build.sh: $(cat "$W/build.log")"

# ---- Webhook receiver, Alertmanager (the mixin's example, fast timers), Prometheus -----------
. "$T_TOP/tests/integration/prom_lib.sh"
prom_hook_start "$W"
prom_am_start "$W" "$HOOK_URL" 's/group_wait: .*/group_wait: 1s/' \
	's/group_interval: .*/group_interval: 2s/' 's/repeat_interval: .*/repeat_interval: 1h/'
cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
  scrape_timeout: 1s
  evaluation_interval: 2s
rule_files:
  - $W/rules/ikewatch-alerts.yaml
  - $W/rules/ikewatch-recording.yaml
alerting:
  alertmanagers:
  - static_configs:
    - targets: ['$AM_ADDR']
scrape_configs:
- job_name: ikewatch
  static_configs:
  - targets: ['$SERVE_ADDR']
EOF
prom_start "$W" prom "$W/prometheus.yml"
PROM=$PROM_URL

ready() { curl -fsS "$1" >/dev/null 2>&1; }
t_eventually 15 setup/alertmanager-ready ready "http://$AM_ADDR/-/ready" ||
	t_bail "alertmanager: $(tail -n 3 "$W/alertmanager.log")"
t_eventually 15 setup/prometheus-ready ready "$PROM/-/ready" ||
	t_bail "prometheus: $(tail -n 3 "$W/prom.log")"

# ---- Helpers ----------------------------------------------------------------------------------
# The value of an instant query (first sample), empty if none.
prom_value() {
	curl -fsS --data-urlencode "query=$1" "$PROM/api/v1/query" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}

# Firing alerts in Prometheus, one "alertname conn" line each (conn "-" if none).
firing() {
	curl -fsS "$PROM/api/v1/alerts" 2>/dev/null | python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    if a["state"] == "firing":
        l = a["labels"]
        print(l["alertname"], l.get("conn", "-"))'
}
alert_firing() { firing | grep -qx "$1 $2"; }
alert_quiet() { ! firing | grep -qx "$1 $2"; }

# True if a webhook POST after line $3 of the file carries alert $1 for conn $2, firing.
webhook_has() {
	tail -n +"$(($3 + 1))" "$HOOK_FILE" | python3 -c '
import json, sys
name, conn = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    for a in json.loads(line).get("alerts", []):
        l = a["labels"]
        if a["status"] == "firing" and l["alertname"] == name and l.get("conn", "-") == conn:
            sys.exit(0)
sys.exit(1)' "$1" "$2"
}
hook_lines() { wc -l <"$HOOK_FILE"; }

# expect FAULT ALERT CONN SECONDS MARK: the alert fires in Prometheus and reaches the webhook.
# serve is scraped once when it fires (while it still runs), to keep that state's series.
expect() {
	local fault=$1 alert=$2 conn=$3 secs=$4 mark=$5
	if t_eventually "$secs" "$fault/$alert-fires" alert_firing "$alert" "$conn"; then
		note "$fault: $alert firing after ${T_ELAPSED_MS} ms"
		kill -0 "$SERVE_PID" 2>/dev/null && scrape >/dev/null 2>&1
		t_eventually 20 "$fault/$alert-webhook" webhook_has "$alert" "$conn" "$mark"
	else
		t_fail "$fault/$alert-webhook" "never fired; firing now: $(firing | tr '\n' ',')"
	fi
}

t_eventually 20 setup/scraped eval '[ "$(prom_value "up{job=\"ikewatch\"}")" = 1 ]'
t_eventually 10 setup/cert-exported eval \
	'scrape | grep -q "^ipsec_cert_not_after_timestamp_seconds{subject=\"CN=ikewatch mixin test\""'

# ---- 1. Healthy lab: several rekeys, no alert -----------------------------------------------
HEALTHY_S=${HEALTHY_S:-80}
mark=$(hook_lines)
: >"$W/healthy-alerts"
end=$(($(date +%s) + HEALTHY_S))
while [ "$(date +%s)" -lt "$end" ]; do
	firing | grep -v ' a-c$' >>"$W/healthy-alerts"
	sleep 2
done
child_rekeys=$(prom_value "changes(ipsec_child_sa_installed_timestamp_seconds{job=\"ikewatch\",conn=\"a-b\",child=\"net\"}[${HEALTHY_S}s])")
ike_rekeys=$(prom_value "changes(ipsec_ike_sa_established_timestamp_seconds{job=\"ikewatch\",conn=\"a-b\"}[${HEALTHY_S}s])")
note "healthy phase: ${HEALTHY_S}s, CHILD SA replaced ${child_rekeys:-?} times, IKE SA ${ike_rekeys:-?} times"
if [ "${child_rekeys:-0}" -ge 2 ] 2>/dev/null; then
	t_ok "healthy/several-rekeys"
else
	t_fail "healthy/several-rekeys" "CHILD SA replaced ${child_rekeys:-0} times, IKE ${ike_rekeys:-0}"
fi
if [ -s "$W/healthy-alerts" ]; then
	t_fail "healthy/no-alert" "fired: $(sort -u "$W/healthy-alerts" | tr '\n' ',')"
else
	t_ok "healthy/no-alert"
fi
if tail -n +"$((mark + 1))" "$HOOK_FILE" | grep -v '"conn":"a-c"' | grep -q '"status":"firing"'; then
	t_fail "healthy/no-notification" "$(tail -n 1 "$HOOK_FILE" | cut -c1-200)"
else
	t_ok "healthy/no-notification"
fi
# The lab's a-c is loaded but its peer does not exist: configured but down.
t_eventually 30 healthy/configured-but-down-fires alert_firing IPsecIKESADown a-c
t_eventually 20 healthy/configured-but-down-webhook webhook_has IPsecIKESADown a-c 0

# Every query of both dashboards evaluates on this real Prometheus (template variables set to
# "all", mixin/dashboard_live.py): none fails, the labels their data links read are there, and
# the per-gateway one shows data. Those that read series this lab does not make (pools, a
# second gateway) come back empty and are listed.
dash_queries() {
	python3 -B "$T_TOP/mixin/dashboard_live.py" -q --rate-interval 20s "$PROM" \
		"$T_TOP"/mixin/dashboards/*.json >"$W/dashboard.txt" 2>&1 ||
		{ grep '^error' "$W/dashboard.txt" | head -n 3; return 1; }
	grep -q '^# ikewatch.json: [0-9]* queries, [1-9]' "$W/dashboard.txt" ||
		{ echo "no query of ikewatch.json returned data"; return 1; }
}
t_check healthy/dashboard-queries dash_queries
[ -f "$W/dashboard.txt" ] && note "$(cat "$W/dashboard.txt")"

# ---- 2. Data plane broken one way, IKE up ---------------------------------------------------
mark=$(hook_lines)
lab_drop_esp B out || t_fail one-way/inject "lab_drop_esp"
expect one-way IPsecTunnelOneWay a-b 90 "$mark"
expect one-way IPsecChildSADegraded a-b 60 "$mark"
t_check one-way/ike-still-up eval '[ "$(metric "ipsec_ike_sa_up{conn=\"a-b\"}")" = 1 ]'
lab_undrop_esp
t_eventually 90 one-way/resolves alert_quiet IPsecTunnelOneWay a-b
# The one-way fault also made the probes lose everything, so IPsecProbeLossHigh fired too (held
# back in Alertmanager by IPsecChildSADegraded: one fault, one page). The next fault starts only
# once every alert of the tunnel has resolved, or "fires" and "reaches the webhook" below would
# be about this fault, not the next one.
t_eventually 90 one-way/degraded-resolves alert_quiet IPsecChildSADegraded a-b
t_eventually 120 one-way/all-quiet eval '! firing | grep -q " a-b$"'

# ---- 3./4. Random loss and MTU black hole (probe-based) -------------------------------------
mark=$(hook_lines)
lab_loss 20 || t_fail loss/inject "lab_loss"
expect loss IPsecProbeLossHigh a-b 90 "$mark"
lab_heal_net
mark=$(hook_lines)
lab_mtu_blackhole 1200 || t_fail mtu/inject "lab_mtu_blackhole"
expect mtu IPsecPathMTUBlackhole a-b 90 "$mark"
lab_heal_net

# ---- 5. PSK mismatch ---------------------------------------------------------------------------
mark=$(hook_lines)
lab_psk_mismatch B || t_fail psk/inject "initiate with a mismatched PSK did not fail"
expect psk IPsecIKESADown a-b 60 "$mark"
expect psk IPsecAuthFailures a-b 30 "$mark"
lab_reset_config B || t_fail psk/heal "lab_reset_config B"
t_eventually 60 psk/resolves alert_quiet IPsecIKESADown a-b

# ---- 6. Peer killed ----------------------------------------------------------------------------
mark=$(hook_lines)
lab_kill_gateway B || t_fail peer-killed/inject "lab_kill_gateway B"
expect peer-killed IPsecIKESADown a-b 90 "$mark"
expect peer-killed IPsecDPDTimeouts a-b 30 "$mark"

# ---- 7. charon on A killed, 8. ikewatch killed ---------------------------------------------
mark=$(hook_lines)
lab_kill_gateway A || t_fail daemon-down/inject "lab_kill_gateway A"
expect daemon-down IPsecDaemonDown - 60 "$mark"
mark=$(hook_lines)
kill "$SERVE_PID"
expect exporter-down IPsecExporterDown - 60 "$mark"

note "work directory (removed at exit): $W"
t_done
