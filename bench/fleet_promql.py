#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run every PromQL expression of the rendered Grafana dashboards against a Prometheus and count
errors and empty results (bench/fleet.sh, against the central and the global server).

Usage: fleet_promql.py PROM_URL DASHBOARD.json...
Whatever dashboards mixin/build.sh renders are checked (the per-gateway one, and the fleet one
when it exists): the panels' targets (rows and nested panels included) and the template
variables' queries (label_values(EXPR, LABEL) runs EXPR). Template variables become ".*" (a
`label="$var"` matcher becomes `label=~".*"`, as Grafana's "All" does), Grafana's interval
variables 1m ($__rate_interval, $__interval) and 1h ($__range). Prints one line per dashboard and
one per failing or empty query; exits 1 if any query was refused (a PromQL error), 0 otherwise
(an empty result is reported, not failed: a fleet without certificates has no expiry to show).
"""
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

GRAFANA = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__range_s": "3600",
           "__interval_ms": "60000", "__range_ms": "3600000"}
VAR = r'\$(?:\{(\w+)(?::[^}]*)?\}|(\w+))|\[\[(\w+)\]\]'
EQ_VAR = re.compile(r'(\w+)\s*=\s*"(' + VAR + r')"')


def substitute(expr):
    expr = EQ_VAR.sub(lambda m: m.group(1) + '=~"' + m.group(2) + '"', expr)

    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return GRAFANA.get(name, ".*")
    return re.sub(VAR, one, expr)


def exprs(board):
    out = []

    def walk(panels):
        for p in panels or []:
            for t in p.get("targets", []) or []:
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels"))
    walk(board.get("panels"))
    for row in board.get("rows", []) or []:
        walk(row.get("panels"))
    for v in (board.get("templating") or {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and isinstance(q, str):
            m = re.match(r'\s*label_values\((.*),\s*\w+\)\s*$', q, re.S)
            if m:
                out.append(("variable " + v.get("name", "?"), m.group(1)))
            elif not q.strip().startswith("label_values("):
                out.append(("variable " + v.get("name", "?"), q))
    return out


def run(prom, expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": substitute(expr)})
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            res = json.load(r)
    except urllib.error.HTTPError as e:  # 400/422 carry the PromQL error
        try:
            return "error", json.load(e).get("error", str(e))
        except ValueError:
            return "error", str(e)
    except OSError as e:
        return "error", str(e)
    if res.get("status") != "success":
        return "error", res.get("error")
    return ("data" if res["data"]["result"] else "empty"), ""


def main():
    prom, boards = sys.argv[1], sys.argv[2:]
    failed = 0
    for path in boards:
        with open(path) as f:
            board = json.load(f)
        if not isinstance(board, dict) or "panels" not in board and "rows" not in board:
            continue
        counts = {"data": 0, "empty": 0, "error": 0}
        notes = []
        for title, e in exprs(board):
            kind, why = run(prom, e)
            counts[kind] += 1
            if kind != "data":
                notes.append("#     %s %s: %s%s" % (kind, title, e.replace("\n", " ")[:120],
                                                    (" -> " + why) if why else ""))
        n = sum(counts.values())
        print("# dashboard %s: %d queries, %d with data, %d empty, %d errors" %
              (board.get("title", path), n, counts["data"], counts["empty"], counts["error"]))
        for line in notes:
            print(line)
        failed |= counts["error"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
