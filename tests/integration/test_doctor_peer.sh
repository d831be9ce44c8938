#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_doctor_peer.sh - `ikewatch doctor --peer` in the strongSwan lab (tests/lab/lab.sh): the
# doctor runs in gateway A and reads B's ikewatch (serve on B's WAN address, which A reaches in
# clear through the lab's router) before and after its probe run to a reflector behind B.
#  - healthy: the first finding says all is well (path_clean), exit 0, with and without --peer;
#  - ESP dropped A->B (lab_drop_esp A out): esp_out_lost with --peer, dataplane_one_way
#    without (which says what one end cannot tell and to run with --peer);
#  - ESP dropped B->A (lab_drop_esp B out): esp_back_lost with --peer, dataplane_one_way without;
#  - a wrong peer (A's own serve: ikewatch, no SA paired by SPI) gives peer_sa_mismatch and the
#    verdict of one end, never a segment the peer's counters would have named;
#  - 5 % ESP loss each way (lab_loss 5): esp_out_lost as a warning with its loss and interval,
#    then esp_back_lost; without --peer dataplane_loss;
#  - a peer that is not ikewatch, answers 401 or 500, is oversized, refuses the connection or
#    never answers (--peer.timeout 1s) gives its own finding, within the timeout;
#  - a peer behind basic auth is read with --peer.user and --peer.password-file, and a wrong
#    password or none is peer_metrics_auth;
#  - A's LAN silent to the tunnel (lab_lan_silent A): behind_us with a peer whose probes to A's
#    LAN fail (only the peer sees it), path_clean alone;
#  - B's ikewatch hung (SIGSTOP) with the reflector doctor probes, while B's LAN still sends:
#    peer_metrics_timeout first (that process explains the lost probes), dataplane_down alone.
# Figures (time per run, first finding) go to stderr with T_VERBOSE=1.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-doctor-peer.XXXXXX)
t_cleanup rm -rf "$work"
nsa="${LAB_PREFIX}a"
nsb="${LAB_PREFIX}b"
WAN_A=192.0.2.1
WAN_B=198.51.100.1

ip netns exec "$nsb" "$IKEWATCH" reflect --listen "203.0.113.129:862" >"$work/refl.out" 2>&1 &
t_cleanup kill $!

# B's ikewatch on its WAN address, and A's own (the wrong peer): serve_start_at. Not called in
# $(...): its t_cleanup must register in this shell, or the serve outlives the test.
serve_start_at "$nsb" "$(lab_vici_path B)" "$WAN_B" "$work/serve_b.log" ||
	t_bail "B's serve did not start: $(tail -n 2 "$work/serve_b.log")"
PEER_B=$SERVE_METRICS_URL
serve_start_at "$nsa" "$(lab_vici_path A)" "$WAN_A" "$work/serve_a.log" ||
	t_bail "A's serve did not start: $(tail -n 2 "$work/serve_a.log")"
PEER_A=$SERVE_METRICS_URL
# B's metrics behind basic auth (--peer.user, --peer.password-file)
hash=$(htpasswd -nbBC 10 doctor 'peer-password' | cut -d: -f2) || t_bail "htpasswd"
printf 'basic_auth_users:\n  doctor: %s\n' "'$hash'" >"$work/web.yml"
printf 'peer-password\n' >"$work/peer.pass"
printf 'not-the-password\n' >"$work/wrong.pass"
serve_start_at "$nsb" "$(lab_vici_path B)" "$WAN_B" "$work/serve_b_auth.log" \
	--web.config.file "$work/web.yml" ||
	t_bail "B's serve with basic auth did not start: $(tail -n 2 "$work/serve_b_auth.log")"
PEER_B_AUTH=$SERVE_METRICS_URL

