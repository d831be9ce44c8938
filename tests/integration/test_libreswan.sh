#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_libreswan.sh - issue 17 live: gateway A is Libreswan's pluto (tests/lab/lab_libreswan.sh),
# B is charon, and `ikewatch serve --libreswan.ctl` on A shows the same metrics as on strongSwan:
# the IKE SA up, a connection configured but down, and the faults of the events test (PSK
# mismatch, proposal mismatch, killed peer) in ipsec_failures_total with the same kinds, plus
# pluto's own --globalstatus counters. `ikewatch doctor` on A names each fault by its first
# finding, by the same rules as on charon (auth_failed, proposal_mismatch, peer_unreachable,
# pluto_down), and `ikewatch diag` bundles whack's answers, pluto's log and its ipsec.conf and
# ipsec.d/*.conf without any PSK. Also what this kernel cannot do: a CHILD SA pluto is
# asked to install fails (no ESP in the kernel), counted as install_failed, and the CHILD SA is
# not reported up. What cannot be seen live (a CHILD SA up with traffic) is checked on the
# recordings by the unit tests (tests/unit/test_libreswan.c); docs/libreswan.md says which is
# which.

. "$(dirname "$0")/lib.sh"
t_require_root
. "$T_TOP/tests/lab/lab.sh"
. "$T_TOP/tests/lab/lab_libreswan.sh"
. "$T_TOP/tests/integration/serve_lib.sh"

if ! why=$(lsw_available); then
	# not unpacked at all: a skip that tests/skip_reasons.sh checks; unpacked but broken: a failure
	t_skip all no-pluto "$why" || t_bail "pluto cannot run: $why (scripts/deps.sh unpacks it)"
	t_done
fi
LAB_START=0 LAB_CHILDLESS=force lab_up >/dev/null || t_bail "lab_up"
t_cleanup lab_down
t_cleanup lsw_down
lsw_up || t_bail "lsw_up"
want_version=$("$(_lsw_libexec)/ipsec/pluto" --version | awk '{print $2; exit}')

# value 'metric{labels}' -> the sample's value (0 when absent)
value() { scrape | awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? 0 : v) }'; }
eq() { [ "$(value "$1")" = "$2" ]; }
ge() { [ "$(value "$1")" -ge "$2" ]; }
# B's IKE SA a-b goes first: swanctl --initiate of a connection that is up waits forever
b_swanctl() { STRONGSWAN_CONF="$LAB_DIR/b/strongswan.conf" timeout 10 swanctl "$@" --uri "$(lab_vici B)"; }
b_initiate() {
	b_swanctl --terminate --ike a-b >/dev/null 2>&1
	b_swanctl --initiate --ike a-b >/dev/null 2>&1
}
initiate_fails() { ! b_initiate; }

