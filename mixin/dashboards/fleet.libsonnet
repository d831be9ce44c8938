// SPDX-License-Identifier: Apache-2.0
//
// The ikewatch fleet dashboard: every gateway at once, the worst tunnels first (probe and ESP
// loss, SAs down, rekey failures, soonest certificate expiry, firing alerts), each row a link
// into the per-gateway dashboard (ikewatch.libsonnet) with its gateway, connection and CHILD SA
// chosen. A function of the values of _config, like the per-gateway one.
//
// It reads recorded series only (rules/rules.libsonnet, levels ipsec_instance:, ipsec_conn:,
// ipsec_tunnel:, ipsec_pair:), one per gateway or per tunnel: a central Prometheus that
// federates or receives nothing but the recorded series (docs/scaling.md) serves it, and
// scripts/check-mixin.sh refuses a raw series here. Every query aggregates "by" the labels it
// shows, so that copies of a series that differ only by a label the central server adds (two
// HA replicas, a shard label) count once.
local g = import '../lib/grafana.libsonnet';
local target = g.target;
local panel = g.panel;
local row = g.row;
local thresholds = g.thresholds;

// Instant queries shown as a table: one row per series, label columns, the value renamed (only
// the value: data links name the label columns, ${__data.fields.LABEL}).
local table(title, description, exprs, w, h, unit=null, defaults={}, hide=[], rename={}, sortBy=null, sortDesc=true, links=[], overrides=[]) =
  panel('table', title, description, [target(e, '', true, 'table') for e in exprs], w, h, unit=unit,
        defaults=defaults + (if links != [] then { links: links } else {}),
        extra={
          transformations:
            (if std.length(exprs) > 1 then [{ id: 'merge', options: {} }] else [])
            + [{ id: 'organize', options: {
              excludeByName: { [k]: true for k in ['Time', 'job', '__name__'] + hide },
              renameByName: rename,
            } }],
          options: { showHeader: true, cellHeight: 'sm', footer: { show: false } }
                   + (if sortBy != null then { sortBy: [{ displayName: sortBy, desc: sortDesc }] } else {}),
          fieldConfig+: { overrides: overrides },
        });

// Colours a table's value column (renamed NAME) by the thresholds, and only it: the label
// columns stay plain.
local colored = { color: { mode: 'thresholds' } };
local colorColumn(name) = {
  matcher: { id: 'byName', options: name },
  properties: [{ id: 'custom.cellOptions', value: { type: 'color-background' } }],
};

