#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# fault_matrix.sh - inject one fault at a time into a fresh strongSwan lab watched end to end, and
# record who notices what, when: the first Prometheus series, each alert (pending, firing, at the
# webhook) and `ikewatch doctor`'s first finding with and without --peer. Not part of
# scripts/test.sh: the whole matrix takes about 40-60 minutes. Results go into docs/doctor.md
# ("Fault matrix").
#
# Per fault, in its own lab (tests/lab/lab.sh, unique namespaces; CHILD rekey 60 s, IKE rekey
# 180 s on A unless the fault needs other lifetimes):
#   - `ikewatch serve` on BOTH gateways, each with STAMP (and path-MTU search) and ICMP probes
#     through the tunnel to the other LAN address, and its reflector on 0.0.0.0:862;
#   - Prometheus scraping both every 15 s and evaluating mixin/rules/*.yaml as committed
#     (unscaled); Alertmanager with mixin/alertmanager/ikewatch.example.yml as committed, its
#     receivers pointed at tests/integration/webhook_sink.py;
#   - FM_WARMUP s (75) of healthy running, then the fault; bench/fault_matrix_poll.py polls the
#     candidate series every 3 s and the webhook file every second for FM_OBSERVE s (300);
#   - at FM_DOCTOR_AT s (60) after the injection, `ikewatch doctor a-b --probe 203.0.113.129`
#     in A alone, and right after it with --peer (B's serve, read over a unix-socket bridge
#     that no fault touches: an out-of-band management path); one after the other, so neither
#     counts the other's probes.
# The lab is torn down after each fault (no healing between faults: every fault starts from a
# clean, warmed-up lab). FM_JOBS (4) faults run at once, each with its own lab, ports and
# daemons.
#
# Usage: bench/fault_matrix.sh [--list] [--only NAME[,NAME...]] [--jobs N] [--report RUN_DIR]
#   --report RUN_DIR: no run, only the results and the table of an earlier run, judged with
#   the expectations of this version of the table.
# Environment: IKEWATCH (default build/ikewatch), FM_RUN_DIR (default /tmp/fault-matrix.XXXXXX),
#   FM_WARMUP, FM_OBSERVE, FM_DOCTOR_AT, FM_JOBS.
# Output: FM_RUN_DIR/results.tsv and results.json, one directory per fault (logs, poll.json,
#   doctor_*.json), and a Markdown table on stdout (also FM_RUN_DIR/table.md).
# Every process is started by this script and stopped by its PID on any exit; each lab is removed
# with lab_down. Needs root, strongSwan, prometheus, prometheus-alertmanager, socat, nft, openssl.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
: "${IKEWATCH:=$TOP/build/ikewatch}"
WARMUP=${FM_WARMUP:-75}
OBSERVE=${FM_OBSERVE:-300}
DOCTOR_AT=${FM_DOCTOR_AT:-60}
JOBS=${FM_JOBS:-4}

