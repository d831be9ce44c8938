#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The report of bench/fleet.sh, in markdown: per-gateway costs fitted against the SA count, the
servers of both topologies at each measured fleet size, the slopes between the two largest sizes
scaled to 300 and 3,000 gateways, the fault-to-alert times and the dashboards' PromQL results.

Usage: fleet_report.py FAULTS_JSON PROMQL_CENTRAL_TXT PROMQL_GLOBAL_TXT STEP_JSON...
(the files fleet.sh writes; the steps in increasing fleet size).
"""
import json
import sys

ROLES = ("central", "agent0", "agent1", "shard0", "shard1", "global")


def fit(xs, ys):
    """Least squares y = a + b x."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def med(vals):
    vals = sorted(vals)
    return vals[len(vals) // 2] if vals else float("nan")


def load(step):
    return "%.2f" % step["loadavg"][1][0]


def per_gateway(step):
    gws = [g for g in step["per_gateway"].values() if "series" in g and "bytes" in g]
    out = ["| gateways of the last step | SAs | series | scrape (ms) | bytes | gzip bytes |",
           "|---|---|---|---|---|---|"]
    for kind in ("site", "concentrator", "recorded"):
        for probes in (0, 1):
            g = [x for x in gws if x["kind"] == kind and x["probes"] == probes]
            if not g:
                continue
            out.append("| %d %s%s (median) | %d | %d | %.1f | %d | %d |" % (
                len(g), kind, ", with 2 probe streams" if probes else "",
                med([x["sas"] for x in g]), med([x["series"] for x in g]),
                1000 * med([x.get("scrape_s", 0) for x in g]),
                med([x["bytes"] for x in g]), med([x["gzip_bytes"] for x in g])))
    # Site gateways hold one conn (IKE SA + CHILD SA) per tunnel, concentrators one conn for all
    # their CHILD SAs: fitted apart.
    plain = [x for x in gws if not x["probes"] and x["kind"] == "site"]
    fits = {k: fit([x["sas"] for x in plain], [x[k] for x in plain])
            for k in ("series", "bytes", "gzip_bytes", "scrape_s")}
    probe = [x for x in gws if x["probes"] and x["kind"] == "site"]
    extra = (med([x["series"] - fits["series"][0] - fits["series"][1] * x["sas"] for x in probe])
             if probe else float("nan"))
    conc = [x for x in gws if x["kind"] == "concentrator" and not x["probes"]]
    per_child = {k: med([(x[k] - fits[k][0]) / x["sas"] for x in conc]) if conc else float("nan")
                 for k in ("series", "bytes", "gzip_bytes", "scrape_s")}
    out.append("")
    out.append("Site gateways (%d without probes, least squares against their tunnels, each a conn "
               "with one IKE and one CHILD SA): series = %.0f + %.1f per tunnel; exposition = %.0f "
               "+ %.0f bytes per tunnel (gzip %.0f + %.0f); scrape duration = %.2f ms + %.3f ms "
               "per tunnel. Two probe streams (STAMP and ICMP) add %.0f series. Concentrators "
               "(one conn, %d measured): %.2f series, %.0f bytes (gzip %.0f) and %.3f ms of scrape "
               "per CHILD SA above the site intercept. Load average %s." % (
                   len(plain), fits["series"][0], fits["series"][1], fits["bytes"][0],
                   fits["bytes"][1], fits["gzip_bytes"][0], fits["gzip_bytes"][1],
                   1000 * fits["scrape_s"][0], 1000 * fits["scrape_s"][1], extra, len(conc),
                   per_child["series"], per_child["bytes"], per_child["gzip_bytes"],
                   1000 * per_child["scrape_s"], load(step)))
    return out, fits


def servers(steps):
    out = ["| gateways (SAs) | server | active series | samples/s in | RSS MiB | bytes/series | "
           "CPU cores | rule groups, mean (max) ms | missed evaluations | load |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for s in steps:
        sas = sum(g["sas"] for g in s["per_gateway"].values())
        for role in ROLES:
            v = s["servers"].get(role)
            if not v:
                continue
            series = v["head_series"] or v["agent_series"]
            rate = v["appended_per_s"] if role != "agent0" and role != "agent1" else v["remote_samples_per_s"]
            groups = ", ".join("%s %.1f (%.1f)" % (g.replace("ikewatch.", ""), 1000 * r["mean_s"],
                                                   1000 * r["max_s"])
                               for g, r in sorted(v["rule_groups"].items()))
            extra = ""
            if role.startswith("agent"):
                extra = " (sent %.1f KiB/s)" % (v["remote_bytes_per_s"] / 1024)
            missed = ("%d of %d" % (v.get("iterations_missed", 0), v.get("iterations", 0))
                      if v["rule_groups"] else "-")
            out.append("| %d (%d) | %s | %d | %.0f%s | %.0f | %.0f | %.2f | %s | %s | %s |" % (
                s["gateways"], sas, role, series, rate, extra, v["rss_bytes"] / 2**20,
                v["rss_bytes"] / series if series else 0, v["cpu_cores"], groups or "-", missed,
                load(s)))
    return out


def scaled(steps):
    if len(steps) < 2:
        return ["(one fleet size measured: no slope)"]
    a, b = steps[-2], steps[-1]
    dn = b["gateways"] - a["gateways"]
    rows = ["| per gateway (slope %d -> %d) | central a | shards b (sum) | global b | at 300 (a / b / global) | at 3,000 (a / b / global) |" %
            (a["gateways"], b["gateways"]), "|---|---|---|---|---|---|"]

    def val(step, role, key):
        return step["servers"].get(role, {}).get(key, 0)

    def both(step, key):
        return val(step, "shard0", key) + val(step, "shard1", key)

    def groups(step, role):
        return sum(r["mean_s"] for r in step["servers"].get(role, {}).get("rule_groups", {}).values())
    metrics = [
        ("active series", lambda s: val(s, "central", "head_series"),
         lambda s: both(s, "head_series"), lambda s: val(s, "global", "head_series"), 1),
        ("samples/s", lambda s: val(s, "central", "appended_per_s"),
         lambda s: both(s, "appended_per_s"), lambda s: val(s, "global", "appended_per_s"), 1),
        ("RSS MiB", lambda s: val(s, "central", "rss_bytes") / 2**20,
         lambda s: both(s, "rss_bytes") / 2**20, lambda s: val(s, "global", "rss_bytes") / 2**20, 1),
        ("CPU cores", lambda s: val(s, "central", "cpu_cores"), lambda s: both(s, "cpu_cores"),
         lambda s: val(s, "global", "cpu_cores"), 1),
        ("rule evaluation ms per cycle (wall time, see load)", lambda s: 1000 * groups(s, "central"),
         lambda s: 1000 * (groups(s, "shard0") + groups(s, "shard1")), lambda s: 0.0, 1),
    ]
    for name, fa, fb, fg, _ in metrics:
        slope = [(f(b) - f(a)) / dn for f in (fa, fb, fg)]
        at = lambda n: " / ".join("%.4g" % max(0.0, f(b) + sl * (n - b["gateways"]))
                                  for f, sl in zip((fa, fb, fg), slope))
        rows.append("| %s | %.4g | %.4g | %.4g | %s | %s |" % (name, slope[0], slope[1], slope[2],
                                                               at(300), at(3000)))
    for g in sorted(b["servers"].get("central", {}).get("rule_groups", {})):
        ga = a["servers"]["central"]["rule_groups"].get(g, {"mean_s": 0})["mean_s"]
        gb = b["servers"]["central"]["rule_groups"][g]["mean_s"]
        sl = 1000 * (gb - ga) / dn
        rows.append("| central group %s, ms | %.4g | | | %.4g | %.4g |" % (
            g, sl, max(0.0, 1000 * gb + sl * (300 - b["gateways"])),
            max(0.0, 1000 * gb + sl * (3000 - b["gateways"]))))
    ds = val(b, "central", "head_series") - val(a, "central", "head_series")
    dm = val(b, "central", "rss_bytes") - val(a, "central", "rss_bytes")
    rows.append("")
    rows.append("Central server: %.0f bytes of RSS per series at %d gateways (RSS / head series), "
                "%.0f bytes per added series between the two sizes (load %s, %s)." % (
                    val(b, "central", "rss_bytes") / max(1, val(b, "central", "head_series")),
                    b["gateways"], dm / ds if ds else float("nan"), load(a), load(b)))
    return rows


def main():
    faults_file, pq_central, pq_global = sys.argv[1:4]
    steps = []
    for p in sys.argv[4:]:
        with open(p) as f:
            steps.append(json.load(f))
    print("## Per gateway\n")
    lines, _ = per_gateway(steps[-1])
    print("\n".join(lines))
    print("\n## Servers\n")
    print("\n".join(servers(steps)))
    print("\n## Rules that failed to evaluate\n")
    seen = set()
    for st in steps:
        for role, h in sorted(st.get("rule_health", {}).items()):
            for group, rule, err in h["errors"]:
                if (role, rule) not in seen:
                    seen.add((role, rule))
                    print("- %d gateways, %s: %s/%s: %s" % (st["gateways"], role, group, rule, err))
    if not seen:
        print("none (every recording and alerting rule evaluated without error on every server)")
    print("\n## Scaled from the slope\n")
    print("\n".join(scaled(steps)))
    print("\n## Fault to alert (%d gateways)\n" % steps[-1]["gateways"])
    print("| topology | fault | alert | firing in Prometheus (s) | at Alertmanager (s) | at the webhook (s) |")
    print("|---|---|---|---|---|---|")
    try:
        with open(faults_file) as f:
            for x in json.load(f):
                fault = ("fakevici killed" if x["alert"] == "IPsecDaemonDown"
                         else "restarted with no IKE SA for a-b")
                print("| %s | %s: %s | %s | %s | %s | %s |" % (
                    x["topo"], x["instance"], fault, x["alert"], x["firing_s"],
                    x.get("alertmanager_s"), x["webhook_s"]))
    except (OSError, ValueError) as e:
        print("(no fault timing: %s)" % e)
    print("\n## Dashboards' PromQL\n")
    for name, p in (("central (a)", pq_central), ("global (b)", pq_global)):
        try:
            with open(p) as f:
                # mixin/dashboard_live.py's summary line of each dashboard
                body = [l[2:] for l in f.read().splitlines()
                        if l.startswith("# ") and " queries, " in l]
        except OSError:
            body = ["(not run)"]
        for l in body:
            print("- %s: %s" % (name, l))


if __name__ == "__main__":
    main()
