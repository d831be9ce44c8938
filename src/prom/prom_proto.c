// SPDX-License-Identifier: Apache-2.0
/*
 * The protobuf exposition (client_model's metrics.proto, compiled by protoc-c): a stream of
 * io.prometheus.client.MetricFamily messages, each preceded by its length as a varint (the
 * "delimited" encoding that Prometheus asks for). The writer's callers emit a family and then
 * its samples with no end call, so a family is built in memory (messages and strings in an
 * arena that is reset per family) and packed when the next family starts or the writer
 * finishes; an empty family is left out, as client_golang's registry leaves it out.
 *
 * Labels take the text writer's path first: prom_labels_render() checks, cuts and repairs the
 * values exactly as the text exposition does, and the rendered "{a=\"x\"}" is read back here.
 * So the two formats cannot disagree on a label value, and the pre-rendered label sets of
 * prom_sample_at() need nothing else. Counters keep their "_total" (client_golang names
 * protobuf families so); a classic histogram leaves out the +Inf bucket, implied by
 * sample_count; a native one (w->native) carries its sparse buckets as spans and deltas.
 */
#include "common/arena.h"
#include "common/array.h"
#include "prom/metrics.pb-c.h"
#include "prom/prom_native.h"
#include "prom/prom_writer_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;
typedef Io__Prometheus__Client__LabelPair pb_label;
typedef Io__Prometheus__Client__Histogram pb_histogram;
typedef Io__Prometheus__Client__Bucket pb_bucket;
typedef Io__Prometheus__Client__BucketSpan pb_span;

/* A family's metrics: far above any family of ours (one per CHILD SA and direction) */
#define PROTO_FAMILY_METRICS_MAX (4u * 1024u * 1024u)
/* Gaps of up to this many empty buckets stay inside a span (client_golang's choice): two
 * zero deltas cost less than a new span. */
#define PROTO_SPAN_GAP_MAX 2

struct prom_proto {
	struct arena arena; /* the current family's messages and strings */
	pb_family mf;
	pb_metric **metrics;
	size_t n, cap;
	bool open;          /* a family is under construction */
	struct buf scratch; /* a label set rendered as text, to be read back */
};

struct prom_proto *prom_proto_new(void)
{
	struct prom_proto *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	arena_init(&p->arena);
	buf_init(&p->scratch, SIZE_MAX);
	return p;
}

void prom_proto_free(struct prom_proto *p)
{
	if (!p)
		return;
	arena_done(&p->arena);
	free(p->metrics);
	buf_done(&p->scratch);
	free(p);
}

/* protobuf-c's output sink, appending to our buffer (its first error sticks there) */
struct sink {
	ProtobufCBuffer base;
	struct buf *out;
};

static void sink_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	struct sink *s = (struct sink *)b;

	buf_append(s->out, data, len);
}

static void put_varint(struct buf *out, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	buf_append(out, b, n);
}

void prom_proto_flush(struct prom_writer *w)
{
	struct prom_proto *p = w->proto;
	struct sink s = {.base = {.append = sink_append}, .out = w->out};

	if (!p || !p->open)
		return;
	p->open = false;
	if (p->n == 0)
		return;
	p->mf.n_metric = p->n;
	p->mf.metric = p->metrics;
	put_varint(w->out, io__prometheus__client__metric_family__get_packed_size(&p->mf));
	io__prometheus__client__metric_family__pack_to_buffer(&p->mf, &s.base);
}

/* Out of memory while building: the exposition cannot be whole, so the output says so. */
static void fail(struct prom_writer *w)
{
	if (!w->out->err)
		w->out->err = -ENOMEM;
}