# name | segment and kind | fault | first findings that are right, alone | the same, with --peer
# (doctor finding ids, comma-separated). "Alone" is right when it says what one end can tell:
# where the evidence of one end cannot name the segment, a one-end finding that says so
# (dataplane_one_way and dataplane_down both do: with probes running both ways, A's inbound
# counter keeps growing with B's probes, so "nothing comes back" is not always what A sees).
FAULTS=$(
	cat <<'EOF'
healthy|none|healthy lab, nothing injected|path_clean|path_clean
esp-a-b-total|our ESP out (A->B), data, total|router drops all ESP from A|dataplane_one_way,dataplane_down|esp_out_lost
esp-b-a-total|their ESP out (B->A), data, total|router drops all ESP from B|dataplane_one_way,dataplane_down|esp_back_lost
esp-both-total|ESP both ways, data, total|router drops all ESP, IKE passes|dataplane_down,dataplane_one_way|dataplane_down,esp_out_lost,esp_back_lost
loss-a-b-10|our ESP out (A->B), data, partial|router drops 10 % of ESP from A|dataplane_loss|esp_out_lost
loss-b-a-3|their ESP out (B->A), data, partial|router drops 3 % of ESP from B|dataplane_loss|esp_back_lost
lan-b-silent|beyond the far gateway, data, total|B's LAN address (reflector, ICMP) stops answering tunnel traffic|dataplane_down,dataplane_one_way,path_loss|beyond_peer,peer_reflector
lan-a-silent|behind us (B's probes to A), data, total|A's LAN address (A's reflector) stops answering B's probes|path_clean|behind_us,peer_reflector,before_our_sa,after_our_sa
egress-a|before ours (A's LAN into the tunnel), data, total|A drops what its LAN sends into the tunnel, before ESP|before_our_sa|before_our_sa
ike-both|control plane only, both ways; bites at the next rekey|router drops IKE (UDP 500, 4500 non-ESP), ESP flows|peer_unreachable,rekey_failed,ike_failed,tasks_in_flight|peer_unreachable,rekey_failed,ike_failed,tasks_in_flight
ike-b-a|control plane only, B->A; bites at the next rekey|router drops IKE sent by B only|peer_unreachable,rekey_failed,ike_failed,tasks_in_flight|peer_unreachable,rekey_failed,ike_failed,tasks_in_flight
charon-b-killed|far daemon, control and data, total|SIGKILL B's charon (no DELETE)|peer_unreachable,ike_failed|peer_unreachable,ike_failed
b-terminates|control plane, peer's decision|B terminates the IKE SA (DELETE sent)|conn_down|conn_down
charon-a-killed|our daemon|SIGKILL A's charon|charon_down|charon_down
mtu-blackhole|path MTU A->B, data, partial (large packets)|router link to B at MTU 1200, ICMP frag-needed dropped|mtu_blackhole,path_mtu|mtu_blackhole,path_mtu
psk-reauth|control plane; bites at reauthentication|B's PSK changed (no re-establish); A reauthenticates every 120 s|auth_failed|auth_failed
pfs-rekey|control plane; bites at the first CHILD rekey|B's esp_proposals get modp3072 (re-established; initiation works)|rekey_will_fail,rekey_failed,proposal_mismatch|rekey_will_fail,rekey_failed,proposal_mismatch
life-short|configuration; bites when the CHILD SA expires|A's CHILD life_time 40 s, rekey_time 60 s (re-established)|rekey_will_fail,rekey_time|rekey_will_fail,rekey_time
serve-b-down|monitoring: only one end watched|B's ikewatch serve (and the reflector it runs) killed|path_clean,probe_error,reflector_not_listening|peer_metrics_unreachable,peer_metrics_malformed
cert-expiring|credentials; bites at expiry|a certificate expiring in 2 days loaded into A's charon|cert_expiring|cert_expiring
EOF
)
# Faults this lab cannot make, listed with --list and in the table.
NOT_RUN="clock-skew|CLOCK_REALTIME is not namespaced (time namespaces offset only the monotonic and boot clocks), so skewing one gateway would skew the whole machine"

fault_field() { awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$FAULTS"; }

usage() {
	sed -n '/^# Usage/,/^# Every process/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
ONLY="" REPORT=""
while [ $# -gt 0 ]; do
	case "$1" in
	--list)
		awk -F'|' '{ printf "%-16s %-55s %s\n", $1, $2, $3 }' <<<"$FAULTS"
		awk -F'|' '{ printf "%-16s not run: %s\n", $1, $2 }' <<<"$NOT_RUN"
		exit 0
		;;
	--only) ONLY=${2:?--only needs NAME[,NAME]}; shift ;;
	--only=*) ONLY=${1#--only=} ;;
	--jobs) JOBS=${2:?}; shift ;;
	--report) REPORT=${2:?--report needs a run directory}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "fault_matrix: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
NAMES=$(cut -d'|' -f1 <<<"$FAULTS")
if [ -n "$ONLY" ]; then
	for n in ${ONLY//,/ }; do
		grep -qx -- "$n" <<<"$NAMES" || { echo "fault_matrix: no fault '$n' (--list)" >&2; exit 2; }
	done
	NAMES=$(tr ',' '\n' <<<"$ONLY")
fi

report() { # report RUN NAMES...: results.tsv, results.json and the table of a run
	local run=$1 n
	shift
	for n in "$@"; do
		printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$(fault_field "$n" 2)" "$(fault_field "$n" 3)" \
			"$(fault_field "$n" 4)" "$(fault_field "$n" 5)"
	done >"$run/faults.tsv"
	python3 bench/fault_matrix_report.py "$run" "$NOT_RUN" | tee "$run/table.md"
}
if [ -n "$REPORT" ]; then
	[ -f "$REPORT/header" ] || { echo "fault_matrix: $REPORT is no run directory" >&2; exit 2; }
	cat "$REPORT/header"
	# shellcheck disable=SC2046 # the faults that ran there, in this table's order
	report "$REPORT" $(for n in $NAMES; do [ -d "$REPORT/$n" ] && echo "$n"; done)
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "fault_matrix: needs root (network namespaces)" >&2; exit 1; }
for tool in prometheus prometheus-alertmanager socat nft openssl python3 curl; do
	command -v "$tool" >/dev/null || { echo "fault_matrix: $tool missing (scripts/deps.sh)" >&2; exit 1; }
done
[ -x "$IKEWATCH" ] || { echo "fault_matrix: no ikewatch at $IKEWATCH (ninja -C build)" >&2; exit 1; }

RUN=${FM_RUN_DIR:-$(mktemp -d /tmp/fault-matrix.XXXXXX)}
mkdir -p "$RUN/labs"
# shellcheck disable=SC1091
. tests/integration/serve_lib.sh # free_port
# shellcheck disable=SC1091
. tests/lab/lab.sh

nap() { sleep "$1" & wait $!; } # a sleep that a trap can interrupt

# ---- one fault, in a subshell of its own ----------------------------------------------------
# Everything it starts is written to $D/pids and stopped by PID in its EXIT trap; then lab_down.
run_fault() {
	local name=$1 D=$RUN/$1
	mkdir -p "$D"
	: >"$D/pids"
	# A PID with its start time (/proc/PID/stat field 22): a process that ended early frees its
	# PID for another fault's lab (four run at once), which must not be stopped in its place.
	started() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }
	track() { echo "$1 $(started "$1")" >>"$D/pids"; }
	ours() { [ -n "$2" ] && [ "$(started "$1")" = "$2" ]; }
	fault_cleanup() {
		local p t
		trap - EXIT INT TERM
		while read -r p t; do ours "$p" "$t" && kill "$p" 2>/dev/null; done < <(tac "$D/pids" 2>/dev/null)
		while read -r p t; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do ours "$p" "$t" || break; sleep 0.2; done
			ours "$p" "$t" && kill -KILL "$p" 2>/dev/null
		done <"$D/pids"
		[ -z "${LAB_DIR:-}" ] || lab_down >/dev/null 2>&1
	}
	trap fault_cleanup EXIT
	trap 'exit 1' INT TERM

	# lifetimes: as the soak, unless the fault is about them
	export LAB_ROOT=$RUN/labs LAB_REKEY=60 LAB_IKE_REKEY=180
	unset LAB_DIR LAB_PREFIX LAB_LIFE LAB_IKE_REAUTH
	case "$name" in
	psk-reauth) LAB_IKE_REKEY="" LAB_IKE_REAUTH=120 ;;
	esac
	export LAB_IKE_REAUTH
	lab_up >"$D/lab_up.log" 2>&1 || { echo "lab_up failed" >"$D/error"; return 1; }
	local nsa="${LAB_PREFIX}a" nsb="${LAB_PREFIX}b"

	# serve on both ends, each bridged to 127.0.0.1 of the root namespace (for Prometheus) over
	# a unix socket; B's also into A's namespace (doctor --peer)
	start_end() { # start_end g ns vici src dst -> $D/url_g, $D/sock_g
		local g=$1 ns=$2 vici=$3 src=$4 dst=$5 inner port
		cat >"$D/serve_$g.yml" <<YAML
exporter:
  cert_interval: 10s
probes:
  - target: $dst
    source: $src
    interval: 1s
    window: 15s
    timeout: 2s
    mtu:
      enabled: true
      min: 576
      max: 1400
      interval: 30s
  - target: $dst
    source: $src
    module: icmp
    interval: 1s
    window: 15s
    timeout: 2s
reflector:
  listen: 0.0.0.0:862
YAML
		inner=$(free_port)
		ip netns exec "$ns" "$IKEWATCH" serve --vici.socket "$vici" \
			--web.listen-address "127.0.0.1:$inner" --config "$D/serve_$g.yml" \
			>"$D/serve_$g.log" 2>&1 &
		track $!
		echo $! >"$D/serve_$g.pid"
		ip netns exec "$ns" socat "UNIX-LISTEN:$D/serve_$g.sock,fork,mode=600" \
			"TCP:127.0.0.1:$inner" >/dev/null 2>&1 &
		track $!
		port=$(free_port)
		socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$D/serve_$g.sock" \
			>/dev/null 2>&1 &
		track $!
		echo "127.0.0.1:$port" >"$D/addr_$g"
		for _ in $(seq 100); do
			curl -fsS "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		return 1
	}
	start_end a "$nsa" "$(lab_vici_path A)" 203.0.113.1 203.0.113.129 &&
		start_end b "$nsb" "$(lab_vici_path B)" 203.0.113.129 203.0.113.1 ||
		{ echo "serve did not start" >"$D/error"; return 1; }
	local A_ADDR B_ADDR PEER_PORT
	A_ADDR=$(cat "$D/addr_a") B_ADDR=$(cat "$D/addr_b")
	PEER_PORT=$(free_port)
	ip netns exec "$nsa" socat "TCP-LISTEN:$PEER_PORT,bind=127.0.0.1,reuseaddr,fork" \
		"UNIX-CONNECT:$D/serve_b.sock" >/dev/null 2>&1 &
	track $!

	# webhook sink, Alertmanager and Prometheus, as shipped
	local HOOK_PORT AM_PORT PROM_PORT PROM
	HOOK_PORT=$(free_port)
	: >"$D/webhook.jsonl"
	python3 tests/integration/webhook_sink.py "$HOOK_PORT" "$D/webhook.jsonl" >"$D/webhook.log" 2>&1 &
	track $!
	AM_PORT=$(free_port)
	sed -e "s|url: 'http://127.0.0.1:9/[a-z]*'|url: 'http://127.0.0.1:$HOOK_PORT/hook'|" \
		mixin/alertmanager/ikewatch.example.yml >"$D/alertmanager.yml"
	mkdir -p "$D/am"
	prometheus-alertmanager --config.file="$D/alertmanager.yml" --storage.path="$D/am" \
		--web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
		>"$D/alertmanager.log" 2>&1 &
	track $!
	PROM_PORT=$(free_port)
	PROM=http://127.0.0.1:$PROM_PORT
	cat >"$D/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - $TOP/mixin/rules/ikewatch-alerts.yaml
  - $TOP/mixin/rules/ikewatch-recording.yaml
alerting:
  alertmanagers:
  - static_configs:
    - targets: ['127.0.0.1:$AM_PORT']
scrape_configs:
- job_name: ikewatch
  static_configs:
  - targets: ['$A_ADDR', '$B_ADDR']
EOF
	mkdir -p "$D/prom"
	prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/prom" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$D/prometheus.log" 2>&1 &
	track $!
	for _ in $(seq 100); do curl -fsS "$PROM/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done

	local t0 end
	t0=$(date +%s)
	end=$((t0 + WARMUP + OBSERVE + 10))
	python3 bench/fault_matrix_poll.py "$PROM" "$D/webhook.jsonl" "$D/inject_time" "$end" \
		"$D/poll.json" $((t0 + WARMUP - 30)) "a=$A_ADDR" "b=$B_ADDR" >"$D/poll.log" 2>&1 &
	track $!
	nap "$WARMUP"

	# ---- the fault ----
	date +%s.%N >"$D/inject_time"
	inject "$name" >"$D/inject.log" 2>&1
	echo "rc=$?" >>"$D/inject.log"
	date +%s.%N >"$D/inject_done"

	# ---- doctor, alone and then with --peer ----
	local ti now
	ti=$(cut -d. -f1 "$D/inject_time")
	now=$(date +%s)
	[ "$now" -ge $((ti + DOCTOR_AT)) ] || nap $((ti + DOCTOR_AT - now))
	date +%s.%N >"$D/doctor_time"
	doctor_run() {
		ip netns exec "$nsa" "$IKEWATCH" doctor --vici.socket "$(lab_vici_path A)" \
			--log-file "$(lab_log_path A)" --probe 203.0.113.129 --source 203.0.113.1 \
			--json "$@" a-b
	}
	# one after the other: each counts the SA's packets during its own probe run, and the other
	# one's probes would be counted too
	doctor_run >"$D/doctor_alone.json" 2>"$D/doctor_alone.err" &
	track $!
	wait $!
	date +%s.%N >"$D/doctor_peer_time"
	doctor_run --peer "http://127.0.0.1:$PEER_PORT/metrics" >"$D/doctor_peer.json" \
		2>"$D/doctor_peer.err" &
	track $!
	wait $!
	now=$(date +%s)
	[ "$now" -ge "$end" ] || nap $((end - now))
	cp "$(lab_log_path A)" "$D/charon_a.log" 2>/dev/null
	cp "$(lab_log_path B)" "$D/charon_b.log" 2>/dev/null
	return 0
}

