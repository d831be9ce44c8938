// SPDX-License-Identifier: Apache-2.0
/*
 * The protobuf exposition (client_model's metrics.proto, compiled by protoc-c): a stream of
 * io.prometheus.client.MetricFamily messages, each preceded by its length as a varint (the
 * "delimited" encoding that Prometheus asks for). The writer's callers emit a family and then
 * its samples with no end call, so a family is built in memory (messages and strings in an
 * arena that is reset per family) and packed when the next family starts or the writer
 * finishes; an empty family is left out, as client_golang's registry leaves it out.
 *
 * A label value that is plain printable ASCII within LABEL_VALUE_MAX is taken as it is; any
 * other takes the text writer's path: prom_labels_render() cuts and repairs it exactly as the
 * text exposition does, and the rendered "{a=\"x\"}" is read back here, so the two formats
 * cannot disagree on a label value. The pre-rendered label sets of prom_sample_at() are read
 * back the same way, once per scrape: the exporter passes the same rendered block to a dozen
 * families, so the pairs read from it are kept (in a cache keyed by the block's address and
 * checked against its bytes) for the whole exposition.
 *
 * Packing: each metric's size is computed once, and the family's header fields (name, help,
 * type) and each metric's tag and length are written here, so that protobuf-c sizes every
 * nested message once or twice rather than at every level of nesting (with the label cache,
 * 243 ms became 199 ms of CPU per 10,000-SA scrape). The bytes are those protobuf-c's own pack
 * would write: fields in number order. Counters keep their "_total" (client_golang names protobuf
 * families so); a classic histogram leaves out the +Inf bucket, implied by sample_count; a native
 * one (w->native) carries its sparse buckets as spans and deltas.
 */
#include "common/arena.h"
#include "common/array.h"
#include "common/limits.h"
#include "prom/metrics.pb-c.h"
#include "prom/prom_native.h"
#include "prom/prom_parse.h"
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
/* Rendered label sets whose pairs are kept for the exposition (a slot per CHILD config and
 * connection); past this, sets are read back per sample. A power of two. */
#define PROTO_LABEL_CACHE_SLOTS (1u << 18)

struct cached_labels {
	const char *at; /* the caller's block: the key */
	size_t len;
	const char *copy; /* its bytes when read, to tell a reused buffer */
	pb_label **pairs;
	size_t n;
};

struct prom_proto {
	struct arena arena; /* the current family's messages and strings */
	pb_family mf;
	pb_metric **metrics;
	size_t *sizes; /* packed size of each metric, same capacity as metrics */
	size_t n, cap, sizes_cap;
	bool open;          /* a family is under construction */
	struct buf scratch; /* a label set rendered as text, to be read back */
	/* pairs of pre-rendered label sets, for the whole exposition */
	struct arena cache_arena;
	struct cached_labels *cache;
	size_t cache_slots, cache_used;
};

struct prom_proto *prom_proto_new(void)
{
	struct prom_proto *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	arena_init(&p->arena);
	arena_init(&p->cache_arena);
	buf_init(&p->scratch, SIZE_MAX);
	return p;
}

