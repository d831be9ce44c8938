#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_serve_stream.sh - a large /metrics is streamed, and streaming changes nothing but memory.
#
# Why: past --web.stream-threshold (256 KiB) serve sends /metrics as it renders it (chunked,
# gzipped piece by piece) instead of building it whole (docs/benchmarks.md, issue
# 16). Against fakevici with 6,000 SAs (about 10 MB of exposition, more than the socket buffers hold), two serves read the same
# fakevici: one streams, one never does (--web.stream-threshold at its largest). Checked:
#  - the streaming one answers chunked, without Content-Length; the other with Content-Length;
#  - the two expositions, plain and gzipped, parse to the same families, HELP and TYPE lines
#    and series, and the same values but for the time-dependent ones (serve's own
#    ikewatch_* series and *_seconds, which move between two scrapes);
#  - a client that reads the streamed answer slowly holds up nobody: meanwhile `/`, /-/ready
#    and a second full scrape (which reads fakevici and publishes anew) are answered in well
#    under a second, and the slow client is closed by its deadline (HTTP_CLIENT_TIMEOUT_S,
#    10 s) with a broken transfer, never a short answer that looks whole;
#  - no sanitizer report and no leak when serve stops (an ASan build).
#
# Env: IKEWATCH (binary under test), FAKEVICI (default: next to $IKEWATCH in the build tree).

. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

