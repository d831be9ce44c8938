#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_reflect_threads.sh - `ikewatch reflect --threads N` on loopback: N sockets share the
# address (SO_REUSEPORT), every probe of several senders (one source port each, so the kernel
# spreads them over the sockets) is answered, in order, with the reflector's own sequence numbers
# (stateful: no loss charged to either direction), and the counters printed on exit are the sums
# over the threads: one `sender` row per address, however many threads served it. A plain
# reflector (one thread) still refuses to share its port. The same in `serve` (`reflector:` with
# `threads: 2`): two sockets, and its metrics are the sums with one row per sender. No root, no
# lab.

# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH (set IKEWATCH)"
work=$(mktemp -d /tmp/iw-refl-threads.XXXXXX)
t_cleanup rm -rf "$work"
port=$(free_port) # a free TCP port; UDP on it is free as well on a test machine, checked below

"$IKEWATCH" reflect --listen "127.0.0.1:$port" --rate 0 --threads 2 >"$work/out" 2>"$work/err" &
refl=$!
t_cleanup kill "$refl"
for _ in $(seq 50); do
	[ "$(ss -Huln "sport = :$port" | wc -l)" -ge 2 ] && break
	sleep 0.1
done
t_check two-sockets-on-the-port test "$(ss -Huln "sport = :$port" | wc -l)" = 2

# a second reflector without --threads cannot take the port: SO_REUSEPORT is asked for by both
# or neither
if "$IKEWATCH" reflect --listen "127.0.0.1:$port" >"$work/second.out" 2>&1; then
	t_fail plain-reflector-refused "it started: $(cat "$work/second.out")"
else
	t_check plain-reflector-refused grep -q 'cannot listen' "$work/second.out"
fi

senders=16 # all on one socket by chance: 2 in 65,536
count=10
# $senders pings at once to PORT (one source port each); prints how many lost a probe
ping_all() {
	local port=$1 out=$2 pids='' lost=0 i
	for i in $(seq "$senders"); do
		"$IKEWATCH" ping -q -c "$count" -i 0.01 -W 2 --stateful -p "$port" 127.0.0.1 \
			>"$work/$out$i" 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086 # the PIDs, one word each
	wait $pids
	for i in $(seq "$senders"); do
		grep -q "^$count packets transmitted, $count received" "$work/$out$i" ||
			lost=$((lost + 1))
	done
	echo "$lost"
}
t_check every-probe-answered test "$(ping_all "$port" ping)" = 0

kill -TERM "$refl"
wait "$refl"
t_check clean-exit test $? = 0
total=$((senders * count))
t_check reflected-summed-over-threads grep -qx "reflected $total" "$work/out"
t_check one-sender-row grep -qx "sender 127.0.0.1 reflected $total" "$work/out"
t_check one-sender-row-only test "$(grep -c '^sender 127.0.0.1 ' "$work/out")" = 1
t_check logged-threads grep -q '2 threads' "$work/err"
# both threads served some of the senders
spread=$(grep -c 'msg="reflect: thread [12] reflected [1-9]' "$work/err")
t_check both-threads-served test "$spread" = 2
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$work/err"; then
	t_fail no-sanitizer-report "$(grep -E -m 3 'Sanitizer|runtime error' "$work/err")"
else
	t_ok no-sanitizer-report
fi

# serve's reflector on two threads (no charon here: the reflector does not need one)
sport=$(free_port)
printf 'reflector:\n  listen: 127.0.0.1:%s\n  rate: 0\n  threads: 2\n' "$sport" >"$work/serve.yml"
serve_start "$work/no-charon.vici" --config "$work/serve.yml" ||
	t_bail "serve did not start: $(tail -n 3 "$SERVE_LOG")"
t_check serve-two-sockets test "$(ss -Huln "sport = :$sport" | wc -l)" = 2
t_check serve-every-probe-answered test "$(ping_all "$sport" sping)" = 0
t_check serve-reflected-summed metric_is 'ipsec_reflector_packets_total{result="reflected"}' "$total"
t_check serve-one-sender-row metric_is \
	'ipsec_reflector_sender_packets_total{sender="127.0.0.1",result="reflected"}' "$total"
t_check serve-other-row-empty metric_is \
	'ipsec_reflector_sender_packets_total{sender="_other",result="reflected"}' 0
if serve_stop; then t_ok serve-no-sanitizer-report; else t_fail serve-no-sanitizer-report; fi
t_check serve-clean-exit test "$SERVE_RC" = 0
t_done
