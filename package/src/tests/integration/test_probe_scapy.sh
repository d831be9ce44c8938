#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_probe_scapy.sh - the STAMP wire format checked against an independent decoder: Debian's
# python3-scapy (scapy.contrib.stamp, RFC 8762/8972). On loopback:
#  - scapy builds Session-Sender packets, our reflector answers, scapy decodes the answers and
#    the fields must be what RFC 8762 section 4.3 says (sequence numbers, SSID, copied
#    timestamp, TTL, receive time <= transmit time, same length as the request), also from a
#    reflector listening on every address (":PORT");
#  - a scapy-built reflector answers `ikewatch ping`, which must decode every reply.

. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import scapy.contrib.stamp' 2>/dev/null; then
	t_bail "python3-scapy with scapy.contrib.stamp not installed (scripts/deps.sh)"
fi
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
port=$((30000 + $$ % 20000))

# Twice: on 127.0.0.1, and on every address (":PORT", a dual-stack IPv6 socket that sees the
# IPv4 sender as ::ffff:127.0.0.1 and must still copy its TTL).
for listen in "127.0.0.1:$port" ":$((port + 2))"; do
lport=${listen##*:}
"$IKEWATCH" reflect --listen "$listen" >/dev/null 2>&1 &
refl=$!
t_cleanup kill "$refl"
sleep 0.2

out=$($PY - "$lport" <<'PYEOF' 2>&1
import socket, sys, time
from scapy.contrib.stamp import (STAMPSessionSenderTestUnauthenticated as S,
                                 STAMPSessionReflectorTestUnauthenticated as R)
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 42)
errors = []
for i, (seq, ssid, pad) in enumerate([(7, 1, 0), (8, 1, 0), (1000, 9, 20)]):
    req = bytes(S(seq=seq, ssid=ssid, ts=1234567.5)) + bytes(pad)
    s.sendto(req, ('127.0.0.1', port))
    d, _ = s.recvfrom(4096)
    r = R(d[:44])
    exp_refl_seq = {0: 0, 1: 1, 2: 0}[i]   # stateful, per (port, SSID) session
    checks = {
        'length': len(d) == len(req),
        'seq_sender': r.seq_sender == seq,
        'ssid': r.ssid == ssid,
        'reflector seq': r.seq == exp_refl_seq,
        'ttl': r.ttl_sender == 42,
        'ts_sender copied': abs(float(r.ts_sender) - 1234567.5) < 1e-6 or r.ts_sender == S(ts=1234567.5).ts,
        'rx <= tx': float(r.ts_rx) <= float(r.ts),
        'tx close to now': abs(float(r.ts) - 2208988800 - time.time()) < 5,  # NTP era 0
        'multiplier': r.err_estimate.multiplier != 0,
        'padding zero': d[44:] == bytes(len(d) - 44),
    }
    errors += ['%d: %s' % (i, k) for k, v in checks.items() if not v]
print('ERRORS: ' + ', '.join(errors) if errors else 'OK')
PYEOF
)
name=scapy-decodes-our-reflector
[ -z "${listen%%:*}" ] && name=$name-dual-stack
if [ "$out" = OK ]; then t_ok "$name"; else t_fail "$name" "$out"; fi
kill "$refl" 2>/dev/null
wait "$refl" 2>/dev/null
done

# A reflector written with scapy's classes answers our sender.
sport=$((port + 1))
ready=$(mktemp /tmp/iw-scapy.XXXXXX)
rm -f "$ready"
t_cleanup rm -f "$ready"
$PY - "$sport" "$ready" <<'PYEOF' &
import socket, sys, time
from scapy.contrib.stamp import (STAMPSessionSenderTestUnauthenticated as S,
                                 STAMPSessionReflectorTestUnauthenticated as R)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1])))
open(sys.argv[2], 'w').close()  # bound: the sender may start (importing scapy takes a while)
s.settimeout(10)
n = 0
try:
    while n < 5:
        d, a = s.recvfrom(4096)
        rx = time.time()
        q = S(d)
        r = R(seq=100 + n, ts=time.time() + 2208988800, ssid=q.ssid, ts_rx=rx + 2208988800, seq_sender=q.seq,
              ts_sender=q.ts, err_estimate_sender=q.err_estimate, ttl_sender=64)
        s.sendto(bytes(r)[:44], a)
        n += 1
except socket.timeout:
    pass
PYEOF
pyrefl=$!
t_cleanup kill "$pyrefl"
for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
out=$("$IKEWATCH" ping -c 5 -i 0.05 -W 1 -p "$sport" 127.0.0.1 2>&1)
max_ms=$(echo "$out" | sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/[0-9.]*/\([0-9]*\)\..*|\1|p')
# the RTT subtracts the reflector's dwell (T3 - T2): Python's slowness must not show as delay
if echo "$out" | grep -q '5 packets transmitted, 5 received' && [ -n "$max_ms" ] &&
	[ "$max_ms" -lt 100 ]; then
	t_ok "ikewatch-decodes-scapy-reflector"
else
	t_fail "ikewatch-decodes-scapy-reflector" "$(echo "$out" | grep -E 'transmitted|From' | head -n 2)"
fi
t_done
