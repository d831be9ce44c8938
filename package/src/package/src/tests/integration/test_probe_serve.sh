#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_probe_serve.sh - continuous probes in `serve` (the `probes:` and `reflector:` sections),
# in the strongSwan lab. serve runs in gateway A's namespace (its probes must leave from A),
# a reflector runs on B:
#  - a target probed from LAN A's address crosses the CHILD SA: ipsec_probe_in_tunnel 1;
#  - a target found without a configured conn gets its conn/child labels from the traffic
#    selectors;
#  - with ESP dropped on the way, ipsec_probe_success drops to 0 while in_tunnel stays 1 (the
#    probes still enter the SA);
#  - a target reached in clear (B's WAN address) answers but is NOT in the tunnel: in_tunnel 0.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
work=$(mktemp -d /tmp/iw-probe-serve.XXXXXX)
t_cleanup rm -rf "$work"
nsa="${LAB_PREFIX}a"

ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen 0.0.0.0:862 >"$work/refl.out" 2>&1 &
refl=$!
t_cleanup kill "$refl"

cat >"$work/tunnel.yml" <<YML
probes:
  - {target: 203.0.113.129, source: 203.0.113.1, conn: a-b, child: net, interval: 100ms, window: 1s, timeout: 500ms, reflector: stateful}
  - {target: 203.0.113.129, source: 203.0.113.1, module: icmp, interval: 100ms, window: 1s, timeout: 500ms}
reflector:
  listen: 127.0.0.1:8862
YML
# B's WAN address is reached in clear; claiming the CHILD SA must not make it "in tunnel"
cat >"$work/clear.yml" <<YML
probes:
  - {target: 198.51.100.1, conn: a-b, child: net, interval: 100ms, window: 1s, timeout: 500ms}
YML
port=$((20000 + $$ % 20000))
serve=
start_serve() {
	ip netns exec "$nsa" "$IKEWATCH" serve --vici.socket "$(lab_vici_path A)" \
		--web.listen-address "127.0.0.1:$port" --config "$1" --log.level debug >"$work/serve.log" 2>&1 &
	serve=$!
	t_cleanup kill "$serve"
	for _ in $(seq 100); do scrape >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
stop_serve() { kill "$serve" && wait "$serve" 2>/dev/null; }
scrape() { ip netns exec "$nsa" curl -fsS "http://127.0.0.1:$port/metrics"; }
start_serve "$work/tunnel.yml" || t_bail "serve did not start: $(tail -n 2 "$work/serve.log")"
scrape 2>/dev/null | grep -q '^ipsec_probe_sent_total{' ||
	t_bail "serve exports no ipsec_probe_* series ($(tail -n 1 "$work/serve.log"))"
has() { scrape | grep -qF "$1"; }
t_eventually 10 "in-tunnel-configured-conn" \
	has 'ipsec_probe_in_tunnel{target="203.0.113.129",conn="a-b",child="net",module="stamp"} 1'
t_eventually 10 "in-tunnel-found-by-ts" \
	has 'ipsec_probe_in_tunnel{target="203.0.113.129",conn="a-b",child="net",module="icmp"} 1'
t_check "serve-reflector-exported" has 'ipsec_reflector_packets_total{result="reflected"} 0'
lab_drop_esp A out
t_eventually 10 "esp-dropped-success-0" \
	has 'ipsec_probe_success{target="203.0.113.129",conn="a-b",child="net",module="stamp"} 0'
# the probes still enter the SA (A's out counter grows): in-tunnel says where they go, success
# says whether they come back (within a few 1 s windows: on a loaded machine kernel-libipsec's
# counters can lag one window behind)
t_eventually 5 "esp-dropped-still-in-tunnel" \
	has 'ipsec_probe_in_tunnel{target="203.0.113.129",conn="a-b",child="net",module="stamp"} 1' ||
	grep -F 'window:' "$work/serve.log" | tail -n 12 >&2
lab_undrop_esp
stop_serve

start_serve "$work/clear.yml" || t_bail "serve did not start: $(tail -n 2 "$work/serve.log")"
t_eventually 10 "clear-path-answers" \
	has 'ipsec_probe_success{target="198.51.100.1",conn="a-b",child="net",module="stamp"} 1'
sleep 1.2 # one more window
t_check "clear-path-not-in-tunnel" \
	has 'ipsec_probe_in_tunnel{target="198.51.100.1",conn="a-b",child="net",module="stamp"} 0'
stop_serve
t_done
