#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_diag.sh - `ikewatch diag` against gateway A of the lab (tests/lab/lab.sh), run inside A's
# namespace so that `ip xfrm` and the routes are A's (with kernel-libipsec both XFRM tables
# are empty: the SAs live in charon and ipsec0), with an exporter (`ikewatch serve`) on A's
# loopback. Checks:
#  - the bundle is written (exit 0), mode 0600, a valid .tar.gz;
#  - the expected files exist and are not empty (VICI dumps name the lab's connection, the
#    kernel files, the log, the exporter's metrics, doctor.json, MANIFEST.txt);
#  - NO SECRET: the lab's PSKs (read from A's swanctl.conf) appear in no file of the bundle,
#    even with charon logging keying material (a log line with the PSK as a charon hex dump and
#    as 0x-hex is appended to the log first), and no 0x-hex run of 16+ digits is left;
#  - MANIFEST.txt lists what was skipped (conntrack/tcpdump when not installed) with a reason;
#  - --capture when tcpdump is installed; charon gone still gives a bundle with the failures
#    listed; usage errors exit 2, an unwritable output exits 1.
# Key redaction of realistic `ip xfrm state` text is in the unit test (tests/unit/test_diag.c):
# this kernel has no ESP, so the lab's SAD is empty.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-diag.XXXXXX)
[ "${T_KEEP:-0}" = 1 ] || t_cleanup rm -rf "$work"
NS="${LAB_PREFIX}a"
VICI=$(lab_vici_path A)
LOG=$(lab_log_path A)

# Every PSK of A's config: the bundle must contain none of them.
mapfile -t psks < <(sed -n 's/^[[:space:]]*secret = "\(.*\)"/\1/p' "$LAB_DIR/a/swanctl/swanctl.conf")
[ "${#psks[@]}" -gt 0 ] || t_bail "no PSK found in $LAB_DIR/a/swanctl/swanctl.conf"

# charon at log level 4 would print keying material: plant it in the log, in both shapes
psk=${psks[0]}
hex=$(printf '%s' "$psk" | od -An -tx1 | tr -d ' \n')
dump=$(printf '%s' "${psk:0:16}" | od -An -tx1 | tr 'a-f' 'A-F' | sed 's/^ *//')
{
	echo "Nov 23 08:00:01 14[IKE] <a-b|1> shared secret => ${#psk} bytes @ 0x0000deadbeef"
	echo "Nov 23 08:00:01 14[IKE] <a-b|1>    0: $dump  ${psk:0:16}"
	echo "Nov 23 08:00:01 14[IKE] <a-b|1> Sk_ei secret 0x$hex"
} >>"$LOG"

# an exporter on A's loopback, so that the bundle holds its metrics
port=$(free_port)
ip netns exec "$NS" "$IKEWATCH" serve --vici.socket "$VICI" \
	--web.listen-address "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
t_cleanup kill "$serve_pid"
for _ in $(seq 100); do
	ip netns exec "$NS" curl -fsS "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break
	sleep 0.05
done

capture=()
have_tcpdump=0
if ip netns exec "$NS" sh -c 'command -v tcpdump' >/dev/null 2>&1; then
	have_tcpdump=1
	capture=(--capture 2)
	# traffic during the capture: pings through the tunnel (ESP in UDP 4500)
	(sleep 0.5; lab_ping_through 3 >/dev/null 2>&1) &
fi

diag() { ip netns exec "$NS" "$IKEWATCH" diag --vici.socket "$VICI" "$@"; }

t0=$(date +%s%N)
diag --log-file "$LOG" --exporter "http://127.0.0.1:$port" "${capture[@]}" \
	--output "$work/bundle.tar.gz" >"$work/out" 2>"$work/err"
rc=$?
t1=$(date +%s%N)
[ "${T_VERBOSE:-0}" = 1 ] && echo "# diag took $(((t1 - t0) / 1000000)) ms, $(stat -c %s "$work/bundle.tar.gz" 2>/dev/null) bytes" >&2
if [ $rc -eq 0 ] && [ -s "$work/bundle.tar.gz" ]; then
	t_ok "written"
else
	t_fail "written" "rc $rc: $(cat "$work/err")"
fi
[ "$(stat -c %a "$work/bundle.tar.gz" 2>/dev/null)" = 600 ] && t_ok "mode-0600" ||
	t_fail "mode-0600" "mode $(stat -c %a "$work/bundle.tar.gz" 2>/dev/null)"
mkdir -p "$work/x"
t_check "valid-tar-gz" tar -xzf "$work/bundle.tar.gz" -C "$work/x"

