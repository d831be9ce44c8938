// SPDX-License-Identifier: Apache-2.0
//
// The rendered dashboards: one gateway in detail, and the fleet (which links into the first).
{
  grafanaDashboards+:: {
    local values = (import '../lib/config.libsonnet').values($._config),
    'ikewatch.json': (import 'ikewatch.libsonnet')(values),
    'ikewatch-fleet.json': (import 'fleet.libsonnet')(values),
  },
}
