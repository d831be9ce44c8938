#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# prom_compare.py - checks for test_native_histograms.sh, over the HTTP API of two Prometheus
# servers scraping the same `ikewatch serve`: NATIVE (--enable-feature=native-histograms: it
# asks for, and gets, the protobuf exposition) and CLASSIC (no feature flag: it asks for, and
# gets, OpenMetrics), plus a text 0.0.4 scrape of serve taken by the test.
#
#   prom_compare.py series NATIVE CLASSIC JOB TARGET MODULE...
#       per probe stream (TARGET, MODULE): the series of the stream in each server, printed as
#       "# series-per-stream module=M classic=N native=N"; exit 1 unless the native server holds
#       exactly the classic one's series but the RTT histogram's (_bucket x buckets, _sum,
#       _count: one native series instead).
#   prom_compare.py values NATIVE CLASSIC JOB TEXT_BEFORE TEXT_AFTER SECONDS
#       every series whose value did not change in CLASSIC over the last SECONDS, nor between
#       the text scrapes TEXT_BEFORE and TEXT_AFTER taken around that time, must have the same
#       value in NATIVE and in the text scrapes (a timestamp derived from a remaining time can
#       move by a second between any two scrapes: such a series is not steady, and is left
#       out); and every series name of the text scrape must be in both servers (the RTT
#       histogram's parts as native, in NATIVE). Prints how many series were compared.
#   prom_compare.py quantile NATIVE CLASSIC MODULE Q WINDOW BOUNDS
#       histogram_quantile(Q) over the native histogram of stream MODULE agrees with the one over
#       its classic buckets: the native estimate lies in the classic bucket (BOUNDS: the
#       comma-separated upper bounds) of the classic estimate, give or take one native bucket
#       (2^(1/8)). Prints both.
import json
import re
import sys
import urllib.parse
import urllib.request

NATIVE_WIDTH = 2 ** (1 / 8)


def query(base, q, path="query", **params):
    params["query"] = q
    url = f"{base}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as r:
        d = json.load(r)
    if d.get("status") != "success":
        raise SystemExit(f"{base}: {q}: {d}")
    return d["data"]["result"]


def key(metric):
    return tuple(sorted((k, v) for k, v in metric.items() if k not in ("instance",)))


def scraped(results):
    """What the servers scraped from ikewatch: the mixin's recording rules, which the test loads
    into both servers, keep job and target but are computed (a native and a classic quantile
    differ by design), so series named level:metric:operation are left out."""
    return [r for r in results if ":" not in r["metric"].get("__name__", "")]


def is_rtt_part(name):
    return re.fullmatch(r"ipsec_probe_rtt_seconds(_bucket|_sum|_count)?", name) is not None


def series(native, classic, job, target, modules):
    ok = True
    for module in modules:
        sel = f'{{job="{job}",target="{target}",module="{module}"}}'
        n = {key(r["metric"]) for r in scraped(query(native, sel))}
        c = {key(r["metric"]) for r in scraped(query(classic, sel))}
        print(f"# series-per-stream module={module} classic={len(c)} native={len(n)}")
        c_rest = {k for k in c if not is_rtt_part(dict(k)["__name__"])}
        n_rest = {k for k in n if dict(k)["__name__"] != "ipsec_probe_rtt_seconds"}
        n_rtt = [k for k in n if dict(k)["__name__"] == "ipsec_probe_rtt_seconds"]
        c_rtt = [k for k in c if is_rtt_part(dict(k)["__name__"])]
        if c_rest != n_rest:
            print(f"differ beyond the RTT histogram: classic only {sorted(c_rest - n_rest)[:3]},"
                  f" native only {sorted(n_rest - c_rest)[:3]}")
            ok = False
        if len(n_rtt) != 1 or len(c_rtt) < 3:
            print(f"RTT histogram: {len(n_rtt)} native series, {len(c_rtt)} classic")
            ok = False
    return ok


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse_text(path, job):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = LINE.match(line.rstrip("\n"))
            if not m:
                raise SystemExit(f"text scrape: cannot read {line!r}")
            labels = {k: unescape(v) for k, v in LABEL.findall(m.group(2) or "")}
            labels["__name__"] = m.group(1)
            labels["job"] = job
            out[key(labels)] = float(m.group(3))
    return out


