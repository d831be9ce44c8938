#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_ping_errors.sh - what `ikewatch ping` and `mtu` say when the path answers with an ICMP
# error: the sender is named (a router, not the target) in ping(8)'s words, a closed port
# suggests that no reflector listens there and -m icmp, and host names resolve. Two namespaces
# of our own: a host (192.0.2.1) and a router (192.0.2.254) that has no route to 198.51.100.0/24
# (net unreachable) and an unreachable route for 203.0.113.0/24 (host unreachable).

. "$(dirname "$0")/lib.sh"
t_require_root
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
p=iwpe$$
h=${p}h r=${p}r
t_cleanup ip netns del "$r"
t_cleanup ip netns del "$h"
ip netns add "$h" && ip netns add "$r" || t_bail "cannot create namespaces"
ip link add "${p}a" netns "$h" type veth peer name "${p}b" netns "$r" || t_bail "veth"
ip -n "$h" addr add 192.0.2.1/24 dev "${p}a"
ip -n "$r" addr add 192.0.2.254/24 dev "${p}b"
ip -n "$h" link set "${p}a" up
ip -n "$r" link set "${p}b" up
ip -n "$h" link set lo up
ip -n "$r" link set lo up
ip -n "$h" route add default via 192.0.2.254
ip -n "$r" route add unreachable 203.0.113.0/24
ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
# one ICMP error per probe: no rate limit inside our router
ip netns exec "$r" sysctl -qw net.ipv4.icmp_ratelimit=0

ping_h() { ip netns exec "$h" "$IKEWATCH" ping -c 2 -i 0.1 -W 0.5 "$@" 2>"$work_err"; }
work_err=$(mktemp)
t_cleanup rm -f "$work_err"

out=$(ping_h 198.51.100.1)
if grep -qx 'From 192.0.2.254 seq=0 Destination Net Unreachable' <<<"$out"; then
	t_ok net-unreachable-names-router
else
	t_fail net-unreachable-names-router "$out"
fi
out=$(ping_h -m icmp 198.51.100.1)
if grep -qx 'From 192.0.2.254 icmp_seq=0 Destination Net Unreachable' <<<"$out"; then
	t_ok icmp-net-unreachable-names-router
else
	t_fail icmp-net-unreachable-names-router "$out"
fi
out=$(ping_h 203.0.113.7)
if grep -qx 'From 192.0.2.254 seq=0 Destination Host Unreachable' <<<"$out"; then
	t_ok host-unreachable-names-router
else
	t_fail host-unreachable-names-router "$out"
fi
out=$(ping_h 192.0.2.254)
rc=$?
if grep -qx 'From 192.0.2.254 seq=0 Destination Port Unreachable' <<<"$out" && [ "$rc" = 1 ] &&
	[ "$(grep -c 'no STAMP reflector seems to listen there' "$work_err")" = 1 ] &&
	grep -q 'try -m icmp' "$work_err"; then
	t_ok port-unreachable-hints-once
else
	t_fail port-unreachable-hints-once "exit $rc: $out / $(cat "$work_err")"
fi
# the hint was right: ICMP gets through where STAMP found a closed port
t_check icmp-where-port-closed ping_h -q -m icmp 192.0.2.254
# host names resolve (through /etc/hosts: no DNS needed)
out=$(ping_h -q -m icmp localhost)
if grep -q '^PING localhost (127.0.0.1)' <<<"$out" && grep -q '2 received' <<<"$out"; then
	t_ok resolves-host-name
else
	t_fail resolves-host-name "$out"
fi
out=$(ip netns exec "$h" "$IKEWATCH" mtu -q -m icmp -r 1 -W 0.3 localhost 2>&1)
if grep -q '^127.0.0.1: path MTU' <<<"$out"; then t_ok mtu-resolves-host-name; else
	t_fail mtu-resolves-host-name "$out"
fi
t_done
