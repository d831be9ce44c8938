#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One measurement step of bench/fleet.sh: the Prometheus servers' own metrics over a window, and
per-gateway figures from the scraping shards and from the gateways themselves.

Usage: fleet_measure.py OUT_JSON TARGETS_JSON WINDOW_S ROLE=URL...
  ROLE is central, agent0.., shard0.., global (the names bench/fleet.sh gives its servers).
Every Prometheus' /metrics is read every 15 s for WINDOW_S seconds: counters give rates over the
window (first and last read), gauges their last value, prometheus_rule_group_last_duration_seconds
its mean and maximum over the reads. Per gateway: series (scrape_samples_scraped) and scrape
duration (mean over the window) from the shards, and the exposition's bytes fetched here once,
plain and gzip (Prometheus asks for gzip). Prints a summary and writes everything to OUT_JSON.
"""
import gzip
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
WANTED = (
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "prometheus_tsdb_head_series",
    "prometheus_tsdb_head_samples_appended_total",
    "prometheus_agent_active_series",
    "prometheus_remote_storage_samples_total",
    "prometheus_remote_storage_bytes_total",
    "prometheus_remote_storage_samples_pending",
    "prometheus_rule_group_last_duration_seconds",
    "prometheus_rule_group_rules",
    "prometheus_rule_group_iterations_total",
    "prometheus_rule_group_iterations_missed_total",
)


def get(url, headers=None, timeout=20):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read(), r.headers


def own_metrics(url):
    """{name: {labels_text: value}} for the WANTED families of one Prometheus."""
    body, _ = get(url + "/metrics")
    out = {}
    for line in body.decode().splitlines():
        m = SAMPLE.match(line)
        if m and m.group(1) in WANTED:
            out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    return out


def total(snap, name):
    return sum(snap.get(name, {}).values())


def query(url, expr):
    body, _ = get(url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    r = json.loads(body)
    return [(x["metric"], float(x["value"][1])) for x in r["data"]["result"]]


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def servers_step(roles, window):
    reads, t = {r: [] for r in roles}, []
    end = time.time() + window
    while True:
        t.append(time.time())
        for role, url in roles.items():
            reads[role].append(own_metrics(url))
        if time.time() >= end:
            break
        time.sleep(min(15, max(0.0, end - time.time())))
    dt = t[-1] - t[0]
    out = {}
    for role, snaps in reads.items():
        a, b = snaps[0], snaps[-1]
        rate = lambda n: (total(b, n) - total(a, n)) / dt if dt > 0 else 0.0
        groups = {}
        for s in snaps:
            for labels, v in s.get("prometheus_rule_group_last_duration_seconds", {}).items():
                g = dict(LABEL.findall(labels)).get("rule_group", "?").split(";")[-1]
                groups.setdefault(g, []).append(v)
        out[role] = {
            "rss_bytes": total(b, "process_resident_memory_bytes"),
            "cpu_cores": rate("process_cpu_seconds_total"),
            "head_series": total(b, "prometheus_tsdb_head_series"),
            "agent_series": total(b, "prometheus_agent_active_series"),
            "appended_per_s": rate("prometheus_tsdb_head_samples_appended_total"),
            "remote_samples_per_s": rate("prometheus_remote_storage_samples_total"),
            "remote_bytes_per_s": rate("prometheus_remote_storage_bytes_total"),
            "remote_pending": total(b, "prometheus_remote_storage_samples_pending"),
            "rule_groups": {g: {"mean_s": sum(v) / len(v), "max_s": max(v)} for g, v in groups.items()},
            # evaluations skipped because the previous one was still running
            "iterations_missed": total(b, "prometheus_rule_group_iterations_missed_total")
            - total(a, "prometheus_rule_group_iterations_missed_total"),
            "iterations": total(b, "prometheus_rule_group_iterations_total")
            - total(a, "prometheus_rule_group_iterations_total"),
        }
    return out, dt


def rule_health(url):
    """(rules, [(group, rule, error)]) of one Prometheus that evaluates rules."""
    body, _ = get(url + "/api/v1/rules")
    n, bad = 0, []
    for g in json.loads(body)["data"]["groups"]:
        for r in g["rules"]:
            n += 1
            if r.get("health") == "err":
                bad.append((g["name"], r["name"], r.get("lastError", "")[:300]))
    return n, bad


def gateways_step(targets, shards, window):
    per = {}
    for t in targets:
        name = t["labels"]["gateway"]
        per[name] = {"sas": int(t["labels"]["sas"]), "kind": t["labels"]["kind"],
                     "probes": int(t["labels"]["probes"]), "address": t["targets"][0]}
    rng = "%ds" % max(30, int(window))
    for url in shards:
        for m, v in query(url, 'scrape_samples_scraped{job="ikewatch"}'):
            per.get(m.get("instance"), {})["series"] = v
        for m, v in query(url, 'avg_over_time(scrape_duration_seconds{job="ikewatch"}[%s])' % rng):
            per.get(m.get("instance"), {})["scrape_s"] = v
        for m, v in query(url, 'min_over_time(up{job="ikewatch"}[%s])' % rng):
            per.get(m.get("instance"), {})["up"] = v
    for g in per.values():
        try:
            plain, _ = get("http://%s/metrics" % g["address"])
            packed, h = get("http://%s/metrics" % g["address"], {"Accept-Encoding": "gzip"})
            g["bytes"] = len(plain)
            g["gzip_bytes"] = len(packed) if h.get("Content-Encoding") == "gzip" else None
            if g["gzip_bytes"] is None:
                g["gzip_bytes"] = len(gzip.compress(plain))
        except OSError as e:
            g["error"] = str(e)
    return per


def pct(vals, q):
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return float("nan")
    return vals[min(len(vals) - 1, int(q * (len(vals) - 1) + 0.5))]


def main():
    out, targets_file, window = sys.argv[1], sys.argv[2], float(sys.argv[3])
    roles = dict(a.split("=", 1) for a in sys.argv[4:])
    with open(targets_file) as f:
        targets = json.load(f)
    load_before = loadavg()
    servers, dt = servers_step(roles, window)
    shards = [u for r, u in roles.items() if r.startswith("shard")]
    gws = gateways_step(targets, shards, window)
    health = {}
    for role in ("central", "shard0", "shard1"):
        if role in roles:
            n, bad = rule_health(roles[role])
            health[role] = {"rules": n, "errors": bad}
    res = {"gateways": len(targets), "window_s": dt, "loadavg": [load_before, loadavg()],
           "servers": servers, "per_gateway": gws, "rule_health": health}
    with open(out, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    c = servers.get("central", {})
    up = sum(1 for g in gws.values() if g.get("up") == 1)
    print("# %d gateways (%d up at every scrape of the window), load %s" %
          (len(gws), up, " ".join("%.2f" % x for x in res["loadavg"][1])))
    print("#   central: %d series, %.0f samples/s, RSS %.0f MiB (%.0f bytes/series), CPU %.2f cores" %
          (c.get("head_series", 0), c.get("appended_per_s", 0), c.get("rss_bytes", 0) / 2**20,
           c.get("rss_bytes", 0) / max(1, c.get("head_series", 0)), c.get("cpu_cores", 0)))
    for role, h in health.items():
        print("#   %s: %d rules, %d failing%s" % (role, h["rules"], len(h["errors"]), "".join(
            "\n#     %s/%s: %s" % e for e in h["errors"])))
    for k in ("series", "scrape_s", "bytes", "gzip_bytes"):
        vals = [g.get(k) for g in gws.values()]
        print("#   per gateway %-10s median %-10.4g p90 %-10.4g max %.4g" %
              (k, pct(vals, 0.5), pct(vals, 0.9), pct(vals, 1.0)))


if __name__ == "__main__":
    main()
