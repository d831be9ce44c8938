#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_serve_slow_clients.sh - slow clients cannot lock Prometheus out of `serve` or `heal`.
#
# Why: both servers allow HTTP_MAX_CLIENTS (64) connections, and libmicrohttpd's timeout only
# closes idle ones: 64 clients sending a byte now and then held every slot for hours. Here 100
# clients (from 127.0.0.1, the scraper's own address, so no per-address rule can help) send the
# start of a request and then a byte every 0.5 s, never finishing it; meanwhile:
#  - a scrape of /metrics is answered within 3 s (a newcomer makes room: http_deadline.h);
#  - no more than 64 are held: at least 100 - 64 + 1 (for the scrape) are closed early to make
#    room, always the oldest waiting;
#  - every slow client is closed within the 10 s deadline (HTTP_CLIENT_TIMEOUT_S) plus 3 s,
#    although it was never idle, and those that kept a slot were closed by the deadline
#    (at 9 s or later);
#  - the server still answers afterwards and exits cleanly (no sanitizer report).
# serve runs without charon (its /metrics says ipsec_up 0); heal with a token. No root needed.

. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH (set IKEWATCH)"
for c in curl python3; do command -v $c >/dev/null || t_bail "$c is needed"; done
work=$(mktemp -d /tmp/iw-slow.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$work"
SLOW="$T_TOP/tests/integration/slow_clients.py"
TIMEOUT_S=10

serve_start "$work/no-charon.vici" || t_bail "serve did not start: $(tail -n 3 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"

hport=$(free_port)
printf '0123456789abcdef-slow\n' >"$work/token"
cat >"$work/heal.yml" <<YML
vici:
  socket: $work/no-charon.vici
heal:
  listen: 127.0.0.1:$hport
  token_file: $work/token
  check_interval: 10s
YML
"$IKEWATCH" heal --config "$work/heal.yml" >"$work/heal.out" 2>&1 &
heal_pid=$!
t_cleanup kill "$heal_pid"
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$hport/-/healthy" && break; sleep 0.05; done

# check NAME PORT CURL-ARGS...: 100 slow clients on PORT, a scrape, then the verdicts
check() {
	local name=$1 port=$2 out code t
	shift 2
	out="$work/$name.slow"
	python3 "$SLOW" "$port" 100 $((TIMEOUT_S + 5)) >"$out" 2>&1 &
	local slow_pid=$!
	t_cleanup kill "$slow_pid"
	for _ in $(seq 100); do grep -q '^connected' "$out" && break; sleep 0.05; done
	sleep 1 # well inside every slow client's request, far from its deadline
	read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 8 \
		"$@" "http://127.0.0.1:$port/metrics")
	if [ "$code" = 200 ] && awk -v t="$t" 'BEGIN { exit !(t < 3) }'; then
		t_ok "$name-scrape-answered"
	else
		t_fail "$name-scrape-answered" "HTTP $code after ${t}s with 100 slow clients"
	fi
	wait "$slow_pid"
	# every client closed, none later than the deadline + 3 s; the survivors by the deadline
	if awk -v max=$((TIMEOUT_S + 3)) -v min=$((TIMEOUT_S - 1)) '
		/^connected/ { next }
		/^open/ { open++; next }
		/^closed/ { n++; if ($2 > max) late++; if ($2 >= min) deadline++; else early++ }
		END { printf "%d closed, %d open, %d late, %d by the deadline, %d to make room\n",
		             n, open, late, deadline, early
		      exit !(n == 100 && !open && !late && deadline >= 1 && early >= 37) }' \
		"$out" >"$out.sum"; then
		t_ok "$name-slow-clients-closed"
	else
		t_fail "$name-slow-clients-closed" "$(cat "$out.sum")"
	fi
	echo "# $name: $(cat "$out.sum"), scrape ${t}s" >&2
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "http://127.0.0.1:$port/metrics")
	[ "$code" = 200 ] && t_ok "$name-answers-after" || t_fail "$name-answers-after" "HTTP $code"
	[ "$T_FAILED" -eq 0 ] # this subshell's failures, for the wait below
}

# the two servers at the same time: 200 slow clients in all
check serve "${SERVE_URL##*:}" &
c1=$!
check heal "$hport" -H "Authorization: Bearer 0123456789abcdef-slow" &
c2=$!
wait "$c1" || T_FAILED=$((T_FAILED + 1))
wait "$c2" || T_FAILED=$((T_FAILED + 1))

serve_stop && t_ok "serve-clean-exit" || t_fail "serve-clean-exit" "$(tail -n 3 "$SERVE_LOG")"
kill "$heal_pid"
wait "$heal_pid"
rc=$?
if [ "$rc" = 0 ] && ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$work/heal.out"; then
	t_ok "heal-clean-exit"
else
	t_fail "heal-clean-exit" "exit $rc: $(tail -n 3 "$work/heal.out")"
fi
t_done
