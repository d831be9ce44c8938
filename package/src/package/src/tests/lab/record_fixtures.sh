#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# record_fixtures.sh - regenerate tests/fixtures/vici/ from a fresh lab.
#
# Why: the fixtures must be real charon output, and must be reproducible when strongSwan changes.
# Each step puts the lab into a known state, then runs tests/lab/vici_record.py; the README in
# the fixture directory says which step produced which files. Needs root.
#
# Usage: tests/lab/record_fixtures.sh [OUTDIR]   (default tests/fixtures/vici)

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/tests/fixtures/vici}
rec="python3 $top/tests/lab/vici_record.py"
# shellcheck disable=SC1091
. "$top/tests/lab/lab.sh"
trap lab_down EXIT
mkdir -p "$out"

step() { printf '== %s\n' "$*" >&2; }
die() { printf 'record_fixtures: %s\n' "$*" >&2; exit 1; }

# Record events in the background; waits until the registrations are confirmed.
ev_pid=""
ev_start() {	# ev_start GW PREFIX SECONDS
	local ready; ready=$(mktemp -u)
	$rec -s "$(lab_vici_path "$1")" -o "$out" -p "$2" events \
		ike-updown,child-updown,ike-rekey,child-rekey,log -d "$3" -n 5000 --ready "$ready" &
	ev_pid=$!
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.05; done
	[ -e "$ready" ] || die "event recorder did not get ready"
	rm -f "$ready"
}
ev_stop() { sleep "${1:-1}"; kill -TERM "$ev_pid" 2>/dev/null; wait "$ev_pid"; }

LAB_FAST_DPD=1 lab_up || die "lab_up"
lab_ping_through 5 || die "ping through tunnel"
# Counters in B's direction too.
lab_exec B ping -n -q -c 3 -i 0.2 -I 203.0.113.129 203.0.113.1 >/dev/null || die "ping B->A"

step "version, stats"
$rec -s "$(lab_vici_path A)" -o "$out" -p version.a cmd version
$rec -s "$(lab_vici_path A)" -o "$out" -p stats.a cmd stats

step "list-sas / list-conns / list-certs, established"
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.established.a stream list-sas list-sa noblock=yes
$rec -s "$(lab_vici_path B)" -o "$out" -p list-sas.established.b stream list-sas list-sa noblock=yes
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.filter-nomatch.a stream list-sas list-sa noblock=yes ike=no-such-conn
$rec -s "$(lab_vici_path A)" -o "$out" -p list-conns.a stream list-conns list-conn
$rec -s "$(lab_vici_path B)" -o "$out" -p list-conns.b stream list-conns list-conn
$rec -s "$(lab_vici_path A)" -o "$out" -p list-certs.a stream list-certs list-cert
$rec -s "$(lab_vici_path A)" -o "$out" -p unknown-command.a cmd no-such-command
$rec -s "$(lab_vici_path A)" -o "$out" -p unknown-event.a stream list-sas no-such-event noblock=yes

if command -v openssl >/dev/null; then
	step "one x509 certificate loaded on A (RSA, self-signed; no connection uses it)"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/C=ZZ/O=ikewatch lab/CN=gw-a.lab" \
		-keyout "$LAB_DIR/a/swanctl/private/gw-a.key" -out "$LAB_DIR/a/swanctl/x509/gw-a.crt" \
		>/dev/null 2>&1 || die "openssl"
	lab_swanctl A --load-creds --file "$LAB_DIR/a/swanctl/swanctl.conf" >/dev/null || die "load-creds"
	$rec -s "$(lab_vici_path A)" -o "$out" -p list-certs.one-x509.a stream list-certs list-cert
	rm -f "$LAB_DIR/a/swanctl/private/gw-a.key" "$LAB_DIR/a/swanctl/x509/gw-a.crt"
fi

step "second IKE SA: a-c CONNECTING to a peer that does not exist"
lab_swanctl A --initiate --ike a-c --child c-net --timeout 1 >/dev/null 2>&1
sleep 0.3
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.two-ike-connecting.a stream list-sas list-sa noblock=yes
lab_swanctl A --terminate --ike a-c --force --timeout 2 >/dev/null 2>&1
lab_wait_ike_gone A 10 a-c || die "a-c did not go away"

step "CHILD rekey (events), then list-sas with the old CHILD in DELETED"
ev_start A events.child-rekey.a 15
lab_rekey_child A || die "rekey child"
sleep 1
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.child-deleted.a stream list-sas list-sa noblock=yes
$rec -s "$(lab_vici_path B)" -o "$out" -p list-sas.child-deleted.b stream list-sas list-sa noblock=yes
ev_stop 6	# past delete_rekeyed_delay (5 s): the DELETED CHILD's child-updown is caught too

step "IKE rekey (events)"
ev_start A events.ike-rekey.a 10
lab_rekey_ike A || die "rekey ike"
ev_stop 2
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.after-ike-rekey.a stream list-sas list-sa noblock=yes

step "kill B (SIGKILL), A declares it dead after fast DPD"
ev_start A events.peer-killed.a 40
lab_kill_gateway B || die "kill B"
lab_wait_ike_gone A 30 || die "A did not notice B's death"
ev_stop 1
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.none.a stream list-sas list-sa noblock=yes
$rec -s "$(lab_vici_path A)" -o "$out" -p stats.peer-down.a cmd stats

step "start B again, A re-initiates"
ev_start A events.peer-restarted.a 20
lab_start_gateway B || die "start B"
ev_stop 1
$rec -s "$(lab_vici_path B)" -o "$out" -p events.none.b events ike-updown -d 0.2

step "PFS mismatch: the CHILD rekey fails"
lab_pfs_mismatch B || die "pfs mismatch setup"
ev_start A events.pfs-rekey-fails.a 10
lab_rekey_child A
ev_stop 3
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.pfs-rekey-failed.a stream list-sas list-sa noblock=yes

step "rekey overdue: A's CHILD rekey_time 3 s while B still refuses the PFS group"
lab_short_lifetimes 3 || die "short lifetimes"	# re-establishes a-b: rekey at 3 s, expiry at 9 s
ev_start A events.rekey-overdue.a 20
# Record as soon as swanctl shows the rekey as overdue ("rekeying in -Ns"), before the expiry.
for _ in $(seq 100); do
	grep -q 'rekeying in -[1-9]' <<<"$(lab_swanctl A --list-sas --noblock --ike a-b)" && break
	sleep 0.1
done
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.rekey-overdue.a stream list-sas list-sa noblock=yes
# Until the CHILD's hard lifetime ends it (the IKE SA stays, without CHILD).
for _ in $(seq 100); do
	grep -q '^  net: ' <<<"$(lab_swanctl A --list-sas --noblock --ike a-b)" || break
	sleep 0.1
done
ev_stop 1
$rec -s "$(lab_vici_path A)" -o "$out" -p list-sas.child-expired.a stream list-sas list-sa noblock=yes
lab_reset_config A >/dev/null 2>&1

step "PSK mismatch: initiate fails"
ev_start A events.psk-mismatch.a 10
lab_psk_mismatch B
ev_stop 1

step "done: $(ls "$out"/*.bin | wc -l) packets in $out"
