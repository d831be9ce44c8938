#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""slow_clients.py PORT N SECONDS [SRC] - N clients that never finish a request.

Each connects to 127.0.0.1:PORT (from SRC, a loopback address, default 127.0.0.1), sends the
start of a GET request, then one more header byte every 0.5 s (never idle for long, never
complete), for at most SECONDS. Prints "connected N" once all have connected, then one line per
client at the end: "closed SECONDS" (the server closed it that long after connecting) or
"open" (still open when time ran out). Loopback only; bounded in time.
"""
import selectors
import socket
import sys
import time


def main():
    port, n, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    src = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    if not src.startswith("127."):
        sys.exit("loopback only")
    sel = selectors.DefaultSelector()
    t_conn, closed = {}, {}
    for _ in range(n):
        s = socket.socket()
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        try:
            s.send(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        except OSError:
            pass
        t_conn[s] = time.monotonic()
        sel.register(s, selectors.EVENT_READ)
    print("connected %d" % n, flush=True)
    start = time.monotonic()
    next_byte = start + 0.5
    while len(closed) < n and time.monotonic() - start < limit:
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed[s] = time.monotonic() - t_conn[s]
                sel.unregister(s)
        if time.monotonic() >= next_byte:
            next_byte += 0.5
            for s in t_conn:
                if s not in closed:
                    try:
                        s.send(b"a")
                    except OSError:
                        pass
    for s in t_conn:
        print("closed %.2f" % closed[s] if s in closed else "open")
        s.close()


main()
