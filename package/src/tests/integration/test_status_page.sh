#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_status_page.sh - the status page at / of `ikewatch serve`, rendered by headless Chromium
# against the real lab: serve runs in gateway A's namespace with a STAMP probe through the tunnel
# to a reflector on B, and gateway A has one more connection whose name is markup. The rendered
# DOM must show every connection with its state, the CHILD SA, the probe's row (tunnel, loss,
# RTT, path MTU, in-tunnel proof), the version and the snapshot's time, the hostile name as text
# and never as an element; after an authentication failure, the connection's last IKE error and
# the recent failures; with charon killed, the page says so and keeps the last snapshot, and the
# probe keeps its conn/child labels. The DOM dumps and screenshots (phone and desktop width)
# are kept in the test's output directory (run.sh -k keeps it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
command -v chromium >/dev/null || t_bail "chromium is not installed (scripts/deps.sh)"
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
if [ -n "${LAB_ROOT:-}" ]; then
	out=$(dirname "$LAB_ROOT") # run.sh's output directory for this test
else
	out=$(mktemp -d /tmp/iw-status-page.XXXXXX)
fi
work=$(mktemp -d /tmp/iw-status-page-work.XXXXXX)
t_cleanup rm -rf "$work"
nsa="${LAB_PREFIX}a"

ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" reflect --listen 0.0.0.0:862 >"$work/refl.out" 2>&1 &
t_cleanup kill $!

# A connection named with markup, loaded next to the lab's own (never started).
hostile='<i>x&amp;y</i>'
{
	echo "include $LAB_DIR/a/swanctl/swanctl.conf"
	echo "connections {"
	echo "	$hostile {"
	printf '\t\tversion = 2\n\t\tlocal_addrs = 192.0.2.1\n\t\tremote_addrs = 198.51.100.7\n'
	printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t}\n\t\tremote {\n\t\t\tauth = psk\n\t\t}\n'
	printf '\t\tchildren {\n\t\t\tn {\n\t\t\t\tremote_ts = 198.51.100.7/32\n'
	printf '\t\t\t\tstart_action = none\n\t\t\t}\n\t\t}\n\t}\n}\n'
} >"$work/hostile.conf"
lab_swanctl A --load-conns --file "$work/hostile.conf" >"$work/load.out" 2>&1 ||
	t_bail "cannot load the hostile connection: $(tail -n 1 "$work/load.out")"

printf '%s\n' 'probes:' \
	'  - {target: 203.0.113.129, source: 203.0.113.1, interval: 100ms, window: 1s, timeout: 500ms, reflector: stateful, mtu: {enabled: true, min: 1200, max: 1500, retries: 2, interval: 5s}}' \
	>"$work/serve.yml"
serve_start_in "$nsa" "$(lab_vici_path A)" --config "$work/serve.yml" ||
	t_bail "serve did not start: $(tail -n 2 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"

has() { scrape | grep -qF "$1"; }
t_eventually 15 probe-in-tunnel \
	has 'ipsec_probe_in_tunnel{target="203.0.113.129",conn="a-b",child="net",module="stamp"} 1'
t_eventually 30 probe-path-mtu \
	sh -c "curl -fsS '$SERVE_URL/metrics' | grep -q '^ipsec_probe_path_mtu_bytes{.*} [1-9]'"

# chrome OUTFILE ARGS...: headless Chromium with a private profile
chrome() {
	local o=$1
	shift
	timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$work/profile" "$@" >"$o" 2>"$work/chromium.err"
}
dom() { chrome "$1" --dump-dom "$SERVE_URL/"; }

