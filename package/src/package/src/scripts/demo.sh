#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The demo, as root on Debian 12: installs what it needs, builds ikewatch, starts the
# two-gateway strongSwan lab (tests/lab/lab.sh) in network namespaces, a STAMP reflector on
# gateway B and `ikewatch serve` on gateway A with a probe through the tunnel, prints
# `ikewatch status` and ready-to-paste commands for this lab, and keeps running until Ctrl-C.
#
# Ctrl-C (or SIGTERM, SIGHUP) stops every process the demo started (serve, the reflector, the
# socat bridge to the status page, both charons, also one restarted from another shell with
# lab.sh start_gateway), deletes the lab's namespaces and its directory, and exits 0: Ctrl-C is
# the demo's way to end, not an error. Exit 1 when something failed, with the reason on stderr.
#
# Environment:
#   DEMO_LISTEN   HOST:PORT for /metrics and the status page (default 127.0.0.1:9917; IPv4)
#   IKEWATCH      an ikewatch binary to use as it is: skips installing packages and building
#                 (tests/integration/test_demo.sh runs the demo this way)
#   LAB_REKEY     CHILD SA rekey time in seconds (e.g. 30 to watch rekeys)
#
# serve runs inside gateway A's namespace (its probes must leave from LAN A's address to cross
# the tunnel), where 127.0.0.1 is A's own loopback: socat carries DEMO_LISTEN to it through a
# unix socket in the lab's directory (files cross network namespaces).
set -u # not -e: every failure is handled where it happens, and the teardown must run to its end
cd "$(dirname "$0")/.." || exit 1
top=$PWD
listen=${DEMO_LISTEN:-127.0.0.1:9917}
inner=127.0.0.1:9917 # serve's address inside A's namespace, which has nothing else

