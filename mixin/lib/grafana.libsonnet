// SPDX-License-Identifier: Apache-2.0
//
// Building blocks of the mixin's Grafana dashboards (classic JSON model, schemaVersion 39:
// Grafana 10.4 and 11), shared by dashboards/ikewatch.libsonnet (one gateway) and
// dashboards/fleet.libsonnet (all gateways): the same data source variable, panel shape, grid
// layout and template variables in both. Dashboards are written as data rather than by hand so
// that panels sit on the grid without arithmetic mistakes and thresholds come from _config.
local DS = { type: 'prometheus', uid: '${datasource}' };
local thresholds(steps) = {
  thresholds: { mode: 'absolute', steps: [{ value: s[0], color: s[1] } for s in steps] },
};
{
  DS:: DS,

  // The dashboards' uids: data links between them use these (/d/UID), and
  // scripts/check-mixin.sh checks that every link points at one of them.
  uids:: { gateway: 'ikewatch-tunnels', fleet: 'ikewatch-fleet' },

  target(expr, legend, instant=false, format=null)::
    { datasource: DS, expr: expr, legendFormat: legend }
    + (if instant then { instant: true, range: false } else {})
    + (if format != null then { format: format } else {}),

  // A panel without id and gridPos (the layout adds them); W and H are its size on the grid.
  panel(type, title, description, targets, w, h, unit=null, defaults={}, extra={}):: {
    type: type,
    title: title,
    description: description,
    datasource: DS,
    targets: [targets[i] { refId: std.char(std.codepoint('A') + i) } for i in std.range(0, std.length(targets) - 1)],
    fieldConfig: {
      defaults: (if unit != null then { unit: unit } else {}) + defaults,
      overrides: [],
    },
    options: {},
    w:: w,
    h:: h,
  } + extra,

  row(title):: { type: 'row', title: title, collapsed: false, panels: [], w:: 24, h:: 1, isRow:: true },

  thresholds:: thresholds,

  updown:: {
    mappings: [{ type: 'value', options: {
      '0': { text: 'down', color: 'red', index: 0 },
      '1': { text: 'up', color: 'green', index: 1 },
    } }],
    color: { mode: 'thresholds' },
  } + thresholds([[null, 'red'], [1, 'green']]),

  timeline:: { options: { showValue: 'never', mergeValues: true } },
  bars:: { custom: { drawStyle: 'bars' } },

  // Places PANELS left to right, starting a new line when one does not fit; a row starts a new
  // line and takes one of its own. Ids count from 1 in order.
  layout(panels)::
    local step(st, p) =
      local wrap = p.x0 != 0 && (std.objectHas(p.p, 'isRow') || st.x + p.p.w > 24);
      local x = if wrap || st.x + p.p.w > 24 then 0 else st.x;
      local y = if wrap || st.x + p.p.w > 24 then st.y + st.rowH else st.y;
      local placed = p.p { id: std.length(st.out) + 1, gridPos: { h: p.p.h, w: p.p.w, x: x, y: y } };
      if std.objectHas(p.p, 'isRow') then
        { x: 0, y: y + 1, rowH: 0, out: st.out + [placed] }
      else
        { x: x + p.p.w, y: y, rowH: std.max(if x == 0 then 0 else st.rowH, p.p.h), out: st.out + [placed] };
    local st = std.foldl(function(s, p) step(s, { p: p, x0: s.x }), panels, { x: 0, y: 0, rowH: 0, out: [] });
    st.out,

  // A query variable with "All" (a regex over every value) and multi-select.
  variable(name, label, query):: {
    name: name,
    label: label,
    type: 'query',
    datasource: DS,
    definition: query,
    query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: true,
    sort: 1,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    hide: 0,
  },

  datasourceVariable:: { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1 },
}
