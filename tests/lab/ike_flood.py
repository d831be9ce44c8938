#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ike_flood.py - a bounded burst of IKEv2 IKE_SA_INIT requests, for the lab only.

Why: a charon whose half-open IKE SAs pile up (a flood, or many peers that never finish
IKE_AUTH) stops answering real peers before any SA reads down; ikewatch's daemon metrics must
show it. Each request is a well-formed IKE_SA_INIT (RFC 7296 section 1.2) that the lab's
responder accepts (aes128-sha256-modp2048, the lab's proposal), so charon creates a half-open
IKE SA, answers, and waits for an IKE_AUTH that never comes (until half_open_timeout, 30 s).
With --invalid-spi, INFORMATIONAL requests for IKE SPIs charon does not know are sent instead
(charon's counters plugin counts them as invalid-spi).

Bounded: at most 1,000 packets and 30 seconds, whatever the arguments; the destination must be in
192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24 (the lab's documentation ranges, inside its
network namespaces). Run it inside a lab namespace: ip netns exec NS ike_flood.py ...

Usage: ike_flood.py --dst ADDR --src ADDR[,ADDR...] [--per-src N] [--invalid-spi]
Prints the number of packets sent.
"""

import argparse
import ipaddress
import os
import socket
import struct
import sys
import time

MAX_PACKETS = 1000
MAX_SECONDS = 30
LAB_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]

# payload types
SA, KE, NONCE, NONE = 33, 34, 40, 0
IKE_SA_INIT, INFORMATIONAL = 34, 37


def transform(last, ttype, tid, attrs=b""):
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def ike_sa_init():
    # ENCR_AES_CBC (12) with a 128-bit key, PRF_HMAC_SHA2_256 (5), AUTH_HMAC_SHA2_256_128 (12),
    # MODP 2048 (14): the lab's "aes128-sha256-modp2048"
    tr = (transform(False, 1, 12, struct.pack("!HH", 0x800E, 128)) + transform(False, 2, 5)
          + transform(False, 3, 12) + transform(True, 4, 14))
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(tr), 1, 1, 0, 4) + tr
    sa = struct.pack("!BBH", KE, 0, 4 + len(prop)) + prop
    # a public value below the group's prime (which starts with 0xff bytes) and above 1
    pub = b"\x7f" + os.urandom(255)
    ke = struct.pack("!BBHHH", NONCE, 0, 8 + len(pub), 14, 0) + pub
    nonce = os.urandom(32)
    no = struct.pack("!BBH", NONE, 0, 4 + len(nonce)) + nonce
    body = sa + ke + no
    hdr = struct.pack("!8s8sBBBBII", os.urandom(8), bytes(8), SA, 0x20, IKE_SA_INIT, 0x08, 0,
                      28 + len(body))
    return hdr + body


def informational_unknown_spi():
    # an empty INFORMATIONAL request (a DPD) for SPIs no one holds; message ID 1
    return struct.pack("!8s8sBBBBII", os.urandom(8), os.urandom(8), NONE, 0x20, INFORMATIONAL,
                       0x08, 1, 28)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--src", required=True, help="source addresses, comma-separated")
    ap.add_argument("--per-src", type=int, default=1)
    ap.add_argument("--invalid-spi", action="store_true")
    a = ap.parse_args()
    dst = ipaddress.ip_address(a.dst)
    srcs = [ipaddress.ip_address(s) for s in a.src.split(",") if s]
    for addr in [dst] + srcs:
        if not any(addr in n for n in LAB_NETS):
            sys.exit("ike_flood.py: %s is outside the lab's ranges" % addr)
    deadline = time.monotonic() + MAX_SECONDS
    sent = 0
    for s in srcs:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((str(s), 0))
        for _ in range(a.per_src):
            if sent >= MAX_PACKETS or time.monotonic() > deadline:
                break
            pkt = informational_unknown_spi() if a.invalid_spi else ike_sa_init()
            sock.sendto(pkt, (str(dst), 500))
            sent += 1
        sock.close()
    print(sent)


if __name__ == "__main__":
    main()
