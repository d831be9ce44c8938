// SPDX-License-Identifier: Apache-2.0
//
// Every threshold and duration of the ikewatch mixin, in one place: the defaults of _config.
//
// Override by composition, without editing this file:
//   (import 'mixin.libsonnet') + { _config+:: { selector: 'job="vpn"', probe_loss_ratio: 0.02 } }
// mixin/build.sh renders the committed mixin/rules/*.yaml and mixin/dashboards/*.json
// from these defaults (CI fails while they are stale: run `mixin/build.sh` after an edit);
// `mixin/build.sh --out DIR --set KEY=VALUE --for-scale 0.1` renders a variant (the end-to-end
// test shrinks every duration that way).
//
// Durations use Prometheus syntax (30s, 5m, 1h) and are the only values --for-scale touches;
// the rules see each duration KEY also as KEY_seconds (mixin/lib/config.libsonnet).
{
  _config+:: {
    // --- Where the alerts point and which series they read -----------------------------------
    // Label matchers every rule puts on every ikewatch series. Must not be empty.
    selector: 'job="ikewatch"',
    // Base of runbook_url; the alert name and ".md" are appended.
    runbook_url_base: 'https://github.com/ikewatch/ikewatch/blob/main/docs/runbooks',

    // --- The exporter and the daemon ------------------------------------------------------------
    // Prometheus cannot scrape ikewatch (up == 0).
    exporter_down_for: '2m',
    // ikewatch runs but charon's VICI socket does not answer (ipsec_up == 0).
    daemon_down_for: '1m',

    // --- Paging budget -------------------------------------------------------------------------
    // A total outage pages within 90 s at a 15 s scrape and evaluation interval: up to 15 s until
    // the next scrape sees it, up to 15 s until the next evaluation, the rule's `for`, then the
    // pager route's group_wait (10 s in mixin/alertmanager/ikewatch.example.yml). Each `for` of a
    // paging alert below is at least two evaluations past the first one that sees the fault, so
    // one odd scrape never pages (a failed scrape makes the series stale, which resets `for`).

    // --- Control plane -------------------------------------------------------------------------
    // A loaded connection has no established IKE SA. Covers a reauthentication
    // (break-before-make, one scrape without an SA) and a charon restart that re-establishes
    // within seconds; 15 + 15 + 45 + 10 = 85 s to the page in the worst case.
    ike_sa_down_for: '45s',
    // A configured CHILD SA is not installed while its IKE SA is up.
    child_sa_down_for: '45s',
    // Rekeys are "frequent" when one IKE or CHILD SA rekeys more than `factor` times as often as
    // its configured rekey_time allows (ipsec_*_rekey_config_seconds): more than
    // factor * window / rekey_time + 1 rekeys in the window. A rekey on the configured schedule
    // (charon rekeys up to rand_time early, the peer may rekey first) stays well below it. At
    // least N + 1 rekeys are needed in any case (the rules compare with N + 0.5 because
    // increase() extrapolates), and that floor alone applies when rekeying by time is disabled
    // (rekey_time 0: every rekey is the peer's or a volume limit's).
    frequent_rekeys_factor: 2,
    frequent_rekeys_max: 3,
    frequent_rekeys_window: '1h',
    // Any failed rekey (ipsec_failures_total{kind="rekey_failed"}) inside this window fires.
    rekey_failing_window: '15m',
    // The scheduled rekey time of an SA lies this far in the past and the SA is still the same
    // one. charon retries a failed rekey with its retransmission schedule (about 165 s with the
    // defaults), so the margin must be longer than that.
    rekey_overdue_margin: '5m',
    // IPsecRekeyWillFail (foresee): an expected rekey failure
    // (ipsec_*_sa_rekey_failure_expected_timestamp_seconds) lies less than the margin ahead (or is
    // already past), for at least `for` (a rekey in flight can read overdue for a moment).
    rekey_will_fail_margin: '24h',
    rekey_will_fail_for: '1m',
    // IPsecProposalMismatch: both ends' configured proposals have no algorithm in common for
    // one transform type, for this long (an operator changing the proposals on both gateways,
    // one after the other, is not warned about the minutes in between).
    proposal_mismatch_for: '10m',
    // DPD timeouts and authentication failures counted inside this window fire the alert.
    dpd_timeouts_window: '10m',
    auth_failures_window: '10m',

    // --- Data plane ----------------------------------------------------------------------------
    // The CHILD SA is installed but every STAMP probe through it fails (ipsec_probe_success 0:
    // nothing answered in the probe window, 10 s by default, plus the probe timeout, 2 s):
    // 12 + 15 + 15 + 30 + 10 = 82 s to the page in the worst case. A CHILD rekey loses a probe
    // or two at most, so ipsec_probe_success stays 1.
    child_sa_degraded_for: '30s',
    // Packets leave through an installed CHILD SA and none arrive (one end's view of a total
    // loss; without a peer instance it is the page). The window holds three scrapes (one lost
    // scrape still leaves two); `for` is one evaluation longer than IPsecESPLost's, so that the
    // two-ended alert, which names the direction, fires first and the Alertmanager example
    // inhibits this one: 45 + 15 + 30 + 10 s = 100 s to the page in the worst case of every
    // phase, 74 s to the alert (84 s to the page) in the promtool case.
    tunnel_one_way_window: '45s',
    tunnel_one_way_for: '30s',
    // Partial probe loss (lost / sent over the window) above the ratio for the duration, while
    // probes are still being lost (some lost in the last probe_loss_recent_window) and some still
    // answered (ipsec_probe_success 1 throughout that window: a total outage is
    // IPsecChildSADegraded's page, and once it is over its lost probes open no ticket). So the
    // alert resolves within probe_loss_recent_window of the last lost probe; a burst shorter than
    // probe_loss_for - probe_loss_recent_window never fires, and no notification starts more than
    // probe_loss_recent_window after a partial loss ended (with only the ratio over a long window,
    // a burst just shorter than `for` was notified after it was over). A ticket within
    // 15 + 15 + 120 + 30 s (group_wait of the ticket route): 3 minutes.
    probe_loss_ratio: 0.01,
    probe_loss_window: '2m',
    probe_loss_recent_window: '1m',
    probe_loss_for: '2m',
    // Probe round-trip time at the quantile above the threshold (seconds) for the duration.
    probe_latency_quantile: 0.95,
    probe_latency_seconds: 0.25,
    probe_latency_window: '5m',
    probe_latency_for: '10m',
    // The prober found the path MTU shrinking without ICMP "fragmentation needed" coming back.
    path_mtu_blackhole_for: '2m',

    // --- Both ends of a tunnel (each gateway runs ikewatch, scraped as its own instance) -------
    // The recording group ikewatch.peers pairs the two ends of every CHILD SA by SPI (our
    // outbound SPI is the peer's inbound one and vice versa) and puts the peer's packet counters
    // next to ours. It runs at the global evaluation interval. The SPI pair is looked up over
    // peer_pair_window (max_over_time of ipsec_child_sa_info), so a rekey that one end's scrape
    // sees before the other's does not break the pairing for an evaluation; a pairing outlives
    // the peer's last scrape by as much.
    peer_pair_window: '1m',
    // Window of the packet rates of both ends (ipsec_pair:*:rate). The two ends are scraped at
    // different moments (up to one interval apart), so a ratio of the two is exact only for
    // steady traffic (the dashboard shows them; the partial-loss ticket below reads 5-minute
    // counts instead).
    peer_rate_window: '1m',
    // ESP from the peer to us is lost: the peer sent more than esp_lost_min_packets packets in
    // esp_lost_window and we received none, for esp_lost_for. Both ends' raw counters are read
    // over esp_lost_window (three scrapes at 15 s, so one lost scrape still leaves two). A page
    // within 45 (until the window holds no scrape taken before the last packet arrived) + 15
    // (the next evaluation) + 15 (`for`: a second evaluation) + 10 (group_wait) s = 85 s in the
    // worst case of every phase; 59 s to the alert, 69 s to the page in the promtool cases
    // (mixin/tests/peers_test.yaml, paging_test.yaml).
    // The two ends are scraped up to one interval apart: a burst at the window's edge makes
    // them disagree for one evaluation, which `for` rides out.
    esp_lost_window: '45s',
    esp_lost_min_packets: 10,
    esp_lost_for: '15s',
    // Part of the ESP from the peer to us is lost: more than esp_loss_ratio of what the peer
    // sent in esp_loss_window (more than esp_loss_min_packets) did not arrive (and some did), as
    // the median over esp_loss_median_window of evaluations, for esp_loss_for. Both ends' raw
    // counters are read over the window: increase() extrapolates each end to the window's edges,
    // so the two ends' scrapes, up to one interval apart, shift the counts only by the change in
    // rate across that gap, a small share of 5 minutes (1-minute rates jittered around the
    // threshold, and every evaluation below it reset `for`). A burst entering or leaving the
    // window at each end at a different scrape swings the ratio for an evaluation or two: the
    // median ignores that both ways. A loss L crosses the ratio after window * ratio / L (3 %:
    // 150 s), then about half the median window and `for`: 10 % fires 119 s, 3 % 164 s after the
    // loss began in mixin/tests/partial_test.yaml (4 packets/s, as the lab's probes). Detection
    // floor (docs/runbooks/IPsecESPLossPartial.md): at esp_loss_min_packets (1 packet/s) the
    // ratio is 5 packets, about what one odd scrape misplaces; from 4 packets/s on it is reliable.
    esp_loss_window: '5m',
    esp_loss_median_window: '90s',
    esp_loss_min_packets: 300,
    esp_loss_ratio: 0.015,
    esp_loss_for: '30s',
    // Our ESP reaches the peer (its inbound counter grows) but the peer sends nothing back
    // through the tunnel (all over esp_lost_window, like IPsecESPLost), for far_side_silent_for:
    // nothing behind the peer answers.
    far_side_silent_for: '15s',
    // IKE is unanswered while ESP still flows: charon retransmitted more than
    // ike_unanswered_retransmits IKE requests within ike_unanswered_window, or a request is
    // still unanswered (ipsec_ike_sa_rekey_failure_expected_timestamp_seconds{reason="peer_silent"},
    // from the first retransmit on), while packets went both ways through the connection's CHILD
    // SAs, for ike_unanswered_for. `for` is two evaluations past the first: a single lost IKE
    // packet, answered at its first retransmit (peer_silent for a second or so, one retransmit),
    // never fires. With charon's default retransmissions (4 s, 1.8, 5 tries: gives up after
    // about 165 s) the alert fires 45 to 60 s after the first retransmit, 105 s before the give-up.
    ike_unanswered_retransmits: 2,
    ike_unanswered_window: '5m',
    ike_unanswered_for: '30s',

    // --- charon's own health, address pools, kernel drops (alerts/daemon.libsonnet) ----------
    // IPsecDaemonSaturated: no idle worker thread at any scrape of daemon_saturated_window
    // (ipsec_daemon_workers{state="idle"}) while at least daemon_queue_min jobs are queued (all
    // priorities) and the queue grew over that window, for daemon_saturated_for more. A busy
    // spell whose queue drains (charon catching up) or that leaves a worker idle now and then
    // stays quiet.
    daemon_saturated_window: '5m',
    daemon_saturated_for: '5m',
    daemon_queue_min: 10,
    // IPsecHalfOpenIKESAsPilingUp: at least half_open_max half-open IKE SAs at every scrape of
    // half_open_window, for half_open_for more. Below charon's cookie_threshold (30 by default),
    // so that the warning comes before charon demands COOKIEs from every initiator.
    half_open_max: 25,
    half_open_window: '5m',
    half_open_for: '5m',
    // IPsecPoolNearlyFull: online leases at least pool_full_ratio of a virtual-IP pool's size
    // for pool_full_for (offline leases do not count: charon reuses them when it must).
    pool_full_ratio: 0.9,
    pool_full_for: '10m',
    // IPsecInvalidIKESPIs: more than invalid_ike_max IKE messages dropped for an unknown SPI (or
    // as invalid) within invalid_ike_window (needs charon's counters plugin).
    invalid_ike_max: 10,
    invalid_ike_window: '10m',
    // IPsecESPIntegrityFailures: any inbound ESP packet of a CHILD SA dropped by the kernel for
    // a failed integrity check or outside the replay window within esp_integrity_window.
    esp_integrity_window: '10m',
    // IPsecPolicyWithoutState: a kernel policy of a connection has no kernel SA while its IKE SA
    // is up, for this long (a CHILD SA being installed or rekeyed lacks it for a moment).
    policy_without_state_for: '5m',

    // --- Certificates --------------------------------------------------------------------------
    // Days before notAfter: warning below the first, critical below the second.
    cert_expiry_warning_days: 14,
    cert_expiry_critical_days: 3,
    cert_expiry_for: '10m',

    // --- Dashboards ------------------------------------------------------------------------------
    // Rows of each "worst" list of the fleet dashboard (topk/bottomk across all gateways).
    fleet_top: 10,

    // --- Recording rules (cheap dashboards) -----------------------------------------------------
    // Window of the rate()s the recording rules keep for the dashboard.
    recording_window: '5m',
    // How often the recording group is evaluated (empty: the Prometheus global interval).
    recording_interval: '1m',
  },
}
