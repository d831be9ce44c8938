// SPDX-License-Identifier: Apache-2.0
//
// Quantiles of ikewatch's histograms, classic or native.
//
// ikewatch serves ipsec_probe_rtt_seconds with classic buckets (_bucket{le}) in the text and
// OpenMetrics formats, and as a native histogram as well in the protobuf format, which
// Prometheus asks for only with --enable-feature=native-histograms; such a Prometheus (2.42)
// then stores the native histogram alone, without the _bucket series (docs/metrics.md,
// "Exposition formats"). The quantile reads the classic buckets where they are and the native
// histogram otherwise: `or` keeps the classic result for a label set that has both (later
// Prometheus versions can store both), and each branch is empty where its series are absent.
//
// q: the quantile (a number or a string); metric: the histogram's name without a suffix;
// selector: label matchers; by: the labels kept; window: a PromQL duration.
{
  quantile(q, metric, selector, by, window)::
    |||
      histogram_quantile(%(q)s, sum by (%(by)s, le) (rate(%(m)s_bucket{%(s)s}[%(w)s])))
      or
      histogram_quantile(%(q)s, sum by (%(by)s) (rate(%(m)s{%(s)s}[%(w)s])))
    ||| % { q: q, m: metric, s: selector, by: by, w: window },
}
