#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start a command the way systemd starts a socket-activated service, and the ways it can go
wrong, for tests of --web.systemd-socket.

    sd_activate.py [--pid PID] [--fds N] SOCKET... -- COMMAND [ARGS...]

Each SOCKET is opened here and put at fd 3, 4, ... in order: tcp:HOST:PORT (bound and
listening, as ListenStream=), tcp-idle:HOST:PORT (bound, not listening), udp:HOST:PORT (as
ListenDatagram=), unix:PATH (a listening stream socket), file:PATH (not a socket at all).
HOST may be an IPv6 address in brackets. LISTEN_FDS is the number of sockets (or N) and
LISTEN_PID this process (or PID); then COMMAND is exec'd in this same process, so that the pid
matches, as systemd's own fork-and-exec leaves it.
"""
import fcntl
import os
import socket
import sys


def host_port(spec):
    host, _, port = spec.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return family, (host, int(port))


def open_socket(spec):
    kind, _, rest = spec.partition(":")
    if kind in ("tcp", "tcp-idle", "udp"):
        family, addr = host_port(rest)
        s = socket.socket(family, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(addr)
        if kind == "tcp":
            s.listen(64)
        return s.detach()
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(rest)
        s.listen(64)
        return s.detach()
    if kind == "file":
        return os.open(rest, os.O_RDONLY)
    sys.exit(f"sd_activate.py: {spec}: not tcp:, tcp-idle:, udp:, unix: or file:")


def main(argv):
    pid = fds = None
    while argv and argv[0] in ("--pid", "--fds"):
        if argv[0] == "--pid":
            pid = argv[1]
        else:
            fds = argv[1]
        argv = argv[2:]
    if "--" not in argv:
        sys.exit(__doc__)
    cut = argv.index("--")
    specs, cmd = argv[:cut], argv[cut + 1:]
    opened = [open_socket(s) for s in specs]
    # out of the way of 3.. first, then into place (inheritable, as systemd passes them)
    moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in opened]
    for fd in opened:
        os.close(fd)
    for i, fd in enumerate(moved):
        os.dup2(fd, 3 + i, inheritable=True)
        os.close(fd)
    os.environ["LISTEN_FDS"] = fds if fds is not None else str(len(specs))
    os.environ["LISTEN_PID"] = pid if pid is not None else str(os.getpid())
    os.environ.pop("LISTEN_FDNAMES", None)
    os.execvp(cmd[0], cmd)


main(sys.argv[1:])
