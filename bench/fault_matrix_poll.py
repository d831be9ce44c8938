#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The observer of one bench/fault_matrix.sh run: polls Prometheus for a fixed list of
candidate expressions and for alerts, and watches the webhook sink's file, and writes what it
saw, in seconds after the injection, to OUT (JSON).

Usage: fault_matrix_poll.py PROM_URL HOOK_FILE INJECT_FILE END_EPOCH OUT QUIET_FROM_EPOCH
                            a=INSTANCE b=INSTANCE

INJECT_FILE holds the injection time (epoch seconds, float) once the fault is in; until then
a candidate series seen from QUIET_FROM_EPOCH on counts as "before" (the end of the healthy
warm-up: a candidate that already matches then is noise, not a signal of the fault; the first
minute of a lab, before the rate windows fill, is not held against it). Alerts before the
injection are all recorded. Series and alerts about connection a-c (the lab's
"configured but down" connection) are left out: they are there in every run."""
import json
import os
import sys
import time
import urllib.parse
import urllib.request



def grew(series, window):
    """increase(SERIES[WINDOW]) > 0, also for a series that appeared inside the window: ikewatch
    writes a failure kind, retransmitted exchange or IKE SA event from its first event on
    (docs/metrics.md, "Which series exist when"; the mixin's lib/counters.libsonnet)."""
    return (f"(({series} unless {series} offset {window} and on (job, instance) ipsec_up offset "
            f"{window}) or increase({series}[{window}])) > 0")


# The candidate series: each expression is empty while the tunnel is healthy.
CANDIDATES = [
    ("scrape_failed", 'up{job="ikewatch"} == 0'),
    ("charon_down", 'ipsec_up == 0'),
    ("ike_sa_down", 'ipsec_ike_sa_up == 0'),
    ("child_sa_down", 'ipsec_child_sa_up == 0'),
    ("probe_failed", 'ipsec_probe_success == 0'),
    ("probe_lost", 'sum without (direction) (increase(ipsec_probe_lost_total[1m])) > 0'),
    ("esp_in_stopped", 'rate(ipsec_child_sa_packets_in_total[1m]) == 0'),
    ("esp_out_stopped", 'rate(ipsec_child_sa_packets_out_total[1m]) == 0'),
    ("pair_in_short", 'ipsec_pair:packets_in:rate < 0.9 * ipsec_pair:peer_packets_out:rate'),
    ("pair_gone", 'absent(ipsec_pair:child_sa_peer:info)'),
    ("reflector_rx_stopped",
     'sum by (instance) (rate(ipsec_reflector_sender_packets_total{result="reflected"}[1m])) == 0'),
    ("retransmits", grew('ipsec_retransmits_total', '1m')),
    ("failures", grew('ipsec_failures_total', '2m')),
    ("ike_events", grew('ipsec_ike_sa_events_total{event!="rekeyed"}', '1m')),
    ("child_events", 'increase(ipsec_child_sa_events_total{event!="rekeyed"}[1m]) > 0'),
    ("rekey_will_fail", 'ipsec_child_sa_rekey_failure_expected_timestamp_seconds < time() + 86400'
     ' or ipsec_ike_sa_rekey_failure_expected_timestamp_seconds < time() + 86400'),
    ("mtu_blackhole", 'ipsec_probe_mtu_blackhole == 1'),
    ("path_mtu_changed", 'changes(ipsec_probe_path_mtu_bytes[2m]) > 0'),
    ("cert_expiring", 'ipsec_cert_not_after_timestamp_seconds - time() < 1209600'),
]
# labels worth showing next to a series (beyond the gateway)
SHOW = ("kind", "direction", "event", "module", "result", "peer_instance")

prom, hook_file, inject_file, end, out, quiet_from = sys.argv[1:7]
end, quiet_from = float(end), float(quiet_from)
gw_of = {}
for a in sys.argv[7:]:
    g, inst = a.split("=", 1)
    gw_of[inst] = g.upper()


def query(expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)["data"]["result"]
    except Exception:  # Prometheus busy or gone: try again next round
        return None


def describe(labels):
    gw = gw_of.get(labels.get("instance", ""), labels.get("instance", "-"))
    if "peer_instance" in labels:
        labels = dict(labels, peer_instance=gw_of.get(labels["peer_instance"], "?"))
    extra = ",".join("%s=%s" % (k, labels[k]) for k in SHOW if k in labels)
    return gw + ("{" + extra + "}" if extra else "")


def relevant(labels):
    return labels.get("conn") != "a-c"


res = {"series": {}, "series_before": {}, "alerts": {}, "alerts_before": [], "notified": {},
       "notified_before": [], "resolved": {}}
hook_pos = 0
t_inject = None
last_q = 0.0
while time.time() < end:
    now = time.time()
    if t_inject is None and os.path.exists(inject_file):
        try:
            t_inject = float(open(inject_file).read().strip())
        except ValueError:
            pass
    rel = None if t_inject is None else round(now - t_inject, 1)
    # webhook: every second, so the notification time is within a second
    try:
        with open(hook_file) as f:
            f.seek(hook_pos)
            chunk = f.read()
    except OSError:
        chunk = ""
    # only whole lines: the sink may be half-way through writing the last one
    lines = chunk[:chunk.rfind("\n") + 1].splitlines()
    hook_pos += len(chunk[:chunk.rfind("\n") + 1].encode())
    for line in lines:
        try:
            body = json.loads(line)
        except ValueError:
            continue
        for a in body.get("alerts", []):
            l = a.get("labels", {})
            if not relevant(l):
                continue
            key = "%s@%s" % (l.get("alertname"), describe({"instance": l.get("instance", "-")}))
            if rel is None:
                if a.get("status") == "firing" and key not in res["notified_before"]:
                    res["notified_before"].append(key)
            elif a.get("status") == "firing":
                res["notified"].setdefault(key, rel)
            else:
                res["resolved"].setdefault(key, rel)
    if now - last_q >= 3:
        last_q = now
        for name, expr in CANDIDATES:
            r = query(expr)
            if not r:
                continue
            hits = [describe(s["metric"]) for s in r if relevant(s["metric"])]
            if not hits:
                continue
            if rel is None or rel < 0:
                if now < quiet_from:
                    continue
                res["series_before"].setdefault(name, sorted(set(hits)))
            elif name not in res["series"]:
                res["series"][name] = {"t": rel, "where": sorted(set(hits))}
        try:
            with urllib.request.urlopen(prom + "/api/v1/alerts", timeout=5) as r:
                alerts = json.load(r)["data"]["alerts"]
        except Exception:
            alerts = []
        for a in alerts:
            l = a["labels"]
            if not relevant(l):
                continue
            key = "%s@%s" % (l["alertname"], describe({"instance": l.get("instance", "-")}))
            if rel is None:
                if key not in res["alerts_before"]:
                    res["alerts_before"].append(key)
                continue
            e = res["alerts"].setdefault(key, {})
            e.setdefault(a["state"], rel)
        with open(out + ".tmp", "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
        os.replace(out + ".tmp", out)
    time.sleep(1)
with open(out + ".tmp", "w") as f:
    json.dump(res, f, indent=1, sort_keys=True)
os.replace(out + ".tmp", out)
