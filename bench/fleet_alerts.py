#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Time from a fault to its alert, for bench/fleet.sh: how long until each expected alert is
firing in the Prometheus that evaluates it, until Alertmanager has it (its /api/v2/alerts) and
until Alertmanager has posted it to the webhook (after the route's group_wait).

Usage: fleet_alerts.py HOOK_FILE AM_URL T0 TIMEOUT_S OUT_JSON SPEC...
  T0 is the fault's time (seconds since the epoch, fractions allowed);
  SPEC is TOPO,ALERTNAME,INSTANCE,CONN,PROM_URL[|PROM_URL...] (CONN "-" for none): the alert
  carries topo=TOPO (the evaluating server's external label), and is looked for in the
  /api/v1/alerts of those servers.
Polls twice a second until every SPEC reached the webhook or TIMEOUT_S passed; prints one line
per SPEC and writes them to OUT_JSON. Exit 1 if one never reached the webhook.
"""
import json
import sys
import time
import urllib.request


def matches(labels, spec):
    return (labels.get("topo") == spec["topo"] and labels.get("alertname") == spec["alert"]
            and labels.get("instance") == spec["instance"]
            and labels.get("conn", "-") == spec["conn"])


def firing_in(urls, spec):
    for u in urls:
        try:
            with urllib.request.urlopen(u + "/api/v1/alerts", timeout=5) as r:
                alerts = json.load(r)["data"]["alerts"]
        except OSError:
            continue
        # A server's external labels are added to alerts only on their way to Alertmanager.
        for a in alerts:
            if a["state"] == "firing" and matches(dict(a["labels"], topo=spec["topo"]), spec):
                return True
    return False


def at_alertmanager(am, spec):
    try:
        with urllib.request.urlopen(am + "/api/v2/alerts?active=true", timeout=5) as r:
            return any(matches(a["labels"], spec) for a in json.load(r))
    except (OSError, ValueError):
        return False


def posted(hook_file, spec):
    try:
        with open(hook_file) as f:
            for line in f:
                for a in json.loads(line).get("alerts", []):
                    if a["status"] == "firing" and matches(a["labels"], spec):
                        return True
    except (OSError, ValueError):
        pass
    return False


def main():
    hook, am, t0, timeout, out = (sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]),
                                  sys.argv[5])
    specs = []
    for s in sys.argv[6:]:
        topo, alert, instance, conn, urls = s.split(",", 4)
        specs.append({"topo": topo, "alert": alert, "instance": instance, "conn": conn,
                      "urls": urls.split("|"), "firing_s": None, "alertmanager_s": None,
                      "webhook_s": None})
    while time.time() - t0 < timeout and any(s["webhook_s"] is None for s in specs):
        now = time.time() - t0
        for s in specs:
            if s["firing_s"] is None and firing_in(s["urls"], s):
                s["firing_s"] = round(now, 1)
            if s["alertmanager_s"] is None and at_alertmanager(am, s):
                s["alertmanager_s"] = round(now, 1)
            if s["webhook_s"] is None and posted(hook, s):
                s["webhook_s"] = round(now, 1)
        time.sleep(0.5)
    with open(out, "w") as f:
        json.dump([{k: v for k, v in s.items() if k != "urls"} for s in specs], f, indent=1)
    for s in specs:
        print("#   topology %s: %s on %s%s: firing after %s s, at Alertmanager after %s s, at the "
              "webhook after %s s" % (s["topo"], s["alert"], s["instance"],
                                      "" if s["conn"] == "-" else " conn " + s["conn"],
                                      s["firing_s"], s["alertmanager_s"], s["webhook_s"]))
    sys.exit(1 if any(s["webhook_s"] is None for s in specs) else 0)


if __name__ == "__main__":
    main()
