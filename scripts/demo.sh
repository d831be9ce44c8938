#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The demo, as root on Debian 12: installs what it needs, builds ikewatch, starts the
# two-gateway strongSwan lab (tests/lab/lab.sh) in network namespaces, runs `ikewatch serve`
# against gateway A, prints `ikewatch status` and the address of /metrics, and keeps running
# until Ctrl-C, when it stops ikewatch and removes the lab.
#
# Environment: DEMO_LISTEN (default 127.0.0.1:9917), LAB_REKEY (seconds; e.g. 30 to watch rekeys).
set -eu
cd "$(dirname "$0")/.."
top=$PWD
listen=${DEMO_LISTEN:-127.0.0.1:9917}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (network namespaces and charon need it)" >&2
	exit 1
fi

echo "== installing Debian packages (if missing)"
scripts/deps.sh
echo "== building"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
ikewatch=$top/build/ikewatch

echo "== starting the lab (two strongSwan gateways in network namespaces)"
# shellcheck source=../tests/lab/lab.sh
. tests/lab/lab.sh
serve_pid=
stop() {
	trap - INT TERM EXIT
	echo
	echo "== stopping"
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	lab_down
	exit 0
}
trap stop INT TERM EXIT
lab_up
lab_ping_through 3 >/dev/null || true

echo "== starting ikewatch serve on $listen"
"$ikewatch" serve --vici.socket "$(lab_vici_path A)" --web.listen-address "$listen" &
serve_pid=$!
for _ in $(seq 50); do
	curl -fsS "http://$listen/-/ready" >/dev/null 2>&1 && break
	sleep 0.1
done

echo
"$ikewatch" status --vici.socket "$(lab_vici_path A)" || true
cat <<MSG

ikewatch is watching gateway A of the lab.
  metrics:      http://$listen/metrics
  status page:  http://$listen/
  try:          curl -s http://$listen/metrics | grep ^ipsec_child_sa
                $0 keeps running; break a tunnel from another shell with the lab helpers:
                  LAB_DIR=$LAB_DIR tests/lab/lab.sh kill_gateway B   (and start_gateway B)
Press Ctrl-C to stop ikewatch and remove the lab.
MSG
wait "$serve_pid"