missing=""
for f in MANIFEST.txt doctor.json vici/version.txt vici/stats.txt vici/list-sas.txt \
	vici/list-conns.txt kernel/xfrm-state.txt kernel/xfrm-policy.txt kernel/routes.txt \
	kernel/rules.txt kernel/links.txt kernel/sockets.txt logs/charon.log exporter/metrics.txt; do
	[ -s "$work/x/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && t_ok "expected-files" || t_fail "expected-files" "missing or empty:$missing"

# the content is A's: its connection, its SA, its policies, its table 220
grep -q '^a-b {' "$work/x/vici/list-conns.txt" && grep -q 'ESTABLISHED' "$work/x/vici/list-sas.txt" &&
	grep -q 'table 220' "$work/x/kernel/routes.txt" && grep -q '^$ ip -d -s xfrm policy' "$work/x/kernel/xfrm-policy.txt" &&
	grep -q '^ipsec_\|^ikewatch_' "$work/x/exporter/metrics.txt" &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))["findings"]' "$work/x/doctor.json" &&
	t_ok "content-is-gateway-a" || t_fail "content-is-gateway-a" "$(head -c 300 "$work/x/MANIFEST.txt")"

# No secret, in any file, in any of the shapes planted above.
leak=""
for s in "${psks[@]}" "$hex" "${psk:0:16}" "$dump"; do
	l=$(grep -rlF -- "$s" "$work/x" 2>/dev/null) && leak="$leak '$s' in $l;"
done
l=$(grep -rlaE '0[xX][0-9a-fA-F]{16,}' "$work/x" --exclude='*.pcap') && leak="$leak long 0x-hex in $l"
[ -z "$leak" ] && t_ok "no-psk-no-key-anywhere" || t_fail "no-psk-no-key-anywhere" "$leak"
grep -q 'shared secret =' "$work/x/logs/charon.log" && grep -q '\[redacted\]' "$work/x/logs/charon.log" &&
	t_ok "planted-log-lines-redacted" || t_fail "planted-log-lines-redacted" "$(tail -3 "$work/x/logs/charon.log")"

# Skipped items are listed with the reason.
if ip netns exec "$NS" sh -c 'command -v conntrack' >/dev/null 2>&1; then
	[ -s "$work/x/kernel/conntrack-4500.txt" ] && t_ok "conntrack" || t_fail "conntrack" "no conntrack file"
else
	grep -q 'conntrack-500.txt .*skipped.*not installed' "$work/x/MANIFEST.txt" &&
		t_ok "conntrack-skipped-listed" || t_fail "conntrack-skipped-listed" "not in MANIFEST"
fi
if [ $have_tcpdump = 1 ]; then
	# pcap magic a1b2c3d4 in either byte order, and at least one packet after the 24-byte header
	magic=$(od -An -tx4 -N4 "$work/x/capture/ike-esp.pcap" 2>/dev/null | tr -d ' ')
	size=$(stat -c %s "$work/x/capture/ike-esp.pcap" 2>/dev/null || echo 0)
	case $magic in a1b2c3d4 | d4c3b2a1) [ "$size" -gt 24 ] && t_ok "capture" || t_fail "capture" "empty pcap" ;;
	*) t_fail "capture" "no pcap ($magic): $(grep capture "$work/x/MANIFEST.txt")" ;; esac
else
	grep -q 'ike-esp.pcap .*skipped' "$work/x/MANIFEST.txt" && t_ok "capture-skipped-listed" ||
		t_fail "capture-skipped-listed" "not in MANIFEST"
fi

# --conn narrows list-sas; an unknown one gives an empty dump, still a bundle
diag --conn nosuch --output "$work/b2.tar.gz" >/dev/null 2>&1 && mkdir -p "$work/x2" &&
	tar -xzf "$work/b2.tar.gz" -C "$work/x2" && ! grep -q '^a-b {' "$work/x2/vici/list-sas.txt" &&
	t_ok "conn-filter" || t_fail "conn-filter" "list-sas not narrowed"

# Usage and write errors.
diag >/dev/null 2>&1
[ $? -eq 2 ] && t_ok "no-output-is-usage" || t_fail "no-output-is-usage" "exit not 2"
diag --output "$work/b3.tar.gz" --exporter http://192.0.2.1:9903 >/dev/null 2>&1
[ $? -eq 2 ] && t_ok "non-loopback-exporter-refused" || t_fail "non-loopback-exporter-refused" "exit not 2"
diag --output "$work/no/such/dir/b.tar.gz" >/dev/null 2>&1
[ $? -eq 1 ] && t_ok "unwritable-is-1" || t_fail "unwritable-is-1" "exit not 1"

# charon gone: still a bundle, the VICI items listed as failed
lab_kill_gateway A >/dev/null 2>&1
diag --log-file "$LOG" --output "$work/b4.tar.gz" >/dev/null 2>&1
rc=$?
mkdir -p "$work/x4"
if [ $rc -eq 0 ] && tar -xzf "$work/b4.tar.gz" -C "$work/x4" &&
	grep -q 'vici/list-sas.txt .*failed.*charon not reachable' "$work/x4/MANIFEST.txt" &&
	[ -s "$work/x4/logs/charon.log" ]; then
	t_ok "charon-gone-still-bundle"
else
	t_fail "charon-gone-still-bundle" "rc $rc: $(head -c 300 "$work/x4/MANIFEST.txt" 2>/dev/null)"
fi

t_done