void prom_proto_family(struct prom_writer *w, const char *help)
{
	static const Io__Prometheus__Client__MetricType types[] = {
	    [PROM_GAUGE] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE,
	    [PROM_COUNTER] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER,
	    [PROM_HISTOGRAM] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM,
	    [PROM_UNTYPED] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED,
	};
	struct prom_proto *p = w->proto;

	prom_proto_flush(w);
	arena_reset(&p->arena);
	p->n = 0;
	io__prometheus__client__metric_family__init(&p->mf);
	p->mf.name = arena_strndup(&p->arena, w->family, w->family_len);
	if (help)
		p->mf.help = arena_strndup(&p->arena, help, strlen(help));
	if (!p->mf.name || (help && !p->mf.help)) {
		fail(w);
		return;
	}
	p->mf.has_type = true;
	p->mf.type = types[w->type];
	p->open = true;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * Read back a label set written by prom_labels_render(): "" or {name="value",...} with \\, \"
 * and \n escaped in values. Fills @m's labels from @a. 0, -EINVAL when it is not of that form
 * (a caller's bug: prom_sample_at() takes only rendered sets), -ENOMEM.
 */
static int read_labels(struct arena *a, const char *s, size_t len, pb_metric *m)
{
	size_t i = 1, max = len / 5 + 1;

	m->n_label = 0;
	if (len == 0)
		return 0;
	if (s[0] != '{' || s[len - 1] != '}')
		return -EINVAL;
	m->label = arena_alloc(a, max * sizeof(*m->label));
	if (!m->label)
		return -ENOMEM;
	while (i < len - 1) {
		size_t name = i, vlen = 0;
		pb_label *l;
		char *v;

		while (i < len && is_name_char(s[i]))
			i++;
		if (i == name || i + 2 > len || s[i] != '=' || s[i + 1] != '"' || m->n_label == max)
			return -EINVAL;
		l = arena_alloc(a, sizeof(*l));
		v = arena_alloc(a, len - i);
		if (!l || !v)
			return -ENOMEM;
		io__prometheus__client__label_pair__init(l);
		l->name = arena_strndup(a, s + name, i - name);
		if (!l->name)
			return -ENOMEM;
		for (i += 2; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\') {
				if (++i >= len || (s[i] != '\\' && s[i] != '"' && s[i] != 'n'))
					return -EINVAL;
				v[vlen++] = s[i] == 'n' ? '\n' : s[i];
			} else {
				v[vlen++] = s[i];
			}
		}
		if (i >= len)
			return -EINVAL;
		v[vlen] = '\0';
		l->value = v;
		m->label[m->n_label++] = l;
		i++; /* the closing quote */
		if (s[i] == ',' && i + 1 < len - 1)
			i++;
		else if (i != len - 1)
			return -EINVAL;
	}
	return 0;
}

/* A new metric of the current family with the rendered labels; NULL (counted) on failure. */
static pb_metric *new_metric(struct prom_writer *w, const char *labels, size_t len)
{
	struct prom_proto *p = w->proto;
	pb_metric *m;
	int r;

	if (!p->open) {
		w->dropped++;
		return NULL;
	}
	if (ARRAY_GROW(p->metrics, p->n, p->cap, 64, PROTO_FAMILY_METRICS_MAX) < 0) {
		fail(w);
		return NULL;
	}
	m = arena_alloc(&p->arena, sizeof(*m));
	if (!m) {
		fail(w);
		return NULL;
	}
	io__prometheus__client__metric__init(m);
	r = read_labels(&p->arena, labels, len, m);
	if (r == -ENOMEM) {
		fail(w);
		return NULL;
	}
	if (r < 0) {
		w->dropped++;
		return NULL;
	}
	p->metrics[p->n++] = m;
	return m;
}

void prom_proto_sample_at(struct prom_writer *w, const char *labels, size_t len, double v)
{
	struct arena *a = &w->proto->arena;
	pb_metric *m = new_metric(w, labels, len);

	if (!m)
		return;
	switch (w->type) {
	case PROM_COUNTER:
		m->counter = arena_alloc(a, sizeof(*m->counter));
		if (m->counter) {
			io__prometheus__client__counter__init(m->counter);
			m->counter->has_value = true;
			m->counter->value = v;
		}
		break;
	case PROM_UNTYPED:
		m->untyped = arena_alloc(a, sizeof(*m->untyped));
		if (m->untyped) {
			io__prometheus__client__untyped__init(m->untyped);
			m->untyped->has_value = true;
			m->untyped->value = v;
		}
		break;
	default:
		m->gauge = arena_alloc(a, sizeof(*m->gauge));
		if (m->gauge) {
			io__prometheus__client__gauge__init(m->gauge);
			m->gauge->has_value = true;
			m->gauge->value = v;
		}
		break;
	}
	if (!m->counter && !m->untyped && !m->gauge) {
		w->proto->n--;
		fail(w);
	}
}

/* @labels were validated by the caller: rendering fails only for want of memory. */
static int render(struct prom_writer *w, const struct prom_label *labels, size_t n)
{
	struct buf *b = &w->proto->scratch;

	buf_reset(b);
	if (prom_labels_render(b, labels, n) < 0) {
		if (b->err)
			fail(w);
		else
			w->dropped++;
		return -1;
	}
	return 0;
}

void prom_proto_sample(struct prom_writer *w, const struct prom_label *labels, size_t n, double v)
{
	if (render(w, labels, n) == 0)
		prom_proto_sample_at(w, w->proto->scratch.data, w->proto->scratch.len, v);
}

/* The native buckets of @nh as spans and deltas into @h; false on out of memory. */
static bool put_native(struct arena *a, pb_histogram *h, const struct prom_native *nh)
{
	int64_t prev = 0;
	int last = INT_MIN;
	pb_span *span = NULL;

	h->has_schema = true;
	h->schema = PROM_NATIVE_SCHEMA;
	h->has_zero_threshold = true;
	h->zero_threshold = PROM_NATIVE_ZERO_THRESHOLD;
	h->has_zero_count = true;
	h->zero_count = nh->zero_count;
	h->positive_span = arena_alloc(a, PROM_NATIVE_BUCKETS * sizeof(*h->positive_span));
	h->positive_delta = arena_alloc(a, PROM_NATIVE_BUCKETS * sizeof(*h->positive_delta));
	if (!h->positive_span || !h->positive_delta)
		return false;
	for (int i = 0; i < PROM_NATIVE_BUCKETS; i++) {
		int key = PROM_NATIVE_KEY_MIN + i;
		int64_t c = (int64_t)nh->counts[i];

		if (c == 0)
			continue;
		if (!span || key - last - 1 > PROTO_SPAN_GAP_MAX) {
			span = arena_alloc(a, sizeof(*span));
			if (!span)
				return false;
			io__prometheus__client__bucket_span__init(span);
			span->has_offset = span->has_length = true;
			span->offset = h->n_positive_span ? key - last - 1 : key;
			h->positive_span[h->n_positive_span++] = span;
		} else {
			/* the empty buckets of a short gap, inside the span */
			for (int k = last + 1; k < key; k++) {
				h->positive_delta[h->n_positive_delta++] = -prev;
				prev = 0;
				span->length++;
			}
		}
		h->positive_delta[h->n_positive_delta++] = c - prev;
		prev = c;
		span->length++;
		last = key;
	}
	return true;
}

void prom_proto_histogram(struct prom_writer *w, const struct prom_label *labels, size_t n,
                          const double *bounds, const uint64_t *cum, size_t nbounds, double sum,
                          uint64_t count)
{
	struct arena *a = &w->proto->arena;
	pb_histogram *h;
	pb_metric *m;

	/* a native histogram whose buckets do not add up to its count would be read as a
	 * different distribution than the classic one: neither is written */
	if (w->native && prom_native_total(w->native) != count) {
		w->dropped++;
		return;
	}
	if (render(w, labels, n) < 0)
		return;
	m = new_metric(w, w->proto->scratch.data, w->proto->scratch.len);
	if (!m)
		return;
	h = m->histogram = arena_alloc(a, sizeof(*h));
	if (!h)
		goto out_nomem;
	io__prometheus__client__histogram__init(h);
	h->has_sample_count = h->has_sample_sum = true;
	h->sample_count = count;
	h->sample_sum = sum;
	if (nbounds) {
		h->bucket = arena_alloc(a, nbounds * sizeof(*h->bucket));
		if (!h->bucket)
			goto out_nomem;
	}
	for (size_t i = 0; i < nbounds; i++) {
		pb_bucket *b = arena_alloc(a, sizeof(*b));

		if (!b)
			goto out_nomem;
		io__prometheus__client__bucket__init(b);
		b->has_cumulative_count = b->has_upper_bound = true;
		b->cumulative_count = cum[i];
		b->upper_bound = bounds[i];
		h->bucket[h->n_bucket++] = b;
	}
	if (w->native && !put_native(a, h, w->native))
		goto out_nomem;
	return;
out_nomem:
	w->proto->n--;
	fail(w);
}
