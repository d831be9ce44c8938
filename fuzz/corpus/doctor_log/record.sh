#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# record.sh - record real charon log lines, one set per fault, for the classifier's vectors.
#
# Why: the classifier's patterns must match what strongSwan really prints, not what we think it
# prints. This script brings up tests/lab (two charons in namespaces), causes one fault at a
# time and copies the lines each gateway logged meanwhile into <fault>.a.log / <fault>.b.log.
# Timestamps are kept as recorded. Run as root from anywhere:
#   tests/fixtures/logs/record.sh [fault...]
# Faults: healthy_rekey auto_rekey dpd psk proposal ts install_failed drop_ike pfs_rekey
#         child_rekey_timeout ike_rekey_timeout rekey_collision
# (ts and drop_ike apply the fault here rather than through lab.sh's helpers: lab_ts_mismatch's
# range 203.0.113.64/26 lies inside LAN A, so charon narrows instead of refusing, and the lab's
# nft table names a chain "esp", which nft 1.0.6 rejects as a keyword.)

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
# shellcheck disable=SC1091
. "$top/tests/lab/lab.sh"

faults=("$@")
[ ${#faults[@]} -gt 0 ] || faults=(healthy_rekey auto_rekey dpd psk proposal ts install_failed drop_ike pfs_rekey)

mark() { stat -c %s "$(lab_log_path A)" >"$LAB_DIR/mark.a"; stat -c %s "$(lab_log_path B)" >"$LAB_DIR/mark.b"; }
save() {
	local name=$1 g
	for g in a b; do
		local G; G=$(echo "$g" | tr a-z A-Z)
		tail -c +$(($(cat "$LAB_DIR/mark.$g") + 1)) "$(lab_log_path "$G")" >"$here/$name.$g.log"
	done
	echo "recorded $name: $(wc -l <"$here/$name.a.log") + $(wc -l <"$here/$name.b.log") lines" >&2
}

# IKE (UDP 500, and 4500 with a zero non-ESP marker) dropped on the router; ESP passes.
drop_ike_on_router() {
	ip netns exec "${LAB_PREFIX}r" nft -f - <<'NFT'
table inet iwlogs {
	chain dropike {
		type filter hook forward priority 0; policy accept;
		udp dport 500 drop
		udp dport 4500 @th,64,32 0 drop
	}
}
NFT
}

for f in "${faults[@]}"; do
	unset LAB_DIR LAB_PREFIX
	lab_up >/dev/null || { echo "lab_up failed for $f" >&2; lab_down; continue; }
	mark
	case $f in
	healthy_rekey)	# forced rekeys of CHILD and IKE SA, both directions
		lab_rekey_child A; sleep 2; lab_rekey_child B; sleep 2
		lab_rekey_ike A; sleep 2; lab_rekey_ike B; sleep 7 ;;
	auto_rekey)	# CHILD rekey_time 5 s on A, IKE rekey_time 8 s
		lab_short_lifetimes 5 8 >/dev/null; mark; sleep 12 ;;
	dpd)		# B killed without DELETE: A's DPD retransmits and gives up
		lab_kill_gateway B; sleep 14 ;;
	psk)		lab_psk_mismatch B >/dev/null; sleep 1 ;;
	proposal)	lab_proposal_mismatch B >/dev/null; sleep 1 ;;
	ts)		# B only accepts a remote TS disjoint from LAN A: TS_UNACCEPTABLE
		_lab_mismatch b S_REMOTE_TS_OVERRIDE 198.18.0.0/24 >/dev/null; sleep 1 ;;
	install_failed)	# narrowed TS without a local address in it: kernel-libipsec cannot
		# install its route (lab.sh's lab_ts_mismatch)
		lab_ts_mismatch B >/dev/null; sleep 1 ;;
	drop_ike)	# IKE dropped on the router, no traffic: DPD retransmits until give-up
		drop_ike_on_router; sleep 14 ;;
	child_rekey_timeout | ike_rekey_timeout)
		# IKE dropped on the router, then a rekey: its retransmits run out, no DPD ran
		drop_ike_on_router
		if [ "$f" = child_rekey_timeout ]; then lab_rekey_child A; else lab_rekey_ike A; fi
		sleep 14 ;;
	rekey_collision)	# both gateways rekey the same CHILD SA at once
		lab_rekey_child A & lab_rekey_child B; wait; sleep 7 ;;
	pfs_rekey)	# PFS group mismatch: initiation works, the first CHILD rekey fails
		lab_pfs_mismatch B >/dev/null; mark; lab_rekey_child A; sleep 3 ;;
	*) echo "unknown fault $f" >&2 ;;
	esac
	save "$f"
	lab_down
done