die() {
	echo "demo.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces and charon need it)"
case "$listen" in
*:*[!0-9]* | *:) die "DEMO_LISTEN must be HOST:PORT (IPv4), not '$listen'" ;;
*:*) ;;
*) die "DEMO_LISTEN must be HOST:PORT (IPv4), not '$listen'" ;;
esac
host=${listen%:*}
port=${listen##*:}

if [ -n "${IKEWATCH:-}" ]; then
	ikewatch=$IKEWATCH
	[ -x "$ikewatch" ] || die "IKEWATCH=$ikewatch is not an executable"
else
	echo "== installing Debian packages (if missing)"
	scripts/deps.sh || die "scripts/deps.sh failed (see above)"
	echo "== building"
	if [ ! -f build/build.ninja ]; then
		meson setup build >/tmp/ikewatch-demo-setup.log 2>&1 ||
			die "meson setup build failed: see /tmp/ikewatch-demo-setup.log"
	fi
	ninja -C build >/tmp/ikewatch-demo-build.log 2>&1 ||
		die "ninja -C build failed: see /tmp/ikewatch-demo-build.log"
	rm -f /tmp/ikewatch-demo-setup.log /tmp/ikewatch-demo-build.log
	ikewatch=$top/build/ikewatch
fi

# --- teardown: set up before anything is started ----------------------------------------------

# shellcheck source=../tests/lab/lab.sh
. tests/lab/lab.sh
pids=() # every process the demo starts outside lab.sh, by PID

# stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL; its forked children too (socat forks
# one per connection, and a browser keeps its connection open).
stop_pid() {
	local pid=$1 kids
	kids=$(pgrep -P "$pid" 2>/dev/null)
	# shellcheck disable=SC2086 # one word per PID
	kill -TERM "$pid" $kids 2>/dev/null
	_lab_wait_pid_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

teardown() {
	local pid
	trap '' INT TERM HUP # a second Ctrl-C must not cut the teardown short
	trap - EXIT
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	pids=()
	lab_down # also removes $LAB_DIR, where the demo keeps its files
}
on_signal() {
	# stdout may be a pipe whose reader the same Ctrl-C ended (scripts/demo.sh | tee demo.log):
	# a write must not kill the demo before its teardown
	trap '' PIPE
	{
		echo
		echo "== stopping: ikewatch, the reflector and both gateways; removing the lab"
	} 2>/dev/null
	teardown
	exit 0
}
trap on_signal INT TERM HUP
trap 'teardown' EXIT

# --- the lab, the reflector, serve ----------------------------------------------------------------

echo "== starting the lab (two strongSwan gateways in network namespaces)"
lab_up || die "the lab did not come up (see the lines above)"
lab_ping_through 3 >/dev/null # traffic in both SA directions before the first table
nsa=${LAB_PREFIX}a
nsb=${LAB_PREFIX}b
demo=$LAB_DIR/demo
mkdir -p "$demo"
vici=$(lab_vici_path A)

echo "== starting a STAMP reflector on gateway B and ikewatch serve on gateway A"
ip netns exec "$nsb" "$ikewatch" reflect --listen 0.0.0.0:862 >"$demo/reflect.log" 2>&1 </dev/null &
pids+=($!)
# The probe: STAMP from LAN A to the reflector on LAN B, through CHILD SA a-b/net, with a
# path-MTU search every minute (docs/probes.md).
cat >"$demo/ikewatch.yml" <<YAML
probes:
  - target: 203.0.113.129
    source: 203.0.113.1
    conn: a-b
    child: net
    interval: 500ms
    window: 5s
    mtu: {enabled: true, max: 1400, interval: 1m}
YAML
ip netns exec "$nsa" "$ikewatch" serve --vici.socket "$vici" --web.listen-address "$inner" \
	--config "$demo/ikewatch.yml" >"$demo/serve.log" 2>&1 </dev/null &
serve_pid=$!
pids+=("$serve_pid")
ip netns exec "$nsa" socat "UNIX-LISTEN:$demo/web.sock,fork,mode=600" "TCP:$inner" \
	>/dev/null 2>"$demo/socat.log" </dev/null &
pids+=($!)
outer="TCP-LISTEN:$port,reuseaddr,fork"
[ -z "$host" ] || outer="$outer,bind=$host"
socat "$outer" "UNIX-CONNECT:$demo/web.sock" >/dev/null 2>>"$demo/socat.log" </dev/null &
bridge_pid=$!
pids+=("$bridge_pid")

url="http://${host:-127.0.0.1}:$port"
for _ in $(seq 100); do
	curl -fsS "$url/-/ready" >/dev/null 2>&1 && break
	kill -0 "$serve_pid" 2>/dev/null || die "ikewatch serve exited: $(tail -n 3 "$demo/serve.log")"
	kill -0 "$bridge_pid" 2>/dev/null ||
		die "cannot listen on $listen (taken? set DEMO_LISTEN): $(tail -n 1 "$demo/socat.log")"
	sleep 0.1
done
curl -fsS "$url/-/ready" >/dev/null 2>&1 || die "$url/-/ready does not answer: $(tail -n 3 "$demo/serve.log")"

# --- what to look at ----------------------------------------------------------------------------

echo
"$ikewatch" status --vici.socket "$vici"
lab=$top/tests/lab/lab.sh
cat <<MSG

Connection a-b is up; a-c is down on purpose: its peer 198.51.100.3 does not exist, so the lab
shows what a dead tunnel looks like (and \`ikewatch status\` and \`doctor\` exit 3).

ikewatch serve watches gateway A and probes through the tunnel every 500 ms; within about 10 s
(two 5 s windows) ipsec_probe_in_tunnel turns 1: the CHILD SA's counters saw the probes.
  metrics:      $url/metrics
  status page:  $url/
  logs:         $demo/serve.log  $demo/reflect.log

== try it (from another shell; each line is ready to paste)
  # the table above again (exit 3: a-c is down)
  $ikewatch status --vici.socket $vici
  # STAMP through the tunnel, from LAN A to the reflector on LAN B
  ip netns exec $nsa $ikewatch ping -c 5 -i 0.2 -I 203.0.113.1 203.0.113.129
  # the largest packet that crosses the tunnel
  ip netns exec $nsa $ikewatch mtu -I 203.0.113.1 203.0.113.129
  # findings ranked by likelihood, each with its evidence and the next command (exit 3: a-c)
  ip netns exec $nsa $ikewatch doctor --vici.socket $vici --log-file $(lab_log_path A) --probe 203.0.113.129 --source 203.0.113.1
  # a support bundle (no keys, no PSKs)
  ip netns exec $nsa $ikewatch diag --vici.socket $vici --log-file $(lab_log_path A) --exporter http://$inner --output ikewatch-diag.tar.gz
  # the probe's series
  curl -s $url/metrics | grep -E '^ipsec_(probe|child_sa_up)'
  # other faults: ESP dropped one way (mend: undrop_esp), 30 % loss (mend: heal_net)
  LAB_DIR=$LAB_DIR $lab drop_esp A out
  LAB_DIR=$LAB_DIR $lab undrop_esp
  LAB_DIR=$LAB_DIR $lab loss 30
  LAB_DIR=$LAB_DIR $lab heal_net
  # break the tunnel: B's charon dies without a word; A notices by DPD after about 10 s
  LAB_DIR=$LAB_DIR $lab kill_gateway B
  # wait for that (meanwhile watch ipsec_ike_sa_up{conn="a-b"} and the probe on $url/)
  while LAB_DIR=$LAB_DIR $lab swanctl A --list-sas --ike a-b | grep -q '^a-b:'; do sleep 1; done
  # mend it: B starts again and A re-initiates a-b
  LAB_DIR=$LAB_DIR $lab start_gateway B

Press Ctrl-C to stop ikewatch and remove the lab.
MSG

# Until a signal, or until serve ends by itself (then say why: its log goes with the lab).
wait "$serve_pid"
rc=$?
echo "demo.sh: ikewatch serve exited with status $rc:" >&2
tail -n 5 "$demo/serve.log" >&2
teardown
exit 1