# A web server in B that is not ikewatch: /text a foreign exposition, /401, /500, /big 20 MB,
# /slow never answers
cat >"$work/fake.py" <<'PY'
import http.server, socketserver, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(30); return
        code = {"/401": 401, "/500": 500}.get(self.path, 200)
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        if self.path == "/big":
            line = b'node_cpu_seconds_total{cpu="0",mode="idle"} 1.5\n' * 1000
            for _ in range(500): self.wfile.write(line)
        elif code == 200:
            self.wfile.write(b'node_cpu_seconds_total{cpu="0",mode="idle"} 1.5\n')
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
S((sys.argv[1], int(sys.argv[2])), H).serve_forever()
PY
fport=$(free_port)
ip netns exec "$nsb" python3 "$work/fake.py" "$WAN_B" "$fport" >"$work/fake.log" 2>&1 &
t_cleanup kill $!
FAKE="http://$WAN_B:$fport"
closed=$(free_port) # nothing listens there in B

PROBE_AT=203.0.113.129 # the reflector doctor probes (case 7 moves it)
doctor() {
	ip netns exec "$nsa" "$IKEWATCH" doctor --vici.socket "$(lab_vici_path A)" \
		--log-file "$(lab_log_path A)" --probe "$PROBE_AT" --source 203.0.113.1 --no-mtu \
		--json "$@" a-b
}
# the first finding's id, and every id
first() { python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["id"])'; }
ids() { python3 -c 'import json,sys; print(" ".join(f["id"] for f in json.load(sys.stdin)["findings"]))'; }

# run NAME WANT_FIRST [WANT_ALSO] [--not ID] -- DOCTOR ARGS: the first finding must be WANT_FIRST
run() {
	local name=$1 want=$2 also=$3 not=$4 out t0 t1 got all
	shift 4
	t0=$(date +%s%N)
	out=$(doctor "$@" 2>"$work/err")
	t1=$(date +%s%N)
	ELAPSED=$(((t1 - t0) / 1000000))
	printf '%s' "$out" >"$work/$name.json"
	got=$(printf '%s' "$out" | first 2>/dev/null)
	all=$(printf '%s' "$out" | ids 2>/dev/null)
	if [ "${T_VERBOSE:-0}" = 1 ]; then
		echo "# $name: ${ELAPSED} ms, first: $(printf '%s' "$out" |
			python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"][0]; print(f["title"])' 2>/dev/null)" >&2
	fi
	# the whole report is kept beside the test's output (run.sh keeps it when a check fails)
	[ -n "${T_OUT:-}" ] && cp "$work/$name.json" "$T_OUT/doctor-$name.json"
	if [ "$got" != "$want" ]; then
		t_fail "$name" "first '$got', want $want (all: $all); $(head -c 300 "$work/err")"
	elif [ -n "$also" ] && ! printf ' %s ' "$all" | grep -q " $also "; then
		t_fail "$name" "no $also among: $all"
	elif [ -n "$not" ] && printf ' %s ' "$all" | grep -q " $not "; then
		t_fail "$name" "$not must not be there: $all"
	else
		t_ok "$name"
	fi
}
has_text() { # NAME TEXT: the first finding's title or evidence holds TEXT
	python3 - "$work/$1.json" "$2" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["findings"][0]
sys.exit(0 if sys.argv[2] in f["title"] + " ".join(f["evidence"]) else 1)
PY
}

# 1. Healthy: all is well, with and without --peer.
run healthy-peer path_clean "" "" --peer "$PEER_B"
has_text healthy-peer "both ends counted them" && t_ok "healthy-peer-both-ends" ||
	t_fail "healthy-peer-both-ends" "$(head -c 400 "$work/healthy-peer.json")"
run healthy-alone path_clean "" ""

# 2. ESP A->B dropped.
lab_drop_esp A out || t_bail "lab_drop_esp A out"
run esp-a-to-b-peer esp_out_lost "" "" --peer "$PEER_B"
has_text esp-a-to-b-peer "ESP from $WAN_A to $WAN_B is lost" && t_ok "esp-a-to-b-words" ||
	t_fail "esp-a-to-b-words" "$(head -c 400 "$work/esp-a-to-b-peer.json")"
