#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# serve_lib.sh - start `ikewatch serve` for an integration test and read its metrics.
#
#   serve_start VICI_PATH [extra flags...]   start serve on a free 127.0.0.1 port (SERVE_URL,
#                                            SERVE_PID, SERVE_LOG are set); waits for /-/healthy
#   serve_start_in NS VICI_PATH [flags...]   the same, but serve runs inside network namespace NS
#                                            (so that its probes cross the lab's tunnel); a socat
#                                            bridge over a unix socket makes it reachable on
#                                            127.0.0.1 here
#   serve_start_at NS VICI ADDR LOG [flags...]
#                                            serve inside NS on ADDR (one of NS's addresses, so
#                                            that a peer gateway reaches it) and a free port, its
#                                            log in LOG; sets SERVE_PID, SERVE_TARGET (ADDR:PORT)
#                                            and SERVE_METRICS_URL; waits until it answers in NS
#   serve_stop                               SIGTERM, wait; sets SERVE_RC; fails on a sanitizer
#                                            report in the log
#   scrape                                   print /metrics
#   metric 'NAME{labels}'                    print the value of exactly that series (empty if none)
#   metric_is 'NAME{labels}' VALUE           true if the series has that value
#   free_port                                print a free TCP port on 127.0.0.1

# Set SERVE_LOG: in the script's output directory under run.sh (T_OUT, kept when a check
# fails), else a temporary file removed at exit
serve_log() {
	if [ -n "${T_OUT:-}" ]; then
		SERVE_LOG=$(mktemp "$T_OUT/serve.XXXXXX.log")
	else
		SERVE_LOG=$(mktemp /tmp/iw-serve.XXXXXX.log)
		t_cleanup rm -f "$SERVE_LOG"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

serve_start() {
	local vici=$1 port
	shift
	port=$(free_port)
	SERVE_URL="http://127.0.0.1:$port"
	serve_log
	"$IKEWATCH" serve --vici.socket "$vici" --web.listen-address "127.0.0.1:$port" "$@" \
		>"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	t_cleanup kill "$SERVE_PID"
	for _ in $(seq 100); do
		curl -fsS "$SERVE_URL/-/healthy" >/dev/null 2>&1 && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

serve_start_in() {
	local ns=$1 vici=$2 port inner sock
	shift 2
	port=$(free_port)
	inner=$(free_port) # a port inside NS: any free one will do there
	sock=$(mktemp -u /tmp/iw-bridge.XXXXXX.sock)
	SERVE_URL="http://127.0.0.1:$port"
	serve_log
	ip netns exec "$ns" "$IKEWATCH" serve --vici.socket "$vici" \
		--web.listen-address "127.0.0.1:$inner" "$@" >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	t_cleanup kill "$SERVE_PID"
	# unix sockets are files, and files cross network namespaces
	ip netns exec "$ns" socat "UNIX-LISTEN:$sock,fork,mode=600" "TCP:127.0.0.1:$inner" \
		>/dev/null 2>&1 &
	t_cleanup kill $!
	t_cleanup rm -f "$sock"
	socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$sock" >/dev/null 2>&1 &
	t_cleanup kill $!
	for _ in $(seq 100); do
		curl -fsS "$SERVE_URL/-/healthy" >/dev/null 2>&1 && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

serve_start_at() {
	local ns=$1 vici=$2 addr=$3 log=$4 port
	shift 4
	port=$(free_port)
	ip netns exec "$ns" "$IKEWATCH" serve --vici.socket "$vici" \
		--web.listen-address "$addr:$port" "$@" >"$log" 2>&1 &
	SERVE_PID=$!
	t_cleanup kill "$SERVE_PID"
	SERVE_TARGET=$addr:$port
	SERVE_METRICS_URL=http://$SERVE_TARGET/metrics
	for _ in $(seq 100); do
		# any answer will do: behind basic auth /-/healthy answers 401
		ip netns exec "$ns" curl -sS -o /dev/null "http://$SERVE_TARGET/-/healthy" 2>/dev/null &&
			return 0
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

serve_stop() {
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	SERVE_RC=$?
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$SERVE_LOG"
}

scrape() { curl -fsS "$SERVE_URL/metrics"; }

# The value of one exact series, e.g. metric 'ipsec_ike_sa_up{conn="a-b"}'.
metric() {
	scrape | awk -v s="$1" 'index($0, s " ") == 1 && !done { print $2; done = 1 }'
}

metric_is() { [ "$(metric "$1")" = "$2" ]; }
