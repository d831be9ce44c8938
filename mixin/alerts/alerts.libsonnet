// SPDX-License-Identifier: Apache-2.0
//
// Alerting rules of the ikewatch mixin: early, quiet and actionable alerts for IKEv2/IPsec
// tunnels watched by `ikewatch serve`. Thresholds come from _config (mixin/config.libsonnet),
// written in as %(KEY)s (KEY_seconds: a duration in seconds; mixin/lib/config.libsonnet);
// {{ ... }} is Prometheus' own alert templating and passes through untouched.
//
// Quiet by construction:
// - a rekey is not an outage: ipsec_*_sa_up stay 1 while an SA rekeys, byte and packet
//   counters carry across rekeys, and the DELETED old CHILD SA (listed 5 s after a rekey,
//   strongSwan charon.delete_rekeyed_delay) is not a separate series;
// - one cause, one page: a CHILD SA alert is suppressed while its IKE SA is down, an IKE SA
//   alert while the daemon is down (Alertmanager inhibit rules in
//   mixin/alertmanager/ikewatch.example.yml quieten the rest);
// - event counters whose series appear at their first event (ikewatch writes a failure kind,
//   a retransmitted exchange or an IKE SA event only once non-zero) fire on that first event
//   too: increase() needs two samples, so "a series now that was absent one window ago
//   although ikewatch was scraped then" counts at its value (mixin/lib/counters.libsonnet).
//   The last condition keeps a new Prometheus (or a gateway just added to it) from paging
//   for failures that happened long ago.
{
  prometheusAlerts+:: {
    local c = (import '../lib/config.libsonnet').values($._config),
    // The event counters' increase() with the first event of a series that appears at it
    // (mixin/lib/counters.libsonnet); ec(metric, matchers, window_key).
    local counters = import '../lib/counters.libsonnet',
    local ec(metric, matchers, window) = counters.increase(metric, c.selector, matchers, c[window]),
    // increase() of one of the peer's packet counters over esp_lost_window, on our paired
    // CHILD SA's labels (ipsec_pair:child_sa_peer:info): read from the raw counters, so that
    // an outage alert does not wait for the recording group's next evaluation.
    local peerIncrease(metric, window=c.esp_lost_window) = |||
      ipsec_pair:child_sa_peer:info
      * on (peer_instance, peer_conn, peer_child) group_left ()
      label_replace(label_replace(label_replace(
        sum by (instance, conn, child) (increase(%(metric)s{%(selector)s}[%(window)s])),
        "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
        "peer_child", "$1", "child", "(.*)")
    ||| % (c { metric: metric, window: window }),
    local indent(text) = std.join('\n', [if l == '' then l else '  ' + l for l in std.split(text, '\n')]),
    local ownIncrease(metric, window=c.esp_lost_window) =
      'sum by (job, instance, conn, child) (increase(%(metric)s{%(selector)s}[%(window)s]))' % (c { metric: metric, window: window }),
    groups+: [
    {
      name: 'ikewatch.alerts',
      rules: [
        // ---- The exporter and the daemon -------------------------------------------------------
        {
          alert: 'IPsecExporterDown',
          expr: |||
            up{%(selector)s} == 0
          ||| % c,
          'for': '%(exporter_down_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'ikewatch on {{ $labels.instance }} cannot be scraped',
            description: 'Prometheus has failed to scrape ikewatch at {{ $labels.instance }} for %(exporter_down_for)s. Every tunnel of this gateway is unwatched until it is back.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecExporterDown.md' % c,
          },
        },
        {
          alert: 'IPsecDaemonDown',
          expr: |||
            ipsec_up{%(selector)s} == 0
          ||| % c,
          'for': '%(daemon_down_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'IKE daemon on {{ $labels.instance }} does not answer over VICI',
            description: 'ikewatch on {{ $labels.instance }} has not reached charon over its VICI socket for %(daemon_down_for)s: no IKE SA can be negotiated or rekeyed on this gateway.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecDaemonDown.md' % c,
          },
        },
        // ---- Control plane ------------------------------------------------------------------------
        {
          alert: 'IPsecIKESADown',
          expr: |||
            ipsec_ike_sa_up{%(selector)s} == 0
            unless on (job, instance) ipsec_up{%(selector)s} == 0
          ||| % c,
          'for': '%(ike_sa_down_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }} on {{ $labels.instance }}: no IKE SA',
            description: 'Connection {{ $labels.conn }} is loaded on {{ $labels.instance }} but has had no established IKE SA for %(ike_sa_down_for)s; all its CHILD SAs are down with it.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecIKESADown.md' % c,
          },
        },
        {
          alert: 'IPsecChildSADown',
          expr: |||
            ipsec_child_sa_up{%(selector)s} == 0
            unless on (job, instance, conn) ipsec_ike_sa_up{%(selector)s} == 0
          ||| % c,
          'for': '%(child_sa_down_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: CHILD SA not installed',
            description: 'The IKE SA of {{ $labels.conn }} is up on {{ $labels.instance }}, but its CHILD SA {{ $labels.child }} has not been installed for %(child_sa_down_for)s: traffic for its selectors is dropped or leaves unprotected.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecChildSADown.md' % c,
          },
        },
        // Compared with the configured rekey interval, the shorter of both ends' (a rekey is counted
        // on both ends, whichever started it; ipsec_*:rekey_config_seconds:min of ikewatch.peers):
        // more than factor * window / rekey_time + 1 rekeys (at least N + 1; N + 1 alone when
        // rekeying by time is disabled on both ends). Without our own configured interval (an older
        // ikewatch) nothing can be called frequent. The fallback is aggregated to the labels of the
        // recorded series: a target label (file_sd's region, site) or an agent's external label
        // on the raw series made the two arms of `or` two series per conn, and the whole rule
        // failed many-to-many (bench/fleet.sh found it).
        {
          alert: 'IPsecFrequentRekeys',
          expr: |||
            sum by (job, instance, conn) (
              %(ike_rekeys)s
            )
            > on (job, instance, conn) (
              clamp_min(%(frequent_rekeys_factor)s * %(frequent_rekeys_window_seconds)s / ipsec_conn:ike_sa_rekey_config_seconds:min + 1, %(frequent_rekeys_threshold)s)
              or max by (job, instance, conn) (ipsec_ike_sa_rekey_config_seconds{%(selector)s}) * 0 + %(frequent_rekeys_threshold)s
            )
            or
            sum by (job, instance, conn, child) (
              %(child_rekeys)s
            )
            > on (job, instance, conn, child) (
              clamp_min(%(frequent_rekeys_factor)s * %(frequent_rekeys_window_seconds)s / ipsec_tunnel:child_sa_rekey_config_seconds:min + 1, %(frequent_rekeys_threshold)s)
              or max by (job, instance, conn, child) (ipsec_child_sa_rekey_config_seconds{%(selector)s}) * 0 + %(frequent_rekeys_threshold)s
            )
          ||| % (c { ike_rekeys: ec('ipsec_ike_sa_events_total', 'event="rekeyed"', 'frequent_rekeys_window'), child_rekeys: ec('ipsec_child_sa_events_total', 'event="rekeyed"', 'frequent_rekeys_window') }),
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}{{ with $labels.child }}/{{ . }}{{ end }} on {{ $labels.instance }} rekeys too often',
            description: '{{ $labels.conn }}{{ with $labels.child }}/{{ . }}{{ end }} on {{ $labels.instance }} rekeyed about {{ $value | printf "%%.0f" }} times in %(frequent_rekeys_window)s, more than %(frequent_rekeys_factor)s times as often as the configured rekey_time allows (and more than %(frequent_rekeys_max)s); {{ with printf "ipsec_pair:child_sa_peer:info{job=%%q,instance=%%q,conn=%%q,child=~%%q}" $labels.job $labels.instance $labels.conn (or $labels.child ".+") | query }}compared with the shorter of the rekey_time of both ends ({{ $labels.instance }} and {{ . | first | label "peer_instance" }}){{ else }}compared with the rekey_time of {{ $labels.instance }} alone: the peer is not monitored, and a peer that rekeys on a shorter rekey_time of its own looks the same{{ end }}. A volume limit (rekey_bytes, rekey_packets, life_bytes) is too small, or an end rekeys on much shorter lifetimes than configured.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecFrequentRekeys.md' % c,
          },
        },
        {
          alert: 'IPsecRekeyFailing',
          expr: |||
            %(failures)s > 0
          ||| % (c { failures: ec('ipsec_failures_total', 'kind="rekey_failed"', 'rekey_failing_window') }),
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }} on {{ $labels.instance }}: rekey failed',
            description: 'A rekey of {{ $labels.conn }} on {{ $labels.instance }} failed in the last %(rekey_failing_window)s. The SA keeps working until it expires, then the tunnel goes down; a PFS (DH group) mismatch shows up only here, at the first CHILD rekey.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecRekeyFailing.md' % c,
          },
        },
        {
          alert: 'IPsecRekeyOverdue',
          expr: |||
            (
              ipsec_ike_sa_rekey_timestamp_seconds{%(selector)s} < (time() - %(rekey_overdue_margin_seconds)s)
              and ipsec_ike_sa_rekey_timestamp_seconds{%(selector)s} > 0
              and on (job, instance, conn) ipsec_ike_sa_up{%(selector)s} == 1
              unless on (job, instance, conn) changes(ipsec_ike_sa_established_timestamp_seconds{%(selector)s}[%(rekey_overdue_margin)s]) > 0
            )
            or
            (
              ipsec_child_sa_rekey_timestamp_seconds{%(selector)s} < (time() - %(rekey_overdue_margin_seconds)s)
              and ipsec_child_sa_rekey_timestamp_seconds{%(selector)s} > 0
              and on (job, instance, conn, child) ipsec_child_sa_up{%(selector)s} == 1
              unless on (job, instance, conn, child) changes(ipsec_child_sa_installed_timestamp_seconds{%(selector)s}[%(rekey_overdue_margin)s]) > 0
            )
          ||| % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}{{ with $labels.child }}/{{ . }}{{ end }} on {{ $labels.instance }}: rekey overdue',
            description: 'The {{ if $labels.child }}CHILD SA {{ $labels.conn }}/{{ $labels.child }}{{ else }}IKE SA {{ $labels.conn }}{{ end }} on {{ $labels.instance }} was due to rekey at {{ $value | humanizeTimestamp }}, more than %(rekey_overdue_margin)s ago, and is still the same SA: the rekey is not happening and the SA will expire.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecRekeyOverdue.md' % c,
          },
        },
        // ---- IPsecRekeyWillFail (foresee: failures one end can tell in advance) ----------------
        {
          alert: 'IPsecRekeyWillFail',
          // reason="rekey_overdue" only once the scheduled rekey (or reauthentication) is
          // rekey_overdue_margin past, as IPsecRekeyOverdue: charon retries a rekey for minutes
          // (a lost packet, a collision, a CHILD rekey queued behind an IKE rekey), and a healthy
          // lab whose CHILD and IKE SAs are due at the same moment saw one overdue for over 1m.
          expr: |||
            (
              ipsec_child_sa_rekey_failure_expected_timestamp_seconds{%(selector)s, reason!="rekey_overdue"}
              or
              ipsec_child_sa_rekey_failure_expected_timestamp_seconds{%(selector)s, reason="rekey_overdue"}
              and on (job, instance, conn, child)
              ipsec_child_sa_rekey_timestamp_seconds{%(selector)s} < (time() - %(rekey_overdue_margin_seconds)s)
            ) < (time() + %(rekey_will_fail_margin_seconds)s)
            or
            (
              ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{%(selector)s, reason!="rekey_overdue"}
              or
              ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{%(selector)s, reason="rekey_overdue"}
              and on (job, instance, conn)
              min by (job, instance, conn) ({__name__=~"ipsec_ike_sa_(rekey|reauth)_timestamp_seconds", %(selector)s} > 0)
              < (time() - %(rekey_overdue_margin_seconds)s)
            ) < (time() + %(rekey_will_fail_margin_seconds)s)
          ||| % c,
          'for': '%(rekey_will_fail_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}{{ with $labels.child }}/{{ . }}{{ end }} on {{ $labels.instance }}: next rekey will fail ({{ $labels.reason }})',
            description: 'The {{ if $labels.child }}CHILD SA {{ $labels.conn }}/{{ $labels.child }}{{ else }}IKE SA {{ $labels.conn }}{{ end }} on {{ $labels.instance }} is expected to fail at {{ $value | humanizeTimestamp }} ({{ $labels.reason }}: {{ if eq $labels.reason "lifetime" }}its life_time is not above its rekey_time, so it expires instead of rekeying{{ else if eq $labels.reason "cert_expiry" }}our certificate expires before the next reauthentication{{ else }}its rekey is overdue and the SA expires at that time{{ end }}).',
            runbook_url: '%(runbook_url_base)s/IPsecRekeyWillFail.md' % c,
          },
        },
        // Both ends' configured proposals (serve exports them from swanctl.conf) have no
        // algorithm in common for one transform type: the next rekey runs a negotiation that
        // cannot succeed. A necessary condition only (one algorithm in common per type does not
        // make a common proposal); `ikewatch doctor --peer` compares whole proposals. Nothing
        // when either end exports nothing for that transform (an older ikewatch, no readable
        // swanctl.conf, a `default` proposal list), or the ends are not paired.
        {
          alert: 'IPsecProposalMismatch',
          expr: |||
            count by (job, instance, conn, child, exchange, transform, peer_instance, peer_conn, peer_child) (
              ipsec_pair:peer_proposal_algorithm:info
            )
            and on (instance, conn, child, exchange, transform)
            count by (instance, conn, child, exchange, transform) (ipsec_conn_proposal_algorithm_info{%(selector)s})
            unless on (instance, conn, child, exchange, transform)
            count by (instance, conn, child, exchange, transform) (
              ipsec_conn_proposal_algorithm_info{%(selector)s}
              and on (instance, conn, child, exchange, transform, algorithm) ipsec_pair:peer_proposal_algorithm:info
            )
          ||| % c,
          'for': '%(proposal_mismatch_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}{{ with $labels.child }}/{{ . }}{{ end }} on {{ $labels.instance }}: the next {{ if eq $labels.exchange "ike" }}IKE rekey{{ else }}CHILD rekey{{ end }} will fail, no {{ $labels.transform }} algorithm in common with {{ $labels.peer_instance }}',
            description: '{{ if eq $labels.exchange "ike" }}The IKE proposals of {{ $labels.conn }} on {{ $labels.instance }} and of {{ $labels.peer_conn }} on {{ $labels.peer_instance }}{{ else }}The esp_proposals of {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }} and of {{ $labels.peer_conn }}/{{ $labels.peer_child }} on {{ $labels.peer_instance }}{{ end }} (the two ends of one tunnel) have no {{ $labels.transform }} algorithm in common{{ if eq $labels.transform "ke" }} (key exchange: {{ if eq $labels.exchange "ike" }}the IKE group{{ else }}the PFS group; "none" is no PFS{{ end }}){{ end }}: {{ $labels.instance }} has {{ with printf "ipsec_conn_proposals_info{instance=%%q,conn=%%q,child=%%q,exchange=%%q}" $labels.instance $labels.conn $labels.child $labels.exchange | query }}{{ . | first | label "proposals" }}{{ else }}?{{ end }}, {{ $labels.peer_instance }} has {{ with printf "ipsec_conn_proposals_info{instance=%%q,conn=%%q,child=%%q,exchange=%%q}" $labels.peer_instance $labels.peer_conn $labels.peer_child $labels.exchange | query }}{{ . | first | label "proposals" }}{{ else }}?{{ end }}. The SA works until its next {{ if eq $labels.exchange "ike" }}rekey or reauthentication{{ else }}rekey{{ end }}, which will fail with NO_PROPOSAL_CHOSEN and take the tunnel down when the SA expires.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecProposalMismatch.md' % c,
          },
        },
        {
          alert: 'IPsecDPDTimeouts',
          expr: |||
            %(failures)s > 0
          ||| % (c { failures: ec('ipsec_failures_total', 'kind="dpd_timeout"', 'dpd_timeouts_window') }),
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }} on {{ $labels.instance }}: peer stopped answering (DPD timeout)',
            description: 'The peer of {{ $labels.conn }} did not answer dead peer detection from {{ $labels.instance }} in the last %(dpd_timeouts_window)s; charon declared it dead and applied dpd_action.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecDPDTimeouts.md' % c,
          },
        },
        {
          alert: 'IPsecAuthFailures',
          expr: |||
            %(failures)s > 0
          ||| % (c { failures: ec('ipsec_failures_total', 'kind=~"auth_failed|cert_invalid"', 'auth_failures_window') }),
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }} on {{ $labels.instance }}: authentication failing ({{ $labels.kind }})',
            description: 'IKE authentication of {{ $labels.conn }} on {{ $labels.instance }} failed ({{ $labels.kind }}) in the last %(auth_failures_window)s: a pre-shared key, identity or certificate does not match on the two gateways.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecAuthFailures.md' % c,
          },
        },
        // ---- Data plane (STAMP probes and SA counters) ------------------------------------------
        {
          alert: 'IPsecChildSADegraded',
          expr: |||
            ipsec_probe_success{%(selector)s} == 0
            and on (job, instance, conn, child) ipsec_child_sa_up{%(selector)s} == 1
          ||| % c,
          'for': '%(child_sa_degraded_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: up but not passing traffic',
            description: 'The CHILD SA {{ $labels.conn }}/{{ $labels.child }} is installed on {{ $labels.instance }}, but probes to {{ $labels.target }} through it have failed for %(child_sa_degraded_for)s: the control plane looks healthy, the data plane is broken.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecChildSADegraded.md' % c,
          },
        },
        // ---- Both ends (ipsec_pair:* recording rules; every gateway runs ikewatch) -------------
        // These name the segment and the direction. Each end evaluates its own receiving side, so
        // ESP lost from gw-b to gw-a fires on gw-a's series and the reverse on gw-b's. They sit
        // before IPsecTunnelOneWay: the Alertmanager example inhibits IPsecTunnelOneWay (and the
        // probe alerts) of the same end while one of these says why (one fault, one page); they
        // fire before it (shorter window and `for`). The ipsec_pair:* series come from the
        // recording group ikewatch.peers, which Prometheus evaluates independently of this one: the
        // alerts may see them one evaluation late. The two total ones (IPsecESPLost,
        // IPsecFarSideSilent) take only the pairing from it and read both ends' counters over
        // esp_lost_window themselves, to page within 90 s; both ends' windows are that long, so
        // that the two ends' scrapes, up to one interval apart, disagree for one evaluation at
        // most and `for` (two evaluations) rides it out.
        {
          alert: 'IPsecESPLost',
          expr: |||
            (
            %(peer)s) > %(esp_lost_min_packets)s
            and on (job, instance, conn, child) %(own)s == 0
            and on (job, instance, conn, child) ipsec_child_sa_up{%(selector)s} == 1
          ||| % (c { peer: indent(peerIncrease('ipsec_child_sa_packets_out_total')),
                     own: ownIncrease('ipsec_child_sa_packets_in_total') }),
          'for': '%(esp_lost_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'ESP from {{ $labels.peer_instance }} to {{ $labels.instance }} is lost ({{ $labels.conn }}/{{ $labels.child }})',
            description: 'ESP from {{ $labels.peer_instance }} to {{ $labels.instance }} is lost: {{ $labels.peer_instance }} sent {{ $value | humanize }} packets in %(esp_lost_window)s through {{ $labels.peer_conn }}/{{ $labels.peer_child }}, {{ $labels.instance }} received 0 on {{ $labels.conn }}/{{ $labels.child }}. Both CHILD SAs are installed: the path from {{ $labels.peer_instance }} to {{ $labels.instance }} drops ESP.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecESPLost.md' % c,
          },
        },
        // Partial loss compares what the peer sent with what we received over esp_loss_window,
        // both read from the raw counters: increase() extrapolates each end's samples to the
        // window's edges, so the two ends' scrapes, up to one interval apart, shift the counts by
        // the change in rate across one interval, a small share of a 5-minute window (1-minute
        // rates of the two ends jittered around the threshold, and one evaluation below it reset
        // `for`: the fault matrix saw it pending in healthy runs and never firing on 10 % loss).
        // The pairing must be a window old: while the window reaches back before the first
        // scrape of either end (a new Prometheus, a new tunnel), each end extrapolates from a
        // few samples taken at different moments (the fault matrix's data read 17 % there).
        {
          alert: 'IPsecESPLossPartial',
          expr: |||
            quantile_over_time(0.5, (
              1 - (
                %(own)s
                / on (job, instance, conn, child) group_right ()
                ((
                %(peer)s) > %(esp_loss_min_packets)s)
              )
            )[%(esp_loss_median_window)s:]) > %(esp_loss_ratio)s
            and on (job, instance, conn, child, peer_instance, peer_conn, peer_child) ipsec_pair:child_sa_peer:info offset %(esp_loss_window)s
            and on (job, instance, conn, child) %(own)s > 0
            and on (job, instance, conn, child) ipsec_child_sa_up{%(selector)s} == 1
          ||| % (c { peer: indent(indent(indent(peerIncrease('ipsec_child_sa_packets_out_total', c.esp_loss_window)))),
                     own: ownIncrease('ipsec_child_sa_packets_in_total', c.esp_loss_window) }),
          'for': '%(esp_loss_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'ESP from {{ $labels.peer_instance }} to {{ $labels.instance }} loses {{ $value | humanizePercentage }} ({{ $labels.conn }}/{{ $labels.child }})',
            description: 'ESP from {{ $labels.peer_instance }} to {{ $labels.instance }} is partly lost: {{ $labels.peer_instance }} sent {{ with printf `sum(increase(ipsec_child_sa_packets_out_total{%(selector)s,instance=%%q,conn=%%q,child=%%q}[%(esp_loss_window)s]))` $labels.peer_instance $labels.peer_conn $labels.peer_child | query }}{{ . | first | value | printf "%%.0f" }}{{ end }} packets in %(esp_loss_window)s through {{ $labels.peer_conn }}/{{ $labels.peer_child }}, {{ $labels.instance }} received {{ with printf `sum(increase(ipsec_child_sa_packets_in_total{%(selector)s,instance=%%q,conn=%%q,child=%%q}[%(esp_loss_window)s]))` $labels.instance $labels.conn $labels.child | query }}{{ . | first | value | printf "%%.0f" }}{{ end }} on {{ $labels.conn }}/{{ $labels.child }}: {{ $value | humanizePercentage }} lost (over %(esp_loss_ratio)s as a ratio) for %(esp_loss_for)s.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecESPLossPartial.md' % c,
          },
        },
        // Our ESP arrives at the peer, the peer sends nothing back through the tunnel although we
        // keep sending: the hosts (or the reflector) behind the peer do not answer, or the peer's
        // forwarding, firewall or routing drops the traffic after decryption.
        {
          alert: 'IPsecFarSideSilent',
          expr: |||
            (
            %(peer_in)s) > %(esp_lost_min_packets)s
            and on (job, instance, conn, child, peer_instance, peer_conn, peer_child) (
            %(peer_out)s) == 0
            and on (job, instance, conn, child) %(own_out)s > 0
            and on (job, instance, conn, child) ipsec_child_sa_up{%(selector)s} == 1
          ||| % (c { peer_in: indent(peerIncrease('ipsec_child_sa_packets_in_total')),
                     peer_out: indent(peerIncrease('ipsec_child_sa_packets_out_total')),
                     own_out: ownIncrease('ipsec_child_sa_packets_out_total') }),
          'for': '%(far_side_silent_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'Traffic reaches {{ $labels.peer_instance }} through the tunnel, but nothing behind {{ $labels.peer_instance }} answers ({{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }})',
            description: 'Traffic reaches {{ $labels.peer_instance }} through the tunnel, but nothing behind {{ $labels.peer_instance }} answers: {{ $labels.peer_instance }} received {{ $value | humanize }} packets from {{ $labels.instance }} in %(esp_lost_window)s on {{ $labels.peer_conn }}/{{ $labels.peer_child }} and sent 0 back, while {{ $labels.instance }} keeps sending on {{ $labels.conn }}/{{ $labels.child }}. The ESP path works; look behind {{ $labels.peer_instance }} (its LAN, forwarding, firewall, the reflector).' % c,
            runbook_url: '%(runbook_url_base)s/IPsecFarSideSilent.md' % c,
          },
        },
        // One end is enough: charon retransmits IKE requests that the peer leaves unanswered while
        // the connection's CHILD SAs pass packets both ways. The data plane works now; the next
        // rekey or reauthentication will fail and take the tunnel down. Only evidence of no
        // answer counts: retransmits, or ikewatch's peer_silent forecast (a request retransmitted
        // and not yet answered while ESP from the peer still arrives), which is present from the
        // first retransmit and so fires before charon gives up. An answered failure (a rekey the
        // peer refuses with NO_PROPOSAL_CHOSEN) is IPsecRekeyFailing's; a give-up
        // (dpd_timeout, peer_unreachable) deletes the IKE SA, which is IPsecIKESADown's.
        {
          alert: 'IPsecIKEUnanswered',
          expr: |||
            (
              sum by (job, instance, conn) %(retransmits)s > %(ike_unanswered_retransmits)s
              or
              max by (job, instance, conn) (ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{%(selector)s,reason="peer_silent"}) * 0 + 1
            )
            and on (job, instance, conn) sum by (job, instance, conn) (rate(ipsec_child_sa_packets_in_total{%(selector)s}[%(peer_rate_window)s])) > 0
            and on (job, instance, conn) sum by (job, instance, conn) (rate(ipsec_child_sa_packets_out_total{%(selector)s}[%(peer_rate_window)s])) > 0
            and on (job, instance, conn) ipsec_ike_sa_up{%(selector)s} == 1
          ||| % (c { retransmits: ec('ipsec_retransmits_total', '', 'ike_unanswered_window') }),
          'for': '%(ike_unanswered_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }} on {{ $labels.instance }}: IKE is unanswered while ESP still flows',
            description: 'IKE is unanswered while ESP still flows: {{ $labels.instance }} retransmitted {{ with printf `sum(increase(ipsec_conn_retransmits_total{%(selector)s,instance=%%q,conn=%%q}[%(ike_unanswered_window)s])) or sum(increase(ipsec_retransmits_total{%(selector)s,instance=%%q,conn=%%q}[%(ike_unanswered_window)s])) or vector(0)` $labels.instance $labels.conn $labels.instance $labels.conn | query }}{{ . | first | value | printf "%%.0f" }}{{ end }} IKE requests of {{ $labels.conn }} in %(ike_unanswered_window)s (alert above %(ike_unanswered_retransmits)s, or at once while a request is still unanswered) while its CHILD SAs pass packets both ways. The peer (or the path for UDP 500/4500) does not answer IKE: the next rekey or reauthentication will fail and take the tunnel down.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecIKEUnanswered.md' % c,
          },
        },
        {
          alert: 'IPsecTunnelOneWay',
          expr: |||
            rate(ipsec_child_sa_packets_out_total{%(selector)s}[%(tunnel_one_way_window)s]) > 0
            and on (job, instance, conn, child) rate(ipsec_child_sa_packets_in_total{%(selector)s}[%(tunnel_one_way_window)s]) == 0
            and on (job, instance, conn, child) ipsec_child_sa_up{%(selector)s} == 1
          ||| % c,
          'for': '%(tunnel_one_way_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: packets leave, none arrive',
            description: '{{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }} has sent {{ $value | humanize }} packets/s for %(tunnel_one_way_for)s and received none: ESP is lost on the way to or from the peer while IKE stays up.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecTunnelOneWay.md' % c,
          },
        },
        // Partial loss: over the window above the ratio while probes are still being lost, and some
        // probes answered all along (ipsec_probe_success never 0 in the recent window; a total
        // outage is IPsecChildSADegraded's page, and its lost probes must not open a ticket once it
        // is over). It resolves within probe_loss_recent_window of the last lost probe.
        {
          alert: 'IPsecProbeLossHigh',
          expr: |||
            (
              sum without (direction) (rate(ipsec_probe_lost_total{%(selector)s}[%(probe_loss_window)s]))
              /
              rate(ipsec_probe_sent_total{%(selector)s}[%(probe_loss_window)s])
            ) > %(probe_loss_ratio)s
            and
            sum without (direction) (increase(ipsec_probe_lost_total{%(selector)s}[%(probe_loss_recent_window)s])) > 0
            and
            min_over_time(ipsec_probe_success{%(selector)s}[%(probe_loss_recent_window)s]) == 1
          ||| % c,
          'for': '%(probe_loss_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: probe loss {{ $value | humanizePercentage }}',
            description: 'Probes from {{ $labels.instance }} to {{ $labels.target }} through {{ $labels.conn }}/{{ $labels.child }} lose {{ $value | humanizePercentage }} (over %(probe_loss_ratio)s as a ratio) for %(probe_loss_for)s.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecProbeLossHigh.md' % c,
          },
        },
        {
          alert: 'IPsecProbeLatencyHigh',
          expr: '(%s) > %s' % [
            (import '../lib/histograms.libsonnet').quantile(c.probe_latency_quantile, 'ipsec_probe_rtt_seconds', c.selector, 'job, instance, target, conn, child, module', c.probe_latency_window),
            c.probe_latency_seconds,
          ],
          'for': '%(probe_latency_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: round-trip time {{ $value | humanizeDuration }}',
            description: 'The %(probe_latency_quantile)s quantile of the probe round-trip time from {{ $labels.instance }} to {{ $labels.target }} through {{ $labels.conn }}/{{ $labels.child }} is {{ $value | humanizeDuration }}, above %(probe_latency_seconds)s s for %(probe_latency_for)s.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecProbeLatencyHigh.md' % c,
          },
        },
        {
          alert: 'IPsecPathMTUBlackhole',
          expr: |||
            ipsec_probe_mtu_blackhole{%(selector)s} == 1
          ||| % c,
          'for': '%(path_mtu_blackhole_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Tunnel {{ $labels.conn }}/{{ $labels.child }} on {{ $labels.instance }}: path MTU black hole',
            description: 'Large probes from {{ $labels.instance }} to {{ $labels.target }} through {{ $labels.conn }}/{{ $labels.child }} vanish while small ones pass, and no ICMP "fragmentation needed" comes back: full-size packets of this tunnel are silently dropped.',
            runbook_url: '%(runbook_url_base)s/IPsecPathMTUBlackhole.md' % c,
          },
        },
        // ---- Certificates -------------------------------------------------------------------------
        {
          alert: 'IPsecCertExpiringSoon',
          expr: |||
            ipsec_cert_not_after_timestamp_seconds{%(selector)s} - time() < %(cert_expiry_warning_days_seconds)s
            and ipsec_cert_not_after_timestamp_seconds{%(selector)s} - time() >= %(cert_expiry_critical_days_seconds)s
          ||| % c,
          'for': '%(cert_expiry_for)s' % c,
          labels: {
            severity: 'warning',
          },
          annotations: {
            summary: 'Certificate {{ $labels.subject }} on {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
            description: 'The certificate {{ $labels.subject }} (serial {{ $labels.serial }}) loaded on {{ $labels.instance }} expires in {{ $value | humanizeDuration }} (warning below %(cert_expiry_warning_days)s days). Every tunnel that authenticates with it will fail after that.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecCertExpiringSoon.md' % c,
          },
        },
        {
          alert: 'IPsecCertExpiringSoon',
          expr: |||
            ipsec_cert_not_after_timestamp_seconds{%(selector)s} - time() < %(cert_expiry_critical_days_seconds)s
          ||| % c,
          'for': '%(cert_expiry_for)s' % c,
          labels: {
            severity: 'critical',
          },
          annotations: {
            summary: 'Certificate {{ $labels.subject }} on {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
            description: 'The certificate {{ $labels.subject }} (serial {{ $labels.serial }}) loaded on {{ $labels.instance }} expires in {{ $value | humanizeDuration }} (critical below %(cert_expiry_critical_days)s days; a negative time means it has expired). Every tunnel that authenticates with it will fail after that.' % c,
            runbook_url: '%(runbook_url_base)s/IPsecCertExpiringSoon.md' % c,
          },
        },
      ],
    },
    ],
  },
}
