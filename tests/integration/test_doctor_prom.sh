#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_doctor_prom.sh - `ikewatch doctor --prometheus` in the strongSwan lab (tests/lab/lab.sh):
# serve runs on both gateways (B's with its reflector on 203.0.113.129:862, the probe target),
# a real Prometheus in gateway A's namespace scrapes both every second, and doctor in A reads
# both ends from Prometheus' HTTP API around its probe run. For each fault, doctor --prometheus
# must name the same first finding as doctor --peer (B's /metrics, 100 probes each), and the
# right one:
#  - healthy: path_clean;
#  - ESP dropped A->B: esp_out_lost; ESP dropped B->A: esp_back_lost;
#  - the reflector behind B unreachable (B's input drops UDP 862): beyond_peer, "never the
#    reflector", with the reflector's per-sender count as evidence;
#  - the reflector's answers dropped on their way out of B: reflector_replies_lost;
#  - IKE only blocked (an IKE rekey retransmitted while ESP flows): control_plane_only first
#    both ways, and path_clean among the findings (the data plane is fine);
# and a Prometheus that cannot be used gives its own finding within its timeout, never a
# segment: refused, never answers (--prometheus.timeout 1s), HTTP 503, status "error", not
# JSON, oversized, no series of the peer, one target holding both ends, the peer's series with
# other SPIs (another gateway), no scrape after the run (--prometheus.wait 2s), basic auth
# with a wrong password or none (and the right one reads it). The broken
# ones are a proxy in front of the real Prometheus that alters its answers.
# With DOCPROM_RECORD=DIR the proxy keeps the real answers of the fault runs, named by case,
# number, kind and the time the query came (tests/fixtures/prometheus/ holds some).

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

for tool in prometheus python3 curl nft; do
	command -v "$tool" >/dev/null 2>&1 || t_bail "$tool not installed (scripts/deps.sh)"
done
t_cleanup lab_down
export LAB_FAST_DPD=0 # an unanswered IKE request is retransmitted for minutes (case 7)
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-doctor-prom.XXXXXX)
t_cleanup rm -rf "$work"
nsa="${LAB_PREFIX}a"
nsb="${LAB_PREFIX}b"
WAN_A=192.0.2.1
WAN_B=198.51.100.1

cat >"$work/b.yml" <<'YAML'
reflector:
  listen: 203.0.113.129:862
YAML
serve_start_at "$nsb" "$(lab_vici_path B)" "$WAN_B" "$work/serve_b.log" --config "$work/b.yml" ||
	t_bail "B's serve did not start: $(tail -n 2 "$work/serve_b.log")"
TARGET_B=$SERVE_TARGET
serve_start_at "$nsa" "$(lab_vici_path A)" "$WAN_A" "$work/serve_a.log" ||
	t_bail "A's serve did not start: $(tail -n 2 "$work/serve_a.log")"
TARGET_A=$SERVE_TARGET

PROM_PORT=$(free_port)
PROM=http://127.0.0.1:$PROM_PORT
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
- job_name: ikewatch
  static_configs:
  - targets: ['$TARGET_A', '$TARGET_B']
EOF
mkdir -p "$work/prom"
ip netns exec "$nsa" ip link set lo up
ip netns exec "$nsa" prometheus --config.file="$work/prometheus.yml" \
	--storage.tsdb.path="$work/prom" --web.listen-address="127.0.0.1:$PROM_PORT" \
	>"$work/prometheus.log" 2>&1 &
t_cleanup kill $!
both_scraped() {
	ip netns exec "$nsa" curl -fsS "$PROM/api/v1/query?query=count(ipsec_child_sa_info)" |
		grep -q '"value":\[[0-9.]*,"2"\]'
}
t_eventually 30 setup/prometheus-scrapes-both both_scraped ||
	t_bail "prometheus: $(tail -n 3 "$work/prometheus.log")"