inject() {
	case "$1" in
	healthy) : ;;
	esp-a-b-total) lab_drop_esp A out ;;
	esp-b-a-total) lab_drop_esp B out ;;
	esp-both-total) lab_drop_esp A out && lab_drop_esp B out ;;
	loss-a-b-10) lab_loss_from A 10 ;;
	loss-b-a-3) lab_loss_from B 3 ;;
	lan-b-silent) lab_lan_silent B ;;
	lan-a-silent) lab_lan_silent A ;;
	egress-a) lab_egress_drop A ;;
	ike-both) lab_drop_ike ;;
	ike-b-a) lab_drop_ike_from B ;;
	charon-b-killed) lab_kill_gateway B ;;
	b-terminates) lab_swanctl B --terminate --ike a-b --timeout 5 ;;
	charon-a-killed) lab_kill_gateway A ;;
	mtu-blackhole) lab_mtu_blackhole 1200 ;;
	psk-reauth) lab_change_config B S_PSK 'a-different-psk-for-the-lab' ;;
	pfs-rekey) lab_pfs_mismatch B ;;
	life-short)
		lab_change_config A S_CHILD_LIFE 40 &&
			lab_swanctl A --terminate --ike a-b --timeout 5 &&
			lab_wait_ike_gone B 10 &&
			lab_swanctl A --initiate --ike a-b --child net --timeout 10
		;;
	serve-b-down) kill "$(cat "$RUN/serve-b-down/serve_b.pid")" ;;
	cert-expiring)
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fault matrix expiring" \
			-keyout "$LAB_DIR/a/expiring.key" -out "$LAB_DIR/a/swanctl/x509/expiring.pem" &&
			lab_swanctl A --load-creds --file "$LAB_DIR/a/swanctl/swanctl.conf"
		;;
	*) echo "no such fault $1"; return 1 ;;
	esac
}

