// SPDX-License-Identifier: Apache-2.0
{
  grafanaDashboards+:: {
    'ikewatch.json': (import 'ikewatch.libsonnet')((import '../lib/config.libsonnet').values($._config)),
  },
}
