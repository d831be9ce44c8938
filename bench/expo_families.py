#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""expo_families.py - what each metric family costs in one scrape of `ikewatch serve`: series
and bytes per family, and per SA, so that a change to the exposition can be measured before and
after (issue 15, "fewer series per gateway").

Usage:
  bench/expo_families.py FILE.prom [...]              an exposition already saved (e.g.
                                                      tests/fixtures/metrics/lab_a.prom)
  bench/expo_families.py -b BUILD [-s "1 100 1000 10000"] [--top N] [--markdown]
      runs BUILD/tests/fakevici/fakevici --sas N and BUILD/ikewatch serve against it (loopback,
      free port, the event stream on as by default), scrapes /metrics twice (the first scrape also
      fills the caches) and measures the second.

Bytes are those of the sample lines (name, labels, value, newline); "# HELP"/"# TYPE" lines are
counted once per family in the "meta" column and in the totals. Per-SA figures divide by the
number of ipsec_ike_sa_info series (fakevici gives every SA its own conn and one CHILD SA).
"""
import argparse
import collections
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def families(text):
    """{family: [series, sample bytes, meta bytes]}, in order of first appearance."""
    fam = collections.OrderedDict()
    for line in text.splitlines(keepends=True):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name = line.split(" ", 3)[2]
            fam.setdefault(name, [0, 0, 0])[2] += len(line.encode())
            continue
        if not line.strip() or line.startswith("#"):
            continue
        m = NAME.match(line)
        if not m:
            continue
        name = m.group(0)
        for suffix in ("_bucket", "_sum", "_count"):  # histogram samples belong to their family
            base = name[: -len(suffix)]
            if name.endswith(suffix) and base in fam:
                name = base
                break
        f = fam.setdefault(name, [0, 0, 0])
        f[0] += 1
        f[1] += len(line.encode())
    return fam


def sas_in(fam):
    return fam.get("ipsec_ike_sa_info", [0])[0]


def report(label, text, top, markdown, only=()):
    fam = families(text)
    series = sum(f[0] for f in fam.values())
    total = len(text.encode())
    sas = sas_in(fam)
    per = max(sas, 1)
    # what a scrape costs on the wire: Prometheus asks for gzip (level 6 is what Go's and
    # ikewatch's compressors default to, close enough for a comparison)
    zipped = len(gzip.compress(text.encode(), 6))
    print(f"## {label}: {sas} SAs, {series} series, {total} bytes, {zipped} gzipped "
          f"({series / per:.1f} series, {total / per:.0f} bytes and {zipped / per:.0f} gzipped "
          f"bytes per SA)")
    rows = sorted(fam.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
    if only:
        rows = [r for r in rows if r[0] in only]
    if top:
        rows = rows[:top]
    if markdown:
        print("| family | series | bytes | meta | % bytes | series/SA | bytes/SA |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (n, b, meta) in rows:
        share = 100.0 * (b + meta) / total if total else 0
        if markdown:
            print(f"| `{name}` | {n} | {b} | {meta} | {share:.1f} | {n / per:.2f} | {b / per:.1f} |")
        else:
            print(f"{name:60s} {n:7d} {b:9d} {meta:5d} {share:5.1f}% "
                  f"{n / per:7.2f}/SA {b / per:8.1f} B/SA")
    print()
    return sas, series, total, zipped


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_for(pred, what, secs=30):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def scrape_fake(build, sas):
    """Start fakevici --sas SAS and serve, return the second scrape's text."""
    work = tempfile.mkdtemp(prefix="iw-expo-")
    sock = os.path.join(work, "vici")
    procs = []
    try:
        fake = subprocess.Popen([os.path.join(build, "tests/fakevici/fakevici"), "--sas",
                                 str(sas), sock], stderr=open(os.path.join(work, "fake.err"), "w"))
        procs.append(fake)
        wait_for(lambda: os.path.exists(sock), "fakevici's socket")
        port = free_port()
        serve = subprocess.Popen([os.path.join(build, "ikewatch"), "serve", "--vici.socket", sock,
                                  "--web.listen-address", f"127.0.0.1:{port}", "--vici.timeout",
                                  "60s", "--log.level", "warn"],
                                 stderr=open(os.path.join(work, "serve.err"), "w"))
        procs.append(serve)
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                get(base + "/-/healthy", 1)
                return True
            except OSError:
                return False
        wait_for(healthy, "serve")
        get(base + "/metrics")
        # the event stream touches the configured conns when it has listed them: wait until
        # the scrape is stable (two scrapes with the same series count)
        prev, text = None, get(base + "/metrics")
        for _ in range(50):
            n = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
            if n == prev:
                break
            prev = n
            time.sleep(0.2)
            text = get(base + "/metrics")
        if "\nipsec_up 1\n" not in "\n" + text:
            raise RuntimeError("ipsec_up is not 1 against fakevici --sas %d" % sas)
        return text
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("-b", "--build")
    ap.add_argument("-s", "--sas", default="1 100 1000 10000")
    ap.add_argument("--top", type=int, default=0, help="only the N largest families")
    ap.add_argument("--families", default="",
                    help="only these families (comma-separated), e.g. the ones a change is about")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--summary", action="store_true",
                    help="one line per size: SAs, series, bytes, per SA (markdown table)")
    a = ap.parse_args()
    if not a.files and not a.build:
        ap.error("give FILE.prom or -b BUILD")
    only = set(x for x in a.families.split(",") if x)
    rows = []
    for f in a.files:
        with open(f) as fh:
            rows.append((f, report(f, fh.read(), a.top, a.markdown, only)))
    if a.build:
        for n in a.sas.split():
            text = scrape_fake(a.build, int(n))
            rows.append((f"fakevici --sas {n}",
                         report(f"fakevici --sas {n}", text, a.top, a.markdown, only)))
    if a.summary:
        print("| source | SAs | series | bytes | gzip bytes | series/SA | bytes/SA | gzip bytes/SA |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, (sas, series, total, zipped) in rows:
            per = max(sas, 1)
            print(f"| {label} | {sas} | {series} | {total} | {zipped} | {series / per:.1f} "
                  f"| {total / per:.0f} | {zipped / per:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