work=$(mktemp -d /tmp/iw-lsw.XXXXXX)
t_cleanup rm -rf "$work"
# doctor on A (no probe run: the kernel has no ESP to probe through)
doctor() {
	"$IKEWATCH" doctor --libreswan.ctl "$(lsw_ctl)" --libreswan.whack "$(lsw_whack_path)" \
		--log-file "$(lsw_log_path)" "$@"
}
# "ID SEVERITY" of the first finding of doctor's JSON on stdin
first() { python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"][0]; print(f["id"], f["severity"])'; }
# doctor a-b names @1 first (exit 3: critical); retried, since pluto logs a moment after B acts
doctor_first() {
	local got
	got=$(doctor a-b --json 2>"$work/doctor.err" | first 2>&1)
	[ "${got%% *}" = "$1" ] || { echo "first '$got', want $1; $(head -c 200 "$work/doctor.err")"; return 1; }
}

serve_start "$LAB_DIR/no-charon.vici" --libreswan.ctl "$(lsw_ctl)" \
	--libreswan.whack "$(lsw_whack_path)" --events.stream false --events.log-source file \
	--events.log-file "$(lsw_log_path)" || t_bail "serve did not start: $(tail -n 3 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"

t_check "b-initiates-childless" b_initiate
t_eventually 10 "ike-sa-up" eq 'ipsec_ike_sa_up{conn="a-b"}' 1
t_check "ipsec-up" eq 'ipsec_up' 1
t_check "daemon-info" eq "ipsec_daemon_info{daemon=\"libreswan\",implementation=\"libreswan\",version=\"$want_version\"}" 1
t_check "configured-but-down" eq 'ipsec_ike_sa_up{conn="a-c"}' 0
t_check "configured-but-down-child" eq 'ipsec_child_sa_up{conn="a-c",child="a-c"}' 0
t_check "algorithms" eval 'scrape | grep -q "^ipsec_ike_sa_info{conn=\"a-b\".*encr=\"AES_CBC_128\".*dh_group=\"MODP2048\""'
t_check "established-age" eval '[ -n "$(value "ipsec_ike_sa_established_timestamp_seconds{conn=\"a-b\"}")" ] && ge "ipsec_ike_sa_established_timestamp_seconds{conn=\"a-b\"}" 1000000000'
t_check "global-established" ge 'libreswan_ike_sas_total{version="ikev2",result="established"}' 1
# peer_silent on pluto: pluto's schedule per connection, not charon's strongswan.conf
t_check "peer-silent-pluto-schedule" grep -q "peer_silent forecasts assume each connection's retransmit-interval and retransmit-timeout of whack --status, else retransmit-interval 500 ms, retransmit-timeout 60 s (pluto's defaults)" "$SERVE_LOG"
t_eventually 10 "event-established" ge 'ipsec_ike_sa_events_total{conn="a-b",event="established"}' 1

# status reads the same source: a-b up, a-c down (exit 3)
status_ok() {
	local out rc
	out=$("$IKEWATCH" status --libreswan.ctl "$(lsw_ctl)" --libreswan.whack "$(lsw_whack_path)")
	rc=$?
	[ "$rc" = 3 ] && grep -q '^a-b  *ESTABLISHED' <<<"$out" && grep -q '^a-c  *DOWN' <<<"$out"
}
t_check "status" status_ok

# Found without --libreswan.ctl: in a mount namespace whose /run has pluto's socket and no
# charon's (/var/run/charon.vici, the default, is under /run)
detected() {
	unshare -m --propagation private sh -c 'mount -t tmpfs none /run && mkdir /run/pluto &&
		mount --bind "$1" /run/pluto && "$2" status --libreswan.whack "$3"' \
		sh "$(dirname "$(lsw_ctl)")" "$IKEWATCH" "$(lsw_whack_path)" | grep -q '^a-b  *ESTABLISHED'
}
t_check "status-detects-pluto" detected

# doctor with the IKE SA up: nothing wrong with IKE. The CHILD SA that a-b configures cannot
# exist on this kernel (no ESP), and the doctor says so (child_down) instead of a fault of IKE.
doctor_ike_up() {
	local out rc
	out=$(doctor a-b --json)
	rc=$?
	[ "$rc" = 3 ] && printf '%s' "$out" | python3 -c '
import json, sys
f = json.load(sys.stdin)["findings"]
assert f[0]["id"] == "child_down", f[0]
ike = {"auth_failed", "proposal_mismatch", "peer_unreachable", "pluto_down", "conn_down",
       "ike_failed", "ike_connecting"}
assert not [x for x in f if x["id"] in ike], f
state = [x for x in f if x["id"] == "state"][0]
assert "ESTABLISHED" in state["title"], state
assert any("ipsec whack" in n for n in state["next_steps"]), state
assert [x["likelihood"] for x in f] == sorted((x["likelihood"] for x in f), reverse=True)'
}
t_check "doctor-ike-up" doctor_ike_up
# found without --libreswan.ctl, as status is
doctor_detects() {
	unshare -m --propagation private sh -c 'mount -t tmpfs none /run && mkdir /run/pluto &&
		mount --bind "$1" /run/pluto && "$2" doctor a-b --json --libreswan.whack "$3"' \
		sh "$(dirname "$(lsw_ctl)")" "$IKEWATCH" "$(lsw_whack_path)" | grep -q '"title":"IKE SA ESTABLISHED"'
}
t_check "doctor-detects-pluto" doctor_detects

# diag: whack's three answers, pluto's log and configuration (ipsec.conf, ipsec.d/*.conf), the
# doctor's findings; no PSK anywhere (ipsec.secrets and a *.secrets beside a *.conf in ipsec.d
# are never read), and the redactor still runs over what is taken.
cat >"$LAB_DIR/lsw/a-d.conf" <<'EOF2'
conn a-d
	left=192.0.2.1
	right=198.51.100.4
	authby=secret
	xauthpassword=never-in-a-bundle-0123
	auto=ignore
EOF2
echo '@gw-a.lab @gw-d.lab : PSK "ikewatch-lab-psk-d-never"' >"$LAB_DIR/lsw/a-d.secrets"
t_cleanup rm -f "$LAB_DIR/lsw/a-d.conf" "$LAB_DIR/lsw/a-d.secrets"
diag_out=$("$IKEWATCH" diag --output "$work/bundle.tar.gz" --libreswan.ctl "$(lsw_ctl)" \
	--libreswan.whack "$(lsw_whack_path)" --log-file "$(lsw_log_path)" 2>&1)
t_check "diag-written" test -s "$work/bundle.tar.gz"
mkdir -p "$work/bundle"
tar -xzf "$work/bundle.tar.gz" -C "$work/bundle" 2>/dev/null
bundle_has() {
	local f
	for f in libreswan/status.txt libreswan/trafficstatus.txt libreswan/globalstatus.txt \
		logs/pluto.log config/ipsec.conf config/ipsec.d/a-d.conf doctor.json MANIFEST.txt; do
		[ -f "$work/bundle/$f" ] || { echo "no $f in the bundle: $diag_out"; return 1; }
	done
	grep -q 'STATE_V2_ESTABLISHED_IKE_SA' "$work/bundle/libreswan/status.txt" &&
		grep -q '^total.ike.ikev2.established=' "$work/bundle/libreswan/globalstatus.txt" &&
		grep -q 'established IKE SA' "$work/bundle/logs/pluto.log" &&
		grep -q '^conn a-b' "$work/bundle/config/ipsec.conf" &&
		grep -q '"id":"child_down"' "$work/bundle/doctor.json" &&
		! [ -e "$work/bundle/vici" ]
}
t_check "diag-pluto-files" bundle_has
no_secret() {
	! grep -rqE 'ikewatch-lab-psk|never-in-a-bundle' "$work/bundle" &&
		! find "$work/bundle" -name '*secret*' | grep -q . &&
		grep -q 'xauthpassword=\[redacted\]' "$work/bundle/config/ipsec.d/a-d.conf"
}
t_check "diag-no-psk" no_secret

# This kernel has no ESP: the CHILD SA B asks for cannot be installed by pluto.
b=$(value 'ipsec_failures_total{conn="a-b",kind="install_failed"}')
t_check "child-install-refused" eval '! b_swanctl --initiate --child net >/dev/null 2>&1'
t_eventually 10 "child-install-failed" eq 'ipsec_failures_total{conn="a-b",kind="install_failed"}' $((b + 1))
t_check "child-not-up" eq 'ipsec_child_sa_up{conn="a-b",child="a-b"}' 0

# PSK mismatch (B's PSK changes): the same kind as on strongSwan, and pluto's notify.
b=$(value 'ipsec_failures_total{conn="a-b",kind="auth_failed"}')
g=$(value 'libreswan_ike_sas_finished_total{reason="auth-failed"}')
lsw_b_set S_PSK wrong-psk >/dev/null
t_check "psk-mismatch-refused" initiate_fails
t_eventually 10 "psk-mismatch-auth-failed" eq 'ipsec_failures_total{conn="a-b",kind="auth_failed"}' $((b + 1))
t_check "psk-mismatch-last-error" eq 'ipsec_ike_last_error_code{conn="a-b"}' 24
t_check "psk-mismatch-global" eq 'libreswan_ike_sas_finished_total{reason="auth-failed"}' $((g + 1))
t_eventually 10 "doctor-psk-mismatch" doctor_first auth_failed

# Proposal mismatch (B offers only what A does not accept).
b=$(value 'ipsec_failures_total{conn="a-b",kind="no_proposal"}')
lsw_b_set S_PSK 'ikewatch-lab-psk-0123456789abcdef' >/dev/null
lsw_b_set S_IKE_PROP aes256-sha384-modp3072 >/dev/null
t_check "proposal-mismatch-refused" initiate_fails
t_eventually 10 "proposal-mismatch-no-proposal" eq 'ipsec_failures_total{conn="a-b",kind="no_proposal"}' $((b + 1))
t_check "proposal-mismatch-last-error" eq 'ipsec_ike_last_error_code{conn="a-b"}' 14
t_check "proposal-mismatch-notify-sent" ge 'libreswan_notify_errors_total{direction="sent",type="NO_PROPOSAL_CHOSEN"}' 1
t_eventually 10 "doctor-proposal-mismatch" doctor_first proposal_mismatch

# Killed peer: pluto finds out at its next request (here a forced IKE rekey; its DPD runs on
# CHILD SAs, which this kernel cannot install), after retransmit-timeout (6 s).
lsw_b_set S_IKE_PROP aes128-sha256-modp2048 >/dev/null
t_check "reestablished" b_initiate
b=$(value 'ipsec_failures_total{conn="a-b",kind="dpd_timeout"}')
g=$(scrape | awk '/^libreswan_ike_sas_finished_total\{/ { n += $2 } END { print n + 0 }')
lab_kill_gateway B
t_check "rekey-requested" eval 'lsw_rekey_ike >/dev/null 2>&1'
t_eventually 20 "killed-peer-dpd-timeout" eq 'ipsec_failures_total{conn="a-b",kind="dpd_timeout"}' $((b + 1))
t_eventually 10 "killed-peer-ike-down" eq 'ipsec_ike_sa_up{conn="a-b"}' 0
finished() { scrape | awk '/^libreswan_ike_sas_finished_total\{/ { n += $2 } END { print n + 0 }'; }
t_check "killed-peer-global-finished" eval '[ "$(finished)" -gt "$g" ]'
t_check "killed-peer-global-no-ike" eq 'libreswan_states{kind="ike"}' 0
t_check "killed-peer-retransmits" ge 'ipsec_retransmits_total{conn="a-b",exchange="unknown"}' 4
t_eventually 10 "doctor-killed-peer" doctor_first peer_unreachable

# pluto gone: ipsec_up 0 and the reason in the log, as for charon
lsw_down
t_eventually 10 "pluto-gone-ipsec-up-0" eq 'ipsec_up' 0
t_check "pluto-gone-status" eval '"$IKEWATCH" status --libreswan.ctl "$(lsw_ctl)" --libreswan.whack "$(lsw_whack_path)" | grep -q "^pluto is not answering"; [ "${PIPESTATUS[0]}" = 1 ]'
t_check "doctor-pluto-gone" doctor_first pluto_down
diag_gone() {
	"$IKEWATCH" diag --output "$work/gone.tar.gz" --libreswan.ctl "$(lsw_ctl)" \
		--libreswan.whack "$(lsw_whack_path)" --log-file "$(lsw_log_path)" >/dev/null &&
		tar -xzOf "$work/gone.tar.gz" MANIFEST.txt | grep -qE '^libreswan/status.txt +failed .*(is Pluto running|Pluto is not running)'
}
t_check "diag-pluto-gone" diag_gone
t_check "pluto-gone-logged" grep -qE 'libreswan: .*pluto.ctl: whack: .*(is Pluto running|Pluto is not running)' "$SERVE_LOG"
t_done
