#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_dashboard_fleet.sh - the fleet dashboard's queries return data on a real Prometheus.
#
# Why: scripts/check-mixin.sh proves that every expression of mixin/dashboards/*.json parses
# and names a known series; only a Prometheus that scrapes `ikewatch serve` and evaluates the
# mixin's rules shows that each panel of the fleet dashboard has something to show, that the
# labels its data links read survive its aggregations, and that it ranks the right tunnels.
#
# Three gateways, each `ikewatch serve` against its own tests/fakevici/fakevici, scraped by
# Debian's Prometheus on 127.0.0.1 as job "ikewatch" with instance gw-a, gw-b, gw-c; the mixin's
# rules loaded with every duration / 10 (mixin/build.sh --for-scale 0.1):
#   gw-a  the recorded lab gateway A: a-b up, a-c configured but down (IKEsADown fires), one
#         certificate; "CHILD_SA rekeying failed" lines appended to its charon log (log_source
#         file) every 2 s; STAMP probes to gw-b's rate-limited reflector (partial loss) and to
#         127.0.0.2, where nothing answers (every probe lost);
#   gw-b  20 synthetic tunnels (fakevici --sas 20), a reflector answering 3 probes a second,
#         scraped every second;
#   gw-c  the same 20 tunnels seen from the other end: scraped every 2 s with spi_in and spi_out
#         swapped by metric relabelling, so that the ikewatch.peers rules pair each of its CHILD
#         SAs with gw-b's. fakevici's counters grow one packet per list-sas, so gw-b sends twice
#         what gw-c receives: half of the ESP towards gw-c is "lost".
# Then mixin/dashboard_live.py runs every query of the fleet dashboard until each returns data
# (and the per-gateway dashboard, where only errors fail), on that Prometheus and on a global
# one that federates nothing but the recorded series; and a few values are checked: the worst
# tunnels are the ones made bad above.
#
# Needs prometheus (scripts/deps.sh), python3, curl; no root. About a minute. Everything listens
# on 127.0.0.1 (and probes 127.0.0.2); every process is stopped by its own PID.

. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/integration/serve_lib.sh"
. "$T_TOP/tests/integration/prom_lib.sh"

for tool in prometheus python3 curl; do
	command -v "$tool" >/dev/null 2>&1 || t_bail "$tool not installed (scripts/deps.sh)"
done
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
: "${FAKEVICI:=$(dirname "$IKEWATCH")/tests/fakevici/fakevici}"
[ -x "$FAKEVICI" ] || t_bail "no fakevici binary at $FAKEVICI (set FAKEVICI)"

W=$(mktemp -d /tmp/iw-fleetdash.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$W"
note() { printf '# %s\n' "$*" >&2; }

# ---- Fixtures: the recorded answers, with a certificate in list-certs ----------------------
mkdir "$W/fixtures"
for f in "$T_TOP"/tests/fixtures/vici/*.bin; do
	case $f in */list-certs.a.*) continue ;; esac
	ln -s "$f" "$W/fixtures/"
done
for f in "$T_TOP"/tests/fixtures/vici/list-certs.one-x509.a.*.bin; do
	b=$(basename "$f")
	ln -s "$f" "$W/fixtures/list-certs.a.${b#list-certs.one-x509.a.}"
done

# ---- Three fake charons and three serves -----------------------------------------------------
start_fake() { # NAME [fakevici flags]
	local name=$1
	shift
	"$FAKEVICI" --fixtures "$W/fixtures" "$@" "$W/$name.vici" 2>"$W/fakevici-$name.log" &
	t_cleanup kill $!
	for _ in $(seq 50); do
		[ -S "$W/$name.vici" ] && return 0
		sleep 0.1
	done
	return 1
}
start_fake gw-a || t_bail "fakevici gw-a did not start"
start_fake gw-b --sas 20 || t_bail "fakevici gw-b did not start"
start_fake gw-c --sas 20 || t_bail "fakevici gw-c did not start"

REFLECT_PORT=$(free_port)
DEAD_PORT=$(free_port)
: >"$W/charon-a.log"
cat >"$W/gw-a.yml" <<EOF
events:
  log_source: file
  log_file: $W/charon-a.log
probes:
  - target: 127.0.0.1
    port: $REFLECT_PORT
    module: stamp
    conn: a-b
    child: net
    source: 127.0.0.1
    interval: 100ms
    timeout: 500ms
    window: 2s
  - target: 127.0.0.2
    port: $DEAD_PORT
    module: stamp
    conn: a-b
    child: net
    source: 127.0.0.1
    interval: 200ms
    timeout: 500ms
    window: 2s
