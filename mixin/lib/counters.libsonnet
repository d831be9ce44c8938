// SPDX-License-Identifier: Apache-2.0
//
// increase() and rate() of ikewatch's event counters, first event included.
//
// ikewatch writes the breakdown of its event counters, ipsec_failures_total{kind},
// ipsec_retransmits_total{exchange} and ipsec_ike_sa_events_total{event}, only once a series is
// non-zero (docs/metrics.md, "Which series exist when"): at 1,000 SAs their zeros were about half
// of a scrape. A series that appears at 1 has no earlier sample, so increase() alone misses its
// first event, and a first failure would not alert. The expressions below add that case:
//
//   (M unless M offset W and on (job, instance) ipsec_up offset W) or increase(M[W])
//
// The first branch is a series that did not exist one window ago on a target that was scraped
// then (so a Prometheus that starts scraping a gateway, or a gateway just added to it, does not
// count its whole history): its value is what happened since. `or` ignores __name__ when it
// matches label sets, so a series is counted once, by the first branch while it is new and by
// increase() afterwards. Series of an older ikewatch that wrote zeros take the second branch.
//
// metric: a counter name; selector: the job selector (_config.selector); matchers: more label
// matchers for the metric ('' for none); window: a PromQL duration.
{
  local sel(selector, matchers) = if matchers == '' then selector else selector + ',' + matchers,

  // The counter's series that appeared inside the window, at their value.
  newSeries(metric, selector, matchers, window)::
    local s = sel(selector, matchers);
    '%(m)s{%(s)s} unless %(m)s{%(s)s} offset %(w)s and on (job, instance) ipsec_up{%(up)s} offset %(w)s'
    % { m: metric, s: s, w: window, up: selector },

  // increase(metric{...}[window]), with the first events of new series; parenthesised.
  increase(metric, selector, matchers, window)::
    '(%s or increase(%s{%s}[%s]))'
    % [self.newSeries(metric, selector, matchers, window), metric, sel(selector, matchers), window],

  // rate(metric{...}[window]), likewise: a new series counts its value over the window.
  rate(metric, selector, matchers, window, windowSeconds)::
    '((%s) / %s or rate(%s{%s}[%s]))'
    % [self.newSeries(metric, selector, matchers, window), windowSeconds, metric, sel(selector, matchers), window],
}
