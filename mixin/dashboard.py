# SPDX-License-Identifier: Apache-2.0
"""The ikewatch Grafana dashboard, as data.

build.py calls build(values) with the rendered config (mixin/config.yaml) and writes the
result to mixin/dashboards/ikewatch.json. Writing the dashboard in Python rather than by hand
keeps every panel's selector identical (the same template variables everywhere), places panels
on the grid without arithmetic mistakes, and lets thresholds drawn on panels come from the same
config as the alerts. Panels read the recording rules (mixin/templates/ikewatch-recording.yaml.tmpl)
where a raw query would be expensive. Standard library only.
"""

UID = "ikewatch-tunnels"
DS = {"type": "prometheus", "uid": "${datasource}"}


class _Grid:
    """Places panels left to right, 24 columns wide, starting a new line when full."""

    def __init__(self):
        self.x = self.y = self.row_h = 0
        self.next_id = 1

    def place(self, panel, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel["id"] = self.next_id
        self.next_id += 1
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return panel

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel = {"type": "row", "title": title, "collapsed": False, "panels": []}
        self.place(panel, 24, 1)
        self.x, self.y, self.row_h = 0, self.y + 1, 0
        return panel


def _target(expr, legend, ref, instant=False, fmt=None):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref}
    if instant:
        t["instant"] = True
        t["range"] = False
    if fmt:
        t["format"] = fmt
    return t


def _panel(kind, title, description, targets, unit=None, extra=None):
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [_target(*t) if isinstance(t, tuple) else t for t in targets],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {},
    }
    for i, t in enumerate(p["targets"]):
        t["refId"] = chr(ord("A") + i)
    if unit:
        p["fieldConfig"]["defaults"]["unit"] = unit
    if extra:
        for k, v in extra.items():
            if k == "defaults":
                p["fieldConfig"]["defaults"].update(v)
            else:
                p[k] = v
    return p


def _thresholds(*steps):
    """steps: (value or None, colour) pairs; the first value is the base (None)."""
    return {"thresholds": {"mode": "absolute",
                           "steps": [{"value": v, "color": c} for v, c in steps]}}


_UPDOWN = {
    "mappings": [{"type": "value", "options": {
        "0": {"text": "down", "color": "red", "index": 0},
        "1": {"text": "up", "color": "green", "index": 1}}}],
    "color": {"mode": "thresholds"},
    **_thresholds((None, "red"), (1, "green")),
}


def _variable(name, label, query, multi=True):
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "includeAll": True,
        "allValue": ".*",
        "multi": multi,
        "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "hide": 0,
    }


