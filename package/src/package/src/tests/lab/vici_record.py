#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""vici_record.py - record raw VICI packets from a real charon, for ikewatch's test fixtures.

Why: ikewatch parses VICI itself (Debian ships no libvici.h). Its parser tests and fuzz seeds
should start from bytes a real charon sent, not from bytes we think it sends. This is a minimal
VICI client (python3 standard library only) that sends one command or subscribes to events and
writes every packet of the exchange, exactly as on the wire (4-byte length prefix included), to
numbered files, plus a decoded text dump for humans.

Wire format (strongSwan src/libcharon/plugins/vici/README.md): each packet is a u32 big-endian
length, then u8 packet type, then (for named types) u8 name length + name, then a message of
elements: SECTION_START=1 name, SECTION_END=2, KEY_VALUE=3 name + u16 length + value,
LIST_START=4 name, LIST_ITEM=5 u16 length + value, LIST_END=6. A streamed command (list-sas,
list-conns, list-certs) is preceded by EVENT_REGISTER of its event and EVENT_CONFIRM; the daemon
sends EVENT packets, then the CMD_RESPONSE; then EVENT_UNREGISTER.

Usage:
  vici_record.py -s SOCKET -o DIR -p PREFIX cmd NAME [key=value ...]
  vici_record.py -s SOCKET -o DIR -p PREFIX stream NAME EVENT [key=value ...]
  vici_record.py -s SOCKET -o DIR -p PREFIX events EVENT[,EVENT...] [-d SECONDS] [-n MAX]
      [--ready FILE]    (touch FILE once every registration is confirmed; stops early on SIGTERM)

