#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# fleet.sh - a fleet of ikewatch gateways on Prometheus, measured (issue 15; figures in
# docs/scaling.md). Not part of scripts/test.sh or CI: 10 to 12 minutes, 2 cores, loopback only.
#
#   Gateways: each is `ikewatch serve` against its own tests/fakevici/fakevici (recorded charon
#   answers; --sas N synthesises N conns of one IKE and one CHILD SA each, --one-conn puts them
#   all under one road-warrior conn). Mix: most 5..50 tunnels (seeded), every 33rd from #7 a
#   concentrator of 1,000..1,400 CHILD SAs, #3 replays the lab's own recordings (a-b up, a-c
#   configured and never up), every 4th from #1 probes: a STAMP stream to a reflector
#   (`ikewatch reflect`) on 127.0.0.1 and ICMP to 127.0.0.2. The probes do not cross a tunnel
#   (a fake charon has no data plane: their conn/child labels are empty), but their series and
#   the work of the probe engine are those of a real gateway.
#   Topology a: two edge Prometheus in agent mode (--enable-feature=agent, hashmod halves of
#   the targets), remote-writing to a central Prometheus (--web.enable-remote-write-receiver)
#   that evaluates the mixin's recording and alerting rules (as rendered by mixin/build.sh,
#   durations as shipped) and alerts external label topo="a".
#   Topology b: two scraping Prometheus sharded with hashmod, each evaluating the same rules
#   (topo="b", shard="0|1"), and a global Prometheus that federates only the recorded series
#   (match[] built from the recording rule names).
#   Both alert to one Alertmanager (mixin/alertmanager/ikewatch.example.yml, topo added to
#   group_by) posting to tests/integration/webhook_sink.py. Scrape and evaluation every 15 s.
#
#   Steps: for each fleet size of -s (default "50 100"), the targets file grows to that size,
#   the fleet runs -w seconds (default 150) and fleet_measure.py reads the servers' own metrics
#   over -m seconds (default 60) and the per-gateway figures. Then, on the largest fleet, two
#   faults at once: gateway #10's fakevici is killed (ipsec_up 0: IPsecDaemonDown) and gateway
#   #3's is restarted replaying "no IKE SA" (a-b configured, not up: IPsecIKESADown); the time
#   to each alert at the webhook is measured in both topologies (fleet_alerts.py). Last, every
#   PromQL expression of the rendered dashboards runs against the central and the global server
#   (mixin/dashboard_live.py). fleet_report.py prints the tables and the slopes scaled to 300 and 3,000
#   gateways; the load average is printed with each figure (the machine may be shared).
#
# Usage: bench/fleet.sh [-b BUILD_DIR] [-s "50 100"] [-w WARM_S] [-m MEASURE_S] [-o FILE]
#   -b  meson build directory with ikewatch and tests/fakevici/fakevici (default build; a
#       release build without sanitizers gives the figures of a packaged ikewatch)
#   -o  also write the report (markdown) to FILE
# Needs root (ICMP probes), prometheus, prometheus-alertmanager, jsonnet, python3, curl. Every
# process it starts is killed by its PID at exit; its work directory is removed unless
# FLEET_KEEP=1.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/integration/lib.sh
. tests/integration/serve_lib.sh
. tests/integration/prom_lib.sh

build=build steps="50 100" warm=150 measure=60 outfile=
while getopts 'b:s:w:m:o:' o; do
	case $o in
	b) build=$OPTARG ;;
	s) steps=$OPTARG ;;
	w) warm=$OPTARG ;;
	m) measure=$OPTARG ;;
	o) outfile=$OPTARG ;;
	*) sed -n '2,40p' "$0"; exit 2 ;;
	esac
done
t_require_root
IKEWATCH=$PWD/$build/ikewatch
FAKE=$PWD/$build/tests/fakevici/fakevici
for b in "$IKEWATCH" "$FAKE"; do
	[ -x "$b" ] || { echo "fleet: missing $b (ninja -C $build)" >&2; exit 1; }