def same(a, b):
    return a == b or (a != a and b != b)  # NaN equals NaN here


def same_moment(name, a, b):
    """Equal, but a time that serve computes at each scrape as now plus charon's whole seconds
    left (the rekey and expiry times) is the same moment within a second: a scrape at another
    phase of charon's second reads one more or less."""
    if name.endswith("_timestamp_seconds"):
        return abs(a - b) <= 1
    return same(a, b)


def values(native, classic, job, before, after, seconds):
    text = parse_text(after, job)
    first = parse_text(before, job)
    sel = f'{{job="{job}"}}'
    rng = scraped(query(classic, sel, "query_range", start=f"{now(classic) - seconds}",
                        end=f"{now(classic)}", step="1"))
    stable = {}
    for r in rng:
        vs = {v for _, v in r["values"]}
        if len(vs) == 1 and len(r["values"]) >= seconds // 2:
            stable[key(r["metric"])] = float(vs.pop())
    nat = {}
    for r in scraped(query(native, sel)):
        if "value" in r:
            nat[key(r["metric"])] = float(r["value"][1])
        else:
            nat[key(r["metric"])] = "histogram"
    names_n = {dict(k)["__name__"] for k in nat}
    names_c = {dict(k)["__name__"] for k in stable} | {dict(key(r["metric"]))["__name__"]
                                                        for r in rng}
    ok = True
    compared = 0
    for k, v in stable.items():
        name = dict(k)["__name__"]
        if is_rtt_part(name) or name.startswith("scrape_") or name == "up":
            continue
        if k in text and (k not in first or not same(first[k], text[k])):
            continue  # moved between the text scrapes
        if k not in nat or not same(nat[k], v):
            print(f"{dict(k)}: classic {v}, native {nat.get(k)}")
            ok = False
        elif k in text and not same_moment(name, text[k], v):
            print(f"{dict(k)}: classic {v}, text scrape {text[k]}")
            ok = False
        compared += 1
    for k in text:
        name = dict(k)["__name__"]
        if is_rtt_part(name):
            if "ipsec_probe_rtt_seconds" not in names_n:
                print("no native ipsec_probe_rtt_seconds in the native server")
                ok = False
            continue
        if name not in names_n or name not in names_c:
            print(f"{name}: in the text scrape, not in both servers")
            ok = False
    print(f"# values: {compared} unchanging series compared, {len(text)} in the text scrape")
    if compared < 20:
        print("too few unchanging series to compare")
        ok = False
    return ok


def now(base):
    # a scalar's result is [timestamp, "value"]
    return int(float(query(base, "time()")[1]))


def quantile(native, classic, module, q, window, bounds):
    n = query(native, f'histogram_quantile({q}, rate(ipsec_probe_rtt_seconds'
                      f'{{module="{module}"}}[{window}]))')
    c = query(classic, f'histogram_quantile({q}, sum by (le) (rate(ipsec_probe_rtt_seconds_bucket'
                       f'{{module="{module}"}}[{window}])))')
    if len(n) != 1 or len(c) != 1:
        print(f"{len(n)} native and {len(c)} classic results")
        return False
    nv, cv = float(n[0]["value"][1]), float(c[0]["value"][1])
    b = [0.0] + [float(x) for x in bounds.split(",")]
    lo, hi = next(((b[i - 1], b[i]) for i in range(1, len(b)) if cv <= b[i]), (b[-1], float("inf")))
    print(f"# quantile module={module} q={q}: native {nv:.6g} s, classic {cv:.6g} s "
          f"(classic bucket {lo:g}..{hi:g})")
    return lo / NATIVE_WIDTH <= nv <= hi * NATIVE_WIDTH


def main(argv):
    cmd = argv[1]
    if cmd == "series":
        ok = series(argv[2], argv[3], argv[4], argv[5], argv[6:])
    elif cmd == "values":
        ok = values(argv[2], argv[3], argv[4], argv[5], argv[6], int(argv[7]))
    elif cmd == "quantile":
        ok = quantile(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7])
    else:
        raise SystemExit(f"unknown command {cmd}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
