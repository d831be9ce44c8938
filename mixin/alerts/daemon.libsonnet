// SPDX-License-Identifier: Apache-2.0
//
// Alerting rules about charon itself rather than one tunnel (issue 14): its worker threads and
// job queue, half-open IKE SAs, virtual-IP pools, dropped IKE messages, and the kernel's view of
// the SAs (integrity and replay drops, policies without a state). Their own group, so that they
// can be loaded or silenced apart from the tunnel alerts (alerts/alerts.libsonnet); thresholds
// come from _config (mixin/config.libsonnet, section "charon's own health"). IPsecDaemonDown
// inhibits them all in the Alertmanager example (nothing to say about a daemon that is gone).
// Metrics: docs/metrics.md; runbooks: docs/runbooks/<alert>.md.
{
  prometheusAlerts+:: {
    local c = (import '../lib/config.libsonnet').values($._config),
    groups+: [
    {
      name: 'ikewatch.daemon.alerts',
      rules: [
        {
          alert: 'IPsecDaemonSaturated',
          // Every worker busy at every scrape of the window (one idle moment means charon
          // still gets through its jobs), enough jobs queued, and the queue growing.
          expr: |||
            max by (job, instance) (max_over_time(ipsec_daemon_workers{%(selector)s, state="idle"}[%(daemon_saturated_window)s])) == 0
            and on (job, instance)
            sum by (job, instance) (ipsec_daemon_queued_jobs{%(selector)s}) >= %(daemon_queue_min)s
            and on (job, instance)
            sum by (job, instance) (deriv(ipsec_daemon_queued_jobs{%(selector)s}[%(daemon_saturated_window)s])) > 0
          ||| % c,
          'for': '%(daemon_saturated_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'charon on {{ $labels.instance }}: every worker thread busy, jobs queueing',
            description: 'charon on {{ $labels.instance }} has had no idle worker thread for %(daemon_saturated_held)s while its job queue kept growing: IKE messages, rekeys and DPDs wait, and peers start to retransmit and give up.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecDaemonSaturated.md' % c,
          },
        },
        {
          alert: 'IPsecHalfOpenIKESAsPilingUp',
          expr: |||
            min_over_time(ipsec_daemon_ike_sas_half_open{%(selector)s}[%(half_open_window)s]) >= %(half_open_max)s
          ||| % c,
          'for': '%(half_open_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'charon on {{ $labels.instance }}: {{ $value | printf "%.0f" }} half-open IKE SAs',
            description: 'charon on {{ $labels.instance }} has held at least %(half_open_max)s half-open IKE SAs (IKE_SA_INIT done, no IKE_AUTH) for %(half_open_held)s: a flood of IKE_SA_INIT, or many peers that fail before authenticating. Beyond cookie_threshold charon demands COOKIEs from every new initiator.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecHalfOpenIKESAsPilingUp.md' % c,
          },
        },
        {
          alert: 'IPsecPoolNearlyFull',
          // A pool of size 0 (an empty range, or a pool whose size is unknown) is no ratio.
          expr: |||
            ipsec_pool_leases{%(selector)s, state="online"}
            / ignoring (state) (ipsec_pool_size_addresses{%(selector)s} > 0)
            >= %(pool_full_ratio)s
          ||| % c,
          'for': '%(pool_full_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Pool {{ $labels.pool }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} full',
            description: 'Virtual-IP pool {{ $labels.pool }} on {{ $labels.instance }} has had at least %(pool_full_percent)s of its addresses leased to connected clients for %(pool_full_for)s; when it is full, the next client gets no address (INTERNAL_ADDRESS_FAILURE).' % c,
            runbook_url: '%(runbook_url_base)s/IPsecPoolNearlyFull.md' % c,
          },
        },
        {
          alert: 'IPsecInvalidIKESPIs',
          expr: |||
            increase(ipsec_daemon_ike_invalid_spi_messages_total{%(selector)s}[%(invalid_ike_window)s]) > %(invalid_ike_max)s
            or
            increase(ipsec_daemon_ike_invalid_messages_total{%(selector)s}[%(invalid_ike_window)s]) > %(invalid_ike_max)s
          ||| % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'charon on {{ $labels.instance }} drops IKE messages (unknown SPI or invalid)',
            description: 'charon on {{ $labels.instance }} dropped {{ $value | printf "%%.0f" }} IKE messages in %(invalid_ike_window)s for an unknown IKE SPI or as invalid: a peer still uses IKE SAs this side deleted (after a restart or a failover), or someone sends garbage to UDP 500/4500.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecInvalidIKESPIs.md' % c,
          },
        },
        {
          alert: 'IPsecESPIntegrityFailures',
          expr: |||
            sum by (job, instance, conn, child) (
              increase(ipsec_child_sa_kernel_integrity_failures_total{%(selector)s}[%(esp_integrity_window)s])
              + increase(ipsec_child_sa_kernel_replay_window_drops_total{%(selector)s}[%(esp_integrity_window)s])
            ) > 0
          ||| % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: ESP packets fail integrity or replay checks',
            description: 'The kernel dropped {{ $value | printf "%%.0f" }} inbound ESP packets of {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }} in %(esp_integrity_window)s for a failed integrity check or as outside the replay window: corruption on the path, reordering deeper than the replay window, or an attack.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecESPIntegrityFailures.md' % c,
          },
        },
        {
          alert: 'IPsecPolicyWithoutState',
          // Only under an up IKE SA: a trap policy of a tunnel that is down has no state by design.
          expr: |||
            ipsec_xfrm_policies_without_state{%(selector)s} > 0
            and on (job, instance, conn) ipsec_ike_sa_up{%(selector)s} == 1
          ||| % c,
          'for': '%(policy_without_state_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }} on {{ $labels.instance }}: kernel policy without an SA',
            description: '{{ $value | printf "%%.0f" }} kernel IPsec policies of {{ $labels.conn }} on {{ $labels.instance }} have had no kernel SA for %(policy_without_state_for)s while its IKE SA is up: traffic they match is dropped (XfrmOutNoStates).' % c,
            runbook_url: '%(runbook_url_base)s/IPsecPolicyWithoutState.md' % c,
          },
        },
      ],
    },
    ],
  },
}
