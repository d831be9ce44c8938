#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# prom_lib.sh - Prometheus, Alertmanager and a webhook receiver on 127.0.0.1, for the tests and
# benches that run the mixin against real servers (tests/integration/test_mixin.sh,
# bench/soak_healthy.sh, bench/fleet.sh). Source lib.sh first: every process started here is
# registered with t_cleanup and ends by its own PID.
#
#   prom_hook_start DIR             tests/integration/webhook_sink.py on a free port, appending each
#                                   POST to DIR/webhook.jsonl: sets HOOK_URL, HOOK_FILE, HOOK_PID
#   prom_am_start DIR HOOK_URL [SED_EXPR...]
#                                   Alertmanager running mixin/alertmanager/ikewatch.example.yml with
#                                   every receiver pointed at HOOK_URL, then edited by each sed
#                                   expression (e.g. 's/group_wait: .*/group_wait: 1s/'), gossip off,
#                                   data in DIR/am: sets AM_ADDR (127.0.0.1:PORT), AM_PID
#   prom_start DIR NAME CONFIG [FLAG...]
#                                   Prometheus with CONFIG on a free port, data in DIR/NAME, log in
#                                   DIR/NAME.log, extra flags as given (--enable-feature=agent, ...):
#                                   sets PROM_URL, PROM_PID (with --enable-feature=agent the data
#                                   goes to --storage.agent.path, as an agent wants)
#   prom_ready URL [SECONDS]        true once URL/-/ready answers, within SECONDS (default 30)
#
# Ports come from free_port (serve_lib.sh); nothing listens beyond 127.0.0.1.

# shellcheck disable=SC2034 # HOOK_URL, PROM_URL, ... are for the caller
PROM_LIB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
declare -F free_port >/dev/null || . "$PROM_LIB_TOP/tests/integration/serve_lib.sh"

prom_hook_start() {
	local dir=$1 port
	port=$(free_port)
	HOOK_FILE=$dir/webhook.jsonl
	HOOK_URL=http://127.0.0.1:$port/hook
	: >"$HOOK_FILE"
	python3 "$PROM_LIB_TOP/tests/integration/webhook_sink.py" "$port" "$HOOK_FILE" \
		>"$dir/webhook.log" 2>&1 &
	HOOK_PID=$!
	t_cleanup kill "$HOOK_PID"
}

prom_am_start() {
	local dir=$1 hook=$2 port e
	local args=(-e "s|url: 'http://127.0.0.1:9/[a-z]*'|url: '$hook'|")
	shift 2
	for e in "$@"; do args+=(-e "$e"); done
	sed "${args[@]}" "$PROM_LIB_TOP/mixin/alertmanager/ikewatch.example.yml" >"$dir/alertmanager.yml"
	port=$(free_port)
	AM_ADDR=127.0.0.1:$port
	mkdir -p "$dir/am"
	# --cluster.listen-address= (empty): no gossip on 0.0.0.0:9094.
	prometheus-alertmanager --config.file="$dir/alertmanager.yml" --storage.path="$dir/am" \
		--web.listen-address="$AM_ADDR" --cluster.listen-address= >"$dir/alertmanager.log" 2>&1 &
	AM_PID=$!
	t_cleanup kill "$AM_PID"
}

prom_start() {
	local dir=$1 name=$2 config=$3 port storage=--storage.tsdb.path
	shift 3
	# An agent refuses the server's storage flag and has its own.
	case " $* " in *" --enable-feature=agent "*) storage=--storage.agent.path ;; esac
	port=$(free_port)
	PROM_URL=http://127.0.0.1:$port
	mkdir -p "$dir/$name"
	prometheus --config.file="$config" "$storage=$dir/$name" \
		--web.listen-address="127.0.0.1:$port" "$@" >"$dir/$name.log" 2>&1 &
	PROM_PID=$!
	t_cleanup kill "$PROM_PID"
}

prom_ready() {
	local url=$1 secs=${2:-30} i
	for ((i = 0; i < secs * 5; i++)); do
		curl -fsS "$url/-/ready" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
