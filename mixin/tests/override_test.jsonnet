// SPDX-License-Identifier: Apache-2.0
//
// A user overrides _config by composition, as mixin/README.md shows; every rule and the
// dashboard must follow. scripts/check-mixin.sh runs this (jsonnet -J mixin ...): it prints
// the number of rules checked, or fails with the assertion that does not hold.
local lib = import '../lib/config.libsonnet';
local m = (import '../mixin.libsonnet') + {
  _config+:: {
    selector: 'job="vpn-gateways"',
    probe_loss_ratio: 0.02,
    esp_lost_for: '1m',
    runbook_url_base: 'https://wiki.example/ipsec/',
    pool_full_ratio: 0.8,
    half_open_for: '10m',
  },
};
local rules = [r for g in m.prometheusAlerts.groups + m.prometheusRules.groups for r in g.rules];
local alerts = { [r.alert]: r for r in rules if std.objectHas(r, 'alert') && r.alert != 'IPsecCertExpiringSoon' };
local has(s, sub) = std.length(std.findSubstr(sub, s)) > 0;
local board = m.grafanaDashboards['ikewatch.json'];
local fleet = m.grafanaDashboards['ikewatch-fleet.json'];
local exprs = [t.expr for b in [board, fleet] for p in b.panels if std.objectHas(p, 'targets') for t in p.targets];
local steps = [p.fieldConfig.defaults.thresholds.steps for p in board.panels if std.objectHas(p, 'title') && p.title == 'Probe loss'][0];
local every(arr) = std.foldl(function(a, b) a && b, arr, true);
// Every rule reads ikewatch series only through the selector (up{...} included).
assert every([!has(r.expr, 'job="ikewatch"') for r in rules]) : 'a rule kept the default selector';
assert every([has(r.expr, 'job="vpn-gateways"') for r in rules if has(r.expr, '{')]) : 'a rule without the new selector';
assert every([!has(e, 'job="ikewatch"') && has(e, 'job="vpn-gateways"') for e in exprs]) : 'a panel kept the default selector';
assert has(alerts.IPsecProbeLossHigh.expr, ') > 0.02\n') : 'probe_loss_ratio not applied: ' + alerts.IPsecProbeLossHigh.expr;
assert alerts.IPsecESPLost['for'] == '1m' : 'esp_lost_for not applied';
assert alerts.IPsecESPLost.annotations.runbook_url == 'https://wiki.example/ipsec/IPsecESPLost.md' : 'runbook_url_base not applied';
assert steps[1].value == 0.02 : 'dashboard threshold not applied';
assert [p.fieldConfig.defaults.thresholds.steps[1].value for p in fleet.panels if std.objectHas(p, 'title') && p.title == 'Highest probe loss'] == [0.02] : 'fleet threshold not applied';
assert std.length(fleet.templating.list[1].query.query) > 0 && has(fleet.templating.list[1].query.query, 'job="vpn-gateways"') : 'fleet variable kept the default selector';
// charon's own alerts (alerts/daemon.libsonnet) follow too, annotations and dashboard included.
assert has(alerts.IPsecPoolNearlyFull.expr, '>= 0.8\n') : 'pool_full_ratio not applied: ' + alerts.IPsecPoolNearlyFull.expr;
assert has(alerts.IPsecPoolNearlyFull.annotations.description, 'at least 80% of') : 'pool_full_ratio not in the description';
assert alerts.IPsecHalfOpenIKESAsPilingUp['for'] == '10m' && has(alerts.IPsecHalfOpenIKESAsPilingUp.annotations.description, ' for 15m:') : 'half_open_for not applied';
assert [p.fieldConfig.defaults.thresholds.steps[1].value for p in board.panels if std.objectHas(p, 'title') && p.title == 'Pool use'] == [0.8] : 'pool threshold not on the dashboard';
// The defaults are untouched by the composition above.
assert has((import '../mixin.libsonnet').prometheusAlerts.groups[0].rules[0].expr, 'job="ikewatch"');
// Values are checked: a critical expiry above the warning one is refused (the error is
// exercised by scripts/check-mixin.sh), a number given as text is accepted.
assert lib.values(m._config { probe_loss_ratio: '0.05' }).probe_loss_ratio == '0.05';
assert lib.durationSeconds('1h30m') == 5400 && lib.durationSeconds('0.5') == null && lib.durationSeconds('500ms') == null;
assert lib.formatDuration(90) == '90s' && lib.formatDuration(7200) == '2h';
std.length(rules)
