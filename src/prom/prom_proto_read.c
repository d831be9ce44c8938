// SPDX-License-Identifier: Apache-2.0
/*
 * The protobuf exposition read back (see prom_proto_read.h). The length prefix goes through the
 * bounded cursor before protobuf-c sees the message, so a length past the end is an error, not
 * a read beyond the buffer.
 */
#include "prom/prom_proto_read.h"

#include "common/rd.h"
#include "prom/metrics.pb-c.h"
#include "prom/prom_native.h"

#include <errno.h>
#include <math.h>

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;
typedef Io__Prometheus__Client__Histogram pb_histogram;

static int rd_varint(struct rd *r, uint64_t *ret)
{
	uint64_t v = 0;
	uint8_t b;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (rd_u8(r, &b) < 0)
			return -EBADMSG;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

/* Native buckets consistent with the histogram: positive only (a duration is never negative),
 * keys within what the schema can address, counts never below zero and adding up. */
static int check_native(const pb_histogram *h)
{
	int64_t key = 0, count = 0;
	uint64_t total = h->zero_count;
	size_t d = 0;

	if (h->schema < -4 || h->schema > 8 || h->n_negative_span || h->n_negative_delta ||
	    h->n_positive_count || h->n_negative_count || !(h->zero_threshold >= 0))
		return -EBADMSG;
	for (size_t s = 0; s < h->n_positive_span; s++) {
		const Io__Prometheus__Client__BucketSpan *sp = h->positive_span[s];

		key += s == 0 ? sp->offset : (int64_t)sp->offset;
		if ((s > 0 && sp->offset < 0) || key < -(1 << 20) || key > (1 << 20))
			return -EBADMSG;
		for (uint32_t i = 0; i < sp->length; i++, d++, key++) {
			if (d >= h->n_positive_delta)
				return -EBADMSG;
			if ((h->positive_delta[d] > 0 &&
			     count > INT64_MAX - h->positive_delta[d]) ||
			    (h->positive_delta[d] < 0 && count < INT64_MIN - h->positive_delta[d]))
				return -EBADMSG;
			count += h->positive_delta[d];
			if (count < 0 || total > UINT64_MAX - (uint64_t)count)
				return -EBADMSG;
			total += (uint64_t)count;
		}
	}
	if (d != h->n_positive_delta || total != h->sample_count)
		return -EBADMSG;
	return 0;
}

static bool is_native(const pb_histogram *h)
{
	return h->has_schema || h->has_zero_threshold || h->n_positive_span || h->n_negative_span;
}

static int read_histogram(const pb_histogram *h, struct prom_writer *w, const struct prom_label *l,
                          size_t nl)
{
	double bounds[PROM_PROTO_READ_BUCKETS_MAX];
	uint64_t cum[PROM_PROTO_READ_BUCKETS_MAX];
	size_t n = 0;

	if (h->n_bucket > PROM_PROTO_READ_BUCKETS_MAX)
		return -E2BIG;
	if (is_native(h) && check_native(h) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < h->n_bucket; i++) {
		/* client_golang may write the +Inf bucket; text implies it from the count */
		if (isinf(h->bucket[i]->upper_bound) && h->bucket[i]->upper_bound > 0 &&
		    i == h->n_bucket - 1)
			break;
		bounds[n] = h->bucket[i]->upper_bound;
		cum[n++] = h->bucket[i]->cumulative_count;
	}
	prom_histogram(w, l, nl, bounds, cum, n, h->sample_sum, h->sample_count);
	return 0;
}

static int read_metric(const pb_family *mf, const pb_metric *m, struct prom_writer *w)
{
	struct prom_label l[PROM_PROTO_READ_LABELS_MAX];

	if (m->n_label > PROM_PROTO_READ_LABELS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < m->n_label; i++) {
		if (!m->label[i]->name || !m->label[i]->value)
			return -EBADMSG;
		l[i] = PROM_LABEL(m->label[i]->name, m->label[i]->value);
	}
	switch (mf->type) {
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER:
		if (!m->counter)
			return -EBADMSG;
		prom_sample(w, l, m->n_label, m->counter->value);
		return 0;
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE:
		if (!m->gauge)
			return -EBADMSG;
		prom_sample(w, l, m->n_label, m->gauge->value);
		return 0;
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED:
		if (!m->untyped)
			return -EBADMSG;
		prom_sample(w, l, m->n_label, m->untyped->value);
		return 0;
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM:
		if (!m->histogram)
			return -EBADMSG;
		return read_histogram(m->histogram, w, l, m->n_label);
	default:
		return -EBADMSG; /* summaries and gauge histograms: never written by us */
	}
}

static int read_family(const pb_family *mf, struct prom_writer *w)
{
	static const enum prom_type types[] = {
	    [IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER] = PROM_COUNTER,
	    [IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE] = PROM_GAUGE,
	    [IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY] = PROM_SUMMARY,
	    [IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED] = PROM_UNTYPED,
	    [IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM] = PROM_HISTOGRAM,
	};
	int r;

	if (!mf->name || !mf->has_type || (unsigned)mf->type >= sizeof(types) / sizeof(types[0]) ||
	    types[mf->type] == PROM_SUMMARY)
		return -EBADMSG;
	prom_family(w, mf->name, types[mf->type], mf->help);
	for (size_t i = 0; i < mf->n_metric; i++)
		if ((r = read_metric(mf, mf->metric[i], w)) < 0)
			return r;
	return 0;
}

int prom_proto_read(const uint8_t *data, size_t len, struct prom_writer *w, size_t *ret_families)
{
	struct rd r;
	size_t n = 0;
	int err = 0;

	rd_init(&r, data, len);
	while (rd_left(&r) && err == 0) {
		const uint8_t *msg;
		uint64_t mlen;
		pb_family *mf;

		if ((err = rd_varint(&r, &mlen)) < 0 || mlen > rd_left(&r) ||
		    (err = rd_bytes(&r, (size_t)mlen, &msg)) < 0) {
			err = -EBADMSG;
			break;
		}
		mf = io__prometheus__client__metric_family__unpack(NULL, (size_t)mlen, msg);
		if (!mf) {
			err = -EBADMSG;
			break;
		}
		err = read_family(mf, w);
		io__prometheus__client__metric_family__free_unpacked(mf, NULL);
		if (err == 0)
			n++;
	}
	*ret_families = n;
	return err;
}