# The proxy: /MODE/api/v1/query... forwards to the real Prometheus and alters the answer.
cat >"$work/proxy.py" <<'PY'
import http.server, json, os, socketserver, sys, time, urllib.request
prom, peer, self_ = sys.argv[3], sys.argv[4], sys.argv[5]
rec = os.environ.get("DOCPROM_RECORD")
seq = [0]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        mode, _, rest = self.path[1:].partition("/")
        if mode == "slow":
            time.sleep(30); return
        if mode == "http503":
            return self.reply(503, b'{"status":"error","errorType":"unavailable","error":"x"}')
        if mode == "error":
            return self.reply(200, b'{"status":"error","errorType":"bad_data","error":"parse error at char 3"}')
        if mode == "garbage":
            return self.reply(200, b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{')
        if mode == "auth" and self.headers.get("Authorization") != "Basic ZG9jOnByb20tcGFzcw==":
            return self.reply(401, b'{"status":"error","errorType":"unauthorized","error":"x"}')
        if mode == "big":
            return self.reply(200, b'{"status":"success","warnings":["' + b"x" * (20 << 20) + b'"]}')
        body = urllib.request.urlopen(prom + "/" + rest, timeout=10).read()
        if rec and mode.startswith("rec-"):
            seq[0] += 1
            kind = "range" if "%5B" in rest else "instant"
            name = "%s-%02d-%s-%.3f.json" % (mode[4:], seq[0], kind, time.time())
            with open(os.path.join(rec, name), "wb") as f:
                f.write(body)
        a = json.loads(body)
        res = a.get("data", {}).get("result", [])
        if mode == "nopeer":
            res[:] = [s for s in res if s["metric"].get("instance") != peer]
        elif mode == "same":
            for s in res:
                if s["metric"].get("instance") == peer:
                    s["metric"]["instance"] = self_
        elif mode == "another":
            for s in res:
                if s["metric"].get("instance") == peer and "spi_in" in s["metric"]:
                    s["metric"]["spi_in"], s["metric"]["spi_out"] = "c0ffee01", "c0ffee02"
        elif mode == "stale":
            now = time.time()
            for s in res:
                if "values" in s:
                    s["values"] = [v for v in s["values"] if v[0] < now - 20]
        self.reply(200, json.dumps(a).encode())
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
S((sys.argv[1], int(sys.argv[2])), H).serve_forever()
PY
pport=$(free_port)
ip netns exec "$nsa" python3 "$work/proxy.py" 127.0.0.1 "$pport" "$PROM" "$TARGET_B" "$TARGET_A" \
	>"$work/proxy.log" 2>&1 &
t_cleanup kill $!
PROXY="http://127.0.0.1:$pport"
closed=$(free_port)

doctor() {
	ip netns exec "$nsa" "$IKEWATCH" doctor --vici.socket "$(lab_vici_path A)" \
		--log-file "$(lab_log_path A)" --probe 203.0.113.129 --source 203.0.113.1 --no-mtu \
		--json "$@" a-b
}
first() { python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["id"])'; }
ids() { python3 -c 'import json,sys; print(" ".join(f["id"] for f in json.load(sys.stdin)["findings"]))'; }

# one NAME ARGS...: run doctor; FIRST, ALL, ELAPSED set, the JSON kept as NAME.json
one() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	doctor "$@" >"$work/$name.json" 2>"$work/$name.err"
	t1=$(date +%s%N)
	ELAPSED=$(((t1 - t0) / 1000000))
	FIRST=$(first <"$work/$name.json" 2>/dev/null)
	ALL=$(ids <"$work/$name.json" 2>/dev/null)
	if [ "${T_VERBOSE:-0}" = 1 ]; then
		echo "# $name: ${ELAPSED} ms, first: $(python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"][0]; print(f["title"])' <"$work/$name.json" 2>/dev/null)" >&2
	fi
}
has_text() { # NAME TEXT: the first finding's title or evidence holds TEXT
	python3 - "$work/$1.json" "$2" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["findings"][0]
sys.exit(0 if sys.argv[2] in f["title"] + " ".join(f["evidence"]) else 1)
PY
}

has_text_in() { # NAME ID... -- TEXT: the first finding with one of the IDs holds TEXT
	local name=$1 ids=()
	shift
	while [ "$1" != -- ]; do ids+=("$1"); shift; done
	python3 - "$work/$name.json" "$2" "${ids[@]}" <<'PY'
import json, sys
fs = [f for f in json.load(open(sys.argv[1]))["findings"] if f["id"] in sys.argv[3:]]
sys.exit(0 if fs and sys.argv[2] in fs[0]["title"] + " ".join(fs[0]["evidence"]) else 1)
PY
}

# same NAME WANT: --peer and --prometheus both name WANT first ("=": the same as each other)
same() {
	local name=$1 want=$2 peer prom mode=pass
	[ -n "${DOCPROM_RECORD:-}" ] && mode=rec-$name
	one "$name-peer" --peer "http://$TARGET_B/metrics" --probe-count 100
	peer=$FIRST
	one "$name-prom" --prometheus "$PROXY/$mode" --probe-count 100
	prom=$FIRST
	[ "$want" = "=" ] && want=$peer
	if [ "$peer" = "$want" ] && [ "$prom" = "$want" ]; then
		t_ok "$name"
	else
		t_fail "$name" "want $want; --peer: $peer ($(ids <"$work/$name-peer.json" 2>/dev/null)); --prometheus: $prom ($ALL) $(head -c 300 "$work/$name-prom.err")"
	fi
	has_text "$name-prom" "read from Prometheus at $PROXY/$mode" && t_ok "$name-evidence" ||
		t_fail "$name-evidence" "$(head -c 500 "$work/$name-prom.json")"
}