def build(values):
    """The dashboard as a dict, and the set of config keys it used."""
    used = {"selector", "probe_loss_ratio", "probe_latency_seconds", "runbook_url_base",
            "cert_expiry_warning_days", "cert_expiry_critical_days"}
    sel = values["selector"]
    inst = '%s, instance=~"$instance"' % sel
    conn = inst + ', conn=~"$conn"'
    child = conn + ', child=~"$child"'
    loss_thr = float(values["probe_loss_ratio"])
    rtt_thr = float(values["probe_latency_seconds"])
    warn_s = int(values["cert_expiry_warning_days_seconds"])
    crit_s = int(values["cert_expiry_critical_days_seconds"])
    tunnel = "{{instance}} {{conn}}/{{child}}"

    g = _Grid()
    panels = []

    def add(panel, w, h):
        panels.append(g.place(panel, w, h))

    # ---- Overview ---------------------------------------------------------------------
    panels.append(g.row("Overview"))
    add(_panel("stat", "Exporter scraped", "Prometheus' up for ikewatch (IPsecExporterDown).",
               [("up{%s}" % inst, "{{instance}}", "A")],
               extra={"defaults": _UPDOWN}), 4, 4)
    add(_panel("stat", "IKE daemon reachable", "ipsec_up: charon answers over VICI "
               "(IPsecDaemonDown).",
               [("ipsec_up{%s}" % inst, "{{instance}}", "A")],
               extra={"defaults": _UPDOWN}), 4, 4)
    add(_panel("stat", "IKE SAs up / configured", "Established IKE SAs over loaded "
               "connections, per gateway (recording rules ipsec_instance:*).",
               [("ipsec_instance:ike_sa_up:sum{%s}" % inst, "{{instance}} up", "A"),
                ("ipsec_instance:ike_sa_configured:count{%s}" % inst,
                 "{{instance}} configured", "B")]), 4, 4)
    add(_panel("stat", "CHILD SAs up / configured", "Installed CHILD SAs over configured "
               "ones, per gateway.",
               [("ipsec_instance:child_sa_up:sum{%s}" % inst, "{{instance}} up", "A"),
                ("ipsec_instance:child_sa_configured:count{%s}" % inst,
                 "{{instance}} configured", "B")]), 4, 4)
    add(_panel("stat", "Probes succeeding", "Share of probe streams whose last window "
               "succeeded.",
               [("ipsec_instance:probe_success:ratio{%s}" % inst, "{{instance}}", "A")],
               unit="percentunit",
               extra={"defaults": {"min": 0, "max": 1, "color": {"mode": "thresholds"},
                                   **_thresholds((None, "red"), (0.99, "green"))}}), 4, 4)
    add(_panel("table", "Versions", "ikewatch build and IKE daemon version per gateway.",
               [("ikewatch_build_info{%s}" % inst, "", "A", True, "table"),
                ("ipsec_daemon_info{%s}" % inst, "", "B", True, "table")],
               extra={"transformations": [{"id": "merge", "options": {}}, {
                   "id": "organize", "options": {"excludeByName": {
                       "Time": True, "Value #A": True, "Value #B": True, "__name__": True}}}]}),
        4, 4)

    # ---- SA status over time -----------------------------------------------------------
    panels.append(g.row("SA status"))
    add(_panel("state-timeline", "IKE SA up per connection",
               "1 while an IKE SA of the connection is established (rekeying included), 0 when "
               "it is loaded but absent (IPsecIKESADown).",
               [("ipsec_ike_sa_up{%s}" % conn, "{{instance}} {{conn}}", "A")],
               extra={"defaults": _UPDOWN,
                      "options": {"showValue": "never", "mergeValues": True}}), 12, 8)
    add(_panel("state-timeline", "CHILD SA up per tunnel",
               "1 while the CHILD SA is installed (rekeying included), 0 when configured but "
               "absent (IPsecChildSADown).",
               [("ipsec_child_sa_up{%s}" % child, tunnel, "A")],
               extra={"defaults": _UPDOWN,
                      "options": {"showValue": "never", "mergeValues": True}}), 12, 8)
    add(_panel("state-timeline", "IKE SA state", "State of the newest IKE SA of each "
               "connection (ipsec_ike_sa_state).",
               [("max by (instance, conn, state) (ipsec_ike_sa_state{%s}) == 1" % conn,
                 "{{instance}} {{conn}} {{state}}", "A")],
               extra={"options": {"showValue": "never", "mergeValues": True}}), 12, 8)
    add(_panel("table", "IKE SAs", "Negotiated algorithms and peers "
               "(ipsec_ike_sa_info).",
               [("ipsec_ike_sa_info{%s}" % conn, "", "A", True, "table")],
               extra={"transformations": [{"id": "organize", "options": {"excludeByName": {
                   "Time": True, "Value": True, "__name__": True, "job": True}}}]}), 12, 8)

    # ---- Probes ------------------------------------------------------------------------
    panels.append(g.row("Probes (STAMP through the tunnels)"))
    add(_panel("timeseries", "Probe round-trip time",
               "Quantiles of the probe RTT per tunnel (recording rule "
               "ipsec_tunnel:probe_rtt_seconds:quantile). The dashed line is the "
               "IPsecProbeLatencyHigh threshold.",
               [('ipsec_tunnel:probe_rtt_seconds:quantile{%s, quantile=~"0.5|0.95|0.99"}'
                 % child, tunnel + " p{{quantile}}", "A")],
               unit="s",
               extra={"defaults": {"custom": {"thresholdsStyle": {"mode": "dashed"}},
                                   **_thresholds((None, "green"), (rtt_thr, "red"))}}), 12, 8)
    add(_panel("timeseries", "Probe loss", "Lost over sent probes per tunnel (recording "
               "rule ipsec_tunnel:probe_loss:ratio). The dashed line is the "
               "IPsecProbeLossHigh threshold.",
               [("ipsec_tunnel:probe_loss:ratio{%s}" % child, tunnel + " {{target}}", "A")],
               unit="percentunit",
               extra={"defaults": {"min": 0,
                                   "custom": {"thresholdsStyle": {"mode": "dashed"}},
                                   **_thresholds((None, "green"), (loss_thr, "red"))}}), 12, 8)
    add(_panel("timeseries", "Lost probes by direction", "Which way probes are lost "
               "(forward: towards the reflector; reverse: on the way back).",
               [("sum by (instance, conn, child, direction) (rate(ipsec_probe_lost_total{%s}"
                 "[$__rate_interval]))" % child, tunnel + " {{direction}}", "A")],
               unit="pps"), 8, 8)
    add(_panel("timeseries", "Probe jitter", "Inter-packet delay variation per tunnel.",
               [("ipsec_probe_jitter_seconds{%s}" % child, tunnel, "A")], unit="s"), 8, 8)
    add(_panel("state-timeline", "Probe success / in tunnel",
               "Last window's probe success (IPsecChildSADegraded) and whether the probes "
               "really travel inside the tunnel.",
               [("ipsec_probe_success{%s}" % child, tunnel + " success", "A"),
                ("ipsec_probe_in_tunnel{%s}" % child, tunnel + " in tunnel", "B")],
               extra={"defaults": _UPDOWN,
                      "options": {"showValue": "never", "mergeValues": True}}), 8, 8)
    add(_panel("timeseries", "Duplicated and reordered probes", "Probe replies seen twice "
               "or out of order.",
               [("sum by (instance, conn, child) (rate(ipsec_probe_duplicated_total{%s}"
                 "[$__rate_interval]))" % child, tunnel + " duplicated", "A"),
                ("sum by (instance, conn, child) (rate(ipsec_probe_reordered_total{%s}"
                 "[$__rate_interval]))" % child, tunnel + " reordered", "B"),
                ("sum by (instance, conn, child) (rate(ipsec_probe_received_total{%s}"
                 "[$__rate_interval]))" % child, tunnel + " received", "C")],
               unit="pps"), 24, 7)

    # ---- Rekeys, failures, errors -------------------------------------------------------
    panels.append(g.row("Rekeys, failures and errors"))
    add(_panel("timeseries", "IKE SA events", "Established, rekeyed and deleted IKE SAs "
               "per minute (IPsecFrequentRekeys).",
               [("60 * ipsec_conn:ike_sa_events:rate{%s}" % conn,
                 "{{instance}} {{conn}} {{event}}", "A")],
               unit="opm", extra={"defaults": {"custom": {"drawStyle": "bars"}}}), 12, 8)
    add(_panel("timeseries", "CHILD SA events", "Installed, rekeyed and deleted CHILD SAs "
               "per minute.",
               [("60 * ipsec_tunnel:child_sa_events:rate{%s}" % child,
                 tunnel + " {{event}}", "A")],
               unit="opm", extra={"defaults": {"custom": {"drawStyle": "bars"}}}), 12, 8)
    add(_panel("timeseries", "Failures by kind", "Rekey failures, DPD timeouts, "
               "authentication and proposal failures per minute (IPsecRekeyFailing, "
               "IPsecDPDTimeouts, IPsecAuthFailures).",
               [("60 * ipsec_conn:failures:rate{%s} > 0" % conn,
                 "{{instance}} {{conn}} {{kind}}", "A")],
               unit="opm", extra={"defaults": {"custom": {"drawStyle": "bars"}}}), 8, 8)
    add(_panel("timeseries", "IKE retransmits", "Retransmitted IKE requests per minute: "
               "the first sign of a peer or path going away.",
               [("60 * sum by (instance, conn, exchange) (rate(ipsec_retransmits_total{%s}"
                 "[$__rate_interval]))" % conn, "{{instance}} {{conn}} {{exchange}}", "A")],
               unit="opm"), 8, 8)
    add(_panel("timeseries", "Time to next rekey", "Seconds until the scheduled IKE and "
               "CHILD rekey; below zero means overdue (IPsecRekeyOverdue).",
               [("ipsec_ike_sa_rekey_timestamp_seconds{%s} - time()" % conn,
                 "{{instance}} {{conn}} IKE", "A"),
                ("ipsec_child_sa_rekey_timestamp_seconds{%s} - time()" % child,
                 tunnel + " CHILD", "B")],
               unit="s"), 8, 8)
    add(_panel("table", "Last IKE error", "Last error notify per connection and when it "
               "was seen.",
               [("ipsec_ike_last_error_code{%s}" % conn, "", "A", True, "table"),
                ("ipsec_ike_last_error_timestamp_seconds{%s} * 1000" % conn, "", "B", True,
                 "table")],
               extra={"transformations": [{"id": "merge", "options": {}}, {
                   "id": "organize", "options": {
                       "excludeByName": {"Time": True, "__name__": True, "job": True},
                       "renameByName": {"Value #A": "error code", "Value #B": "seen at"}}}],
                   "fieldConfig": {"defaults": {}, "overrides": [{
                       "matcher": {"id": "byName", "options": "seen at"},
                       "properties": [{"id": "unit", "value": "dateTimeAsIso"}]}]}}),
        24, 6)

    # ---- Traffic -------------------------------------------------------------------------
    panels.append(g.row("Traffic per tunnel"))
    add(_panel("timeseries", "Bytes per tunnel", "ESP payload bytes per second, in "
               "(positive) and out (negative); counters carry across rekeys.",
               [("ipsec_tunnel:bytes_in:rate{%s}" % child, tunnel + " in", "A"),
                ("-ipsec_tunnel:bytes_out:rate{%s}" % child, tunnel + " out", "B")],
               unit="Bps"), 12, 8)
    add(_panel("timeseries", "Packets per tunnel", "Packets per second, in (positive) and "
               "out (negative). Out without in is IPsecTunnelOneWay.",
               [("ipsec_tunnel:packets_in:rate{%s}" % child, tunnel + " in", "A"),
                ("-ipsec_tunnel:packets_out:rate{%s}" % child, tunnel + " out", "B")],
               unit="pps"), 12, 8)
    add(_panel("timeseries", "Seconds since last packet", "Age of the last inbound and "
               "outbound packet per CHILD SA.",
               [("time() - ipsec_child_sa_last_in_timestamp_seconds{%s}" % child,
                 tunnel + " in", "A"),
                ("time() - ipsec_child_sa_last_out_timestamp_seconds{%s}" % child,
                 tunnel + " out", "B")],
               unit="s"), 12, 7)
    add(_panel("table", "CHILD SAs", "Traffic selectors, mode and algorithms "
               "(ipsec_child_sa_info); SPIs change at every rekey.",
               [("ipsec_child_sa_info{%s}" % child, "", "A", True, "table")],
               extra={"transformations": [{"id": "organize", "options": {"excludeByName": {
                   "Time": True, "Value": True, "__name__": True, "job": True}}}]}), 12, 7)

    add(_panel("timeseries", "Both ends: packets sent by one gateway, received by the other",
               "Needs ikewatch on both gateways (recording group ikewatch.peers pairs the two "
               "ends of each CHILD SA by SPI). Per direction peer -> this gateway: what the "
               "peer sent (solid) and what this gateway received (dashed). A gap between "
               "them is ESP lost on that segment (IPsecESPLost, IPsecESPLossPartial); the "
               "peer receiving but sending nothing is IPsecFarSideSilent.",
               [("ipsec_pair:peer_packets_out:rate{%s}" % child,
                 "{{peer_instance}} -> {{instance}} %s sent" % "{{conn}}/{{child}}", "A"),
                ("ipsec_pair:packets_in:rate{%s}" % child,
                 "{{peer_instance}} -> {{instance}} %s received" % "{{conn}}/{{child}}", "B")],
               extra={"fieldConfig": {"defaults": {"unit": "pps"}, "overrides": [{
                   "matcher": {"id": "byFrameRefID", "options": "B"},
                   "properties": [{"id": "custom.lineStyle",
                                   "value": {"fill": "dash", "dash": [10, 10]}}]}]}}), 24, 8)

    # ---- Path MTU and certificates ------------------------------------------------------
    panels.append(g.row("Path MTU and certificates"))
    add(_panel("timeseries", "Path MTU", "Largest probe that crosses the tunnel "
               "(ipsec_probe_path_mtu_bytes).",
               [("ipsec_probe_path_mtu_bytes{%s}" % child, tunnel, "A")],
               unit="bytes"), 8, 8)
    add(_panel("state-timeline", "MTU black hole", "1 while large probes vanish without "
               "ICMP feedback (IPsecPathMTUBlackhole).",
               [("ipsec_probe_mtu_blackhole{%s}" % child, tunnel, "A")],
               extra={"defaults": {
                   "mappings": [{"type": "value", "options": {
                       "0": {"text": "ok", "color": "green", "index": 0},
                       "1": {"text": "black hole", "color": "red", "index": 1}}}],
                   "color": {"mode": "thresholds"},
                   **_thresholds((None, "green"), (1, "red"))},
                   "options": {"showValue": "never", "mergeValues": True}}), 8, 8)
    add(_panel("table", "Certificate expiry", "Time left on every loaded certificate "
               "(IPsecCertExpiringSoon).",
               [("ipsec_cert_not_after_timestamp_seconds{%s} - time()" % inst, "", "A", True,
                 "table")],
               unit="s",
               extra={"defaults": {"color": {"mode": "thresholds"},
                                   "custom": {"cellOptions": {"type": "color-background"}},
                                   **_thresholds((None, "red"), (crit_s, "orange"),
                                                 (warn_s, "green"))},
                      "transformations": [{"id": "organize", "options": {
                          "excludeByName": {"Time": True, "job": True},
                          "renameByName": {"Value": "time left"}}}]}), 8, 8)
    add(_panel("timeseries", "Scrape duration", "How long ikewatch takes to answer a "
               "scrape (ikewatch_scrape_duration_seconds).",
               [("ikewatch_scrape_duration_seconds{%s}" % inst, "{{instance}}", "A")],
               unit="s"), 24, 6)

    board = {
        "uid": UID,
        "title": "ikewatch / IPsec tunnels",
        "description": "IKEv2/IPsec tunnels watched by ikewatch: SA status, STAMP probes, "
                       "rekeys and failures, traffic, path MTU, certificates. Generated by "
                       "mixin/build.py; do not edit by hand.",
        "tags": ["ikewatch", "ipsec", "strongswan"],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 38,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "links": [{"title": "Runbooks", "type": "link", "icon": "doc",
                   "url": values["runbook_url_base"], "targetBlank": True}],
        "annotations": {"list": [{
            "name": "IKE SA rekeys", "datasource": DS, "enable": True,
            "iconColor": "blue",
            "expr": 'changes(ipsec_ike_sa_established_timestamp_seconds{%s}[2m]) > 0' % conn,
            "titleFormat": "IKE SA {{conn}} re-established", "step": "60s"}]},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0, "refresh": 1},
            _variable("instance", "Gateway", "label_values(ipsec_up{%s}, instance)" % sel),
            _variable("conn", "Connection",
                      "label_values(ipsec_ike_sa_up{%s}, conn)" % inst),
            _variable("child", "CHILD SA",
                      "label_values(ipsec_child_sa_up{%s}, child)" % conn),
        ]},
        "panels": panels,
    }
    return board, used