# ---- run them, FM_JOBS at a time ------------------------------------------------------------
CHILDREN=()
stop_all() {
	local p
	trap - EXIT INT TERM
	for p in "${CHILDREN[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${CHILDREN[@]}"; do wait "$p" 2>/dev/null; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

{
	echo "# fault matrix: $(git rev-parse --short HEAD 2>/dev/null) $(date -u '+%Y-%m-%d %H:%M UTC')," \
		"$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); warm-up ${WARMUP} s, observe" \
		"${OBSERVE} s, doctor at +${DOCTOR_AT} s, ${JOBS} at once; run dir $RUN"
} | tee "$RUN/header" >&2
cut -d' ' -f1-3 /proc/loadavg >"$RUN/load_start"
( while :; do cut -d' ' -f1 /proc/loadavg; sleep 30; done ) >"$RUN/load_samples" 2>/dev/null &
LOADMON=$!
CHILDREN+=("$LOADMON")
for n in $NAMES; do
	while [ "$(jobs -rp | grep -vcx "$LOADMON")" -ge "$JOBS" ]; do wait -n; done
	echo "# $(date -u +%T) start $n" >&2
	run_fault "$n" &
	CHILDREN+=($!)
	sleep 5 # labs come up more reliably one after the other
done
for p in "${CHILDREN[@]}"; do [ "$p" = "$LOADMON" ] || wait "$p" 2>/dev/null; done # some were reaped by wait -n
kill "$LOADMON" 2>/dev/null
echo "# $(date -u +%T) all done" >&2

report "$RUN" $NAMES