# 1. Healthy.
same healthy path_clean
has_text healthy-prom "both ends counted them" && t_ok healthy-both-ends ||
	t_fail healthy-both-ends "$(head -c 400 "$work/healthy-prom.json")"
# the far reflector's count of our prober: exact with --peer (read around the run), at least
# the probes with --prometheus (its window is the scrapes around the run)
has_text healthy-peer "the reflector behind $WAN_B counted 100 packets from 203.0.113.1" &&
	t_ok healthy-peer-reflector-count ||
	t_fail healthy-peer-reflector-count "$(head -c 900 "$work/healthy-peer.json")"
python3 - "$work/healthy-prom.json" "$WAN_B" <<'PY' && t_ok healthy-prom-reflector-count ||
import json, re, sys
f = json.load(open(sys.argv[1]))["findings"][0]
m = [re.search(r"the reflector behind %s counted (\d+) packets from 203\.0\.113\.1" % re.escape(sys.argv[2]), e) for e in f["evidence"]]
n = [int(x.group(1)) for x in m if x]
sys.exit(0 if n and n[0] >= 100 else 1)
PY
	t_fail healthy-prom-reflector-count "$(head -c 900 "$work/healthy-prom.json")"

# 2. ESP dropped A->B, 3. B->A.
lab_drop_esp A out || t_bail "lab_drop_esp A out"
same esp-a-to-b esp_out_lost
has_text esp-a-to-b-prom "ESP from $WAN_A to $WAN_B is lost: $WAN_A sent" && t_ok esp-a-to-b-words ||
	t_fail esp-a-to-b-words "$(head -c 400 "$work/esp-a-to-b-prom.json")"
lab_undrop_esp
lab_drop_esp B out || t_bail "lab_drop_esp B out"
same esp-b-to-a esp_back_lost
lab_undrop_esp

# 4. The reflector behind B unreachable; 5. its answers dropped on their way out of B.
ip netns exec "$nsb" nft -f - <<'NFT' || t_bail "nft in B"
table inet docprom {
	chain in { type filter hook input priority 0; policy accept; }
	chain out { type filter hook output priority 0; policy accept; }
}
NFT
t_cleanup ip netns exec "$nsb" nft delete table inet docprom
ip netns exec "$nsb" nft add rule inet docprom in udp dport 862 drop
same reflector-down beyond_peer
has_text reflector-down-prom "never the reflector behind $WAN_B" && t_ok reflector-down-words ||
	t_fail reflector-down-words "$(head -c 400 "$work/reflector-down-prom.json")"
ip netns exec "$nsb" nft flush chain inet docprom in
ip netns exec "$nsb" nft add rule inet docprom out udp sport 862 drop
same replies-lost reflector_replies_lost
ip netns exec "$nsb" nft flush chain inet docprom out

# 6. A Prometheus that cannot be used, on a healthy tunnel: its finding first (nothing
# critical made up), the verdict of our end next, each within its timeout.
bad() { # NAME WANT_FIRST MAX_MS ARGS...
	local name=$1 want=$2 max=$3
	shift 3
	one "$name" --probe-count 50 "$@"
	if [ "$FIRST" != "$want" ]; then
		t_fail "$name" "first '$FIRST', want $want (all: $ALL) $(head -c 300 "$work/$name.err")"
	elif ! printf ' %s ' "$ALL" | grep -q ' path_clean '; then
		t_fail "$name" "no path_clean among: $ALL"
	elif printf ' %s ' "$ALL" | grep -qE ' (esp_out_lost|esp_back_lost|beyond_peer|reflector_replies_lost) '; then
		t_fail "$name" "a segment from a Prometheus that could not be used: $ALL"
	elif [ "$ELAPSED" -gt "$max" ]; then
		t_fail "$name" "took $ELAPSED ms (at most $max)"
	else
		t_ok "$name"
	fi
}
bad prom-refused prometheus_unreachable 5000 --prometheus "http://127.0.0.1:$closed"
bad prom-slow prometheus_timeout 5000 --prometheus "$PROXY/slow" --prometheus.timeout 1s
bad prom-503 prometheus_http 5000 --prometheus "$PROXY/http503"
bad prom-error prometheus_error 5000 --prometheus "$PROXY/error"
has_text prom-error "bad_data: parse error at char 3" && t_ok prom-error-says ||
	t_fail prom-error-says "$(head -c 400 "$work/prom-error.json")"
