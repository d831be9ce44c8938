#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_counters_both_ends.sh - what the two ends of a tunnel count across CHILD rekeys. A pings
# B's LAN through the tunnel (about 50 packets/s) while the CHILD SA is rekeyed four times,
# from A (A initiates) and from B (A responds), with serve on both ends scraped once a second as
# Prometheus would. Without loss, once the pings stop:
#  - each end's ipsec_child_sa_packets_in_total is exactly what the other sent (B's in: every
#    request; A's in: every reply): no packet of an old SA is lost at its rekey, none counts
#    twice;
#  - each end's _out_total is at most what the other received, and short of it by less than
#    one second of traffic per rekey that end initiated. That shortfall is charon's: the
#    initiator of a CHILD rekey stops counting the old SA's outbound packets when it installs
#    the new one, while the data plane (kernel-libipsec here) still sends some on the old SA
#    until it is deleted; the peer counts them in. Measured: 35-42 packets at 50/s per rekey
#    (docs/metrics.md, "Counters across rekeys"). Two-ended loss (out of the sender against in
#    of the receiver) therefore reads low by that much at a rekey, never high.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
work=$(mktemp -d /tmp/iw-counters-ends.XXXXXX)
t_cleanup rm -rf "$work"

serve_start_at "${LAB_PREFIX}a" "$(lab_vici_path A)" 192.0.2.1 "$work/serve_A.log" ||
	t_bail "A's serve did not start"
URL_A=$SERVE_METRICS_URL
serve_start_at "${LAB_PREFIX}b" "$(lab_vici_path B)" 198.51.100.1 "$work/serve_B.log" ||
	t_bail "B's serve did not start"
URL_B=$SERVE_METRICS_URL
scrape() { # A|B
	local url
	url=URL_$1
	ip netns exec "${LAB_PREFIX}${1,,}" curl -fsS "${!url}"
}
value() { # A|B in|out: the packets of a-b/net
	scrape "$1" | awk -v k="ipsec_child_sa_packets_$2_total{conn=\"a-b\",child=\"net\"}" \
		'$1 == k { print $2 }'
}
# a scraper for each end, once a second
for g in A B; do
	(while :; do scrape "$g" >/dev/null 2>&1; sleep 1; done) &
	t_cleanup kill $!
done

# A count, not a signal, ends the pings: ping then waits for the last replies, and "received"
# is every reply that reached A (stopped by SIGINT, a reply still on its way reaches A's
# CHILD SA but not ping's count: 630 in, 629 received)
ip netns exec "${LAB_PREFIX}a" ping -n -q -c 750 -i 0.02 -I 203.0.113.1 203.0.113.129 \
	>"$work/ping.out" 2>&1 &
ping_pid=$!
t_cleanup kill "$ping_pid"
rekeys=0
for g in A B A B; do
	sleep 3
	lab_swanctl "$g" --rekey --child net >/dev/null 2>&1 && rekeys=$((rekeys + 1))
done
wait "$ping_pid" 2>/dev/null # 750 at 50/s: about 3 s after the last rekey
t_check four-rekeys test "$rekeys" = 4
sleep 3 # the last scrapes settle
a_out=$(value A out) b_in=$(value B in) a_in=$(value A in) b_out=$(value B out)
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$work/ping.out")
got=$(sed -n 's/^[0-9]* packets transmitted, \([0-9]*\) received.*/\1/p' "$work/ping.out")
echo "# pings $sent sent, $got answered; A out $a_out, B in $b_in; B out $b_out, A in $a_in" >&2
t_check pings-sent test "${sent:-0}" -gt 300
t_check b-in-is-every-request test "$b_in" = "$sent"
t_check a-in-is-every-reply test "$a_in" = "$got"
t_check a-out-at-most-b-in test "$a_out" -le "$b_in"
t_check b-out-at-most-a-in test "$b_out" -le "$a_in"
# two rekeys initiated by each end: under a second of traffic (50 packets) each when quiet,
# two seconds allowed for a loaded machine, where the DELETE of the old SA takes longer
t_check a-out-short-by-less-than-its-rekeys test $((b_in - a_out)) -lt 200
t_check b-out-short-by-less-than-its-rekeys test $((a_in - b_out)) -lt 200
for g in A B; do
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$work/serve_$g.log" &&
		t_fail "sanitizers-$g" "$(grep -m 3 -E 'Sanitizer|runtime error' "$work/serve_$g.log")"
done
t_done