function(c)
  local sel = c.selector;
  local inst = '%s, instance=~"$instance"' % sel;
  local top = c.fleet_top;
  local lossThr = std.parseJson(c.probe_loss_ratio);
  local espThr = std.parseJson(c.esp_loss_ratio);
  local rttThr = std.parseJson(c.probe_latency_seconds);
  local warnS = std.parseInt(c.cert_expiry_warning_days_seconds);
  local critS = std.parseInt(c.cert_expiry_critical_days_seconds);
  // Drill-down into the per-gateway dashboard: from a table row (its label columns) or from a
  // bar of a bar gauge (its series' labels), keeping the data source and the time range.
  local drill(vars, from='row') =
    local ref(l) = if from == 'row' then '${__data.fields.%s}' % l else '${__field.labels.%s}' % l;
    {
      title: 'Open in %s' % (if std.length(vars) > 1 then 'the per-gateway dashboard (this tunnel)' else 'the per-gateway dashboard'),
      url: '/d/%s?var-datasource=${datasource}&%s&${__url_time_range}' % [
        g.uids.gateway, std.join('&', ['var-%s=%s' % [v[0], ref(v[1])] for v in vars])],
    };
  local gateway = [['instance', 'instance']];
  local tunnel = gateway + [['conn', 'conn'], ['child', 'child']];
  local percent = { unit: 'percentunit', min: 0, max: 1 };
  local panels = [
    // ---- The fleet in numbers --------------------------------------------------------------
    row('Fleet'),
    panel('stat', 'Gateways up',
          'Gateways whose ikewatch Prometheus scrapes (recording rule ipsec_instance:exporter_up:max), those where charon answers too (ipsec_instance:daemon_up:max), and all gateways known.',
          [target('sum(max by (job, instance) (ipsec_instance:exporter_up:max{%s}))' % inst, 'scraped'),
           target('sum(max by (job, instance) (ipsec_instance:daemon_up:max{%s}))' % inst, 'charon answers'),
           target('count(max by (job, instance) (ipsec_instance:exporter_up:max{%s}))' % inst, 'gateways')], 4, 4),
    panel('stat', 'IKE SAs up / configured', 'Established IKE SAs and loaded connections, all gateways (ipsec_instance:ike_sa_*).',
          [target('sum(max by (job, instance) (ipsec_instance:ike_sa_up:sum{%s}))' % inst, 'up'),
           target('sum(max by (job, instance) (ipsec_instance:ike_sa_configured:count{%s}))' % inst, 'configured')], 4, 4),
    panel('stat', 'CHILD SAs up / configured', 'Installed CHILD SAs and configured ones, all gateways (ipsec_instance:child_sa_*).',
          [target('sum(max by (job, instance) (ipsec_instance:child_sa_up:sum{%s}))' % inst, 'up'),
           target('sum(max by (job, instance) (ipsec_instance:child_sa_configured:count{%s}))' % inst, 'configured')], 4, 4),
    panel('stat', 'SAs down', 'Configured but not up, all gateways: connections without an IKE SA and CHILD SAs not installed.',
          [target('sum(max by (job, instance) (ipsec_instance:ike_sa_configured:count{%(i)s})) - sum(max by (job, instance) (ipsec_instance:ike_sa_up:sum{%(i)s}))' % { i: inst }, 'IKE'),
           target('sum(max by (job, instance) (ipsec_instance:child_sa_configured:count{%(i)s})) - sum(max by (job, instance) (ipsec_instance:child_sa_up:sum{%(i)s}))' % { i: inst }, 'CHILD')], 4, 4,
          defaults={ color: { mode: 'thresholds' } } + thresholds([[null, 'green'], [1, 'red']])),
    panel('stat', 'Alerts firing', "The mixin's alerts firing, all gateways, by severity (ipsec_instance:alerts_firing:count).",
          [target('sum by (severity) (max by (job, instance, severity) (ipsec_instance:alerts_firing:count{%s}))' % inst, '{{severity}}')], 4, 4,
          defaults={ color: { mode: 'thresholds' } } + thresholds([[null, 'green'], [1, 'red']])),
    panel('stat', 'Soonest certificate expiry', 'Time left on the certificate that expires first, all gateways (IPsecCertExpiringSoon warns at %s days).' % c.cert_expiry_warning_days,
          [target('min(min by (job, instance) (ipsec_instance:cert_not_after_timestamp_seconds:min{%s})) - time()' % inst, 'time left')], 4, 4,
          unit='s', defaults={ color: { mode: 'thresholds' } } + thresholds([[null, 'red'], [critS, 'orange'], [warnS, 'green']])),
    panel('timeseries', 'SAs down and alerts firing over time', 'The same sums over time: when the fleet degraded.',
          [target('sum(max by (job, instance) (ipsec_instance:ike_sa_configured:count{%(i)s})) - sum(max by (job, instance) (ipsec_instance:ike_sa_up:sum{%(i)s}))' % { i: inst }, 'IKE SAs down'),
           target('sum(max by (job, instance) (ipsec_instance:child_sa_configured:count{%(i)s})) - sum(max by (job, instance) (ipsec_instance:child_sa_up:sum{%(i)s}))' % { i: inst }, 'CHILD SAs down'),
           target('sum by (severity) (max by (job, instance, severity) (ipsec_instance:alerts_firing:count{%s}))' % inst, '{{severity}} alerts firing')],
          24, 6, defaults={ min: 0, custom: { drawStyle: 'line', lineInterpolation: 'stepAfter' } }),

    // ---- Gateways ranked ---------------------------------------------------------------------
    row('Gateways'),
    table('Gateways, most CHILD SAs down first',
          'One row per gateway: scraped, charon answering, SAs up and configured, alerts firing, probe success, soonest certificate expiry. Click a row for its dashboard.',
          ['max by (job, instance) (ipsec_instance:exporter_up:max{%s})' % inst,
           'max by (job, instance) (ipsec_instance:daemon_up:max{%s})' % inst,
           'max by (job, instance) (ipsec_instance:ike_sa_up:sum{%s})' % inst,
           'max by (job, instance) (ipsec_instance:ike_sa_configured:count{%s})' % inst,
           'max by (job, instance) (ipsec_instance:child_sa_up:sum{%s})' % inst,
           'max by (job, instance) (ipsec_instance:child_sa_configured:count{%(i)s}) - max by (job, instance) (ipsec_instance:child_sa_up:sum{%(i)s})' % { i: inst },
           'max by (job, instance) (ipsec_instance:alerts_firing:count{%s, severity="critical"})' % inst,
           'max by (job, instance) (ipsec_instance:alerts_firing:count{%s, severity="warning"})' % inst,
           'max by (job, instance) (ipsec_instance:probe_success:ratio{%s})' % inst,
           'min by (job, instance) (ipsec_instance:cert_not_after_timestamp_seconds:min{%s}) - time()' % inst],
          24, 9,
          rename={ 'Value #A': 'scraped', 'Value #B': 'charon', 'Value #C': 'IKE up', 'Value #D': 'IKE configured',
                   'Value #E': 'CHILD up', 'Value #F': 'CHILD down', 'Value #G': 'critical alerts',
                   'Value #H': 'warning alerts', 'Value #I': 'probes succeeding', 'Value #J': 'certificate expires in' },
          sortBy='CHILD down', links=[drill(gateway)],
          overrides=[
            { matcher: { id: 'byName', options: n }, properties: [
              { id: 'mappings', value: g.updown.mappings },
              { id: 'custom.cellOptions', value: { type: 'color-text' } },
              { id: 'color', value: { mode: 'thresholds' } },
              { id: 'thresholds', value: g.updown.thresholds },
            ] }
            for n in ['scraped', 'charon']
          ] + [
            { matcher: { id: 'byName', options: n }, properties: [
              { id: 'custom.cellOptions', value: { type: 'color-text' } },
              { id: 'color', value: { mode: 'thresholds' } },
              { id: 'thresholds', value: thresholds([[null, 'green'], [1, 'red']]).thresholds },
            ] }
            for n in ['CHILD down', 'critical alerts', 'warning alerts']
          ] + [
            { matcher: { id: 'byName', options: 'probes succeeding' }, properties: [{ id: 'unit', value: 'percentunit' }] },
            { matcher: { id: 'byName', options: 'certificate expires in' }, properties: [
              { id: 'unit', value: 's' },
              { id: 'custom.cellOptions', value: { type: 'color-text' } },
              { id: 'color', value: { mode: 'thresholds' } },
              { id: 'thresholds', value: thresholds([[null, 'red'], [critS, 'orange'], [warnS, 'green']]).thresholds },
            ] },
          ]),
    panel('bargauge', 'Most alerts firing',
          'Gateways with the most firing ikewatch alerts (top %s; ipsec_instance:alerts_firing:count, both severities). Click a bar for its dashboard.' % top,
          [target('topk(%s, sum by (job, instance) (max by (job, instance, severity) (ipsec_instance:alerts_firing:count{%s})) > 0)' % [top, inst], '{{instance}}', true)],
          8, 8, defaults={ min: 0, color: { mode: 'thresholds' }, links: [drill(gateway, 'series')] } + thresholds([[null, 'orange'], [2, 'red']]),
          extra={ options: { orientation: 'horizontal', displayMode: 'basic', showUnfilled: true } }),
    panel('bargauge', 'Most CHILD SAs down',
          'Gateways with the most configured CHILD SAs not installed (top %s). Click a bar for its dashboard.' % top,
          [target('topk(%s, max by (job, instance) (ipsec_instance:child_sa_configured:count{%s}) - max by (job, instance) (ipsec_instance:child_sa_up:sum{%s}) > 0)' % [top, inst, inst], '{{instance}}', true)],
          8, 8, defaults={ min: 0, color: { mode: 'thresholds' }, links: [drill(gateway, 'series')] } + thresholds([[null, 'red']]),
          extra={ options: { orientation: 'horizontal', displayMode: 'basic', showUnfilled: true } }),
    panel('bargauge', 'Fewest probes succeeding',
          'Gateways with the smallest share of probe streams whose last window succeeded (bottom %s, below 100 %%; ipsec_instance:probe_success:ratio). Click a bar for its dashboard.' % top,
          [target('bottomk(%s, max by (job, instance) (ipsec_instance:probe_success:ratio{%s}) < 1)' % [top, inst], '{{instance}}', true)],
          8, 8, defaults=percent { color: { mode: 'thresholds' }, links: [drill(gateway, 'series')] } + thresholds([[null, 'red'], [0.99, 'green']]),
          extra={ options: { orientation: 'horizontal', displayMode: 'basic', showUnfilled: true } }),

    // ---- Tunnels ranked ------------------------------------------------------------------------
    row('Worst tunnels'),
    table('Highest probe loss',
          'Lost over sent probes per tunnel and target (top %s above 0; ipsec_tunnel:probe_loss:ratio). Red from the IPsecProbeLossHigh threshold. Click a row for the tunnel.' % top,
          ['topk(%s, max by (job, instance, conn, child, target) (ipsec_tunnel:probe_loss:ratio{%s}) > 0)' % [top, inst]],
          12, 8, defaults=percent + colored + thresholds([[null, 'green'], [lossThr, 'red']]),
          rename={ Value: 'probes lost' }, sortBy='probes lost', links=[drill(tunnel)],
          overrides=[colorColumn('probes lost')]),
    table('Highest ESP loss (both ends monitored)',
          'Share of the packets the peer sent through a paired CHILD SA that did not arrive here, over %s (top %s above 0; ipsec_pair:esp_loss:ratio). Needs ikewatch on both gateways. Red from the IPsecESPLossPartial threshold. Click a row for the receiving end, its peer_instance cell for the sending end.' % [c.esp_loss_window, top],
          ['topk(%s, max by (job, instance, conn, child, peer_instance) (ipsec_pair:esp_loss:ratio{%s}) > 0)' % [top, inst]],
          12, 8, defaults=percent + colored + thresholds([[null, 'green'], [espThr, 'red']]),
          rename={ Value: 'ESP lost' }, sortBy='ESP lost', links=[drill(tunnel)],
          overrides=[colorColumn('ESP lost'), { matcher: { id: 'byName', options: 'peer_instance' }, properties: [
            { id: 'links', value: [drill([['instance', 'peer_instance']])] },
          ] }]),
    table('Connections without IKE SA',
          'Loaded connections with no established IKE SA, all gateways (ipsec_conn:ike_sa_down:count; IPsecIKESADown once it lasts). Click a row for the connection.',
          ['max by (job, instance, conn) (ipsec_conn:ike_sa_down:count{%s})' % inst],
          8, 8, hide=['Value'], links=[drill(gateway + [['conn', 'conn']])]),
    table('CHILD SAs down',
          'Configured CHILD SAs that are not installed, all gateways (ipsec_tunnel:child_sa_down:count; IPsecChildSADown once it lasts, unless its IKE SA is down). Click a row for the tunnel.',
          ['max by (job, instance, conn, child) (ipsec_tunnel:child_sa_down:count{%s})' % inst],
          8, 8, hide=['Value'], links=[drill(tunnel)]),
    table('Most rekey failures',
          'Failed rekeys per minute and connection over the recording window (top %s above 0; ipsec_conn:failures:rate{kind="rekey_failed"}; IPsecRekeyFailing). Click a row for the connection.' % top,
          ['topk(%s, 60 * max by (job, instance, conn) (ipsec_conn:failures:rate{%s, kind="rekey_failed"}) > 0)' % [top, inst]],
          8, 8, unit='opm', defaults=colored + thresholds([[null, 'red']]),
          rename={ Value: 'rekey failures' }, sortBy='rekey failures', links=[drill(gateway + [['conn', 'conn']])],
          overrides=[colorColumn('rekey failures')]),
    table('Certificates expiring first',
          'Time left on the certificate of each gateway that expires first (bottom %s; ipsec_instance:cert_not_after_timestamp_seconds:min): orange below %s days, red below %s (IPsecCertExpiringSoon). The per-gateway dashboard names the certificate.' % [top, c.cert_expiry_warning_days, c.cert_expiry_critical_days],
          ['bottomk(%s, min by (job, instance) (ipsec_instance:cert_not_after_timestamp_seconds:min{%s}) - time())' % [top, inst]],
          12, 8, unit='s', defaults=colored + thresholds([[null, 'red'], [critS, 'orange'], [warnS, 'green']]),
          rename={ Value: 'expires in' }, sortBy='expires in', sortDesc=false, links=[drill(gateway)],
          overrides=[colorColumn('expires in')]),
    table('Highest probe round-trip time (p95)',
          '95th percentile of the probe RTT per tunnel and target (top %s; ipsec_tunnel:probe_rtt_seconds:quantile). Red from the IPsecProbeLatencyHigh threshold. Click a row for the tunnel.' % top,
          ['topk(%s, max by (job, instance, conn, child, target) (ipsec_tunnel:probe_rtt_seconds:quantile{%s, quantile="0.95"}))' % [top, inst]],
          12, 8, unit='s', defaults=colored + thresholds([[null, 'green'], [rttThr, 'red']]),
          rename={ Value: 'p95 RTT' }, sortBy='p95 RTT', links=[drill(tunnel)],
          overrides=[colorColumn('p95 RTT')]),
  ];
  {
    uid: g.uids.fleet,
    title: 'ikewatch / IPsec fleet',
    description: 'Every gateway watched by ikewatch at once: the fleet in numbers, gateways ranked, the worst tunnels (probe and ESP loss, SAs down, rekey failures, certificate expiry, RTT), each linked to the per-gateway dashboard. Reads recorded series only (a central Prometheus federating the recording rules serves it). Generated by mixin/build.sh from mixin/dashboards/fleet.libsonnet; do not edit by hand.',
    tags: ['ikewatch', 'ipsec', 'strongswan'],
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    refresh: '1m',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    links: [
      { title: 'Per gateway', type: 'link', icon: 'dashboard', url: '/d/%s' % g.uids.gateway, keepTime: true },
      { title: 'Runbooks', type: 'link', icon: 'doc', url: c.runbook_url_base, targetBlank: true },
    ],
    annotations: { list: [] },
    templating: { list: [
      g.datasourceVariable,
      g.variable('instance', 'Gateway', 'label_values(ipsec_instance:exporter_up:max{%s}, instance)' % sel),
    ] },
    panels: g.layout(panels),
  }