run esp-a-to-b-alone dataplane_one_way "" ""
has_text esp-a-to-b-alone "one cannot tell" && t_ok "esp-a-to-b-alone-says-why" ||
	t_fail "esp-a-to-b-alone-says-why" "$(head -c 400 "$work/esp-a-to-b-alone.json")"
# the wrong peer (A itself) during a fault: the one-end verdict, and why the peer was not used
run wrong-peer-self dataplane_one_way peer_sa_mismatch esp_out_lost --peer "$PEER_A"
lab_undrop_esp

# 3. ESP B->A dropped.
lab_drop_esp B out || t_bail "lab_drop_esp B out"
run esp-b-to-a-peer esp_back_lost "" "" --peer "$PEER_B"
has_text esp-b-to-a-peer "ESP from $WAN_B to $WAN_A is lost" && t_ok "esp-b-to-a-words" ||
	t_fail "esp-b-to-a-words" "$(head -c 400 "$work/esp-b-to-a-peer.json")"
run esp-b-to-a-alone dataplane_one_way "" ""
lab_undrop_esp

# 4. Partial loss (5 % of ESP each way, lab_loss): a warning apart from an outage, with the
# direction and a stated interval when the peer is read; without it, loss without a direction.
lab_loss 5 || t_bail "lab_loss"
run loss-peer esp_out_lost esp_back_lost "" --peer "$PEER_B"
python3 - "$work/loss-peer.json" <<'PY' && t_ok "loss-peer-partial" || t_fail "loss-peer-partial" "$(head -c 400 "$work/loss-peer.json")"
import json, sys
f = json.load(open(sys.argv[1]))["findings"][0]
assert f["severity"] == "warning", f
assert " loses " in f["title"] and "95 % interval" in f["title"], f
PY
run loss-alone dataplane_loss "" ""
lab_loss 0

# 5. Peers that cannot be used, on a healthy tunnel: their finding ranks first, nothing
# critical is made up; each within its timeout.
run wrong-peer-healthy peer_sa_mismatch path_clean "" --peer "$PEER_A" --probe-count 50
run peer-not-ikewatch peer_not_ikewatch path_clean "" --peer "$FAKE/text" --probe-count 50
run peer-401 peer_metrics_auth path_clean "" --peer "$FAKE/401" --probe-count 50
run peer-500 peer_metrics_http path_clean "" --peer "$FAKE/500" --probe-count 50
run peer-oversized peer_metrics_oversized path_clean "" --peer "$FAKE/big" --probe-count 50
# with the right credentials the peer is read (nothing peer_* is said), with wrong or none not
run peer-auth-right path_clean "" peer_metrics_auth --peer "$PEER_B_AUTH" --peer.user doctor \
	--peer.password-file "$work/peer.pass" --probe-count 50
has_text peer-auth-right "both ends counted them" && t_ok "peer-auth-right-read" ||
	t_fail "peer-auth-right-read" "$(head -c 400 "$work/peer-auth-right.json")"
run peer-auth-wrong peer_metrics_auth path_clean "" --peer "$PEER_B_AUTH" --peer.user doctor \
	--peer.password-file "$work/wrong.pass" --probe-count 50
run peer-auth-none peer_metrics_auth path_clean "" --peer "$PEER_B_AUTH" --probe-count 50
run peer-refused peer_metrics_unreachable path_clean "" --peer "http://$WAN_B:$closed/metrics" \
	--probe-count 50
run peer-slow peer_metrics_timeout path_clean "" --peer "$FAKE/slow" --peer.timeout 1s \
	--probe-count 50
# 50 probes at 20 ms and one read of 1 s (the second is not made): well under 5 s
[ "$ELAPSED" -lt 5000 ] && t_ok "peer-slow-within-timeout" ||
	t_fail "peer-slow-within-timeout" "took $ELAPSED ms"

