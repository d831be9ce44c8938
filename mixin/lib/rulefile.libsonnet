// SPDX-License-Identifier: Apache-2.0
//
// A Prometheus rule file ({groups: [...]}) as YAML text, in one fixed layout: the fields of a
// rule in the order people read them (alert or record, expr, for, labels, annotations), expr
// as a literal block, every label and annotation value single-quoted. std.manifestYamlDoc
// sorts the keys (record after expr) and quotes them; mixin/lint.py and reviewers read this
// layout line by line.
local quote(s) = "'" + std.strReplace(s, "'", "''") + "'";
local plain(s) =
  assert std.isString(s) && std.length(s) > 0 && std.length(std.findSubstr('\n', s)) == 0 : 'not a plain scalar: %s' % std.toString(s);
  s;
local block(s, indent) =
  local lines = std.split(s, '\n');
  local body = if std.endsWith(s, '\n') then lines[0:std.length(lines) - 1] else lines;
  (if std.endsWith(s, '\n') then '|\n' else '|-\n')
  + std.join('', [(if l == '' then '\n' else indent + l + '\n') for l in body]);
local map(name, m) =
  if std.length(std.objectFields(m)) == 0 then ''
  else '    %s:\n' % name + std.join('', ['      %s: %s\n' % [k, quote(m[k])] for k in std.objectFields(m)]);
local order = ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];
local rule(r) =
  assert std.foldl(function(a, b) a && b, [std.member(order, k) for k in std.objectFields(r)], true) : 'unknown rule field in %s' % std.toString(std.objectFields(r));
  local head = if std.objectHas(r, 'alert') then '  - alert: %s\n' % plain(r.alert) else '  - record: %s\n' % plain(r.record);
  head
  + '    expr: ' + block(r.expr, '      ')
  + (if std.objectHas(r, 'for') then '    for: %s\n' % plain(r['for']) else '')
  + (if std.objectHas(r, 'keep_firing_for') then '    keep_firing_for: %s\n' % plain(r.keep_firing_for) else '')
  + map('labels', std.get(r, 'labels', {}))
  + map('annotations', std.get(r, 'annotations', {}));
local group(g) =
  '- name: %s\n' % plain(g.name)
  + (if std.objectHas(g, 'interval') then '  interval: %s\n' % plain(g.interval) else '')
  + '  rules:\n'
  + std.join('', [rule(r) for r in g.rules]);
{
  // HEADER: comment lines (each starting with #), put first.
  manifest(doc, header):: header + 'groups:\n' + std.join('', [group(g) for g in doc.groups]),
}
