#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# soak_healthy.sh - the shipped alert rules, unscaled, against a healthy lab for a long while:
# nothing may page or open a ticket for the tunnel that works. Not part of scripts/test.sh (it
# takes SOAK_MINUTES, 30 by default); its figures go into docs/doctor.md and closing notes.
#
#   both gateways run `ikewatch serve` (in their own namespaces) with STAMP and ICMP probes
#   through the tunnel to the other side's LAN address and a reflector; CHILD SAs rekey every
#   SOAK_CHILD_REKEY s (60) and IKE SAs every SOAK_IKE_REKEY s (180), as configured on A;
#   Prometheus scrapes both every 15 s and evaluates mixin/rules/*.yaml as shipped; Alertmanager
#   runs mixin/alertmanager/ikewatch.example.yml, pointed at a local webhook.
#
# Prints one line per notification and a summary; exits 1 if any alert about connection a-b
# (the working tunnel) reached the webhook or was firing at the end. Connection a-c (the lab's
# "configured but down" connection, whose peer does not exist) is expected to page and is only
# counted. Needs root; run from the repository: bench/soak_healthy.sh
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
. tests/integration/serve_lib.sh
t_require_root
: "${IKEWATCH:=$PWD/build/ikewatch}"
minutes=${SOAK_MINUTES:-30}
W=$(mktemp -d /tmp/iw-soak.XXXXXX)
t_cleanup rm -rf "$W"

. tests/lab/lab.sh
LAB_REKEY=${SOAK_CHILD_REKEY:-60} LAB_IKE_REKEY=${SOAK_IKE_REKEY:-180} lab_up ||
	t_bail "lab_up failed"
t_cleanup lab_down

# ---- both ends: a reflector and serve with probes towards the other LAN --------------------
start_end() { # start_end NS VICI SOURCE TARGET -> prints the serve URL
	local ns=$1 vici=$2 src=$3 dst=$4 rport
	rport=$(free_port)
	cat >"$W/$ns.yml" <<YAML
probes:
  - {target: $dst, source: $src, interval: 1s, window: 15s, timeout: 2s}
  - {target: $dst, source: $src, module: icmp, interval: 1s, window: 15s, timeout: 2s}
reflector:
  listen: 0.0.0.0:862
YAML
	serve_start_in "$ns" "$vici" --config "$W/$ns.yml" ||
		t_bail "serve in $ns did not start: $(tail -n 3 "$SERVE_LOG")"
}
start_end "${LAB_PREFIX}a" "$(lab_vici_path A)" 203.0.113.1 203.0.113.129
A_ADDR=${SERVE_URL#http://}
A_URL=$SERVE_URL
start_end "${LAB_PREFIX}b" "$(lab_vici_path B)" 203.0.113.129 203.0.113.1
B_ADDR=${SERVE_URL#http://}
B_URL=$SERVE_URL

# ---- webhook, Alertmanager, Prometheus: as shipped --------------------------------------------
. tests/integration/prom_lib.sh
prom_hook_start "$W"
prom_am_start "$W" "$HOOK_URL"
cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - $PWD/mixin/rules/ikewatch-alerts.yaml
  - $PWD/mixin/rules/ikewatch-recording.yaml
alerting:
  alertmanagers:
  - static_configs:
    - targets: ['$AM_ADDR']
scrape_configs:
- job_name: ikewatch
  static_configs:
  - targets: ['$A_ADDR', '$B_ADDR']
EOF
prom_start "$W" prom "$W/prometheus.yml"
PROM=$PROM_URL
prom_ready "$PROM" 20

# ---- soak ---------------------------------------------------------------------------------
echo "# soak: $minutes min, CHILD rekey ${SOAK_CHILD_REKEY:-60} s, IKE rekey ${SOAK_IKE_REKEY:-180} s, scrape 15 s" >&2
end=$(($(date +%s) + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do sleep 30; done

count() { # count URL 'series' -> value
	# 0 when absent: a breakdown series exists only from its first event (docs/metrics.md)
	curl -fsS "$1/metrics" | awk -v s="$2" 'index($0, s " ") == 1 { v = $2 } END { print v + 0 }'
}
crk_a=$(count "$A_URL" 'ipsec_child_sa_events_total{conn="a-b",child="net",event="rekeyed"}')
crk_b=$(count "$B_URL" 'ipsec_child_sa_events_total{conn="a-b",child="net",event="rekeyed"}')
irk_a=$(count "$A_URL" 'ipsec_ike_sa_events_total{conn="a-b",event="rekeyed"}')
irk_b=$(count "$B_URL" 'ipsec_ike_sa_events_total{conn="a-b",event="rekeyed"}')

# notifications and alerts, by connection
python3 - "$HOOK_FILE" >"$W/notified.txt" <<'EOF'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    for a in json.loads(line).get("alerts", []):
        if a["status"] == "firing":
            l = a["labels"]
            key = (l["alertname"], l.get("instance", "-"), l.get("conn", "-"))
            if key not in seen:
                seen.add(key)
                # the labels that say which SA and why, and when it started
                extra = " ".join("%s=%s" % (k, l[k]) for k in ("child", "reason", "transform", "exchange") if k in l)
                print(*key, extra, "since", a.get("startsAt", "?"), "-", a.get("annotations", {}).get("summary", ""))
EOF
curl -fsS "$PROM/api/v1/alerts" | python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    l = a["labels"]
    print(a["state"], l["alertname"], l.get("instance", "-"), l.get("conn", "-"))' >"$W/alerts.txt"

echo "rekeys of a-b/net seen: A $crk_a, B $crk_b; IKE rekeys: A $irk_a, B $irk_b"
echo "notified (alertname instance conn):"
sed 's/^/  /' "$W/notified.txt"
echo "pending or firing at the end:"
sed 's/^/  /' "$W/alerts.txt"
bad=$( (awk '$3 != "a-c"' "$W/notified.txt"; grep '^firing' "$W/alerts.txt" | grep -v ' a-c$') |
	grep -c .)
if [ "$bad" -gt 0 ]; then
	echo "not ok - soak: $bad alert(s) about the working tunnel"
	exit 1
fi
echo "ok - soak: $minutes min healthy, no alert about a-b"
