// SPDX-License-Identifier: Apache-2.0
//
// The ikewatch Grafana dashboard (classic JSON model, schemaVersion 39: Grafana 10.4 and 11),
// as a function of the values of _config (mixin/lib/config.libsonnet). Written as data rather
// than by hand so that every panel uses the same template variables, panels sit on the grid
// without arithmetic mistakes (lib/grafana.libsonnet's layout places them left to right, 24
// columns wide), and the thresholds drawn on panels come from the same _config as the alerts.
// Panels read the recording rules (rules/rules.libsonnet) where a raw query would be expensive.
// The fleet dashboard (fleet.libsonnet) links here with the gateway (and tunnel) chosen.
local g = import '../lib/grafana.libsonnet';
local DS = g.DS;
local target = g.target;
local panel = g.panel;
local row = g.row;
local thresholds = g.thresholds;
local updown = g.updown;
local timeline = g.timeline;
local bars = g.bars;
local layout = g.layout;
local variable = g.variable;

function(c)
  local sel = c.selector;
  local inst = '%s, instance=~"$instance"' % sel;
  local conn = inst + ', conn=~"$conn"';
  local child = conn + ', child=~"$child"';
  local tunnel = '{{instance}} {{conn}}/{{child}}';
  local lossThr = std.parseJson(c.probe_loss_ratio);
  local rttThr = std.parseJson(c.probe_latency_seconds);
  local warnS = std.parseInt(c.cert_expiry_warning_days_seconds);
  local critS = std.parseInt(c.cert_expiry_critical_days_seconds);
  local queueThr = std.parseJson(c.daemon_queue_min);
  local halfOpenThr = std.parseJson(c.half_open_max);
  local poolThr = std.parseJson(c.pool_full_ratio);
  local panels = [
    // ---- Overview ------------------------------------------------------------------------
    row('Overview'),
    panel('stat', 'Exporter scraped', "Prometheus' up for ikewatch (IPsecExporterDown).",
          [target('up{%s}' % inst, '{{instance}}')], 4, 4, defaults=updown),
    panel('stat', 'IKE daemon reachable', 'ipsec_up: charon answers over VICI (IPsecDaemonDown).',
          [target('ipsec_up{%s}' % inst, '{{instance}}')], 4, 4, defaults=updown),
    panel('stat', 'IKE SAs up / configured',
          'Established IKE SAs over loaded connections, per gateway (recording rules ipsec_instance:*).',
          [target('ipsec_instance:ike_sa_up:sum{%s}' % inst, '{{instance}} up'),
           target('ipsec_instance:ike_sa_configured:count{%s}' % inst, '{{instance}} configured')], 4, 4),
    panel('stat', 'CHILD SAs up / configured', 'Installed CHILD SAs over configured ones, per gateway.',
          [target('ipsec_instance:child_sa_up:sum{%s}' % inst, '{{instance}} up'),
           target('ipsec_instance:child_sa_configured:count{%s}' % inst, '{{instance}} configured')], 4, 4),
    panel('stat', 'Probes succeeding', 'Share of probe streams whose last window succeeded.',
          [target('ipsec_instance:probe_success:ratio{%s}' % inst, '{{instance}}')], 4, 4,
          unit='percentunit',
          defaults={ min: 0, max: 1, color: { mode: 'thresholds' } } + thresholds([[null, 'red'], [0.99, 'green']])),
    panel('table', 'Versions', 'ikewatch build and IKE daemon version per gateway.',
          [target('ikewatch_build_info{%s}' % inst, '', true, 'table'),
           target('ipsec_daemon_info{%s}' % inst, '', true, 'table')], 4, 4,
          extra={ transformations: [
            { id: 'merge', options: {} },
            { id: 'organize', options: { excludeByName: { Time: true, 'Value #A': true, 'Value #B': true, __name__: true, implementation: true } } },
          ] }),

    // ---- SA status over time ---------------------------------------------------------------
    row('SA status'),
    panel('state-timeline', 'IKE SA up per connection',
          '1 while an IKE SA of the connection is established (rekeying included), 0 when it is loaded but absent (IPsecIKESADown).',
          [target('ipsec_ike_sa_up{%s}' % conn, '{{instance}} {{conn}}')], 12, 8, defaults=updown, extra=timeline),
    panel('state-timeline', 'CHILD SA up per tunnel',
          '1 while the CHILD SA is installed (rekeying included), 0 when configured but absent (IPsecChildSADown).',
          [target('ipsec_child_sa_up{%s}' % child, tunnel)], 12, 8, defaults=updown, extra=timeline),
    panel('state-timeline', 'IKE SA state', 'State of the newest IKE SA of each connection (ipsec_ike_sa_state).',
          [target('max by (instance, conn, state) (ipsec_ike_sa_state{%s}) == 1' % conn, '{{instance}} {{conn}} {{state}}')],
          12, 8, extra=timeline),
    panel('table', 'IKE SAs', 'Negotiated algorithms and peers (ipsec_ike_sa_info).',
          [target('ipsec_ike_sa_info{%s}' % conn, '', true, 'table')], 12, 8,
          extra={ transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, job: true } } }] }),

    // ---- Probes ----------------------------------------------------------------------------
    row('Probes (STAMP through the tunnels)'),
    panel('timeseries', 'Probe round-trip time',
          'Quantiles of the probe RTT per tunnel (recording rule ipsec_tunnel:probe_rtt_seconds:quantile). The dashed line is the IPsecProbeLatencyHigh threshold.',
          [target('ipsec_tunnel:probe_rtt_seconds:quantile{%s, quantile=~"0.5|0.95|0.99"}' % child, tunnel + ' p{{quantile}}')],
          12, 8, unit='s',
          defaults={ custom: { thresholdsStyle: { mode: 'dashed' } } } + thresholds([[null, 'green'], [rttThr, 'red']])),
    panel('timeseries', 'Probe loss',
          'Lost over sent probes per tunnel (recording rule ipsec_tunnel:probe_loss:ratio). The dashed line is the IPsecProbeLossHigh threshold.',
          [target('ipsec_tunnel:probe_loss:ratio{%s}' % child, tunnel + ' {{target}}')], 12, 8, unit='percentunit',
          defaults={ min: 0, custom: { thresholdsStyle: { mode: 'dashed' } } } + thresholds([[null, 'green'], [lossThr, 'red']])),
    panel('timeseries', 'Lost probes by direction',
          'Which way probes are lost (forward: towards the reflector; reverse: on the way back).',
          [target('sum by (instance, conn, child, direction) (rate(ipsec_probe_lost_total{%s}[$__rate_interval]))' % child,
                  tunnel + ' {{direction}}')], 8, 8, unit='pps'),
    panel('timeseries', 'Probe jitter', 'Inter-packet delay variation per tunnel.',
          [target('ipsec_probe_jitter_seconds{%s}' % child, tunnel)], 8, 8, unit='s'),
    panel('state-timeline', 'Probe success / in tunnel',
          "Last window's probe success (IPsecChildSADegraded) and whether the probes really travel inside the tunnel.",
          [target('ipsec_probe_success{%s}' % child, tunnel + ' success'),
           target('ipsec_probe_in_tunnel{%s}' % child, tunnel + ' in tunnel')], 8, 8, defaults=updown, extra=timeline),
    panel('timeseries', 'Duplicated and reordered probes', 'Probe replies seen twice or out of order.',
          [target('sum by (instance, conn, child) (rate(ipsec_probe_%s_total{%s}[$__rate_interval]))' % [k, child], tunnel + ' ' + k)
           for k in ['duplicated', 'reordered', 'received']], 24, 7, unit='pps'),

    // ---- Rekeys, failures, errors ------------------------------------------------------------
    row('Rekeys, failures and errors'),
    panel('timeseries', 'IKE SA events', 'Established, rekeyed and deleted IKE SAs per minute (IPsecFrequentRekeys).',
          [target('60 * ipsec_conn:ike_sa_events:rate{%s}' % conn, '{{instance}} {{conn}} {{event}}')], 12, 8,
          unit='opm', defaults=bars),
    panel('timeseries', 'CHILD SA events', 'Installed, rekeyed and deleted CHILD SAs per minute.',
          [target('60 * ipsec_tunnel:child_sa_events:rate{%s}' % child, tunnel + ' {{event}}')], 12, 8,
          unit='opm', defaults=bars),
    panel('timeseries', 'Failures by kind',
          'Rekey failures, DPD timeouts, authentication and proposal failures per minute (IPsecRekeyFailing, IPsecDPDTimeouts, IPsecAuthFailures).',
          [target('60 * ipsec_conn:failures:rate{%s} > 0' % conn, '{{instance}} {{conn}} {{kind}}')], 8, 8,
          unit='opm', defaults=bars),
    panel('timeseries', 'IKE retransmits',
          'Retransmitted IKE requests per minute: the first sign of a peer or path going away.',
          [target('60 * sum by (instance, conn, exchange) (rate(ipsec_retransmits_total{%s}[$__rate_interval]))' % conn,
                  '{{instance}} {{conn}} {{exchange}}')], 8, 8, unit='opm'),
    panel('timeseries', 'Time to next rekey',
          'Seconds until the scheduled IKE and CHILD rekey; below zero means overdue (IPsecRekeyOverdue).',
          [target('ipsec_ike_sa_rekey_timestamp_seconds{%s} - time()' % conn, '{{instance}} {{conn}} IKE'),
           target('ipsec_child_sa_rekey_timestamp_seconds{%s} - time()' % child, tunnel + ' CHILD')], 8, 8, unit='s'),
    panel('table', 'Last IKE error', 'Last error notify per connection and when it was seen.',
          [target('ipsec_ike_last_error_code{%s}' % conn, '', true, 'table'),
           target('ipsec_ike_last_error_timestamp_seconds{%s} * 1000' % conn, '', true, 'table')], 24, 6,
          extra={
            transformations: [
              { id: 'merge', options: {} },
              { id: 'organize', options: {
                excludeByName: { Time: true, __name__: true, job: true },
                renameByName: { 'Value #A': 'error code', 'Value #B': 'seen at' },
              } },
            ],
            fieldConfig+: { overrides: [{
              matcher: { id: 'byName', options: 'seen at' },
              properties: [{ id: 'unit', value: 'dateTimeAsIso' }],
            }] },
          }),

    // ---- Traffic -----------------------------------------------------------------------------
    row('Traffic per tunnel'),
    panel('timeseries', 'Bytes per tunnel',
          'ESP payload bytes per second, in (positive) and out (negative); counters carry across rekeys.',
          [target('ipsec_tunnel:bytes_in:rate{%s}' % child, tunnel + ' in'),
           target('-ipsec_tunnel:bytes_out:rate{%s}' % child, tunnel + ' out')], 12, 8, unit='Bps'),
    panel('timeseries', 'Packets per tunnel',
          'Packets per second, in (positive) and out (negative). Out without in is IPsecTunnelOneWay.',
          [target('ipsec_tunnel:packets_in:rate{%s}' % child, tunnel + ' in'),
           target('-ipsec_tunnel:packets_out:rate{%s}' % child, tunnel + ' out')], 12, 8, unit='pps'),
    panel('timeseries', 'Seconds since last packet', 'Age of the last inbound and outbound packet per CHILD SA.',
          [target('time() - ipsec_child_sa_last_in_timestamp_seconds{%s}' % child, tunnel + ' in'),
           target('time() - ipsec_child_sa_last_out_timestamp_seconds{%s}' % child, tunnel + ' out')], 12, 7, unit='s'),
    panel('table', 'CHILD SAs', 'Traffic selectors, mode and algorithms (ipsec_child_sa_info); SPIs change at every rekey.',
          [target('ipsec_child_sa_info{%s}' % child, '', true, 'table')], 12, 7,
          extra={ transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, job: true } } }] }),
    panel('timeseries', 'Both ends: packets sent by one gateway, received by the other',
          'Needs ikewatch on both gateways (recording group ikewatch.peers pairs the two ends of each CHILD SA by SPI). Per direction peer -> this gateway: what the peer sent (solid) and what this gateway received (dashed). A gap between them is ESP lost on that segment (IPsecESPLost, IPsecESPLossPartial); the peer receiving but sending nothing is IPsecFarSideSilent.',
          [target('ipsec_pair:peer_packets_out:rate{%s}' % child, '{{peer_instance}} -> {{instance}} {{conn}}/{{child}} sent'),
           target('ipsec_pair:packets_in:rate{%s}' % child, '{{peer_instance}} -> {{instance}} {{conn}}/{{child}} received')],
          24, 8, unit='pps',
          extra={ fieldConfig+: { overrides: [{
            matcher: { id: 'byFrameRefID', options: 'B' },
            properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }],
          }] } }),

    // ---- charon itself (alerts/daemon.libsonnet) -------------------------------------------
    row('Daemon health (charon)'),
    panel('timeseries', 'Worker threads', "charon's thread pool, idle and busy (ipsec_daemon_workers); no idle worker while jobs queue up is IPsecDaemonSaturated.",
          [target('ipsec_daemon_workers{%s}' % inst, '{{instance}} {{state}}')], 8, 8),
    panel('timeseries', 'Busy workers by priority', 'Busy worker threads by the priority of the job they run (ipsec_daemon_workers_active).',
          [target('ipsec_daemon_workers_active{%s}' % inst, '{{instance}} {{priority}}')], 8, 8),
    panel('timeseries', 'Queued jobs',
          'Jobs waiting for a worker thread, by priority (ipsec_daemon_queued_jobs). The dashed line is the queue IPsecDaemonSaturated needs (all priorities together, growing, no idle worker).',
          [target('ipsec_daemon_queued_jobs{%s}' % inst, '{{instance}} {{priority}}')], 8, 8,
          defaults={ min: 0, custom: { thresholdsStyle: { mode: 'dashed' } } } + thresholds([[null, 'green'], [queueThr, 'red']])),
    panel('timeseries', 'IKE SAs, half-open',
          'IKE SAs charon holds and the half-open ones among them (IKE_SA_INIT done, no IKE_AUTH). The dashed line is the IPsecHalfOpenIKESAsPilingUp threshold.',
          [target('ipsec_daemon_ike_sas{%s}' % inst, '{{instance}} all'),
           target('ipsec_daemon_ike_sas_half_open{%s}' % inst, '{{instance}} half-open')], 8, 8,
          defaults={ min: 0, custom: { thresholdsStyle: { mode: 'dashed' } } } + thresholds([[null, 'green'], [halfOpenThr, 'red']])),
    panel('timeseries', 'IKE messages in', 'IKE messages charon processed per second, by exchange and request/response (ipsec_daemon_ike_messages_total; needs the counters plugin).',
          [target('sum by (instance, exchange, message) (rate(ipsec_daemon_ike_messages_total{%s, direction="in"}[$__rate_interval]))' % inst,
                  '{{instance}} {{exchange}} {{message}}')], 8, 8, unit='pps'),
    panel('timeseries', 'Invalid IKE messages',
          'IKE messages dropped for an unknown IKE SPI or as invalid, per second (IPsecInvalidIKESPIs).',
          [target('rate(ipsec_daemon_ike_invalid_spi_messages_total{%s}[$__rate_interval])' % inst, '{{instance}} unknown SPI'),
           target('rate(ipsec_daemon_ike_invalid_messages_total{%s}[$__rate_interval])' % inst, '{{instance}} invalid')], 8, 8, unit='pps'),
    panel('stat', 'charon uptime', 'Time since charon started (ipsec_daemon_uptime_seconds): a restart shows as a reset.',
          [target('ipsec_daemon_uptime_seconds{%s}' % inst, '{{instance}}')], 24, 4, unit='s'),

    // ---- Address pools and the kernel's SAs ---------------------------------------------------
    row('Address pools and kernel drops'),
    panel('bargauge', 'Pool use',
          'Online leases over the size of each virtual-IP pool. Red from the IPsecPoolNearlyFull threshold.',
          [target('ipsec_pool_leases{%s, state="online"} / ignoring (state) (ipsec_pool_size_addresses{%s} > 0)' % [inst, inst],
                  '{{instance}} {{pool}}')], 8, 8, unit='percentunit',
          defaults={ min: 0, max: 1, color: { mode: 'thresholds' } } + thresholds([[null, 'green'], [poolThr, 'red']])),
    panel('timeseries', 'Pool leases and size',
          'Leases per pool, online (a connected client) and offline (kept for a client that left), against the pool size.',
          [target('ipsec_pool_leases{%s}' % inst, '{{instance}} {{pool}} {{state}}'),
           target('ipsec_pool_size_addresses{%s}' % inst, '{{instance}} {{pool}} size')], 8, 8),
    panel('timeseries', 'Kernel integrity and replay drops',
          'Inbound ESP packets the kernel dropped per second for a failed integrity check or outside the replay window (IPsecESPIntegrityFailures).',
          [target('sum by (instance, conn, child) (rate(ipsec_child_sa_kernel_integrity_failures_total{%s}[$__rate_interval]))' % child, tunnel + ' integrity'),
           target('sum by (instance, conn, child) (rate(ipsec_child_sa_kernel_replay_window_drops_total{%s}[$__rate_interval]))' % child, tunnel + ' replay')],
          8, 8, unit='pps'),
    panel('timeseries', 'Kernel policies without SA',
          'Policies whose CHILD SA has no kernel SA, per connection (IPsecPolicyWithoutState while its IKE SA is up), and orphan policies that belong to no CHILD SA charon lists.',
          [target('ipsec_xfrm_policies_without_state{%s}' % conn, '{{instance}} {{conn}}'),
           target('ipsec_xfrm_orphan_policies{%s}' % inst, '{{instance}} orphan')], 24, 6),

    // ---- Path MTU and certificates --------------------------------------------------------
    row('Path MTU and certificates'),
    panel('timeseries', 'Path MTU', 'Largest probe that crosses the tunnel (ipsec_probe_path_mtu_bytes).',
          [target('ipsec_probe_path_mtu_bytes{%s}' % child, tunnel)], 8, 8, unit='bytes'),
    panel('state-timeline', 'MTU black hole',
          '1 while large probes vanish without ICMP feedback (IPsecPathMTUBlackhole).',
          [target('ipsec_probe_mtu_blackhole{%s}' % child, tunnel)], 8, 8,
          defaults={
            mappings: [{ type: 'value', options: {
              '0': { text: 'ok', color: 'green', index: 0 },
              '1': { text: 'black hole', color: 'red', index: 1 },
            } }],
            color: { mode: 'thresholds' },
          } + thresholds([[null, 'green'], [1, 'red']]),
          extra=timeline),
    panel('table', 'Certificate expiry', 'Time left on every loaded certificate (IPsecCertExpiringSoon).',
          [target('ipsec_cert_not_after_timestamp_seconds{%s} - time()' % inst, '', true, 'table')], 8, 8, unit='s',
          defaults={
            color: { mode: 'thresholds' },
            custom: { cellOptions: { type: 'color-background' } },
          } + thresholds([[null, 'red'], [critS, 'orange'], [warnS, 'green']]),
          extra={ transformations: [{ id: 'organize', options: {
            excludeByName: { Time: true, job: true },
            renameByName: { Value: 'time left' },
          } }] }),
    panel('timeseries', 'Scrape duration', 'How long ikewatch takes to answer a scrape (ikewatch_scrape_duration_seconds).',
          [target('ikewatch_scrape_duration_seconds{%s}' % inst, '{{instance}}')], 24, 6, unit='s'),
  ];
  {
    uid: g.uids.gateway,
    title: 'ikewatch / IPsec tunnels',
    description: 'IKEv2/IPsec tunnels watched by ikewatch: SA status, STAMP probes, rekeys and failures, traffic, charon\'s own health, address pools, kernel drops, path MTU, certificates. Generated by mixin/build.sh from mixin/dashboards/ikewatch.libsonnet; do not edit by hand.',
    tags: ['ikewatch', 'ipsec', 'strongswan'],
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    links: [
      { title: 'Runbooks', type: 'link', icon: 'doc', url: c.runbook_url_base, targetBlank: true },
      { title: 'Fleet', type: 'link', icon: 'dashboard', url: '/d/%s' % g.uids.fleet, keepTime: true },
    ],
    annotations: { list: [{
      name: 'IKE SA rekeys',
      datasource: DS,
      enable: true,
      iconColor: 'blue',
      expr: 'changes(ipsec_ike_sa_established_timestamp_seconds{%s}[2m]) > 0' % conn,
      titleFormat: 'IKE SA {{conn}} re-established',
      step: '60s',
    }] },
    templating: { list: [
      g.datasourceVariable,
      variable('instance', 'Gateway', 'label_values(ipsec_up{%s}, instance)' % sel),
      variable('conn', 'Connection', 'label_values(ipsec_ike_sa_up{%s}, conn)' % inst),
      variable('child', 'CHILD SA', 'label_values(ipsec_child_sa_up{%s}, child)' % conn),
    ] },
    panels: layout(panels),
  }