Files: DIR/PREFIX.NNNN.{tx,rx}-<type>.bin for every packet in order, and DIR/PREFIX.txt with a
decoded dump. A value "key=a,b" is sent as a key/value; "key[]=a,b" as a list.
"""

import argparse
import os
import signal
import socket
import struct
import sys
import time

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
EVENT_REGISTER, EVENT_UNREGISTER, EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = 3, 4, 5, 6, 7
TYPE_NAMES = {
    CMD_REQUEST: "cmd-request",
    CMD_RESPONSE: "cmd-response",
    CMD_UNKNOWN: "cmd-unknown",
    EVENT_REGISTER: "event-register",
    EVENT_UNREGISTER: "event-unregister",
    EVENT_CONFIRM: "event-confirm",
    EVENT_UNKNOWN: "event-unknown",
    EVENT: "event",
}
NAMED = (CMD_REQUEST, EVENT_REGISTER, EVENT_UNREGISTER, EVENT)
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = 1, 2, 3, 4, 5, 6
PACKET_MAX = 512 * 1024  # strongSwan's VICI_MESSAGE_SIZE_MAX


class ViciError(Exception):
    pass


def _name(b):
    if len(b) > 255:
        raise ViciError("name too long")
    return struct.pack("B", len(b)) + b


def encode_message(params):
    """params: list of (key, value) with value str or list of str."""
    out = b""
    for key, value in params:
        k = key.encode()
        if isinstance(value, list):
            out += struct.pack("B", LIST_START) + _name(k)
            for item in value:
                v = item.encode()
                out += struct.pack("!BH", LIST_ITEM, len(v)) + v
            out += struct.pack("B", LIST_END)
        else:
            v = value.encode()
            out += struct.pack("B", KEY_VALUE) + _name(k) + struct.pack("!H", len(v)) + v
    return out


def encode_packet(ptype, name=None, message=b""):
    body = struct.pack("B", ptype)
    if ptype in NAMED:
        body += _name(name.encode())
    body += message
    return struct.pack("!I", len(body)) + body


def decode_message(data):
    """Decode a message into printable lines; raises ViciError on malformed input."""
    lines, depth, pos, in_list = [], 0, 0, False

    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise ViciError("truncated element at offset %d" % pos)
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    while pos < len(data):
        etype = take(1)[0]
        ind = "  " * depth
        if etype == SECTION_START:
            name = take(take(1)[0]).decode(errors="replace")
            lines.append("%s%s {" % (ind, name))
            depth += 1
        elif etype == SECTION_END:
            if depth == 0:
                raise ViciError("unbalanced section end")
            depth -= 1
            lines.append("%s}" % ("  " * depth))
        elif etype == KEY_VALUE:
            name = take(take(1)[0]).decode(errors="replace")
            (vlen,) = struct.unpack("!H", take(2))
            value = take(vlen).decode(errors="replace")
            lines.append("%s%s = %s" % (ind, name, value))
        elif etype == LIST_START:
            name = take(take(1)[0]).decode(errors="replace")
            lines.append("%s%s [" % (ind, name))
            in_list = True
        elif etype == LIST_ITEM:
            if not in_list:
                raise ViciError("list item outside list")
            (vlen,) = struct.unpack("!H", take(2))
            lines.append("%s  %s" % (ind, take(vlen).decode(errors="replace")))
        elif etype == LIST_END:
            if not in_list:
                raise ViciError("list end outside list")
            in_list = False
            lines.append("%s]" % ind)
        else:
            raise ViciError("unknown element type %d" % etype)
    if depth or in_list:
        raise ViciError("message ends inside a section or list")
    return lines


def split_packet(raw):
    """raw includes the length prefix. Returns (type, name or None, message bytes)."""
    body = raw[4:]
    ptype = body[0]
    pos = 1
    name = None
    if ptype in NAMED:
        nlen = body[1]
        name = body[2:2 + nlen].decode(errors="replace")
        pos = 2 + nlen
    return ptype, name, body[pos:]


class Recorder:
    def __init__(self, path, outdir, prefix):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.outdir, self.prefix = outdir, prefix
        self.seq = 0
        self.text = []
        os.makedirs(outdir, exist_ok=True)
        # A re-recording replaces the old files of this prefix, never mixes with them.
        for f in os.listdir(outdir):
            if f.startswith(prefix + ".") and f[len(prefix) + 1:len(prefix) + 5].isdigit():
                os.unlink(os.path.join(outdir, f))

    def _save(self, direction, raw):
        self.seq += 1
        ptype, name, msg = split_packet(raw)
        fname = "%s.%04d.%s-%s.bin" % (self.prefix, self.seq, direction,
                                       TYPE_NAMES.get(ptype, "type%d" % ptype))
        with open(os.path.join(self.outdir, fname), "wb") as f:
            f.write(raw)
        head = "# %s %s %s%s (%d bytes)" % (fname, direction, TYPE_NAMES.get(ptype, ptype),
                                           " " + name if name is not None else "", len(raw))
        self.text.append(head)
        try:
            self.text.extend(decode_message(msg))
        except ViciError as e:
            self.text.append("! undecodable: %s" % e)

    def send(self, ptype, name=None, params=()):
        raw = encode_packet(ptype, name, encode_message(list(params)))
        self.sock.sendall(raw)
        self._save("tx", raw)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ViciError("connection closed by charon")
            buf += chunk
        return buf

    def recv(self):
        head = self._recv_exact(4)
        (length,) = struct.unpack("!I", head)
        if length == 0 or length > PACKET_MAX:
            raise ViciError("bad packet length %d" % length)
        raw = head + self._recv_exact(length)
        self._save("rx", raw)
        return split_packet(raw)

    def expect(self, *types):
        ptype, name, msg = self.recv()
        if ptype not in types:
            raise ViciError("expected %s, got %s" % ([TYPE_NAMES[t] for t in types],
                                                      TYPE_NAMES.get(ptype, ptype)))
        return ptype, name, msg

    def finish(self):
        with open(os.path.join(self.outdir, self.prefix + ".txt"), "w") as f:
            f.write("\n".join(self.text) + "\n")
        self.sock.close()


def parse_params(args):
    params = []
    for a in args:
        if "=" not in a:
            raise SystemExit("parameter %r is not key=value" % a)
        k, v = a.split("=", 1)
        if k.endswith("[]"):
            params.append((k[:-2], v.split(",") if v else []))
        else:
            params.append((k, v))
    return params


def do_cmd(rec, name, params):
    rec.send(CMD_REQUEST, name, params)
    rec.expect(CMD_RESPONSE, CMD_UNKNOWN)


def do_stream(rec, name, event, params):
    rec.send(EVENT_REGISTER, event)
    rec.expect(EVENT_CONFIRM, EVENT_UNKNOWN)
    rec.send(CMD_REQUEST, name, params)
    events = 0
    while True:
        ptype, pname, _ = rec.expect(EVENT, CMD_RESPONSE, CMD_UNKNOWN)
        if ptype == EVENT:
            events += 1
            continue
        break
    rec.send(EVENT_UNREGISTER, event)
    rec.expect(EVENT_CONFIRM, EVENT_UNKNOWN)
    return events


def do_events(rec, names, duration, maximum, ready):
    stop = {"now": False}

    def on_term(_sig, _frm):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    for n in names:
        rec.send(EVENT_REGISTER, n)
        rec.expect(EVENT_CONFIRM, EVENT_UNKNOWN)
    if ready:
        open(ready, "w").close()
    deadline = time.monotonic() + duration
    count = 0
    while not stop["now"] and count < maximum:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        rec.sock.settimeout(min(left, 0.2))
        try:
            head = rec.sock.recv(1, socket.MSG_PEEK)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if not head:
            break
        rec.sock.settimeout(5)
        ptype, _, _ = rec.recv()
        if ptype == EVENT:
            count += 1
    rec.sock.settimeout(5)
    # Unregister; events already queued may still arrive before each confirm: record them too.
    for n in names:
        rec.send(EVENT_UNREGISTER, n)
        while True:
            ptype, _, _ = rec.recv()
            if ptype != EVENT:
                break
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-s", "--socket", required=True, help="VICI socket path (or unix://path)")
    ap.add_argument("-o", "--outdir", required=True)
    ap.add_argument("-p", "--prefix", required=True)
    sub = ap.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("cmd")
    c.add_argument("name")
    c.add_argument("params", nargs="*")
    s = sub.add_parser("stream")
    s.add_argument("name")
    s.add_argument("event")
    s.add_argument("params", nargs="*")
    e = sub.add_parser("events")
    e.add_argument("names")
    e.add_argument("-d", "--duration", type=float, default=10.0)
    e.add_argument("-n", "--max", type=int, default=1000)
    e.add_argument("--ready")
    a = ap.parse_args()
    path = a.socket[len("unix://"):] if a.socket.startswith("unix://") else a.socket
    rec = Recorder(path, a.outdir, a.prefix)
    try:
        if a.mode == "cmd":
            do_cmd(rec, a.name, parse_params(a.params))
        elif a.mode == "stream":
            n = do_stream(rec, a.name, a.event, parse_params(a.params))
            print("%s: %d %s events" % (a.prefix, n, a.event), file=sys.stderr)
        else:
            n = do_events(rec, a.names.split(","), a.duration, a.max, a.ready)
            print("%s: %d events" % (a.prefix, n), file=sys.stderr)
    except (ViciError, OSError) as err:
        rec.finish()
        print("vici_record: %s" % err, file=sys.stderr)
        return 1
    rec.finish()
    print("%s: %d packets" % (a.prefix, rec.seq), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