EOF
cat >"$W/gw-b.yml" <<EOF
reflector:
  listen: 127.0.0.1:$REFLECT_PORT
  rate: 3
  burst: 1
EOF
: >"$W/gw-c.yml"
declare -A ADDR
for gw in gw-b gw-a gw-c; do
	serve_start "$W/$gw.vici" --config "$W/$gw.yml" || t_bail "serve $gw: $(tail -n 2 "$SERVE_LOG")"
	ADDR[$gw]=${SERVE_URL#http://}
	t_cleanup rm -f "$SERVE_LOG"
done

# charon on gw-a keeps failing to rekey a-b (the line charon 5.9.8 logs, tests/fixtures/logs).
(while :; do
	echo "Dec  6 08:00:00 08[IKE] <a-b|2> CHILD_SA rekeying failed, trying again in 11 seconds"
	sleep 2
done >>"$W/charon-a.log") &
t_cleanup kill $!

# ---- Prometheus with the mixin's rules, every duration / 10 ---------------------------------
"$T_TOP/mixin/build.sh" --out "$W/rules" --for-scale 0.1 --min-window 5s \
	--set esp_loss_min_packets=5 >"$W/build.log" 2>&1 || t_bail "mixin/build.sh: $(tail -n 1 "$W/build.log")"
cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $W/rules/ikewatch-alerts.yaml
  - $W/rules/ikewatch-recording.yaml
scrape_configs:
- job_name: ikewatch
  static_configs:
  - targets: ['${ADDR[gw-a]}']
    labels: {instance: gw-a}
  - targets: ['${ADDR[gw-b]}']
    labels: {instance: gw-b}
# gw-c is gw-b's peer: its SPIs are gw-b's, swapped.
- job_name: ikewatch-peer
  scrape_interval: 2s
  static_configs:
  - targets: ['${ADDR[gw-c]}']
    labels: {instance: gw-c}
  relabel_configs:
  - target_label: job
    replacement: ikewatch
  metric_relabel_configs:
  - source_labels: [spi_in]
    target_label: __tmp_spi
  - source_labels: [spi_out]
    target_label: spi_in
  - source_labels: [__tmp_spi]
    target_label: spi_out
  - regex: __tmp_spi
    action: labeldrop
EOF
prom_start "$W" prom "$W/prometheus.yml"
PROM=$PROM_URL
t_eventually 30 setup/prometheus-ready prom_ready "$PROM" 1 ||
	t_bail "prometheus: $(tail -n 3 "$W/prom.log")"

# ---- Every query of the fleet dashboard returns data ----------------------------------------
FLEET=$T_TOP/mixin/dashboards/ikewatch-fleet.json
live() { python3 -B "$T_TOP/mixin/dashboard_live.py" --rate-interval 10s "$@"; }
T_POLL=2 t_eventually 150 fleet/every-query-has-data live -q --require-data "$PROM" "$FLEET"
live "$PROM" "$FLEET" >"$W/fleet.txt" 2>&1
note "$(grep -v '^ok ' "$W/fleet.txt" | sed 's/^# //')"
# The per-gateway dashboard on the same server: no query may fail (empty ones are listed).
t_check gateway/no-query-fails live -q "$PROM" "$T_TOP/mixin/dashboards/ikewatch.json"

# A global Prometheus that federates nothing but the recorded series (docs/scaling.md) serves
# the fleet dashboard as well.
cat >"$W/global.yml" <<EOF
global:
  scrape_interval: 2s
  scrape_timeout: 1s
scrape_configs:
- job_name: federate
  honor_labels: true
  metrics_path: /federate
  params:
    'match[]': ['{__name__=~"ipsec_[a-z]+:.+"}']
  static_configs:
  - targets: ['${PROM#http://}']
EOF
prom_start "$W" global "$W/global.yml"
GLOBAL=$PROM_URL
t_eventually 30 setup/global-ready prom_ready "$GLOBAL" 1 ||
	t_bail "global prometheus: $(tail -n 3 "$W/global.log")"
T_POLL=2 t_eventually 60 federated/every-query-has-data live -q --require-data "$GLOBAL" "$FLEET"
# ... and it holds nothing else (up and the scrape statistics of its own job aside).
raw_series() {
	curl -fsS --data-urlencode 'query=count({__name__=~".+", __name__!~"ipsec_[a-z]+:.+", job!="federate"})' \
		"$GLOBAL/api/v1/query" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
t_check federated/nothing-but-recorded-series eval '[ "$(raw_series)" = 0 ]'
series_count() {
	curl -fsS --data-urlencode "query=count({__name__=~\"$2\", job=\"ikewatch\"})" "$1/api/v1/query" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
note "series of job ikewatch: $(series_count "$PROM" '.+') on the scraping Prometheus," \
	"$(series_count "$PROM" 'ipsec_[a-z]+:.+') of them recorded, $(series_count "$GLOBAL" '.+') federated"

# ---- The worst are the ones made bad --------------------------------------------------------
# query EXPR: "label=value,... value" lines of an instant query, sorted.
query() {
	curl -fsS --data-urlencode "query=$1" "$PROM/api/v1/query" | python3 -c '
import json, sys
for s in json.load(sys.stdin)["data"]["result"]:
    m = s["metric"]
    print(",".join("%s=%s" % (k, m[k]) for k in sorted(m) if k != "__name__"), s["value"][1])' | sort
}
# The first target of one panel of the fleet dashboard, variables at "All".
panel_expr() {
	python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["panels"]:
    if p["title"] == sys.argv[2]:
        print(p["targets"][0]["expr"].replace("$instance", ".*"))' "$FLEET" "$1"
}
# panel_rows TITLE: the rows of that panel's (first) query, "labels value", sorted by value,
# highest first.
panel_rows() { query "$(panel_expr "$1")" | sort -t' ' -k2 -gr; }
# Every probe to 127.0.0.2 is lost (the ratio reads a little under 1: a probe counts as lost
# only after its timeout, while the window already counts it as sent).
worst_probe() {
	local top
	top=$(panel_rows 'Highest probe loss' | head -n 1)
	echo "$top"
	grep -qE '^child=net,conn=a-b,instance=gw-a,job=ikewatch,target=127\.0\.0\.2 (1|0\.9[0-9]*)$' <<<"$top"
}
t_check fleet/worst-probe-loss-is-the-dead-target worst_probe
partial_probe() {
	panel_rows 'Highest probe loss' | sed -n 2p | grep -qE 'target=127\.0\.0\.1 0\.[1-9]'
}
t_check fleet/partial-probe-loss-ranked-second partial_probe
esp_at_c() {
	query "$(panel_expr 'Highest ESP loss (both ends monitored)')" | python3 -c '
import sys
rows = [l.rsplit(" ", 1) for l in sys.stdin.read().splitlines()]
ok = rows and all("instance=gw-c" in k and "peer_instance=gw-b" in k and 0.3 < float(v) < 0.7 for k, v in rows)
print(len(rows), "rows", rows[:2]); sys.exit(0 if ok else 1)'
}
t_check fleet/esp-loss-half-at-gw-c-from-gw-b esp_at_c
t_check fleet/ike-down-is-a-c eval \
	'[[ "$(query "$(panel_expr "Connections without IKE SA")")" == "conn=a-c,instance=gw-a,job=ikewatch 1" ]]'
t_check fleet/child-down-is-c-net eval \
	'[[ "$(query "$(panel_expr "CHILD SAs down")")" == "child=c-net,conn=a-c,instance=gw-a,job=ikewatch 1" ]]'
t_check fleet/rekey-failures-on-gw-a-a-b eval \
	'query "$(panel_expr "Most rekey failures")" | grep -q "^conn=a-b,instance=gw-a,job=ikewatch [0-9]"'
# The certificate of the recording ends at 2110780036 (2036-11-20).
cert_left() {
	panel_rows 'Certificates expiring first' | awk -v now="$(date +%s)" '
		$1 == "instance=gw-a,job=ikewatch" { d = $2 - (2110780036 - now); ok = d > -60 && d < 60 }
		END { exit !ok }'
}
t_check fleet/certificate-expiry cert_left
# gw-a's alerts (IPsecIKESADown a-c critical, IPsecRekeyFailing a-b warning, ...) are counted on
# gw-a; the recorded counts add up to the ikewatch alerts firing (up to one recording interval
# apart, hence "eventually").
alerts() { query 'sum by (instance) (ipsec_instance:alerts_firing:count)'; }
t_eventually 60 fleet/alerts-counted-on-gw-a eval 'alerts | grep -q "^instance=gw-a [1-9]"'
t_eventually 60 fleet/alerts-match-ALERTS eval \
	'[ "$(query "sum(ipsec_instance:alerts_firing:count)" | cut -d" " -f2)" = "$(query "count(ALERTS{alertstate=\"firing\", alertname=~\"IPsec.+\"})" | cut -d" " -f2)" ]'

t_done