bad prom-garbage prometheus_malformed 5000 --prometheus "$PROXY/garbage"
bad prom-big prometheus_oversized 8000 --prometheus "$PROXY/big"
bad prom-no-peer prometheus_no_peer 5000 --prometheus "$PROXY/nopeer"
bad prom-one-target prometheus_no_peer 5000 --prometheus "$PROXY/same"
has_text prom-one-target "holds both ends" && t_ok prom-one-target-says ||
	t_fail prom-one-target-says "$(head -c 400 "$work/prom-one-target.json")"
bad prom-another-gateway prometheus_no_peer 5000 --prometheus "$PROXY/another"
bad prom-stale prometheus_stale 8000 --prometheus "$PROXY/stale" --prometheus.wait 2s
# basic auth (--prometheus.user, --prometheus.password-file; the proxy wants doc:prom-pass)
printf 'prom-pass\n' >"$work/prom.pass"
printf 'wrong\n' >"$work/prom.wrong"
bad prom-auth-wrong prometheus_auth 5000 --prometheus "$PROXY/auth" --prometheus.user doc \
	--prometheus.password-file "$work/prom.wrong"
bad prom-auth-none prometheus_auth 5000 --prometheus "$PROXY/auth"
one prom-auth-right --prometheus "$PROXY/auth" --prometheus.user doc \
	--prometheus.password-file "$work/prom.pass" --probe-count 50
if [ "$FIRST" = path_clean ] && has_text prom-auth-right "read from Prometheus at $PROXY/auth"; then
	t_ok prom-auth-right
else
	t_fail prom-auth-right "first $FIRST (all: $ALL) $(head -c 400 "$work/prom-auth-right.json")"
fi
bad prom-wrong-instance prometheus_no_self 5000 --prometheus "$PROXY/pass" \
	--prometheus.instance 192.0.2.99:1

# 7. IKE only: an IKE rekey that B never answers while ESP flows. With strongSwan's
# retransmit defaults (LAB_FAST_DPD=0 above) charon keeps retransmitting for about 165 s, long
# enough for both runs.
ike_only() { # NAME ARGS...
	local name=$1
	shift
	one "$name" --probe-count 100 "$@"
}
lab_drop_ike || t_bail "lab_drop_ike"
retx0=$(grep -c "retransmit 1 of request" "$(lab_log_path A)")
lab_swanctl A --rekey --ike a-b >/dev/null 2>&1 &
t_cleanup kill $!
retransmitted() { [ "$(grep -c "retransmit 1 of request" "$(lab_log_path A)")" -gt "$retx0" ]; }
t_eventually 15 ike-only/retransmitted retransmitted
ike_only ike-only-peer --peer "http://$TARGET_B/metrics"
peer=$FIRST
ike_only ike-only-prom --prometheus "$PROXY/pass"
# control_plane_only (the probes came back while IKE is retransmitted) and peer_silent (the
# log's retransmits while the CHILD SA's counters still grow) tell the same thing: when both
# hold, peer_silent carries the probes' evidence; control_plane_only alone when the forecast
# cannot be made yet (no inbound ESP seen since the request left).
cp_first() { case $1 in control_plane_only | peer_silent) return 0 ;; esac; return 1; }
if cp_first "$FIRST" && cp_first "$peer"; then
	t_ok ike-only
else
	t_fail ike-only "--peer: $peer, --prometheus: $FIRST ($ALL)"
fi
for n in ike-only-peer ike-only-prom; do
	printf ' %s ' "$(ids <"$work/$n.json")" | grep -q ' path_clean ' && t_ok "$n-data-plane-clean" ||
		t_fail "$n-data-plane-clean" "$(ids <"$work/$n.json")"
done
has_text_in ike-only-prom control_plane_only path_clean -- "read from Prometheus at $PROXY/pass" &&
	t_ok ike-only-prom-used ||
	t_fail ike-only-prom-used "$(ids <"$work/ike-only-prom.json"): $(python3 -c 'import json,sys; print([f["evidence"] for f in json.load(sys.stdin)["findings"]])' <"$work/ike-only-prom.json" | head -c 1500)"
lab_undrop_ike

for l in "$work"/serve_*.log "$work"/*.err; do
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$l" && t_fail "sanitizers" "$l"
done
t_done