: "${FAKEVICI:=$(dirname "$IKEWATCH")/tests/fakevici/fakevici}"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH (set IKEWATCH)"
[ -x "$FAKEVICI" ] || t_bail "no fakevici binary at $FAKEVICI (set FAKEVICI)"
for c in curl python3; do command -v $c >/dev/null || t_bail "$c is needed"; done
dir=$(mktemp -d /tmp/iw-stream.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$dir"
SAS=6000

# one fakevici each: its counters grow with every list-sas it answers, so both serves must
# see the same sequence of requests
for which in stream whole; do
	"$FAKEVICI" --sas "$SAS" "$dir/$which.vici" 2>"$dir/fakevici-$which.stderr" &
	t_cleanup kill $!
	for _ in $(seq 100); do [ -S "$dir/$which.vici" ] && break; sleep 0.05; done
	[ -S "$dir/$which.vici" ] || t_bail "fakevici did not start"
done

serve_start "$dir/stream.vici" --events.stream=false ||
	t_bail "serve did not start: $(tail -n 3 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"
stream_url=$SERVE_URL stream_pid=$SERVE_PID stream_log=$SERVE_LOG
serve_start "$dir/whole.vici" --events.stream=false --web.stream-threshold=67108864 ||
	t_bail "serve (whole) did not start: $(tail -n 3 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"
whole_url=$SERVE_URL whole_pid=$SERVE_PID whole_log=$SERVE_LOG

# get URL NAME [curl args]: the body into $dir/NAME, the headers into $dir/NAME.h
get() {
	local url=$1 name=$2
	shift 2
	curl -sS --max-time 30 -D "$dir/$name.h" -o "$dir/$name" "$@" "$url/metrics"
}

# the same scrape count on both sides (ikewatch_scrapes_total is masked anyway)
for round in 1 2; do
	get "$stream_url" "stream$round" || t_fail "stream-scrape-$round" "curl failed"
	get "$whole_url" "whole$round" || t_fail "whole-scrape-$round" "curl failed"
done
get "$stream_url" stream.gz -H 'Accept-Encoding: gzip' || t_fail stream-scrape-gz "curl failed"
get "$whole_url" whole.gz -H 'Accept-Encoding: gzip' || t_fail whole-scrape-gz "curl failed"

chunked() { grep -qi '^Transfer-Encoding: chunked' "$dir/$1.h" && ! grep -qi '^Content-Length' "$dir/$1.h"; }
if chunked stream2 && chunked stream.gz && grep -qi '^Content-Encoding: gzip' "$dir/stream.gz.h"; then
	t_ok streamed-chunked
else
	t_fail streamed-chunked "$(tr -d '\r' <"$dir/stream.gz.h" | _t_oneline)"
fi
if grep -qi '^Content-Length' "$dir/whole2.h" && grep -qi '^Content-Length' "$dir/whole.gz.h"; then
	t_ok whole-has-length
else
	t_fail whole-has-length "$(tr -d '\r' <"$dir/whole2.h" | _t_oneline)"
fi
size=$(stat -c %s "$dir/stream2")
if [ "$size" -gt $((1024 * 1024)) ]; then
	t_ok exposition-large
else
	t_fail exposition-large "only $size bytes: it does not stream"
fi

# compare A B: the same exposition but for the time-dependent values
compare() {
	python3 - "$1" "$2" <<'PY'
import gzip, re, sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def parse(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode()
    if not text.endswith("\n"):
        sys.exit(f"{path}: does not end with a newline")
    meta, series = [], {}
    for ln in text.splitlines():
        if ln.startswith("#"):
            meta.append(ln)
            continue
        m = LINE.match(ln)
        if not m:
            sys.exit(f"{path}: not a sample line: {ln[:120]}")
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        float(value)
        key = name + labels
        if key in series:
            sys.exit(f"{path}: duplicate series {key}")
        if name.startswith("ikewatch_") or name.endswith("_seconds"):
            value = "*"
        series[key] = value
    return meta, series


ma, sa = parse(sys.argv[1])
mb, sb = parse(sys.argv[2])
if ma != mb:
    diff = [x for x in ma if x not in mb] + [x for x in mb if x not in ma]
    sys.exit(f"HELP/TYPE lines differ: {diff[:3]}")
if sa.keys() != sb.keys():
    sys.exit(f"series differ: {sorted(set(sa) ^ set(sb))[:3]}")
bad = [k for k in sa if sa[k] != sb[k]]
if bad:
    sys.exit(f"{len(bad)} values differ, e.g. {bad[0]}: {sa[bad[0]]} != {sb[bad[0]]}")
print(f"{len(sa)} series, {len(ma)} comment lines the same")
PY
}
for pair in "stream1 whole1" "stream2 whole2" "stream.gz whole.gz"; do
	# shellcheck disable=SC2086
	set -- $pair
	if out=$(compare "$dir/$1" "$dir/$2" 2>&1); then
		t_ok "same-exposition/$1-$2"
		echo "# $1 against $2: $out" >&2
	else
		t_fail "same-exposition/$1-$2" "$out"
	fi
done

# A slow reader of the streamed answer: 4 KiB every 0.2 s, never idle long enough for the
# idle timeout; prints how many bytes it got and whether the chunked body ended properly. When
# its deadline closes the connection, what the kernel had queued still trickles in, so the
# server's side is judged by its threads: the connection's and the producer's are gone.
threads() { awk '/^Threads:/ { print $2 }' "/proc/$stream_pid/status"; }
idle_threads=$(threads)
port=${stream_url##*:}
python3 - "$port" >"$dir/slow.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
t0, data = time.time(), b""
print("started", flush=True)
while time.time() - t0 < 20:
    try:
        b = s.recv(4096)
    except OSError:
        break
    if not b:
        break
    data += b
    time.sleep(0.2)
whole = data.endswith(b"\r\n0\r\n\r\n")
print(f"closed {time.time() - t0:.1f} bytes {len(data)} complete {int(whole)}", flush=True)
PY
slow_pid=$!
t_cleanup kill "$slow_pid"
for _ in $(seq 100); do grep -q '^started' "$dir/slow.out" && break; sleep 0.05; done
slow_t0=$(date +%s)
sleep 1 # the slow client's render is under way, blocked on its ring
busy_threads=$(threads)
for path in / /-/ready /metrics; do
	read -r code t < <(curl -s -o "$dir/during" -w '%{http_code} %{time_total}\n' --max-time 10 \
		"$stream_url$path")
	if [ "$code" = 200 ] && awk -v t="$t" 'BEGIN { exit !(t < 2) }'; then
		t_ok "not-held-up$path"
	else
		t_fail "not-held-up$path" "HTTP $code after ${t}s while a slow client reads /metrics"
	fi
	echo "# $path during the slow read: ${t}s" >&2
done
# HTTP_CLIENT_TIMEOUT_S (10 s) from the answer's start, plus a tick and some slack
sleep $((slow_t0 + 13 - $(date +%s)))
after_threads=$(threads)
if [ "$busy_threads" -ge $((idle_threads + 2)) ] && [ "$after_threads" = "$idle_threads" ]; then
	t_ok slow-client-closed-by-deadline
else
	t_fail slow-client-closed-by-deadline "threads: $idle_threads idle, $busy_threads during the slow read, $after_threads 13 s after"
fi
wait "$slow_pid"
read -r _ _ _ bytes _ complete < <(grep '^closed' "$dir/slow.out")
if [ "${complete:-1}" = 0 ] && [ "${bytes:-0}" -lt "$size" ]; then
	t_ok slow-client-broken-transfer
else
	t_fail slow-client-broken-transfer "$(tr '\n' ' ' <"$dir/slow.out")"
fi
echo "# slow client: threads $idle_threads/$busy_threads/$after_threads, $(grep '^closed' "$dir/slow.out")" >&2

for which in stream whole; do
	if [ $which = stream ]; then SERVE_PID=$stream_pid SERVE_LOG=$stream_log; else SERVE_PID=$whole_pid SERVE_LOG=$whole_log; fi
	if serve_stop && [ "$SERVE_RC" = 0 ]; then
		t_ok "$which-serve-stops-clean"
	else
		t_fail "$which-serve-stops-clean" "exit $SERVE_RC: $(grep -m1 -E 'Sanitizer|runtime error' "$SERVE_LOG")"
	fi
done
t_done
