// SPDX-License-Identifier: Apache-2.0
//
// What the rules and the dashboard see of _config (mixin/config.libsonnet): every value as the
// string it is written into PromQL and annotations with, plus KEY_seconds for every duration
// and the few limits computed from several keys. Checks the values as it goes (a threshold
// that is not a number, or limits in the wrong order, stop the rendering with an error).
{
  // Seconds of a Prometheus duration made of d/h/m/s parts ('1h30m' -> 5400, '90s' -> 90);
  // null for anything else ('0.5', '', 'job="x"', '500ms').
  durationSeconds(s)::
    local units = { d: 86400, h: 3600, m: 60, s: 1 };
    local step(acc, ch) =
      if acc == null then null
      else if std.member('0123456789', ch) then acc { digits+: ch }
      else if std.objectHas(units, ch) && acc.digits != '' && !std.member(acc.seen, ch) then
        { digits: '', total: acc.total + std.parseInt(acc.digits) * units[ch], seen: acc.seen + [ch] }
      else null;
    if !std.isString(s) || s == '' then null
    else
      local r = std.foldl(step, std.stringChars(s), { digits: '', total: 0, seen: [] });
      if r == null || r.digits != '' then null else r.total,

  // The shortest single-unit duration for whole SECONDS (120 -> '2m', 90 -> '90s').
  formatDuration(secs)::
    if secs <= 0 then '0s'
    else if secs % 86400 == 0 then '%dd' % (secs / 86400)
    else if secs % 3600 == 0 then '%dh' % (secs / 3600)
    else if secs % 60 == 0 then '%dm' % (secs / 60)
    else '%ds' % secs,

  // A config value as text: numbers without binary noise (0.95, not 0.94999999999999996).
  text(v):: if std.isNumber(v) then '%.15g' % v else if std.isString(v) then v
  else error 'config value %s is neither a string nor a number' % std.toString(v),

  number(c, key)::
    local v = c[key];
    if std.isNumber(v) then v
    else if std.isString(v) && std.length(v) > 0 && std.foldl(function(a, b) a && b, [std.member('0123456789.eE+-', ch) for ch in std.stringChars(v)], true)
    then std.parseJson(v)
    else error '_config.%s must be a number, not %s' % [key, std.toString(v)],

  // Every duration multiplied by FACTOR (a lab run); windows, intervals and margins keep at
  // least MINWINDOW seconds so that a rate() still holds several scrapes. Python's round():
  // halves to even.
  scale(c, factor, minWindow)::
    local roundEven(x) =
      local f = std.floor(x);
      if x - f > 0.5 then f + 1 else if x - f < 0.5 then f else if f % 2 == 0 then f else f + 1;
    local endsWith(k, suffix) = std.endsWith(k, suffix);
    assert factor > 0 : 'the scale factor must be positive';
    c {
      [k]: (
        local secs = $.durationSeconds(c[k]);
        local scaled = std.max(1, roundEven(secs * factor));
        local floor = if endsWith(k, '_window') || endsWith(k, '_interval') || endsWith(k, '_margin')
        then std.max(scaled, minWindow) else scaled;
        $.formatDuration(floor)
      )
      for k in std.objectFields(c)
      if $.durationSeconds(c[k]) != null
    },

  // The values the rules and the dashboard are written with.
  values(c)::
    local t = { [k]: $.text(c[k]) for k in std.objectFields(c) };
    local n(k) = $.number(c, k);
    assert std.length(std.stripChars(t.selector, ' ')) > 0 :
           'selector must not be empty (PromQL rejects "{,kind=...}")';
    assert std.length(std.findSubstr('{', t.selector)) == 0 && std.length(std.findSubstr('}', t.selector)) == 0 :
           'selector holds matchers only, without braces';
    assert 0 < n('probe_latency_quantile') && n('probe_latency_quantile') < 1 :
           'probe_latency_quantile must lie between 0 and 1';
    assert n('cert_expiry_critical_days') < n('cert_expiry_warning_days') :
           'cert_expiry_critical_days must be below cert_expiry_warning_days';
    assert n('frequent_rekeys_factor') > 1 : 'frequent_rekeys_factor must be above 1 (1: the configured rate)';
    assert 0 < n('esp_loss_ratio') && n('esp_loss_ratio') < 1 : 'esp_loss_ratio must lie between 0 and 1';
    assert 0 < n('pool_full_ratio') && n('pool_full_ratio') <= 1 : 'pool_full_ratio must lie between 0 and 1';
    assert std.foldl(function(a, b) a && b, [std.isNumber(n(k)) for k in ['probe_loss_ratio', 'probe_latency_seconds', 'frequent_rekeys_max', 'esp_lost_min_packets', 'esp_loss_min_packets', 'ike_unanswered_retransmits', 'daemon_queue_min', 'half_open_max', 'invalid_ike_max']], true);
    // How long a condition read over WINDOW (max_over_time, min_over_time) then held for FOR
    // has lasted when the alert fires: what the annotations quote.
    local held(window, for_) = $.formatDuration($.durationSeconds(t[window]) + $.durationSeconds(t[for_]));
    t {
      [k + '_seconds']: '%d' % $.durationSeconds(t[k])
      for k in std.objectFields(t)
      if $.durationSeconds(t[k]) != null
    } {
      cert_expiry_warning_days_seconds: '%d' % std.floor(n('cert_expiry_warning_days') * 86400),
      cert_expiry_critical_days_seconds: '%d' % std.floor(n('cert_expiry_critical_days') * 86400),
      frequent_rekeys_threshold: '%.15g' % (n('frequent_rekeys_max') + 0.5),
      daemon_saturated_held: held('daemon_saturated_window', 'daemon_saturated_for'),
      half_open_held: held('half_open_window', 'half_open_for'),
      pool_full_percent: '%g%%' % (n('pool_full_ratio') * 100),
      runbook_url_base: std.rstripChars(t.runbook_url_base, '/'),
    },
}
