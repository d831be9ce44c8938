#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Structural checks of the ikewatch mixin that promtool cannot do on its own.

scripts/check-mixin.sh runs this after `promtool check rules` and `promtool test rules`. Each
check prints one TAP-like line, `ok - mixin/<name>` or `not ok - mixin/<name>: why`, and the
exit status is 1 if any failed. The checks:

  alerts-complete        every alert the issue asks for exists, with a severity, a summary and
                         a description that name the tunnel, and a runbook_url
  alerts-tested          every alert has a promtool case that fires and one that stays quiet
  runbooks               docs/runbooks/<alert>.md exists for every alert, with the triage steps
  dashboard-json         every dashboard (mixin/dashboards/*.json) loads, has a unique uid, the
                         template variables and panels it needs (DASHBOARDS) and unique panel ids
  dashboard-promql       every expression in them parses (promtool check rules on a scratch file)
  dashboard-metrics      every metric they read is documented in docs/metrics.md (or, for a
                         level:metric:op name, is recorded by mixin/rules/ikewatch-recording.yaml)
  dashboard-recorded     a dashboard marked recorded_only (the fleet one) reads recorded series
                         only, so that a central Prometheus that federates nothing else serves it
  dashboard-links        every link to /d/UID names a dashboard rendered here, only template
                         variables that dashboard has (var-NAME), and only variables Grafana
                         knows in its own dashboard (${__data.fields.X}, ${NAME}, ...)
  rules-metrics          the same for the alerting rules

Standard library only; the rule files are the ones mixin/build.sh renders, so a small line-based
reader is enough for them (no PyYAML in the CI image).
"""

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIXIN = os.path.join(ROOT, "mixin")
ALERTS_FILE = os.path.join(MIXIN, "rules", "ikewatch-alerts.yaml")
RECORDING_FILE = os.path.join(MIXIN, "rules", "ikewatch-recording.yaml")
DASHBOARDS_DIR = os.path.join(MIXIN, "dashboards")
TESTS_DIR = os.path.join(MIXIN, "tests")
RUNBOOKS_DIR = os.path.join(ROOT, "docs", "runbooks")
METRICS_DOC = os.path.join(ROOT, "docs", "metrics.md")

# The alerts issue 5 asks for, the two-ended ones of issue 12 and charon's own of issue 14.
REQUIRED_ALERTS = [
    "IPsecExporterDown", "IPsecDaemonDown", "IPsecIKESADown", "IPsecChildSADown",
    "IPsecChildSADegraded", "IPsecTunnelOneWay", "IPsecProbeLossHigh",
    "IPsecProbeLatencyHigh", "IPsecFrequentRekeys", "IPsecRekeyFailing", "IPsecRekeyOverdue",
    "IPsecDPDTimeouts", "IPsecAuthFailures", "IPsecPathMTUBlackhole", "IPsecCertExpiringSoon",
    "IPsecESPLost", "IPsecESPLossPartial", "IPsecFarSideSilent", "IPsecIKEUnanswered",
    "IPsecDaemonSaturated", "IPsecHalfOpenIKESAsPilingUp", "IPsecPoolNearlyFull",
    "IPsecInvalidIKESPIs", "IPsecESPIntegrityFailures", "IPsecPolicyWithoutState",
    "IPsecRekeyWillFail", "IPsecProposalMismatch",
]
# Alerts about the gateway as a whole (or one certificate, one address pool) rather than one
# tunnel.
NOT_PER_TUNNEL = {"IPsecExporterDown", "IPsecDaemonDown", "IPsecCertExpiringSoon",
                  "IPsecDaemonSaturated", "IPsecHalfOpenIKESAsPilingUp", "IPsecPoolNearlyFull",
                  "IPsecInvalidIKESPIs"}
# Sections every runbook has (matched case-insensitively against its ## headings).
RUNBOOK_SECTIONS = ["meaning", "impact", "triage", "control plane", "data plane", "logs",
                    "fix", "ikewatch"]
# Series Prometheus makes itself.
BUILTIN_METRICS = {"up", "ALERTS", "scrape_duration_seconds", "scrape_samples_scraped",
                   "scrape_series_added", "scrape_samples_post_metric_relabeling"}
GRAFANA_INTERVALS = ("$__rate_interval", "$__interval", "$__range")

# What each rendered dashboard must have: template variables, words its panel titles must
# contain, and whether it may read recorded series only. A dashboard not listed here must have
# the datasource and instance variables.
DASHBOARDS = {
    "ikewatch.json": {
        "variables": ["datasource", "instance", "conn", "child"],
        "titles": ["sa up", "round-trip", "loss", "events", "failures", "bytes", "packets",
                   "path mtu", "certificate", "worker threads", "queued jobs", "half-open",
                   "pool", "integrity"],
        "recorded_only": False,
    },
    "ikewatch-fleet.json": {
        "variables": ["datasource", "instance"],
        "titles": ["gateways up", "alerts firing", "sas down", "probe loss", "esp loss",
                   "without ike sa", "child sas down", "rekey failures", "certificate expiry",
                   "certificates expiring"],
        "recorded_only": True,
    },
}
# Variables Grafana fills in a data link (besides the dashboard's own template variables).
LINK_VARIABLES = re.compile(r"^(__data\.fields\.\w+|__field\.labels\.\w+|__url_time_range|"
                            r"__from|__to|__value\.\w+|__series\.name)$")

PROMQL_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                   "group_right", "bool", "offset", "inf", "nan", "start", "end"}


class Report:
    def __init__(self):
        self.failed = 0

    def result(self, name, problems):
        if problems:
            self.failed += 1
            shown = "; ".join(problems[:8])
            if len(problems) > 8:
                shown += "; and %d more" % (len(problems) - 8)
            print("not ok - mixin/%s: %s" % (name, shown))
        else:
            print("ok - mixin/%s" % name)


# ---- PromQL ----------------------------------------------------------------------------

def metric_names(expr):
    """The metric names an expression reads (a lexical pass, not a full parser: strings,
    label matchers, ranges and grouping label lists are removed first, then every remaining
    identifier that is not a keyword, a function call or part of a number is a metric).

    >>> sorted(metric_names('sum by (le) (rate(a_bucket{x="}"}[5m])) > bool 1e3'))
    ['a_bucket']
    >>> sorted(metric_names('x offset 5m / on (conn) group_left (y) b:c:d unless time() > 0'))
    ['b:c:d', 'x']
    """
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    s = re.sub(r"\{[^{}]*\}", " ", s)
    s = re.sub(r"\[[^\[\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", s)
    names = set()
    for m in re.finditer(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?", s):
        word, call = m.group(1), m.group(2)
        if call or word in PROMQL_KEYWORDS:
            continue
        names.add(word)
    return names


def grafana_to_promql(expr):
    for var in GRAFANA_INTERVALS:
        expr = expr.replace(var, "5m")
    return expr


def label_values_selector(query):
    """label_values(SELECTOR, label) -> SELECTOR; label_values(label) -> None."""
    m = re.match(r"^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", query, re.S)
    return m.group(1) if m else None


def documented_metrics(path):
    """Names under ### headings or in the first cell of a table row of docs/metrics.md."""
    names = set()
    with open(path) as f:
        for line in f:
            cell = None
            if re.match(r"^#{2,6}\s", line):
                cell = line.lstrip("#")
            elif line.lstrip().startswith("|"):
                parts = line.strip().split("|")
                if len(parts) > 2:
                    cell = parts[1]
            if cell:
                names.update(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", cell))
    return names


def is_documented(name, documented):
    if name in documented or name in BUILTIN_METRICS:
        return True
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and name[:-len(suffix)] in documented:
            return True
    return False


# ---- The rendered rule files (our own format, read line by line) -----------------------

def rule_blocks(path, key):
    """[(name, text)] for each `- KEY: name` rule in a rendered rule file."""
    with open(path) as f:
        text = f.read()
    parts = re.split(r"(?m)^  - %s: " % key, text)
    out = []
    for part in parts[1:]:
        name, _, body = part.partition("\n")
        out.append((name.strip(), body))
    return out


def block_expr(body):
    # the block ends at the first line indented 4 spaces or less (a key, the next rule, or a
    # section comment between rules)
    m = re.search(r"(?ms)^    expr: \|\n(.*?)(?=^ {0,4}\S|\Z)", body)
    return m.group(1) if m else ""


def block_field(body, field):
    m = re.search(r"(?m)^      %s: (.*)$" % field, body)
    return m.group(1).strip().strip("'") if m else None


# ---- Checks --------------------------------------------------------------------------------

def check_alerts_complete(alerts):
    problems = []
    names = [n for n, _ in alerts]
    for want in REQUIRED_ALERTS:
        if want not in names:
            problems.append("%s missing" % want)
    for name, body in alerts:
        sev = block_field(body, "severity")
        if sev not in ("warning", "critical"):
            problems.append("%s: severity %r" % (name, sev))
        for field in ("summary", "description"):
            text = block_field(body, field)
            if not text:
                problems.append("%s: no %s" % (name, field))
            elif name not in NOT_PER_TUNNEL and "$labels.conn" not in text:
                problems.append("%s: %s does not name the tunnel" % (name, field))
            elif "$labels.instance" not in text:
                problems.append("%s: %s does not name the gateway" % (name, field))
        url = block_field(body, "runbook_url")
        if not url or not url.endswith("/%s.md" % name):
            problems.append("%s: runbook_url %r" % (name, url))
    return problems


def check_alerts_tested(alert_names):
    """Each alert needs an `alertname: X` case with exp_alerts: [] and one with alerts."""
    fires, quiet = set(), set()
    for fname in sorted(os.listdir(TESTS_DIR)):
        if not fname.endswith("_test.yaml"):
            continue
        with open(os.path.join(TESTS_DIR, fname)) as f:
            text = f.read()
        # Inline form: {eval_time: 5m, alertname: X, exp_alerts: []}
        for m in re.finditer(r"alertname: (\w+), exp_alerts: \[\]", text):
            quiet.add(m.group(1))
        # Block form: alertname: X, then exp_alerts: [] or exp_alerts: followed by items.
        for m in re.finditer(r"(?m)^\s+alertname: (\w+)\n\s+exp_alerts:( \[\])?\n(\s+- )?",
                             text):
            if m.group(2):
                quiet.add(m.group(1))
            elif m.group(3):
                fires.add(m.group(1))
    problems = []
    for name in sorted(set(alert_names)):
        if name not in fires:
            problems.append("%s has no firing case" % name)
        if name not in quiet:
            problems.append("%s has no quiet case" % name)
    return problems


def check_runbooks(alert_names):
    problems = []
    for name in sorted(set(alert_names)):
        path = os.path.join(RUNBOOKS_DIR, name + ".md")
        if not os.path.exists(path):
            problems.append("docs/runbooks/%s.md missing" % name)
            continue
        with open(path) as f:
            text = f.read()
        heads = " | ".join(h.lower() for h in re.findall(r"(?m)^##+ (.*)$", text))
        for section in RUNBOOK_SECTIONS:
            if section not in heads:
                problems.append("%s.md: no section about %s" % (name, section))
        if "ikewatch " not in text or "swanctl" not in text:
            problems.append("%s.md: names no ikewatch or swanctl command" % name)
    return problems


def dashboard_exprs(board):
    """[(where, promql)] for every query in the dashboard, template variables included."""
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append(("panel %r" % p.get("title"), t["expr"]))
            walk(p.get("panels", []))

    walk(board.get("panels", []))
    for v in board.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        sel = label_values_selector(q or "")
        if sel is None:
            out.append(("variable %r" % v.get("name"), "label_values?(%s)" % q))
        else:
            out.append(("variable %r" % v.get("name"), sel))
    for a in board.get("annotations", {}).get("list", []):
        if a.get("expr"):
            out.append(("annotation %r" % a.get("name"), a["expr"]))
    return out


def load_dashboards():
    """{file name: dashboard} for every rendered dashboard, and the problems loading them."""
    boards, problems = {}, []
    names = sorted(n for n in os.listdir(DASHBOARDS_DIR) if n.endswith(".json"))
    for name in names:
        try:
            with open(os.path.join(DASHBOARDS_DIR, name)) as f:
                boards[name] = json.load(f)
        except (OSError, ValueError) as e:
            problems.append("%s: cannot load: %s" % (name, e))
    for want in DASHBOARDS:
        if want not in names:
            problems.append("%s missing" % want)
    return boards, problems


def all_panels(board):
    out = []

    def walk(panels):
        for p in panels:
            out.append(p)
            walk(p.get("panels", []))

    walk(board.get("panels", []))
    return out


def check_dashboard_json(boards):
    problems = []
    uids = {}
    for name, board in sorted(boards.items()):
        for key in ("uid", "title", "panels", "templating"):
            if key not in board:
                problems.append("%s: no %s" % (name, key))
        if board.get("uid") in uids:
            problems.append("%s: uid %r also in %s" % (name, board.get("uid"), uids[board["uid"]]))
        uids[board.get("uid")] = name
        want = DASHBOARDS.get(name, {"variables": ["datasource", "instance"], "titles": []})
        names = [v.get("name") for v in board.get("templating", {}).get("list", [])]
        for var in want["variables"]:
            if var not in names:
                problems.append("%s: no template variable %s" % (name, var))
        ids = []
        for p in all_panels(board):
            ids.append(p.get("id"))
            gp = p.get("gridPos", {})
            if gp.get("x", 0) + gp.get("w", 0) > 24:
                problems.append("%s: panel %r wider than the grid" % (name, p.get("title")))
            if p.get("type") != "row" and not p.get("targets"):
                problems.append("%s: panel %r has no query" % (name, p.get("title")))
        if len(ids) != len(set(ids)):
            problems.append("%s: duplicate panel ids" % name)
        titles = [p.get("title", "") for p in all_panels(board)]
        if len(titles) != len(set(titles)):
            problems.append("%s: two panels with the same title" % name)
        titles = " ".join(t.lower() for t in titles)
        for word in want["titles"]:
            if word not in titles:
                problems.append("%s: no panel about %s" % (name, word))
    return problems


def check_dashboard_promql(exprs, promtool):
    problems = []
    bad = [w for w, e in exprs if e.startswith("label_values?(")]
    problems += ["%s: not label_values(selector, label)" % w for w in bad]
    exprs = [(w, grafana_to_promql(e)) for w, e in exprs if not e.startswith("label_values?(")]
    with tempfile.TemporaryDirectory() as d:
        for where, expr in exprs:
            # One scratch file per expression, so an error names its panel.
            path = os.path.join(d, "expr.yaml")
            with open(path, "w") as f:
                f.write("groups:\n- name: dashboard\n  rules:\n  - record: dashboard:expr\n"
                        "    expr: %s\n" % json.dumps(expr))
            r = subprocess.run([promtool, "check", "rules", path], capture_output=True,
                               text=True)
            if r.returncode != 0:
                msg = (r.stderr or r.stdout).strip().splitlines()
                problems.append("%s: %s" % (where, msg[-1] if msg else "does not parse"))
    if not exprs:
        problems.append("no expressions found")
    return problems


def dashboard_links(board):
    """[(where, url)] for every link in a dashboard: its own links, and the data links of every
    panel (field defaults and overrides)."""
    out = [("dashboard link %r" % l.get("title"), l.get("url", ""))
           for l in board.get("links", []) if l.get("type") == "link"]
    for p in all_panels(board):
        where = "panel %r" % p.get("title")
        fc = p.get("fieldConfig", {})
        out += [(where, l.get("url", "")) for l in fc.get("defaults", {}).get("links", [])]
        for o in fc.get("overrides", []):
            for prop in o.get("properties", []):
                if prop.get("id") == "links":
                    out += [(where, l.get("url", "")) for l in prop.get("value", [])]
        out += [(where, l.get("url", "")) for l in p.get("links", [])]
    return out


def check_dashboard_links(boards):
    """Links to /d/UID must name a dashboard rendered here and only its template variables;
    every ${...} in a link must be one Grafana fills in or a variable of the linking dashboard.

    >>> b = {"uid": "a", "templating": {"list": [{"name": "instance"}]}, "links": [
    ...     {"type": "link", "title": "x", "url": "/d/a?var-instance=${__data.fields.instance}"},
    ...     {"type": "link", "title": "y", "url": "/d/b?var-conn=${conn}&${__url_time_range}"}]}
    >>> for p in check_dashboard_links({"a.json": b}): print(p)
    a.json: dashboard link 'y': ${conn} is neither a template variable nor a data link variable
    a.json: dashboard link 'y': no dashboard with uid 'b'
    >>> b["links"][1]["url"] = "/d/a?var-conn=x"
    >>> check_dashboard_links({"a.json": b})
    ["a.json: dashboard link 'y': a has no variable 'conn'"]
    """
    problems = []
    by_uid = {b.get("uid"): b for b in boards.values()}

    def variables(board):
        return {v.get("name") for v in board.get("templating", {}).get("list", [])}

    for name, board in sorted(boards.items()):
        own = variables(board)
        for where, url in dashboard_links(board):
            for ref in re.findall(r"\$\{([^}:]+)(?::[^}]*)?\}", url):
                if ref not in own and not LINK_VARIABLES.match(ref):
                    problems.append("%s: %s: ${%s} is neither a template variable nor a data "
                                    "link variable" % (name, where, ref))
            m = re.match(r"^/d/([^/?#]+)", url)
            if not m:
                continue
            target = by_uid.get(m.group(1))
            if target is None:
                problems.append("%s: %s: no dashboard with uid %r" % (name, where, m.group(1)))
                continue
            for var in re.findall(r"[?&]var-([^=&]+)=", url):
                if var not in variables(target):
                    problems.append("%s: %s: %s has no variable %r" % (name, where,
                                                                      m.group(1), var))
    return problems


def check_recorded_only(boards, recorded):
    """Dashboards marked recorded_only read nothing but recorded series."""
    problems = []
    for name, board in sorted(boards.items()):
        if not DASHBOARDS.get(name, {}).get("recorded_only"):
            continue
        for where, expr in dashboard_exprs(board):
            for metric in sorted(metric_names(grafana_to_promql(expr))):
                if metric not in recorded:
                    problems.append("%s: %s reads %s, not a recorded series" % (name, where,
                                                                             metric))
    return problems


def check_metrics_documented(exprs, recorded):
    if not os.path.exists(METRICS_DOC):
        return ["docs/metrics.md does not exist yet"]
    documented = documented_metrics(METRICS_DOC)
    problems = []
    seen = set()
    for where, expr in exprs:
        for name in sorted(metric_names(grafana_to_promql(expr))):
            if name in seen:
                continue
            seen.add(name)
            if ":" in name:
                if name not in recorded:
                    problems.append("%s (%s) is not a recording rule" % (name, where))
            elif not is_documented(name, documented):
                problems.append("%s (%s) is not in docs/metrics.md" % (name, where))
    return problems


def main(argv):
    promtool = argv[0] if argv else "promtool"
    rep = Report()
    alerts = rule_blocks(ALERTS_FILE, "alert")
    recorded = {n for n, _ in rule_blocks(RECORDING_FILE, "record")}
    alert_names = [n for n, _ in alerts]

    rep.result("alerts-complete", check_alerts_complete(alerts))
    rep.result("alerts-tested", check_alerts_tested(alert_names))
    rep.result("runbooks", check_runbooks(alert_names))
    boards, problems = load_dashboards()
    rep.result("dashboard-json", problems + check_dashboard_json(boards))
    exprs = [("%s: %s" % (name, where), e) for name, b in sorted(boards.items())
             for where, e in dashboard_exprs(b)]
    rep.result("dashboard-promql", check_dashboard_promql(exprs, promtool))
    rep.result("dashboard-metrics", check_metrics_documented(exprs, recorded))
    rep.result("dashboard-recorded", check_recorded_only(boards, recorded))
    rep.result("dashboard-links", check_dashboard_links(boards))
    rule_exprs = [("alert %s" % n, block_expr(b)) for n, b in alerts]
    rule_exprs += [("record %s" % n, block_expr(b))
                   for n, b in rule_blocks(RECORDING_FILE, "record")]
    rep.result("rules-metrics", check_metrics_documented(rule_exprs, recorded))
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