void prom_proto_free(struct prom_proto *p)
{
	if (!p)
		return;
	arena_done(&p->arena);
	arena_done(&p->cache_arena);
	free(p->cache);
	free(p->metrics);
	free(p->sizes);
	buf_done(&p->scratch);
	free(p);
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
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

/* A length-delimited field (wire type 2) of field number @num. */
static void put_bytes_field(struct buf *out, unsigned num, const char *s, size_t len)
{
	put_varint(out, num << 3 | 2);
	put_varint(out, len);
	buf_append(out, s, len);
}

static size_t bytes_field_len(unsigned num, size_t len)
{
	return varint_len(num << 3 | 2) + varint_len(len) + len;
}

void prom_proto_flush(struct prom_writer *w)
{
	struct prom_proto *p = w->proto;
	size_t name_len, help_len = 0, total;
	struct buf *out = w->out;

	if (!p || !p->open)
		return;
	p->open = false;
	if (p->n == 0)
		return;
	/* MetricFamily: name = 1, help = 2, type = 3 (varint), metric = 4 (repeated) */
	name_len = strlen(p->mf.name);
	total = bytes_field_len(1, name_len) + varint_len(3 << 3) + varint_len(p->mf.type);
	if (p->mf.help) {
		help_len = strlen(p->mf.help);
		total += bytes_field_len(2, help_len);
	}
	for (size_t i = 0; i < p->n; i++) {
		p->sizes[i] = io__prometheus__client__metric__get_packed_size(p->metrics[i]);
		total += bytes_field_len(4, p->sizes[i]);
	}
	put_varint(out, total);
	put_bytes_field(out, 1, p->mf.name, name_len);
	if (p->mf.help)
		put_bytes_field(out, 2, p->mf.help, help_len);
	put_varint(out, 3 << 3);
	put_varint(out, p->mf.type);
	for (size_t i = 0; i < p->n; i++) {
		put_varint(out, 4 << 3 | 2);
		put_varint(out, p->sizes[i]);
		if (buf_reserve(out, p->sizes[i]) < 0)
			return;
		out->len += io__prometheus__client__metric__pack(p->metrics[i],
		                                                 (uint8_t *)out->data + out->len);
		out->data[out->len] = '\0';
	}
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

/* @m's label pairs from @labels (@n of them), the strings copied into @a when @copy, else
 * taken as they are (they live in @a already). 0 or -ENOMEM. */
static int put_pairs(struct arena *a, const struct prom_label *labels, size_t n, bool copy,
                     pb_metric *m)
{
	m->n_label = 0;
	if (n == 0)
		return 0;
	m->label = arena_alloc(a, n * sizeof(*m->label));
	if (!m->label)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t len = labels[i].len == SIZE_MAX ? strlen(labels[i].value) : labels[i].len;
		pb_label *l = arena_alloc(a, sizeof(*l));

		if (!l)
			return -ENOMEM;
		io__prometheus__client__label_pair__init(l);
		l->name = copy ? arena_strndup(a, labels[i].name, strlen(labels[i].name))
		               : (char *)(uintptr_t)labels[i].name;
		l->value = copy ? arena_strndup(a, labels[i].value, len)
		                : (char *)(uintptr_t)labels[i].value;
		if (!l->name || !l->value)
			return -ENOMEM;
		m->label[m->n_label++] = l;
	}
	return 0;
}

/* Read back a label set written by prom_labels_render() into @m, from @a (the exposition's
 * own label parser). 0, -EINVAL when it is not of that form (a caller's bug: prom_sample_at()
 * takes only rendered sets), -ENOMEM. */
static int read_labels(struct arena *a, const char *s, size_t len, pb_metric *m)
{
	struct prom_label parsed[PROM_PARSE_LABELS_MAX];
	const char *why = NULL;
	size_t n;
	int r = prom_parse_labels(s, len, a, parsed, &n, &why);

	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	return put_pairs(a, parsed, n, false, m);
}

static size_t cache_slot(const struct prom_proto *p, const char *at, size_t len)
{
	uint64_t h = (uint64_t)(uintptr_t)at * 0x9e3779b97f4a7c15ull ^ len;

	return (size_t)(h ^ h >> 29) & (p->cache_slots - 1);
}

/* Read the rendered set @labels into @m, from the cache when this block was read before. */
static int cached_labels(struct prom_proto *p, const char *labels, size_t len, pb_metric *m)
{
	struct cached_labels *c;
	size_t i;
	int r;

	if (len == 0) {
		m->n_label = 0;
		return 0;
	}
	if (!p->cache) {
		p->cache = calloc(1024, sizeof(*p->cache));
		if (!p->cache)
			return -ENOMEM;
		p->cache_slots = 1024;
	}
	for (i = cache_slot(p, labels, len);; i = (i + 1) & (p->cache_slots - 1)) {
		c = &p->cache[i];
		if (!c->at || (c->at == labels && c->len == len))
			break;
	}
	if (c->at) {
		if (memcmp(c->copy, labels, len) != 0)
			/* a buffer reused for other labels: read it for this sample only */
			return read_labels(&p->arena, labels, len, m);
		m->label = c->pairs;
		m->n_label = c->n;
		return 0;
	}
	if (p->cache_used >= p->cache_slots / 2) {
		struct cached_labels *old = p->cache, *grown;
		size_t n = p->cache_slots;

		if (n >= PROTO_LABEL_CACHE_SLOTS)
			return read_labels(&p->arena, labels, len, m);
		grown = calloc(n * 2, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->cache = grown;
		p->cache_slots = n * 2;
		for (size_t k = 0; k < n; k++) {
			if (!old[k].at)
				continue;
			for (i = cache_slot(p, old[k].at, old[k].len); grown[i].at;
			     i = (i + 1) & (p->cache_slots - 1))
				;
			grown[i] = old[k];
		}
		free(old);
		for (i = cache_slot(p, labels, len); p->cache[i].at;
		     i = (i + 1) & (p->cache_slots - 1))
			;
		c = &p->cache[i];
	}
	r = read_labels(&p->cache_arena, labels, len, m);
	if (r < 0)
		return r;
	c->copy = arena_strndup(&p->cache_arena, labels, len);
	if (!c->copy)
		return 0; /* read, just not kept */
	c->at = labels;
	c->len = len;
	c->pairs = m->label;
	c->n = m->n_label;
	p->cache_used++;
	return 0;
}

/* A new metric of the current family, without labels yet; NULL (counted) on failure. */
static pb_metric *alloc_metric(struct prom_writer *w)
{
	struct prom_proto *p = w->proto;
	pb_metric *m;

	if (!p->open) {
		w->dropped++;
		return NULL;
	}
	if (ARRAY_GROW(p->metrics, p->n, p->cap, 64, PROTO_FAMILY_METRICS_MAX) < 0 ||
	    (p->sizes_cap < p->cap &&
	     array_reserve(&p->sizes, sizeof(*p->sizes), 0, p->cap, &p->sizes_cap, p->cap,
	                   PROTO_FAMILY_METRICS_MAX) < 0)) {
		fail(w);
		return NULL;
	}
	m = arena_alloc(&p->arena, sizeof(*m));
	if (!m) {
		fail(w);
		return NULL;
	}
	io__prometheus__client__metric__init(m);
	return m;
}

/* Append @m, whose labels were read with result @r, to the family; NULL (counted) when @r
 * says they could not be. */
static pb_metric *add_metric(struct prom_writer *w, pb_metric *m, int r)
{
	if (r == -ENOMEM) {
		fail(w);
		return NULL;
	}
	if (r < 0) {
		w->dropped++;
		return NULL;
	}
	w->proto->metrics[w->proto->n++] = m;
	return m;
}

/* A new metric of the current family with the rendered labels; NULL (counted) on failure. */
static pb_metric *new_metric(struct prom_writer *w, const char *labels, size_t len)
{
	struct prom_proto *p = w->proto;
	pb_metric *m = alloc_metric(w);
	int r;

	if (!m)
		return NULL;
	r = cached_labels(p, labels, len, m);
	return add_metric(w, m, r);
}

/* Give @m (the last metric of the family) its value, by the family's type. */
static void set_value(struct prom_writer *w, pb_metric *m, double v)
{
	struct arena *a = &w->proto->arena;

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

void prom_proto_sample_at(struct prom_writer *w, const char *labels, size_t len, double v)
{
	pb_metric *m = new_metric(w, labels, len);

	if (m)
		set_value(w, m, v);
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

/* A label value the text writer writes unchanged: printable ASCII (a newline would be
 * escaped and read back the same, but keep the fast path simple), within the cut. */
static bool value_plain(const char *v, size_t len)
{
	if (len > LABEL_VALUE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f || v[i] == '\\')
			return false;
	return true;
}

/* @labels (validated by the caller) straight into @m when every value is plain; false when
 * one is not, and the text writer's path must repair it. -ENOMEM as < 0. */
static int direct_labels(struct arena *a, const struct prom_label *labels, size_t n, pb_metric *m)
{
	if (n > PROM_CHECKED_LABELS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!value_plain(labels[i].value, labels[i].len == SIZE_MAX
		                                      ? strlen(labels[i].value)
		                                      : labels[i].len))
			return 0;
	return put_pairs(a, labels, n, true, m) < 0 ? -ENOMEM : 1;
}

/* A new metric of the current family with @labels (validated by the caller); NULL (counted)
 * on failure. */
static pb_metric *labelled_metric(struct prom_writer *w, const struct prom_label *labels, size_t n)
{
	struct prom_proto *p = w->proto;
	pb_metric *m = alloc_metric(w);
	int r;

	if (!m)
		return NULL;
	r = direct_labels(&p->arena, labels, n, m);
	if (r == 0) {
		/* read back per sample: the scratch buffer is reused, its address is no key */
		if (render(w, labels, n) < 0)
			return NULL;
		r = read_labels(&p->arena, p->scratch.data, p->scratch.len, m);
	}
	return add_metric(w, m, r);
}

void prom_proto_sample(struct prom_writer *w, const struct prom_label *labels, size_t n, double v)
{
	pb_metric *m = labelled_metric(w, labels, n);

	if (m)
		set_value(w, m, v);
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
	m = labelled_metric(w, labels, n);
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