done
for tool in prometheus prometheus-alertmanager jsonnet python3 curl; do
	command -v "$tool" >/dev/null || { echo "fleet: $tool not installed (scripts/deps.sh)" >&2; exit 1; }
done
max=0
for n in $steps; do [ "$n" -gt "$max" ] && max=$n; done
[ "$max" -gt 10 ] || { echo "fleet: the largest step must exceed 10 gateways (faults on #3, #10)" >&2; exit 2; }

W=$(mktemp -d /tmp/iw-fleet.XXXXXX)
[ "${FLEET_KEEP:-0}" = 1 ] || t_cleanup rm -rf "$W"
note() { printf '# %s (load %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }
start_s=$(date +%s)

# ---- Gateways ---------------------------------------------------------------------------------
# The plan: one line per gateway "index kind sas probes"; seeded, so every run builds one fleet.
RANDOM=15
for ((i = 0; i < max; i++)); do
	r=$((5 + RANDOM % 46))
	if [ "$i" = 3 ]; then
		echo "$i recorded 1 0"
	elif [ $((i % 33)) = 7 ]; then
		echo "$i concentrator $((1000 + (i * 37 % 5) * 100)) $((i % 4 == 1))"
	else
		echo "$i site $r $((i % 4 == 1))"
	fi
done >"$W/plan"

# Every PID this script starts, in one file: the cleanup ends them newest first (gateways, then
# the agents before the central server they write to: an agent waits for its queue to drain), and
# what is still there after 15 s is killed (a restarted fakevici gets a new line).
: >"$W/pids"
stop_all() {
	local p i
	for p in $(tac "$W/pids"); do kill "$p" 2>/dev/null; done
	for ((i = 0; i < 75; i++)); do
		for p in $(cat "$W/pids"); do kill -0 "$p" 2>/dev/null && break; p=; done
		[ -z "$p" ] && break
		sleep 0.2
	done
	for p in $(cat "$W/pids"); do kill -KILL "$p" 2>/dev/null; done
	for p in $(cat "$W/pids"); do wait "$p" 2>/dev/null; done
}
t_cleanup stop_all
# sleep in the background: a signal's cleanup runs at once, not after the sleep
pause() {
	sleep "$1" &
	echo $! >>"$W/pids"
	wait $!
}

fake_start() { # fake_start INDEX ARGS...: fakevici of gateway INDEX on $W/gw/INDEX/vici.sock
	local d=$W/gw/$1 i
	shift
	rm -f "$d/vici.sock"
	"$FAKE" "$@" "$d/vici.sock" >>"$d/fakevici.log" 2>&1 &
	echo $! >"$d/fake.pid"
	echo $! >>"$W/pids"
	for ((i = 0; i < 100; i++)); do [ -S "$d/vici.sock" ] && return 0; sleep 0.05; done
	return 1
}
fake_args() { # fake_args KIND SAS SEED (each gateway its own SPIs, as in a real fleet)
	case $1 in
	recorded) ;;
	concentrator) echo "--sas $2 --one-conn --seed $3" ;;
	*) echo "--sas $2 --seed $3" ;;
	esac
}

RPORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$IKEWATCH" reflect --listen "127.0.0.1:$RPORT" --rate 0 >"$W/reflect.log" 2>&1 &
echo $! >>"$W/pids"

