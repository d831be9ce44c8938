#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_libreswan.sh - issue 17 live: gateway A is Libreswan's pluto (tests/lab/lab_libreswan.sh),
# B is charon, and `ikewatch serve --libreswan.ctl` on A shows the same metrics as on strongSwan:
# the IKE SA up, a connection configured but down, and the faults of the events test (PSK
# mismatch, proposal mismatch, killed peer) in ipsec_failures_total with the same kinds, plus
# pluto's own --globalstatus counters. Also what this kernel cannot do: a CHILD SA pluto is
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

serve_start "$LAB_DIR/no-charon.vici" --libreswan.ctl "$(lsw_ctl)" \
	--libreswan.whack "$(lsw_whack_path)" --events.stream false --events.log-source file \
	--events.log-file "$(lsw_log_path)" || t_bail "serve did not start: $(tail -n 3 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"

t_check "b-initiates-childless" b_initiate
t_eventually 10 "ike-sa-up" eq 'ipsec_ike_sa_up{conn="a-b"}' 1
t_check "ipsec-up" eq 'ipsec_up' 1
t_check "daemon-info" eq "ipsec_daemon_info{implementation=\"libreswan\",version=\"$want_version\"}" 1
t_check "configured-but-down" eq 'ipsec_ike_sa_up{conn="a-c"}' 0
t_check "configured-but-down-child" eq 'ipsec_child_sa_up{conn="a-c",child="a-c"}' 0
t_check "algorithms" eval 'scrape | grep -q "^ipsec_ike_sa_info{conn=\"a-b\".*encr=\"AES_CBC_128\".*dh_group=\"MODP2048\""'
t_check "established-age" eval '[ -n "$(value "ipsec_ike_sa_established_timestamp_seconds{conn=\"a-b\"}")" ] && ge "ipsec_ike_sa_established_timestamp_seconds{conn=\"a-b\"}" 1000000000'
t_check "global-established" ge 'libreswan_ike_sas_total{version="ikev2",result="established"}' 1
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

# Proposal mismatch (B offers only what A does not accept).
b=$(value 'ipsec_failures_total{conn="a-b",kind="no_proposal"}')
lsw_b_set S_PSK 'ikewatch-lab-psk-0123456789abcdef' >/dev/null
lsw_b_set S_IKE_PROP aes256-sha384-modp3072 >/dev/null
t_check "proposal-mismatch-refused" initiate_fails
t_eventually 10 "proposal-mismatch-no-proposal" eq 'ipsec_failures_total{conn="a-b",kind="no_proposal"}' $((b + 1))
t_check "proposal-mismatch-last-error" eq 'ipsec_ike_last_error_code{conn="a-b"}' 14
t_check "proposal-mismatch-notify-sent" ge 'libreswan_notify_errors_total{direction="sent",type="NO_PROPOSAL_CHOSEN"}' 1

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

# pluto gone: ipsec_up 0 and the reason in the log, as for charon
lsw_down
t_eventually 10 "pluto-gone-ipsec-up-0" eq 'ipsec_up' 0
t_check "pluto-gone-status" eval '"$IKEWATCH" status --libreswan.ctl "$(lsw_ctl)" --libreswan.whack "$(lsw_whack_path)" | grep -q "^pluto is not answering"; [ "${PIPESTATUS[0]}" = 1 ]'
t_check "pluto-gone-logged" grep -qE 'libreswan: .*pluto.ctl: whack: .*(is Pluto running|Pluto is not running)' "$SERVE_LOG"
t_done
