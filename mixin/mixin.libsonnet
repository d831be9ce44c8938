// SPDX-License-Identifier: Apache-2.0
//
// The ikewatch monitoring mixin, in the layout of the other Prometheus mixins:
//   _config             every threshold and duration (mixin/config.libsonnet)
//   prometheusAlerts    {groups: [...]}: alerts/alerts.libsonnet (tunnels), alerts/daemon.libsonnet
//                       (charon itself, pools, kernel drops)
//   prometheusRules     {groups: [...]}: rules/rules.libsonnet (recording rules)
//   grafanaDashboards   {'ikewatch.json': {...}, 'ikewatch-fleet.json': {...}}:
//                       dashboards/dashboards.libsonnet
// Import and override by composition:
//   (import 'mixin.libsonnet') + { _config+:: { selector: 'job="vpn-gateways"' } }
(import 'config.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'alerts/daemon.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