gw_start() { # gw_start INDEX KIND SAS PROBES: fakevici and serve, and a line of $W/targets.lines
	local i=$1 kind=$2 sas=$3 probes=$4 d=$W/gw/$1 port name cfg=()
	mkdir -p "$d"
	# shellcheck disable=SC2046 # fake_args' words are separate options
	fake_start "$i" $(fake_args "$kind" "$sas" "$i") || { echo "fleet: fakevici $i: $(tail -n 1 "$d/fakevici.log")" >&2; return 1; }
	if [ "$probes" = 1 ]; then
		cat >"$d/ikewatch.yml" <<YAML
probes:
  - {target: 127.0.0.1, port: $RPORT, source: 127.0.0.1, interval: 1s}
  - {target: 127.0.0.2, module: icmp, source: 127.0.0.1, interval: 1s}
YAML
		cfg=(--config "$d/ikewatch.yml")
	fi
	port=$(free_port)
	"$IKEWATCH" serve --vici.socket "$d/vici.sock" --web.listen-address "127.0.0.1:$port" \
		"${cfg[@]}" >"$d/serve.log" 2>&1 &
	echo $! >>"$W/pids"
	printf -v name 'gw-%03d' "$i"
	[ "$kind" = recorded ] && sas=2 # list-conns.a: a-b (up) and a-c (never up)
	printf '{"targets": ["127.0.0.1:%s"], "labels": {"gateway": "%s", "kind": "%s", "sas": "%s", "probes": "%s"}}\n' \
		"$port" "$name" "$kind" "$sas" "$probes" >>"$W/targets.lines"
	echo "$port" >"$d/port"
}
: >"$W/targets.lines"
publish_targets() { # file_sd reads the file whole: write it aside, then rename
	python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))' \
		"$W/targets.lines" >"$W/targets.tmp" && mv "$W/targets.tmp" "$W/targets.json"
}
echo '[]' >"$W/targets.json"

# ---- Mixin, webhook, Alertmanager ---------------------------------------------------------
mixin/build.sh --out "$W/mixin" >"$W/mixin.log" 2>&1 || { echo "fleet: mixin/build.sh: $(cat "$W/mixin.log")" >&2; exit 1; }
prom_hook_start "$W"
# As shipped, but both topologies alert for the same gateways: group them apart.
prom_am_start "$W" "$HOOK_URL" 's/group_by: \[alertname, instance, conn, child\]/group_by: [alertname, instance, conn, child, topo]/'
echo "$HOOK_PID" >>"$W/pids"
echo "$AM_PID" >>"$W/pids"
RECORDED=$(sed -n 's/^ *- record: //p' "$W/mixin/ikewatch-recording.yaml" | sort -u | paste -sd'|')

# ---- Prometheus servers ---------------------------------------------------------------------
scrape_job() { # scrape_job SHARD: the ikewatch job on this shard's half of the targets
	cat <<EOF
scrape_configs:
- job_name: ikewatch
  scrape_interval: 15s
  scrape_timeout: 10s
  file_sd_configs:
  - files: ['$W/targets.json']
    refresh_interval: 5s
  relabel_configs:
  - {source_labels: [__address__], modulus: 2, target_label: __tmp_shard, action: hashmod}
  - {source_labels: [__tmp_shard], regex: '$1', action: keep}
  - {source_labels: [gateway], target_label: instance}
EOF
}
rules_and_alerting() { # rule_files and alerting, as every server that evaluates the mixin has
	cat <<EOF
rule_files:
- $W/mixin/ikewatch-alerts.yaml
- $W/mixin/ikewatch-recording.yaml
alerting:
  alertmanagers:
  - static_configs:
    - targets: ['$AM_ADDR']
EOF
}
declare -A URL
start_server() { # start_server ROLE CONFIG FLAGS...
	prom_start "$W" "$@"
	URL[$1]=$PROM_URL
	echo "$PROM_PID" >>"$W/pids"
}

# topology a: the central server first (the agents write to it)
{
	printf 'global:\n  evaluation_interval: 15s\n  external_labels: {topo: a}\n'
	rules_and_alerting
} >"$W/central.yml"
start_server central "$W/central.yml" --web.enable-remote-write-receiver
for k in 0 1; do
	{
		printf 'global:\n  external_labels: {agent: "%s"}\n' "$k"
		scrape_job "$k"
		printf 'remote_write:\n- url: %s/api/v1/write\n' "${URL[central]}"
	} >"$W/agent$k.yml"
	start_server "agent$k" "$W/agent$k.yml" --enable-feature=agent
done
# topology b
for k in 0 1; do
	{
		printf 'global:\n  evaluation_interval: 15s\n  external_labels: {topo: b, shard: "%s"}\n' "$k"
		rules_and_alerting
		scrape_job "$k"
	} >"$W/shard$k.yml"
	start_server "shard$k" "$W/shard$k.yml"
done
cat >"$W/global.yml" <<EOF
global:
  evaluation_interval: 15s
  external_labels: {topo: global}
