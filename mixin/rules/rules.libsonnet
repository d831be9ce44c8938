// SPDX-License-Identifier: Apache-2.0
//
// Recording rules of the ikewatch mixin. They keep the dashboard cheap (a panel reads one
// pre-aggregated series per tunnel instead of rate()s over raw counters and histogram buckets)
// and give a federating or remote-write Prometheus a small set of series to pull
// (docs/scaling.md). Names follow level:metric:operation, where the level says which labels
// remain:
//   ipsec_tunnel:    job, instance, conn, child (and target, module for probe series)
//   ipsec_conn:      job, instance, conn
//   ipsec_instance:  job, instance
// The rate window is recording_window in _config (mixin/config.libsonnet); it is deliberately
// not part of the names, so changing it does not break dashboards.
{
  prometheusRules+:: {
    local c = (import '../lib/config.libsonnet').values($._config),
    // rate() of an event counter whose series appear at their first event, that event included
    // (mixin/lib/counters.libsonnet).
    local rttQuantile(q) = (import '../lib/histograms.libsonnet').quantile(q, 'ipsec_probe_rtt_seconds', c.selector, 'job, instance, target, conn, child, module', c.recording_window),
    local eventRate(metric) = (import '../lib/counters.libsonnet').rate(metric, c.selector, '', c.recording_window, c.recording_window_seconds),
    groups+: [
    {
      name: 'ikewatch.recording',
      [if c.recording_interval != '' then 'interval']: c.recording_interval,
      rules: [
        // -- Probes -------------------------------------------------------------------------------
        // A probe counts as lost only after its timeout, when the window already counts it as
        // sent: at the window's edges the two rates can put a total loss a little above 1.
        {
          record: 'ipsec_tunnel:probe_loss:ratio',
          expr: |||
            clamp_max(
              sum without (direction) (rate(ipsec_probe_lost_total{%(selector)s}[%(recording_window)s]))
              /
              rate(ipsec_probe_sent_total{%(selector)s}[%(recording_window)s]),
              1
            )
          ||| % c,
        },
        {
          record: 'ipsec_tunnel:probe_rtt_seconds:quantile',
          labels: {
            quantile: '0.5',
          },
          expr: rttQuantile('0.5'),
        },
        {
          record: 'ipsec_tunnel:probe_rtt_seconds:quantile',
          labels: {
            quantile: '0.95',
          },
          expr: rttQuantile('0.95'),
        },
        {
          record: 'ipsec_tunnel:probe_rtt_seconds:quantile',
          labels: {
            quantile: '0.99',
          },
          expr: rttQuantile('0.99'),
        },
        // -- Traffic per tunnel (counters carry across rekeys, so rate() sees no resets) ----------
        {
          record: 'ipsec_tunnel:bytes_in:rate',
          expr: |||
            sum by (job, instance, conn, child) (rate(ipsec_child_sa_bytes_in_total{%(selector)s}[%(recording_window)s]))
          ||| % c,
        },
        {
          record: 'ipsec_tunnel:bytes_out:rate',
          expr: |||
            sum by (job, instance, conn, child) (rate(ipsec_child_sa_bytes_out_total{%(selector)s}[%(recording_window)s]))
          ||| % c,
        },
        {
          record: 'ipsec_tunnel:packets_in:rate',
          expr: |||
            sum by (job, instance, conn, child) (rate(ipsec_child_sa_packets_in_total{%(selector)s}[%(recording_window)s]))
          ||| % c,
        },
        {
          record: 'ipsec_tunnel:packets_out:rate',
          expr: |||
            sum by (job, instance, conn, child) (rate(ipsec_child_sa_packets_out_total{%(selector)s}[%(recording_window)s]))
          ||| % c,
        },
        // -- Events and failures -------------------------------------------------------------------
        {
          record: 'ipsec_conn:ike_sa_events:rate',
          expr: |||
            sum by (job, instance, conn, event) %(rate)s
          ||| % (c { rate: eventRate('ipsec_ike_sa_events_total') }),
        },
        {
          record: 'ipsec_tunnel:child_sa_events:rate',
          expr: |||
            sum by (job, instance, conn, child, event) %(rate)s
          ||| % (c { rate: eventRate('ipsec_child_sa_events_total') }),
        },
        {
          record: 'ipsec_conn:failures:rate',
          expr: |||
            sum by (job, instance, conn, kind) %(rate)s
          ||| % (c { rate: eventRate('ipsec_failures_total') }),
        },
        {
          record: 'ipsec_conn:retransmits:rate',
          expr: |||
            sum by (job, instance, conn) %(rate)s
          ||| % (c { rate: eventRate('ipsec_retransmits_total') }),
        },
        // -- Fleet overview (one series per gateway; what a global Prometheus federates) ----------
        {
          record: 'ipsec_instance:ike_sa_configured:count',
          expr: |||
            count by (job, instance) (ipsec_ike_sa_up{%(selector)s})
          ||| % c,
        },
        {
          record: 'ipsec_instance:ike_sa_up:sum',
          expr: |||
            sum by (job, instance) (ipsec_ike_sa_up{%(selector)s})
          ||| % c,
        },
        {
          record: 'ipsec_instance:child_sa_configured:count',
          expr: |||
            count by (job, instance) (ipsec_child_sa_up{%(selector)s})
          ||| % c,
        },
        {
          record: 'ipsec_instance:child_sa_up:sum',
          expr: |||
            sum by (job, instance) (ipsec_child_sa_up{%(selector)s})
          ||| % c,
        },
        {
          record: 'ipsec_instance:probe_success:ratio',
          expr: |||
            avg by (job, instance) (ipsec_probe_success{%(selector)s})
          ||| % c,
        },
        // -- The fleet dashboard (dashboards/fleet.libsonnet) reads only recorded series, so that a
        // central Prometheus that federates nothing but them (docs/scaling.md) can serve it.
        // Gateways scraped, and with charon answering.
        {
          record: 'ipsec_instance:exporter_up:max',
          expr: |||
            max by (job, instance) (up{%(selector)s})
          ||| % c,
        },
        {
          record: 'ipsec_instance:daemon_up:max',
          expr: |||
            max by (job, instance) (ipsec_up{%(selector)s})
          ||| % c,
        },
        // One series (value 1) per connection without an IKE SA and per CHILD SA configured but
        // not installed; none while everything is up, so they cost nothing on a healthy fleet.
        {
          record: 'ipsec_conn:ike_sa_down:count',
          expr: |||
            count by (job, instance, conn) (ipsec_ike_sa_up{%(selector)s} == 0)
          ||| % c,
        },
        {
          record: 'ipsec_tunnel:child_sa_down:count',
          expr: |||
            count by (job, instance, conn, child) (ipsec_child_sa_up{%(selector)s} == 0)
          ||| % c,
        },
        // The soonest end of validity among the gateway's certificates (the per-gateway
        // dashboard names the certificate).
        {
          record: 'ipsec_instance:cert_not_after_timestamp_seconds:min',
          expr: |||
            min by (job, instance) (ipsec_cert_not_after_timestamp_seconds{%(selector)s})
          ||| % c,
        },
        // The mixin's alerts (alertname IPsec*) firing per gateway and severity, 0 for every
        // scraped gateway without one (so that "alerts firing" reads 0, not "no data"). An alert
        // is counted for the gateway whose job and instance it carries (every ikewatch alert
        // keeps both); ALERTS is matched by job and instance against up, not by the selector,
        // because an alert keeps only the labels its rule aggregates by.
        {
          record: 'ipsec_instance:alerts_firing:count',
          expr: |||
            count by (job, instance, severity) (
              ALERTS{alertstate="firing", alertname=~"IPsec.+"}
              and on (job, instance) up{%(selector)s}
            )
            or on (job, instance, severity)
            label_replace(0 * max by (job, instance) (up{%(selector)s}), "severity", "critical", "", "")
            or on (job, instance, severity)
            label_replace(0 * max by (job, instance) (up{%(selector)s}), "severity", "warning", "", "")
          ||| % c,
        },
      ],
    },
    // Both ends of each CHILD SA (every gateway runs ikewatch and is scraped as its own instance).
    // Level ipsec_pair: job, instance, conn, child of our end, and peer_instance, peer_conn,
    // peer_child of the other end of the same CHILD SA. Evaluated at the global interval (the
    // alerts read these series). Our outbound SPI is the peer's inbound SPI and vice versa, so A's
    // (spi_out, spi_in) is copied into key labels and joined with B's (spi_in, spi_out). The SPIs
    // are then aggregated away: a rekey changes them on both ends and the pairing stays one
    // series. The SPI pairs are read over peer_pair_window, so while one end already shows the new
    // SPIs and the other not yet (they are scraped at different moments) the old pair still joins.
    // A series never joins itself: a pair whose peer labels are our own is removed (it needs
    // spi_in == spi_out on one SA). Two distinct instances claiming the same SPI pair (one gateway
    // scraped under two instance names) make the join fail with "many-to-many"; drop the
    // duplicate target.
    {
      name: 'ikewatch.peers',
      rules: [
        {
          record: 'ipsec_pair:child_sa_peer:info',
          expr: |||
            max by (job, instance, conn, child, peer_instance, peer_conn, peer_child) (
              label_replace(label_replace(
                max_over_time(ipsec_child_sa_info{%(selector)s}[%(peer_pair_window)s]),
                "spi_key_out", "$1", "spi_out", "(.+)"), "spi_key_in", "$1", "spi_in", "(.+)")
              * on (spi_key_out, spi_key_in) group_left (peer_instance, peer_conn, peer_child)
              max by (spi_key_out, spi_key_in, peer_instance, peer_conn, peer_child) (
                label_replace(label_replace(label_replace(label_replace(label_replace(
                  max_over_time(ipsec_child_sa_info{%(selector)s}[%(peer_pair_window)s]),
                  "spi_key_out", "$1", "spi_in", "(.+)"), "spi_key_in", "$1", "spi_out", "(.+)"),
                  "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
                  "peer_child", "$1", "child", "(.*)")
              )
            )
            unless on (job, instance, conn, child, peer_instance, peer_conn, peer_child)
            label_replace(label_replace(label_replace(
              max_over_time(ipsec_child_sa_info{%(selector)s}[%(peer_pair_window)s]),
              "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
              "peer_child", "$1", "child", "(.*)")
          ||| % c,
        },
        // Our packet rates on a paired CHILD SA (window peer_rate_window).
        {
          record: 'ipsec_pair:packets_in:rate',
          expr: |||
            ipsec_pair:child_sa_peer:info
            * on (job, instance, conn, child) group_left ()
            sum by (job, instance, conn, child) (rate(ipsec_child_sa_packets_in_total{%(selector)s}[%(peer_rate_window)s]))
          ||| % c,
        },
        {
          record: 'ipsec_pair:packets_out:rate',
          expr: |||
            ipsec_pair:child_sa_peer:info
            * on (job, instance, conn, child) group_left ()
            sum by (job, instance, conn, child) (rate(ipsec_child_sa_packets_out_total{%(selector)s}[%(peer_rate_window)s]))
          ||| % c,
        },
        // The peer's packet rates of the same CHILD SA, on our (instance, conn, child): what it
        // received from us (peer_packets_in) and what it sent to us (peer_packets_out).
        {
          record: 'ipsec_pair:peer_packets_in:rate',
          expr: |||
            ipsec_pair:child_sa_peer:info
            * on (peer_instance, peer_conn, peer_child) group_left ()
            label_replace(label_replace(label_replace(
              sum by (instance, conn, child) (rate(ipsec_child_sa_packets_in_total{%(selector)s}[%(peer_rate_window)s])),
              "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
              "peer_child", "$1", "child", "(.*)")
          ||| % c,
        },
        {
          record: 'ipsec_pair:peer_packets_out:rate',
          expr: |||
            ipsec_pair:child_sa_peer:info
            * on (peer_instance, peer_conn, peer_child) group_left ()
            label_replace(label_replace(label_replace(
              sum by (instance, conn, child) (rate(ipsec_child_sa_packets_out_total{%(selector)s}[%(peer_rate_window)s])),
              "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
              "peer_child", "$1", "child", "(.*)")
          ||| % c,
        },
        // The share of what the peer sent through a paired CHILD SA in esp_loss_window (more
        // than esp_loss_min_packets) that did not arrive here: IPsecESPLossPartial's ratio,
        // without its median (the fleet dashboard ranks tunnels by it). Both ends' raw counters
        // over the same window, as the alert reads them; 0 when we count more than the peer sent
        // (the two ends are scraped at different moments).
        {
          record: 'ipsec_pair:esp_loss:ratio',
          expr: |||
            clamp_min(
              1 - (
                sum by (job, instance, conn, child) (increase(ipsec_child_sa_packets_in_total{%(selector)s}[%(esp_loss_window)s]))
                / on (job, instance, conn, child) group_right ()
                (
                  ipsec_pair:child_sa_peer:info
                  * on (peer_instance, peer_conn, peer_child) group_left ()
                  label_replace(label_replace(label_replace(
                    sum by (instance, conn, child) (increase(ipsec_child_sa_packets_out_total{%(selector)s}[%(esp_loss_window)s])),
                    "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
                    "peer_child", "$1", "child", "(.*)")
                  > %(esp_loss_min_packets)s
                )
              ),
              0
            )
          ||| % c,
        },
        // The shorter of both ends' configured rekey intervals (rekey_time > 0), on our labels: a
        // rekey is counted on both ends whichever end started it, so an end whose peer rekeys every
        // minute sees a rekey every minute although its own rekey_time is an hour. The CHILD SA's
        // peer comes from the SPI pairing; the IKE SA's peer is the one its paired CHILD SAs lead to
        // (ipsec_ike_sa_info carries no SPIs; an IKE SA without a CHILD SA keeps its own interval).
        // Without a pairing (the peer is not monitored) our own interval alone; no series when
        // rekeying by time is disabled on both ends. Each end's interval is the smallest over
        // peer_pair_window: a lost scrape of one end must not leave only the other end's longer
        // interval (which once made a healthy end's rekeys "frequent").
        {
          record: 'ipsec_tunnel:child_sa_rekey_config_seconds:min',
          expr: |||
            min by (job, instance, conn, child) (
              min_over_time(ipsec_child_sa_rekey_config_seconds{%(selector)s}[%(peer_pair_window)s]) > 0
              or
              ipsec_pair:child_sa_peer:info
              * on (peer_instance, peer_conn, peer_child) group_left ()
              label_replace(label_replace(label_replace(
                min_over_time(ipsec_child_sa_rekey_config_seconds{%(selector)s}[%(peer_pair_window)s]) > 0,
                "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
                "peer_child", "$1", "child", "(.*)")
            )
          ||| % c,
        },
        {
          record: 'ipsec_conn:ike_sa_rekey_config_seconds:min',
          expr: |||
            min by (job, instance, conn) (
              min_over_time(ipsec_ike_sa_rekey_config_seconds{%(selector)s}[%(peer_pair_window)s]) > 0
              or
              max by (job, instance, conn, peer_instance, peer_conn) (ipsec_pair:child_sa_peer:info)
              * on (peer_instance, peer_conn) group_left ()
              label_replace(label_replace(
                min_over_time(ipsec_ike_sa_rekey_config_seconds{%(selector)s}[%(peer_pair_window)s]) > 0,
                "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)")
            )
          ||| % c,
        },
        // The peer's configured proposals (ipsec_conn_proposal_algorithm_info, exported by
        // serve from swanctl.conf: one series per transform and algorithm, aliases folded) on our
        // labels: a CHILD config's through its paired CHILD SA, a connection's IKE proposals
        // through the connection its paired CHILD SAs lead to (as above). IPsecProposalMismatch
        // compares them with ours, transform by transform.
        {
          record: 'ipsec_pair:peer_proposal_algorithm:info',
          expr: |||
            label_replace(label_replace(label_replace(
              ipsec_conn_proposal_algorithm_info{%(selector)s, exchange="child"},
              "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)"),
              "peer_child", "$1", "child", "(.*)")
            * on (peer_instance, peer_conn, peer_child) group_left (job, instance, conn, child)
            max by (job, instance, conn, child, peer_instance, peer_conn, peer_child) (ipsec_pair:child_sa_peer:info)
            or
            label_replace(label_replace(
              ipsec_conn_proposal_algorithm_info{%(selector)s, exchange="ike"},
              "peer_instance", "$1", "instance", "(.*)"), "peer_conn", "$1", "conn", "(.*)")
            * on (peer_instance, peer_conn) group_left (job, instance, conn)
            max by (job, instance, conn, peer_instance, peer_conn) (ipsec_pair:child_sa_peer:info)
          ||| % c,
        },
      ],
    },
    ],
  },
}
