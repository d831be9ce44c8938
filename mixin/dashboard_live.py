#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run every query of rendered Grafana dashboards against a live Prometheus and say, for each,
whether it fails, comes back empty or returns data.

scripts/check-mixin.sh (lint.py) proves that the dashboards' expressions parse and name known
series; only a real Prometheus shows that they return anything: that the recording rules they
read are evaluated, that the labels their data links use survive the aggregations. Used by
tests/integration/test_dashboard_fleet.sh (and test_mixin.sh) and by the fleet bench against its
central Prometheus.

  mixin/dashboard_live.py [options] PROMETHEUS_URL DASHBOARD.json...

  --require-data       an empty result fails too (default: reported, not failed: a healthy fleet
                       has no "worst" tunnel to show)
  --var NAME=VALUE     the value of template variable NAME (default: ".*" for a variable with
                       "All", else its current value)
  --rate-interval D    what $__rate_interval and $__interval become (default 1m)
  --range D            what $__range becomes (default 1h)
  --timeout S          per query (default 10)
  -q, --quiet          print only the failing and empty queries and the summary

Every panel target, template variable (label_values(SELECTOR, LABEL) runs SELECTOR) and
annotation is an instant query at the current time. A query with data must also carry the labels
its panel's data links read (${__data.fields.LABEL}, ${__field.labels.LABEL}) and a variable's
query the label it takes its values from: a result without them is an error (the link would open
the per-gateway dashboard with an empty variable).

Output: one line per query, "ok N", "empty" or "error: WHY", with the dashboard and the panel;
then one summary line per dashboard. Exit status: 0 all fine, 1 an error (or, with
--require-data, an empty result), 2 usage, or Prometheus not reachable.
"""

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lint  # noqa: E402  (the expression walker of the static checks: one place)

VAR_REF = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]")
LINK_LABEL = re.compile(r"\$\{__(?:data\.fields|field\.labels)\.(\w+)\}")


def variable_values(board, overrides, rate_interval, range_):
    """{name: value} for every variable a query may name."""
    values = {"__rate_interval": rate_interval, "__interval": rate_interval, "__range": range_}
    for v in board.get("templating", {}).get("list", []):
        name = v.get("name")
        if v.get("type") == "datasource":
            continue
        if v.get("includeAll"):
            values[name] = v.get("allValue") or ".*"
        else:
            cur = v.get("current", {}).get("value")
            values[name] = cur[0] if isinstance(cur, list) and cur else (cur or ".*")
    values.update(overrides)
    return values


def substitute(expr, values):
    """Grafana's variable references replaced by VALUES; an unknown one is left as it is (and
    Prometheus then says so).

    >>> substitute('rate(x{i=~"$instance"}[$__rate_interval]) > ${n:raw} [[instance]]',
    ...            {"instance": ".*", "__rate_interval": "1m", "n": "3"})
    'rate(x{i=~".*"}[1m]) > 3 .*'
    """
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))
    return VAR_REF.sub(repl, expr)


def queries(board):
    """[(where, expr, labels the result must carry)]: a panel's data links (defaults and
    overrides) name the labels every series of its targets needs; a variable's label_values()
    the label it lists.

    >>> link = {"url": "/d/x?var-instance=${__data.fields.instance}&var-c=${__field.labels.conn}"}
    >>> board = {"panels": [{"type": "row", "title": "r", "panels": [{"title": "t",
    ...     "targets": [{"expr": "a"}, {"expr": ""}],
    ...     "fieldConfig": {"defaults": {"links": [link]}, "overrides": []}}]}],
    ...     "templating": {"list": [{"name": "instance", "type": "query",
    ...                             "query": {"query": "label_values(up{job='x'}, instance)"}},
    ...                            {"name": "datasource", "type": "datasource"}]}}
    >>> for q in queries(board): print(q)
    ("panel 't'", 'a', ['conn', 'instance'])
    ("variable 'instance'", "up{job='x'}", ['instance'])
    """
    out = []
    for p in lint.all_panels(board):
        urls = [u for w, u in lint.dashboard_links({"panels": [dict(p, panels=[])]})]
        need = sorted({l for u in urls for l in LINK_LABEL.findall(u)})
        for t in p.get("targets", []):
            if t.get("expr"):
                out.append(("panel %r" % p.get("title"), t["expr"], need))
    for v in board.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.match(r"^\s*label_values\((.*),\s*(\w+)\s*\)\s*$", q or "", re.S)
        if m:
            out.append(("variable %r" % v.get("name"), m.group(1), [m.group(2)]))
        else:
            out.append(("variable %r" % v.get("name"), q or "", []))
    for a in board.get("annotations", {}).get("list", []):
        if a.get("expr"):
            out.append(("annotation %r" % a.get("name"), a["expr"], []))
    return out


def run_query(prom, expr, timeout):
    """("ok", series) / ("empty", []) / ("error", why)."""
    url = prom.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:  # 400/422 carry Prometheus' own error
        try:
            return "error", json.load(e).get("error", str(e))
        except ValueError:
            return "error", str(e)
    except (urllib.error.URLError, OSError, ValueError) as e:
        return "unreachable", str(e)
    if body.get("status") != "success":
        return "error", body.get("error", "status %r" % body.get("status"))
    result = body["data"]["result"]
    if body["data"].get("resultType") in ("scalar", "string"):
        result = [{"metric": {}, "value": result}]
    return ("ok", result) if result else ("empty", [])


def check_board(prom, path, args, overrides):
    with open(path) as f:
        board = json.load(f)
    values = variable_values(board, overrides, args.rate_interval, args.range)
    name = os.path.basename(path)
    counts = {"ok": 0, "empty": 0, "error": 0}
    for where, expr, need in queries(board):
        state, res = run_query(prom, substitute(expr, values), args.timeout)
        if state == "unreachable":
            print("error %s %s: Prometheus at %s: %s" % (name, where, prom, res))
            sys.exit(2)
        if state == "ok":
            missing = sorted({l for s in res for l in need if not s["metric"].get(l)})
            if missing:
                state, res = "error", "result lacks label(s) %s that a link or variable " \
                                      "reads" % ", ".join(missing)
        counts[state] += 1
        if state == "ok":
            if not args.quiet:
                print("ok %d %s %s" % (len(res), name, where))
        elif state == "empty":
            print("empty %s %s: %s" % (name, where, " ".join(expr.split())[:160]))
        else:
            print("error %s %s: %s" % (name, where, " ".join(str(res).split())[:300]))
    print("# %s: %d queries, %d with data, %d empty, %d errors"
          % (name, sum(counts.values()), counts["ok"], counts["empty"], counts["error"]))
    return counts


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("prometheus")
    ap.add_argument("dashboards", nargs="+")
    ap.add_argument("--require-data", action="store_true")
    ap.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--rate-interval", default="1m")
    ap.add_argument("--range", default="1h")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    overrides = {}
    for kv in args.var:
        k, sep, v = kv.partition("=")
        if not sep or not k:
            ap.error("--var %s: expected NAME=VALUE" % kv)
        overrides[k] = v
    failed = False
    for path in args.dashboards:
        try:
            c = check_board(args.prometheus, path, args, overrides)
        except (OSError, ValueError) as e:
            print("error %s: cannot load: %s" % (path, e))
            return 2
        failed |= c["error"] > 0 or (args.require_data and c["empty"] > 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