scrape_configs:
- job_name: federate
  honor_labels: true
  scrape_interval: 1m
  scrape_timeout: 30s
  metrics_path: /federate
  params:
    'match[]': ['{__name__=~"$RECORDED"}']
  static_configs:
  - targets: ['${URL[shard0]#http://}', '${URL[shard1]#http://}']
EOF
start_server global "$W/global.yml"
for r in "${!URL[@]}"; do
	prom_ready "${URL[$r]}" 60 || { echo "fleet: prometheus $r: $(tail -n 3 "$W/$r.log")" >&2; exit 1; }
done
prom_ready "http://$AM_ADDR" 30 || { echo "fleet: alertmanager: $(tail -n 3 "$W/alertmanager.log")" >&2; exit 1; }
note "servers up: central ${URL[central]}, shards ${URL[shard0]} ${URL[shard1]}, global ${URL[global]}, work dir $W"
roles=()
for r in central agent0 agent1 shard0 shard1 global; do roles+=("$r=${URL[$r]}"); done

# ---- Steps ----------------------------------------------------------------------------------
have=0
for n in $steps; do
	while read -r i kind sas probes; do
		[ "$i" -ge "$have" ] && [ "$i" -lt "$n" ] || continue
		gw_start "$i" "$kind" "$sas" "$probes" || exit 1
	done <"$W/plan"
	have=$n
	publish_targets
	note "$n gateways started ($(awk '{s += $3} END {print s}' <(head -n "$n" "$W/plan")) SAs in the plan); warming up ${warm}s"
	pause "$warm"
	python3 bench/fleet_measure.py "$W/step-$n.json" "$W/targets.json" "$measure" "${roles[@]}" ||
		{ echo "fleet: measuring $n gateways failed" >&2; exit 1; }
done

# ---- Faults on the largest fleet: #10's charon gone, #3's a-b without an IKE SA ---------------
t0=$(date +%s.%N)
kill "$(cat "$W/gw/10/fake.pid")"
kill "$(cat "$W/gw/3/fake.pid")"
wait "$(cat "$W/gw/3/fake.pid")" 2>/dev/null
fake_start 3 --list-sas-rec list-sas.none.a || { echo "fleet: fakevici 3 did not restart" >&2; exit 1; }
note "faults injected: gw-010 fakevici killed, gw-003 replays no IKE SA"
hash_of() { # the shard (0, 1) that scrapes gateway $1, as Prometheus' hashmod chose it
	local s
	for s in 0 1; do
		curl -fsS "${URL[shard$s]}/api/v1/targets?state=active" | grep -q "\"instance\":\"$1\"" && { echo "$s"; return; }
	done
}
specs=(
	"a,IPsecDaemonDown,gw-010,-,${URL[central]}"
	"a,IPsecIKESADown,gw-003,a-b,${URL[central]}"
	"b,IPsecDaemonDown,gw-010,-,${URL[shard$(hash_of gw-010)]}"
	"b,IPsecIKESADown,gw-003,a-b,${URL[shard$(hash_of gw-003)]}"
)
python3 bench/fleet_alerts.py "$HOOK_FILE" "http://$AM_ADDR" "$t0" 300 "$W/faults.json" "${specs[@]}"
note "fault timing done"

# ---- Dashboards' PromQL on the central and the global server ----------------------------------
boards=("$W"/mixin/*.json)
for r in central global; do
	echo "# dashboards against $r (${URL[$r]}):"
	python3 mixin/dashboard_live.py -q "${URL[$r]}" "${boards[@]}" | tee "$W/promql-$r.txt"
done

# ---- Report -----------------------------------------------------------------------------------
steps_json=()
for n in $steps; do steps_json+=("$W/step-$n.json"); done
python3 bench/fleet_report.py "$W/faults.json" "$W/promql-central.txt" "$W/promql-global.txt" \
	"${steps_json[@]}" | tee "$W/report.md"
[ -n "$outfile" ] && cp "$W/report.md" "$outfile"
note "fleet run took $(($(date +%s) - start_s)) s"
