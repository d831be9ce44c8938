#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_serve_failures.sh - how "ikewatch serve" behaves when charon is absent or misbehaves.
#
# Why: an exporter is most needed when the thing it watches is broken. Whatever charon does
# (not there yet, garbage, a packet over VICI's 512 KiB cap, too slow, silent, hanging up
# mid-scrape), serve must keep answering HTTP, report ipsec_up 0, say what is wrong in ONE log
# line (not one per scrape), recover on its own when charon is back, and leave no leak behind
# (checked when $IKEWATCH is an ASan build). charon is played by tests/fakevici/fakevici, which
# replays packets recorded from a real charon and misbehaves on request; no root needed.
#
# Env: IKEWATCH (binary under test), FAKEVICI (default: next to $IKEWATCH in the build tree).

. "$(dirname "$0")/lib.sh"

: "${FAKEVICI:=$(dirname "$IKEWATCH")/tests/fakevici/fakevici}"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH (set IKEWATCH)"
[ -x "$FAKEVICI" ] || t_bail "no fakevici binary at $FAKEVICI (set FAKEVICI)"
command -v curl >/dev/null || t_bail "curl is needed"

dir=$(mktemp -d /tmp/iw-fail.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$dir"
sock=$dir/charon.vici
serve_err=$dir/serve.stderr
serve_pid= fake_pid= port=

stop_pid() { # stop_pid PID: SIGTERM one process we started, wait for it
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Start serve on a free loopback port: pick a random port, and retry if the bind lost a race.
start_serve() {
	local try
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && continue
		: >"$serve_err"
		"$IKEWATCH" serve --web.listen-address "127.0.0.1:$port" --vici.socket "$sock" \
			--vici.timeout "${vici_timeout:-1s}" 2>"$serve_err" &
		serve_pid=$!
		for _ in $(seq 50); do
			grep -q 'serving metrics' "$serve_err" && return 0
			kill -0 "$serve_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_pid "$serve_pid"
		serve_pid=
	done
	return 1
}

start_fake() { # start_fake [fakevici flags]: (re)start fakevici at $sock, wait for the socket
	stop_pid "$fake_pid"
	rm -f "$sock"
	"$FAKEVICI" "$@" "$sock" 2>>"$dir/fakevici.stderr" &
	fake_pid=$!
	for _ in $(seq 50); do
		[ -S "$sock" ] && return 0
		sleep 0.1
	done
	return 1
}

scrape() { curl -s -m 10 "http://127.0.0.1:$port/metrics"; }
status_of() { curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$1"; }
up_is() { scrape | grep -qx "ipsec_up $1"; }
serve_alive() { kill -0 "$serve_pid" 2>/dev/null; }
log_lines() { wc -l <"$serve_err"; }

start_serve || t_bail "ikewatch serve did not start: $(tail -n 2 "$serve_err")"
cleanup_daemons() { stop_pid "$fake_pid"; stop_pid "$serve_pid"; }
t_cleanup cleanup_daemons # by name: it sees the PIDs current at exit

# (a) no charon at all: HTTP still answers, the daemon is reported down, not ready yet.
t_check missing-socket/metrics-up-0 up_is 0
t_check missing-socket/healthy-200 test "$(status_of /-/healthy)" = 200
t_check missing-socket/ready-503 test "$(status_of /-/ready)" = 503
scrape >/dev/null
scrape >/dev/null
n=$(grep -c 'level=warn msg="vici:.*No such file or directory' "$serve_err")
t_check missing-socket/one-log-line-for-3-scrapes test "$n" = 1

# charon appears: serve notices within a few scrapes, without a restart.
pid_before=$serve_pid
start_fake || t_bail "fakevici did not start"
ok=0
for i in 1 2 3; do
	if up_is 1; then ok=$i; break; fi
done
if [ "$ok" -gt 0 ]; then t_ok "charon-appears/ipsec-up-1-after-$ok-scrape(s)"; else
	t_fail charon-appears/ipsec-up-1 "still ipsec_up 0 after 3 scrapes: $(tail -n 1 "$serve_err")"
fi
t_check charon-appears/same-process test "$serve_pid" = "$pid_before"
t_check charon-appears/ready-200 test "$(status_of /-/ready)" = 200
t_check charon-appears/logged-connected grep -q 'level=info msg="vici: connected to' "$serve_err"
t_check charon-appears/tunnel-metrics sh -c "curl -s -m 10 http://127.0.0.1:$port/metrics | grep -q 'conn=\"a-b\"'"

# charon restarts (serve's persistent connection goes stale): the first scrape afterwards
# should already say ipsec_up 1 (collect() retries once on a fresh connection: no false
# ipsec_up 0, no "send: Broken pipe" line per charon restart).
start_fake || t_bail "fakevici did not restart"
if up_is 1; then t_ok charon-restart/first-scrape-up; else
	t_fail charon-restart/first-scrape-up "stale VICI connection not retried: $(tail -n 1 "$serve_err" | cut -c1-120)"
fi
up_is 1 || up_is 1

# (b)-(f): each fault: ipsec_up 0 on every scrape, exactly one new warn line naming the cause,
# serve alive and answering, then recovery to ipsec_up 1 when charon behaves again. Before
# each fault, charon goes away for two scrapes, so the connection is closed and the error
# remembered is "no socket": the fault's own line is then the only new one.
fault() { # fault NAME MAX_LINES REGEX fakevici-flags...
	local name=$1 max=$2 re=$3 before new n
	shift 3
	stop_pid "$fake_pid"
	fake_pid=
	rm -f "$sock"
	scrape >/dev/null
	scrape >/dev/null
	start_fake "$@" || { t_fail "$name/start" "fakevici $* did not start"; return; }
	before=$(log_lines)
	t_check "$name/ipsec-up-0" up_is 0
	t_check "$name/ipsec-up-0-again" up_is 0
	up_is 0
	t_check "$name/serve-alive" serve_alive
	t_check "$name/healthy-200" test "$(status_of /-/healthy)" = 200
	new=$(tail -n +"$((before + 1))" "$serve_err")
	n=$(printf '%s\n' "$new" | grep -c 'level=warn msg="vici:')
	if [ "$n" -ge 1 ] && [ "$n" -le "$max" ] &&
		! printf '%s\n' "$new" | grep 'level=warn msg="vici:' | grep -Evq "$re"; then
		t_ok "$name/one-clear-log-line"
		echo "# $name: $(printf '%s\n' "$new" | grep 'level=warn msg="vici:' | cut -d' ' -f3-)"
	else
		t_fail "$name/one-clear-log-line" "$n warn lines in 3 scrapes, want 1 to $max, all matching /$re/: $new"
	fi
	start_fake || { t_fail "$name/recover" "fakevici did not restart"; return; }
	t_eventually 5 "$name/recovers-ipsec-up-1" up_is 1
}

fault malformed 1 'Bad message|malformed|decod' --malformed
fault oversized 1 'length|too (big|large)|exceeds|Argument list too long' --oversized
fault slow 1 'timed out|timeout|deadline' --slow 2500
fault hang 1 'timed out|timeout|deadline' --hang
# A hang-up is seen as "send: Broken pipe" or "read: Connection reset" depending on who is
# first; the collector logs each errno once, so two lines are tolerated here (see report).
fault close-mid-scrape 2 'closed|reset|Broken pipe|EOF' --close-after 2

# A slow scrape must not block the health endpoints for its whole duration (HTTP is threaded).
start_fake --hang
scrape >/dev/null &
scrape_pid=$!
sleep 0.2
t0=$(date +%s%N)
code=$(status_of /-/healthy)
dt=$((($(date +%s%N) - t0) / 1000000))
if [ "$code" = 200 ] && [ "$dt" -lt 800 ]; then t_ok "healthy-during-hung-scrape(${dt}ms)"; else
	t_fail healthy-during-hung-scrape "code $code after ${dt} ms"
fi
wait "$scrape_pid"

# Three scrapes at once while charon takes 3 s to answer: they share one VICI read and are all
# answered in about 3 s (they used to queue: 3, 6 and 9 s), and / and /-/ready answer at once
# meanwhile (a thread per HTTP connection, the status page reads the last snapshot).
stop_pid "$serve_pid"
vici_timeout=10s start_serve || t_bail "ikewatch serve did not restart"
start_fake --slow 3000 --count-file "$dir/count"
up_is 1 || t_fail shared/warm-up "no ipsec_up 1 from the slow fakevici"
n0=$(cat "$dir/count")
pids=
for i in 1 2 3; do
	curl -s -m 20 -o "$dir/scrape$i" -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" \
		>"$dir/took$i" &
	pids="$pids $!"
done
sleep 0.5
for p in landing:/ ready:/-/ready; do
	took=$(curl -s -m 20 -o /dev/null -w '%{http_code} %{time_total}' \
		"http://127.0.0.1:$port${p#*:}")
	if [ "${took% *}" = 200 ] && awk -v t="${took#* }" 'BEGIN { exit !(t < 0.5) }'; then
		t_ok "shared/${p%%:*}-during-slow-scrapes(${took#* }s)"
	else
		t_fail "shared/${p%%:*}-during-slow-scrapes" "code and seconds: $took"
	fi
done
# shellcheck disable=SC2086 # the PIDs, one word each
wait $pids
n1=$(cat "$dir/count")
t_check shared/one-vici-read-for-3-scrapes test "$((n1 - n0))" = 1
for i in 1 2 3; do
	took=$(cat "$dir/took$i")
	if grep -qx 'ipsec_up 1' "$dir/scrape$i" && awk -v t="$took" 'BEGIN { exit !(t < 4.5) }'
	then
		t_ok "shared/scrape-$i-in-${took}s"
	else
		t_fail "shared/scrape-$i" "took ${took}s: $(grep ipsec_up "$dir/scrape$i")"
	fi
done

# Clean exit: SIGTERM ends serve with status 0 and, in an ASan build, no sanitizer report.
stop_pid "$fake_pid"
fake_pid=
kill -TERM "$serve_pid"
wait "$serve_pid"
rc=$?
t_check exit/status-0 test "$rc" = 0
t_check exit/logged-shutdown grep -q 'shutting down' "$serve_err"
if grep -Eq 'LeakSanitizer|AddressSanitizer|runtime error:' "$serve_err"; then
	t_fail exit/no-sanitizer-report "$(grep -E -m 3 'Sanitizer|runtime error' "$serve_err")"
elif ldd "$IKEWATCH" 2>/dev/null | grep -q libasan; then
	t_ok exit/no-sanitizer-report
else
	t_skip exit/no-sanitizer-report no-asan "meson -Db_sanitize=address,undefined"
fi
serve_pid=
t_done
