#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_native_histograms.sh - the exposition formats against Debian's Prometheus, in the
# strongSwan lab. serve runs in gateway A's namespace with two probe streams through the tunnel
# (STAMP to a reflector on B, ICMP echo), fast enough to fill the RTT histograms in seconds. Two
# Prometheus servers scrape it:
#  - NATIVE, with --enable-feature=native-histograms, asks for protobuf first and gets it:
#    it scrapes (up 1), the probe RTT arrives as one native histogram series per stream (and no
#    classic _bucket series), the other series carry the values a text 0.0.4 scrape shows;
#  - CLASSIC, without the flag, asks for OpenMetrics first and gets it (Content-Type, "# EOF"):
#    it scrapes (up 1) and holds the classic buckets.
# histogram_quantile() over the native histogram agrees with the one over the classic buckets
# (p50 and p90 of each stream, within the classic bucket, give or take one native bucket), and
# the series count per probe stream is printed for both (docs/metrics.md quotes it).
#
# Needs root (namespaces), strongSwan (tests/lab/lab.sh), prometheus, python3, curl (all in
# scripts/deps.sh: a missing one fails the test). About a minute. Traffic stays on 127.0.0.1 and
# inside the lab's namespaces; every daemon is stopped by its own PID.

. "$(dirname "$0")/lib.sh"
t_require_root
. "$T_TOP/tests/integration/serve_lib.sh"
. "$T_TOP/tests/lab/lab.sh"

for tool in prometheus python3 curl; do
	command -v "$tool" >/dev/null 2>&1 || t_bail "$tool not installed (scripts/deps.sh)"
done
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"

W=$(mktemp -d /tmp/iw-native.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$W"
# the figures it prints ("# ...") are kept for the end of the log; the rest is the failure
compare() {
	python3 "$T_TOP/tests/integration/prom_compare.py" "$@" >"$W/compare.out"
	local rc=$?
	grep '^#' "$W/compare.out" >>"$W/figures"
	grep -v '^#' "$W/compare.out"
	return $rc
}

# What Prometheus 2.42 sends (scrape/scrape.go): with native histograms, then without
ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
ACCEPT_OM='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

lab_up || t_bail "lab_up"
t_cleanup lab_down

ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen 0.0.0.0:862 >"$W/refl.log" 2>&1 &
t_cleanup kill $!
cat >"$W/ikewatch.yml" <<YAML
probes:
  - {target: 203.0.113.129, source: 203.0.113.1, conn: a-b, child: net, interval: 50ms, window: 1s, timeout: 500ms, reflector: stateful}
  - {target: 203.0.113.129, source: 203.0.113.1, module: icmp, interval: 50ms, window: 1s, timeout: 500ms}
YAML
serve_start_in "${LAB_PREFIX}a" "$(lab_vici_path A)" --config "$W/ikewatch.yml" ||
	t_bail "ikewatch serve did not start: $(tail -n 3 "$SERVE_LOG")"
SERVE_ADDR=${SERVE_URL#http://}

# ---- what each Accept header gets ------------------------------------------------------------
ctype() { curl -fsS -o "$W/body" -w '%{content_type}' -H "Accept: $1" "$SERVE_URL/metrics"; }
t_check "protobuf-for-native-histograms-accept" \
	test "$(ctype "$ACCEPT_PB")" = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
t_check "openmetrics-for-prometheus-accept" \
	test "$(ctype "$ACCEPT_OM")" = "application/openmetrics-text; version=1.0.0; charset=utf-8"
t_check "openmetrics-ends-in-eof" test "$(tail -n 1 "$W/body")" = "# EOF"
t_check "text-without-accept" \
	test "$(curl -fsS -o /dev/null -w '%{content_type}' "$SERVE_URL/metrics")" = "text/plain; version=0.0.4; charset=utf-8"

# ---- two Prometheus servers --------------------------------------------------------------------
start_prom() { # NAME FLAGS...
	local name=$1 port
	shift
	port=$(free_port)
	cat >"$W/$name.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
rule_files: ['$T_TOP/mixin/rules/ikewatch-recording.yaml']
scrape_configs:
- job_name: ikewatch
  static_configs: [{targets: ['$SERVE_ADDR']}]
YAML
	mkdir -p "$W/$name"
	prometheus --config.file="$W/$name.yml" --storage.tsdb.path="$W/$name" \
		--web.listen-address="127.0.0.1:$port" "$@" >"$W/$name.log" 2>&1 &
	t_cleanup kill $!
	printf -v "$name" 'http://127.0.0.1:%s' "$port"
	printf -v "${name}_PID" '%s' "$!"
}
start_prom NATIVE --enable-feature=native-histograms
start_prom CLASSIC
value() { # BASE QUERY: the first sample's value, empty if none; fails if the query does
	curl -fsS --data-urlencode "query=$2" "$1/api/v1/query" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r and "value" in r[0] else "")'
}
is() { local v; v=$(value "$1" "$2") && test "$v" = "$3"; }
t_eventually 30 "native-server-scrapes-protobuf-up" is "$NATIVE" 'up{job="ikewatch"}' 1 ||
	tail -n 3 "$W/NATIVE.log" >&2
t_eventually 10 "classic-server-scrapes-openmetrics-up" is "$CLASSIC" 'up{job="ikewatch"}' 1 ||
	tail -n 3 "$W/CLASSIC.log" >&2

# enough observations for quantiles: 30 s of probes every 50 ms
enough() { awk -v v="$(value "$CLASSIC" 'min(ipsec_probe_rtt_seconds_count)')" 'BEGIN { exit !(v + 0 >= 500) }'; }
t_eventually 60 "probes-filled-the-histograms" enough
curl -fsS -H 'Accept: text/plain;version=0.0.4' "$SERVE_URL/metrics" >"$W/text-before.prom" ||
	t_bail "text scrape failed"
sleep 20 # 20 s of scrapes with a steady series set for the comparisons
# the checks below need both servers: say so once if one went away (on this shared machine one
# was once SIGKILLed from outside mid-test) rather than as a run of unrelated failures
for n in NATIVE CLASSIC; do
	pid=${n}_PID
	kill -0 "${!pid}" 2>/dev/null || t_bail "prometheus $n (pid ${!pid}) is gone: $(tail -n 2 "$W/$n.log")"
done

native_is_histogram() {
	curl -fsS --data-urlencode 'query=ipsec_probe_rtt_seconds{module="stamp"}' \
		"$NATIVE/api/v1/query" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if len(r) == 1 and "histogram" in r[0] and float(r[0]["histogram"][1]["count"]) > 0 else 1)'
}
t_check "rtt-is-a-native-histogram" native_is_histogram
t_check "no-classic-buckets-in-native-server" is "$NATIVE" 'count(ipsec_probe_rtt_seconds_bucket)' ""
t_check "classic-buckets-in-classic-server" is "$CLASSIC" 'count(ipsec_probe_rtt_seconds_bucket) > bool 0' 1
t_check "series-per-probe-stream" compare series "$NATIVE" "$CLASSIC" ikewatch 203.0.113.129 stamp icmp

