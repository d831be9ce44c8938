#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The inhibit rules of mixin/alertmanager/ikewatch.example.yml, asked of a running Alertmanager.

Usage: alert_inhibit.py AM_ADDR

Each case posts alerts (labels only) under a gateway name of its own, so that cases cannot
inhibit each other, then reads back through /api/v2/alerts which alerts Alertmanager suppressed
by inhibition. A case lists the alerts it posts and, by index, which of them must be inhibited:
the others must not be. Prints one "ok - NAME" / "not ok - NAME: why" line per case, the
lib.sh way, and exits 1 when one failed.
"""
import datetime
import json
import sys
import time
import urllib.request

AM = sys.argv[1]


def alert(name, instance, **labels):
    return {"alertname": name, "job": "ikewatch", "instance": instance, **labels}


# (case, alerts, indices that must be inhibited); {gw} and {peer} are filled per case
CASES = [
    ("daemon-down-silences-its-tunnels",
     [alert("IPsecDaemonDown", "{gw}", severity="critical"),
      alert("IPsecIKESADown", "{gw}", conn="a-b", severity="critical"),
      alert("IPsecProbeLossHigh", "{gw}", conn="a-b", child="net", severity="warning"),
      alert("IPsecIKESADown", "{peer}", conn="b-a", severity="critical")],
     {1, 2}),
    ("exporter-down-is-not-inhibited-by-daemon-down",
     [alert("IPsecDaemonDown", "{gw}", severity="critical"),
      alert("IPsecExporterDown", "{gw}", severity="critical")],
     set()),
    ("ike-down-silences-its-children-only",
     [alert("IPsecIKESADown", "{gw}", conn="a-b", severity="critical"),
      alert("IPsecChildSADown", "{gw}", conn="a-b", child="net", severity="critical"),
      alert("IPsecESPLost", "{gw}", conn="a-b", child="net", peer_instance="{peer}",
            severity="critical"),
      alert("IPsecChildSADown", "{gw}", conn="a-c", child="net", severity="critical")],
     {1, 2}),
    ("child-down-silences-its-probes",
     [alert("IPsecChildSADown", "{gw}", conn="a-b", child="net", severity="critical"),
      alert("IPsecProbeLossHigh", "{gw}", conn="a-b", child="net", target="203.0.113.129",
            severity="warning"),
      alert("IPsecProbeLossHigh", "{gw}", conn="a-b", child="voice", target="203.0.113.130",
            severity="warning")],
     {1}),
    # a total loss starts as a rising partial loss over the 5m window: the same end's partial
    # loss alert says less about the same packets
    ("esp-lost-silences-one-way-and-partial-loss-of-the-same-end",
     [alert("IPsecESPLost", "{gw}", conn="a-b", child="net", peer_instance="{peer}",
            severity="critical"),
      alert("IPsecTunnelOneWay", "{gw}", conn="a-b", child="net", severity="critical"),
      alert("IPsecESPLossPartial", "{gw}", conn="a-b", child="net", peer_instance="{peer}",
            severity="warning"),
      # the other direction, alerted at the other end, is another fault
      alert("IPsecESPLossPartial", "{peer}", conn="b-a", child="net", peer_instance="{gw}",
            severity="warning")],
     {1, 2}),
    ("partial-loss-explains-probe-loss",
     [alert("IPsecESPLossPartial", "{gw}", conn="a-b", child="net", peer_instance="{peer}",
            severity="warning"),
      alert("IPsecProbeLossHigh", "{gw}", conn="a-b", child="net", severity="warning"),
      alert("IPsecProbeLatencyHigh", "{gw}", conn="a-b", child="net", severity="warning")],
     {1}),
    ("critical-certificate-replaces-its-warning",
     [alert("IPsecCertExpiringSoon", "{gw}", subject="CN=gw", serial="01",
            severity="critical"),
      alert("IPsecCertExpiringSoon", "{gw}", subject="CN=gw", serial="01", severity="warning"),
      alert("IPsecCertExpiringSoon", "{gw}", subject="CN=gw", serial="02", severity="warning")],
     {1}),
]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def post(alerts):
    now = datetime.datetime.now(datetime.timezone.utc)
    body = [{"labels": a, "startsAt": iso(now - datetime.timedelta(seconds=10)),
             "endsAt": iso(now + datetime.timedelta(hours=1))} for a in alerts]
    req = urllib.request.Request(f"http://{AM}/api/v2/alerts", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def inhibited():
    """{frozenset(labels): inhibited?} of every alert Alertmanager holds."""
    with urllib.request.urlopen(f"http://{AM}/api/v2/alerts", timeout=10) as r:
        got = json.load(r)
    return {frozenset(a["labels"].items()): bool(a["status"]["inhibitedBy"]) for a in got}


def main():
    cases = []
    for k, (name, alerts, want) in enumerate(CASES):
        gw, peer = f"gw{k}a:9903", f"gw{k}b:9903"
        filled = [{key: v.format(gw=gw, peer=peer) for key, v in a.items()} for a in alerts]
        cases.append((name, filled, want))
        post(filled)
    failed = 0
    deadline = time.monotonic() + 15
    while True:
        state = inhibited()
        results = []
        for name, alerts, want in cases:
            why = []
            for i, a in enumerate(alerts):
                key = frozenset(a.items())
                if key not in state:
                    why.append(f"{a['alertname']}@{a['instance']} not held")
                elif state[key] != (i in want):
                    why.append(f"{a['alertname']}@{a['instance']} "
                               f"{'' if state[key] else 'not '}inhibited")
            results.append((name, why))
        # inhibition follows the alert store with a short lag: wait for it, then judge
        if all(not why for _, why in results) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for name, why in results:
        if why:
            failed += 1
            print(f"not ok - {name}: {'; '.join(why)}")
        else:
            print(f"ok - {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
