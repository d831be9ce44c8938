#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Gathers one bench/fault_matrix.sh run into RUN/results.json and RUN/results.tsv and prints
the Markdown table. Usage: fault_matrix_report.py RUN NOT_RUN ("name|reason" lines)"""
import json
import os
import sys

run, not_run = sys.argv[1], sys.argv[2]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def first_finding(d, name):
    doc = load(os.path.join(d, name + ".json"))
    if not doc or not doc.get("findings"):
        err = ""
        try:
            err = open(os.path.join(d, name + ".err")).read().strip().splitlines()[-1][:120]
        except (OSError, IndexError):
            pass
        return {"id": None, "severity": None, "title": "no finding" + (": " + err if err else ""),
                "all": []}
    f = doc["findings"][0]
    return {"id": f.get("id"), "severity": f.get("severity"), "title": f.get("title", ""),
            "all": [x.get("id") for x in doc["findings"]]}


def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


rows = []
for line in open(os.path.join(run, "faults.tsv")):
    name, segment, what, exp_alone, exp_peer = line.rstrip("\n").split("\t")
    d = os.path.join(run, name)
    poll = load(os.path.join(d, "poll.json")) or {}
    r = {"fault": name, "segment": segment, "what": what, "error": None}
    try:
        r["error"] = open(os.path.join(d, "error")).read().strip()
    except OSError:
        pass
    try:
        inj = open(os.path.join(d, "inject.log")).read().strip().splitlines()
        r["inject_rc"] = inj[-1] if inj else ""
        t0 = float(open(os.path.join(d, "inject_time")).read())
        r["inject_s"] = round(float(open(os.path.join(d, "inject_done")).read()) - t0, 1)
        r["doctor_at_s"] = round(float(open(os.path.join(d, "doctor_time")).read()) - t0, 1)
    except (OSError, ValueError):
        pass
    series = sorted(poll.get("series", {}).items(), key=lambda kv: kv[1]["t"])
    r["series"] = [{"name": k, "t": v["t"], "where": v["where"]} for k, v in series]
    r["series_before"] = poll.get("series_before", {})
    alerts = []
    for key, st in poll.get("alerts", {}).items():
        alerts.append({"alert": key, "pending": st.get("pending"), "firing": st.get("firing"),
                       "notified": poll.get("notified", {}).get(key),
                       "resolved": poll.get("resolved", {}).get(key)})
    for key, t in poll.get("notified", {}).items():
        if key not in poll.get("alerts", {}):
            alerts.append({"alert": key, "pending": None, "firing": None, "notified": t,
                           "resolved": poll.get("resolved", {}).get(key)})
    alerts.sort(key=lambda a: (a["firing"] is None, a["firing"] or 1e9, a["pending"] or 1e9))
    r["alerts"] = alerts
    r["alerts_before"] = poll.get("alerts_before", [])
    r["notified_before"] = poll.get("notified_before", [])
    for mode, exp in (("alone", exp_alone), ("peer", exp_peer)):
        f = first_finding(d, "doctor_" + mode)
        f["expected"] = exp.split(",")
        f["right"] = f["id"] in f["expected"]
        r["doctor_" + mode] = f
    rows.append(r)

with open(os.path.join(run, "results.json"), "w") as f:
    json.dump(rows, f, indent=1)


def fmt_t(t):
    return "-" if t is None else "%d" % round(t)


with open(os.path.join(run, "results.tsv"), "w") as f:
    f.write("fault\tsegment\tfirst_series\tfirst_series_s\talerts_firing(s)\tnotified(s)\t"
            "doctor_alone\tright\tdoctor_peer\tright\n")
    for r in rows:
        fs = r["series"][0] if r["series"] else None
        f.write("\t".join([
            r["fault"], r["segment"],
            "%s@%s" % (fs["name"], ",".join(fs["where"])) if fs else "-",
            fmt_t(fs["t"]) if fs else "-",
            " ".join("%s=%s" % (a["alert"], fmt_t(a["firing"])) for a in r["alerts"] if a["firing"] is not None) or "-",
            " ".join("%s=%s" % (a["alert"], fmt_t(a["notified"])) for a in r["alerts"] if a["notified"] is not None) or "-",
            str(r["doctor_alone"]["id"]), "yes" if r["doctor_alone"]["right"] else "NO",
            str(r["doctor_peer"]["id"]), "yes" if r["doctor_peer"]["right"] else "NO"]) + "\n")

print("| Fault | Segment, kind | First series (s after injection) | Alerts: firing in Prometheus / at the webhook (s) | doctor alone: first finding | | doctor --peer: first finding | |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["error"]:
        print("| %s | %s | run failed: %s | | | | | |" % (r["fault"], cell(r["segment"]), cell(r["error"])))
        continue
    ser = "; ".join("%s %s @%s" % (s["name"], fmt_t(s["t"]), ",".join(s["where"])[:40])
                    for s in r["series"][:2]) or "none"
    if r["series_before"]:
        ser += " (already before: %s)" % ", ".join(sorted(r["series_before"]))
    al = "; ".join("%s %s/%s" % (a["alert"], fmt_t(a["firing"]), fmt_t(a["notified"]))
                   + ("" if a["firing"] is not None else " (pending only)" if a["pending"] is not None else "")
                   for a in r["alerts"]) or "none"
    if r["alerts_before"]:
        al += " (before injection: %s)" % ", ".join(r["alerts_before"])

    def doc(f):
        t = f["title"] if len(f["title"]) <= 140 else f["title"][:137] + "..."
        return "`%s` (%s): %s" % (f["id"], f["severity"], cell(t)), \
            "right" if f["right"] else "**WRONG** (want %s)" % "/".join(f["expected"])
    da, va = doc(r["doctor_alone"])
    dp, vp = doc(r["doctor_peer"])
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["fault"], cell(r["segment"]), cell(ser), cell(al), da, va, dp, vp))
for line in not_run.splitlines():
    n, why = line.split("|", 1)
    print("| %s | not run | %s | | | | | |" % (n, cell(why)))
right_a = sum(r["doctor_alone"]["right"] for r in rows)
right_p = sum(r["doctor_peer"]["right"] for r in rows)
print()
print("doctor's first finding right: alone %d of %d, with --peer %d of %d" %
      (right_a, len(rows), right_p, len(rows)))