# 6. A's LAN silent to the tunnel (lab_lan_silent A): A's own probes come back, B's probes to
# A's LAN die behind A. Only B's probe results can tell, so only --peer says behind_us; a
# healthy run with the same peer says nothing of it. B's serve probes A's LAN for this part
# only (its ICMP would add to the SA counters of the cases above).
cat >"$work/b_probes.yml" <<YML
probes:
  - {target: 203.0.113.1, source: 203.0.113.129, module: icmp, interval: 200ms, window: 1s, timeout: 500ms}
YML
serve_start_at "$nsb" "$(lab_vici_path B)" "$WAN_B" "$work/serve_b_probes.log" \
	--config "$work/b_probes.yml" ||
	t_bail "B's serve with probes did not start: $(tail -n 2 "$work/serve_b_probes.log")"
PEER_B_PROBES=$SERVE_METRICS_URL
b_probe_success() { # 1|0: B's probe stream to A's LAN answers (or not) in its last window
	ip netns exec "$nsa" curl -fsS "$PEER_B_PROBES" |
		grep -qE "^ipsec_probe_success\{target=\"203.0.113.1\",[^}]*\} $1\$"
}
t_eventually 20 lan-a/b-probes-answer b_probe_success 1
run lan-a-healthy path_clean "" behind_us --peer "$PEER_B_PROBES" --probe-count 100
lab_lan_silent A || t_bail "lab_lan_silent A"
t_eventually 20 lan-a/b-probes-fail b_probe_success 0
run lan-a-silent-peer behind_us path_clean "" --peer "$PEER_B_PROBES" --probe-count 100
has_text lan-a-silent-peer "get no answer behind" && t_ok "lan-a-silent-words" ||
	t_fail "lan-a-silent-words" "$(head -c 400 "$work/lan-a-silent-peer.json")"
run lan-a-silent-alone path_clean "" behind_us --probe-count 100
lab_lan_heal A

# 7. B's ikewatch hangs (SIGSTOP): its metrics time out and the reflector its serve runs stays
# silent (no ICMP either), while B's LAN still sends through the tunnel. One process down
# explains both: peer_metrics_timeout first, critical, the lost probes its evidence.
rport=$(free_port)
cat >"$work/b_refl.yml" <<YML
reflector:
  listen: 203.0.113.129:$rport
YML
serve_start_at "$nsb" "$(lab_vici_path B)" "$WAN_B" "$work/serve_b_refl.log" \
	--config "$work/b_refl.yml" ||
	t_bail "B's serve with a reflector did not start: $(tail -n 2 "$work/serve_b_refl.log")"
b_serve=$SERVE_PID
PEER_B_REFL=$SERVE_METRICS_URL
t_cleanup kill -CONT "$b_serve" # before its kill (cleanups run last first): a stopped one waits
PROBE_AT=203.0.113.129:$rport
ip netns exec "$nsb" ping -n -q -i 0.2 -I 203.0.113.129 203.0.113.1 >/dev/null 2>&1 &
t_cleanup kill $!
run hung-healthy path_clean "" "" --peer "$PEER_B_REFL" --peer.timeout 1s --probe-count 100
kill -STOP "$b_serve"
run hung-peer peer_metrics_timeout "" dataplane_down --peer "$PEER_B_REFL" --peer.timeout 1s \
	--probe-count 100
has_text hung-peer "most likely that ikewatch" && t_ok "hung-peer-words" ||
	t_fail "hung-peer-words" "$(head -c 400 "$work/hung-peer.json")"
run hung-alone dataplane_down "" "" --probe-count 100
kill -CONT "$b_serve"
PROBE_AT=203.0.113.129

for l in "$work"/serve_*.log; do
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$l" && t_fail "sanitizers" "$l"
done
grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$work/err" && t_fail "sanitizers" err
t_done