curl -fsS -H 'Accept: text/plain;version=0.0.4' "$SERVE_URL/metrics" >"$W/text.prom" ||
	t_bail "text scrape failed"
t_check "same-values-as-text-scrape" \
	compare values "$NATIVE" "$CLASSIC" ikewatch "$W/text-before.prom" "$W/text.prom" 15

bounds=$(sed -n 's/^ipsec_probe_rtt_seconds_bucket{[^}]*module="stamp"[^}]*le="\([0-9.e+-]*\)"}.*/\1/p' \
	"$W/text.prom" | paste -sd,)
[ -n "$bounds" ] || t_bail "no classic RTT buckets in the text scrape"
for m in stamp icmp; do
	for q in 0.5 0.9; do
		t_check "quantile-$m-p$(awk -v q="$q" 'BEGIN { print q * 100 }')" compare quantile "$NATIVE" "$CLASSIC" "$m" "$q" 30s "$bounds"
	done
done

# the mixin's RTT quantile reads the classic buckets where Prometheus keeps them and the native
# histogram where it keeps only that (mixin/lib/histograms.libsonnet): both servers record it
rule_state() { # BASE: the RTT rules' health and last error, and what they recorded
	curl -fsS "$1/api/v1/rules" | python3 -c '
import json, sys
for g in json.load(sys.stdin)["data"]["groups"]:
    for r in g["rules"]:
        if "rtt" in r["name"]:
            print(r["name"], r.get("labels"), r["health"], r.get("lastError", ""))' | sort -u | head -n 3
	value "$1" 'count(ipsec_tunnel:probe_rtt_seconds:quantile)'
}
for srv in NATIVE CLASSIC; do
	t_eventually 20 "mixin-rtt-quantile-recorded-$srv" is "${!srv}" \
		'count(ipsec_tunnel:probe_rtt_seconds:quantile{module="stamp",quantile="0.5"} > 0)' 1 ||
		rule_state "${!srv}" >&2
done

cat "$W/figures" >&2
serve_stop
clean=$? # no sanitizer report in its log
t_check "serve-clean-exit" test "$SERVE_RC" = 0 -a "$clean" = 0
t_done