dom "$work/up.html" || t_bail "chromium --dump-dom failed: $(tail -n 1 "$work/chromium.err")"
cp "$work/up.html" "$out/status-up.html"
in_dom() { grep -qF -- "$1" "$work/up.html"; }
in_dom_re() { grep -qE -- "$1" "$work/up.html"; }
t_check dom-conn-a-b in_dom '<section class="conn" data-conn="a-b"><h3><span class="name">a-b</span> <span class="state up">ESTABLISHED</span>'
t_check dom-conn-a-c-down in_dom '<section class="conn" data-conn="a-c"><h3><span class="name">a-c</span> <span class="state down">DOWN</span>'
t_check dom-ike-age-rekey in_dom_re 'data-conn="a-b">.*<dt>age</dt><dd>[0-9]+s</dd>.*<dt>rekey in</dt><dd>[0-9hms]+</dd>'
t_check dom-child-net in_dom '<li class="child" data-child="net"><h3><span class="name">net</span> <span class="state up">INSTALLED</span>'
t_check dom-child-traffic in_dom_re 'data-child="net">.*<dt>in</dt><dd>[0-9.]+ (B|KiB|MiB)</dd>.*<dt>out</dt><dd>[0-9.]+ (B|KiB|MiB)</dd>'
t_check dom-probe-row in_dom '<section class="probe" data-target="203.0.113.129">'
t_check dom-probe-tunnel in_dom '<span class="conn">a-b</span> / <span class="child">net</span>'
t_check dom-probe-in-tunnel in_dom '<dt>in tunnel</dt><dd class="up">proven</dd>'
t_check dom-probe-loss in_dom_re '<dt>loss</dt><dd>[0-9]+\.[0-9] %</dd>'
t_check dom-probe-rtt in_dom_re '<dt>RTT p50 / p99</dt><dd>[0-9.]+ / [0-9.]+ ms</dd>'
t_check dom-probe-mtu in_dom_re '<dt>path MTU</dt><dd>[0-9]+ bytes</dd>'
t_check dom-version in_dom_re '<span id="version">[0-9]+\.[0-9]+\.[0-9]+</span>'
t_check dom-snapshot-time in_dom_re '<time id="snapshot-time">20[0-9-]+ [0-9:]+ UTC</time>'
t_check dom-daemon-up in_dom '<p id="daemon" class="up">charon answering'
t_check dom-refresh in_dom '<meta http-equiv="refresh" content="10">'
t_check dom-viewport in_dom '<meta name="viewport" content="width=device-width, initial-scale=1">'
# the markup in a connection's name is text: escaped in the DOM, no <i> element anywhere
t_check dom-hostile-as-text in_dom '<span class="name">&lt;i&gt;x&amp;amp;y&lt;/i&gt;</span>'
t_check dom-hostile-no-element sh -c "! grep -q '<i>' '$work/up.html'"
t_check dom-no-script sh -c "! grep -qi '<script' '$work/up.html'"

chrome "$work/shot.out" --screenshot="$out/status-phone.png" --window-size=412,2400 \
	--hide-scrollbars "$SERVE_URL/"
t_check screenshot-phone test -s "$out/status-phone.png"
chrome "$work/shot.out" --screenshot="$out/status-desktop.png" --window-size=1280,1400 \
	--hide-scrollbars "$SERVE_URL/"
t_check screenshot-desktop test -s "$out/status-desktop.png"

# a failure: the IKE errors section names it, and the recent failures list it
lab_psk_mismatch B >/dev/null 2>&1 || t_bail "lab_psk_mismatch B: the initiation did not fail"
t_eventually 15 auth-failure-counted has 'ipsec_failures_total{conn="a-b",kind="auth_failed"} 1'
# dom_has FILE TEXT: a fresh DOM into FILE holds TEXT
dom_has() { dom "$1" && grep -qF -- "$2" "$1"; }
t_eventually 20 dom-a-b-down-after-failure dom_has "$work/failed.html" \
	'<section class="conn" data-conn="a-b"><h3><span class="name">a-b</span> <span class="state down">DOWN</span>'
cp "$work/failed.html" "$out/status-failed.html"
in_failed() { grep -q"$1" -- "$2" "$work/failed.html"; }
t_check dom-last-error in_failed F '<tr class="conn-errors" data-conn="a-b"><td class="name">a-b</td><td class="last-error">notify 24 (auth_failed), 20'
t_check dom-failure-counts in_failed E '<td class="failures">([a-z_]+ [0-9]+, )*auth_failed 1(, [a-z_]+ [0-9]+)*</td>'
t_check dom-recent-failure in_failed E '<li class="failure">20[0-9: -]+ UTC <span class="name">a-b</span> <span class="kind">auth_failed</span> \(notify 24\)</li>'
chrome "$work/shot.out" --screenshot="$out/status-failed-phone.png" --window-size=412,2400 \
	--hide-scrollbars "$SERVE_URL/"

# charon gone: the page says so, still shows the last snapshot, and the probe keeps its labels
lab_kill_gateway A || t_bail "cannot kill charon A"
t_eventually 10 charon-down-seen metric_is ipsec_up 0
sleep 1.5 # a window end after the failure: the probes' lookups ran while charon was gone
t_check probe-labels-kept-while-down \
	has 'ipsec_probe_sent_total{target="203.0.113.129",conn="a-b",child="net",module="stamp"}'
dom "$work/down.html" || t_bail "chromium --dump-dom failed: $(tail -n 1 "$work/chromium.err")"
cp "$work/down.html" "$out/status-down.html"
in_down() { grep -qF -- "$1" "$work/down.html"; }
t_check dom-daemon-down in_down '<p id="daemon" class="down">charon not answering'
t_check dom-down-keeps-snapshot in_down '<section class="conn" data-conn="a-b">'
t_check dom-down-marked-stale in_down '<div id="tunnels" class="stale">'
t_check dom-down-probe-tunnel in_down '<span class="conn">a-b</span> / <span class="child">net</span>'
chrome "$work/shot.out" --screenshot="$out/status-down-phone.png" --window-size=412,1600 \
	--hide-scrollbars "$SERVE_URL/"

serve_stop
t_check serve-clean-exit test "$SERVE_RC" = 0
echo "# status page DOM and screenshots in $out" >&2
t_done
