// SPDX-License-Identifier: Apache-2.0
/*
 * The other exposition formats of the writer: protobuf (src/prom/prom_proto.c, decoded here
 * with protobuf-c and checked field by field, and read back into text by prom_proto_read.c,
 * which must give the very bytes the text writer gave for the same calls), the native
 * histogram buckets (prom_native.c), OpenMetrics (prom_openmetrics.c), and malformed protobuf
 * input to the reader.
 */
#include "test.h"

#include "prom/metrics.pb-c.h"
#include "prom/prom_native.h"
#include "prom/prom_proto_read.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

typedef Io__Prometheus__Client__MetricFamily pb_family;

/* ---- native buckets ---- */

static void native_keys(void)
{
	static const struct {
		double v;
		int key;
	} v[] = {
	    {1.0, 0},
	    {2.0, 8},
	    {0.5, -8},
	    {4.0, 16},
	    {1.0000001, 1},
	    {0.99, 0},
	    {0.9170040432046711, -1},
	    {3.0, 13},
	    {1e-3, -79},
	    {0.001, -79},
	    {1.0905077326652577, 1},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (prom_native_key(v[i].v) != v[i].key) {
			test_fail(__FILE__, __LINE__, "key(%.17g) = %d, want %d", v[i].v,
			          prom_native_key(v[i].v), v[i].key);
			return;
		}
	/* every value lies in (upper(key - 1), upper(key)], across the whole range */
	for (double x = 1e-6; x < 200; x *= 1.0137) {
		int k = prom_native_key(x);

		if (!(prom_native_upper(k - 1) < x && x <= prom_native_upper(k))) {
			test_fail(__FILE__, __LINE__, "%.17g not in bucket %d", x, k);
			return;
		}
	}
	/* the first double past a bound opens the next bucket */
	T_EQ_INT(prom_native_key(nextafter(prom_native_upper(1), 2.0)), 2);
	T_EQ_INT(prom_native_key(prom_native_upper(1)), 1);
	T_ASSERT(prom_native_upper(PROM_NATIVE_KEY_MIN - 1) == PROM_NATIVE_ZERO_THRESHOLD);
	T_ASSERT(prom_native_upper(PROM_NATIVE_KEY_MAX) == 128.0);
	T_ASSERT(prom_native_upper(8) == 2.0);
}

static void native_observe(void)
{
	struct prom_native h = {0};

	prom_native_observe(&h, 0);
	prom_native_observe(&h, -1);
	prom_native_observe(&h, NAN);
	prom_native_observe(&h, PROM_NATIVE_ZERO_THRESHOLD);
	T_EQ_INT(h.zero_count, 4);
	prom_native_observe(&h, PROM_NATIVE_ZERO_THRESHOLD * 1.0001);
	T_EQ_INT(h.counts[0], 1);
	prom_native_observe(&h, 1e6); /* beyond 128 s: the top bucket */
	prom_native_observe(&h, 128.0);
	T_EQ_INT(h.counts[PROM_NATIVE_BUCKETS - 1], 2);
	prom_native_observe(&h, 1.0);
	T_EQ_INT(h.counts[0 - PROM_NATIVE_KEY_MIN], 1);
	T_EQ_INT(prom_native_total(&h), 8);
}

/* ---- one document written in every format ---- */

static const double bounds[] = {0.001, 0.01, 0.1};

static void write_doc(struct prom_writer *w, const struct prom_native *nh)
{
	struct buf at;
	uint64_t cum[] = {1, 3, 4};

	prom_family(w, "t_up", PROM_GAUGE, "1 when \"up\", a \\ and\na newline.");
	prom_sample(w, NULL, 0, 1);
	prom_family(w, "t_bytes_total", PROM_COUNTER, "Bytes.");
	prom_sample_u64(w,
	                (struct prom_label[]){PROM_LABEL("conn", "a\"b\\c\nd"),
	                                      PROM_LABEL("child", "caf\xc3\xa9 \xff")},
	                2, 12345);
	prom_sample_i64(w, (struct prom_label[]){PROM_LABEL("conn", "x")}, 1, -7);
	prom_family(w, "t_empty", PROM_GAUGE, "No samples: left out of the protobuf form.");
	prom_family(w, "t-bad", PROM_GAUGE, "Invalid name: dropped with its samples.");
	prom_sample(w, NULL, 0, 9);
	prom_family(w, "t_ratio", PROM_UNTYPED, NULL);
	prom_sample(w, (struct prom_label[]){PROM_LABEL("k", "")}, 1, 0.25);
	prom_sample(w, (struct prom_label[]){PROM_LABEL("k", "inf")}, 1, INFINITY);
	prom_sample(w, (struct prom_label[]){PROM_LABEL("k", "nan")}, 1, NAN);
	buf_init(&at, 4096);
	prom_labels_render(&at, (struct prom_label[]){PROM_LABEL("conn", "r\"w")}, 1);
	prom_family(w, "t_at", PROM_GAUGE, "Pre-rendered labels.");
	prom_sample_at(w, at.data, at.len, 1.5);
	prom_sample_at_u64(w, "", 0, 2);
	buf_done(&at);
	prom_family(w, "t_rtt_seconds", PROM_HISTOGRAM, "RTT.");
	prom_histogram_native(w, (struct prom_label[]){PROM_LABEL("target", "t1")}, 1, bounds, cum,
	                      3, 0.1234, 5, nh);
}

/* 5 observations, as cum[] above says: 0.0005, 0.002, 0.003, 0.05, 1.5 */
static void fill_native(struct prom_native *nh)
{
	static const double obs[] = {0.0005, 0.002, 0.003, 0.05, 1.5};

	for (size_t i = 0; i < 5; i++)
		prom_native_observe(nh, obs[i]);
}

static int write_format(struct buf *b, enum prom_format f, const struct prom_native *nh,
                        uint64_t *ret_dropped)
{
	struct prom_writer w;
	int r;

	buf_init(b, 1 << 20);
	if (prom_writer_init_format(&w, b, f) < 0)
		return -ENOMEM;
	write_doc(&w, nh);
	r = prom_writer_finish(&w);
	*ret_dropped = w.dropped;
	return r;
}

/* Split a delimited stream into families; their count, or -1. */
static int decode_all(const struct buf *b, pb_family **mf, int max)
{
	size_t i = 0;
	int n = 0;

	while (i < b->len) {
		uint64_t len = 0;
		unsigned shift = 0;
		uint8_t c;

		do {
			if (i >= b->len || shift > 63)
				return -1;
			c = (uint8_t)b->data[i++];
			len |= (uint64_t)(c & 0x7f) << shift;
			shift += 7;
		} while (c & 0x80);
		if (len > b->len - i || n == max)
			return -1;
		mf[n] = io__prometheus__client__metric_family__unpack(NULL, len,
		                                                      (uint8_t *)b->data + i);
		if (!mf[n])
			return -1;
		n++;
		i += len;
	}
	return n;
}

static void free_all(pb_family **mf, int n)
{
	for (int i = 0; i < n; i++)
		io__prometheus__client__metric_family__free_unpacked(mf[i], NULL);
}

static void proto_fields(void)
{
	struct prom_native nh = {0};
	pb_family *mf[16];
	struct buf b;
	uint64_t dropped;
	int n;

	fill_native(&nh);
	T_EQ_INT(write_format(&b, PROM_FORMAT_PROTOBUF, &nh, &dropped), 0);
	T_EQ_INT(dropped, 2); /* the bad family and its sample */
	n = decode_all(&b, mf, 16);
	buf_done(&b);
	T_EQ_INT(n, 5);

	T_EQ_STR(mf[0]->name, "t_up");
	T_EQ_STR(mf[0]->help, "1 when \"up\", a \\ and\na newline.");
	T_EQ_INT(mf[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
	T_EQ_INT(mf[0]->n_metric, 1);
	T_EQ_INT(mf[0]->metric[0]->n_label, 0);
	T_ASSERT(mf[0]->metric[0]->gauge && mf[0]->metric[0]->gauge->value == 1);

	T_EQ_STR(mf[1]->name, "t_bytes_total");
	T_EQ_INT(mf[1]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
	T_EQ_INT(mf[1]->n_metric, 2);
	T_EQ_INT(mf[1]->metric[0]->n_label, 2);
	T_EQ_STR(mf[1]->metric[0]->label[0]->name, "conn");
	T_EQ_STR(mf[1]->metric[0]->label[0]->value, "a\"b\\c\nd");
	T_EQ_STR(mf[1]->metric[0]->label[1]->name, "child");
	T_EQ_STR(mf[1]->metric[0]->label[1]->value, "caf\xc3\xa9 \xef\xbf\xbd"); /* repaired */
	T_ASSERT(mf[1]->metric[0]->counter && mf[1]->metric[0]->counter->value == 12345);
	T_ASSERT(mf[1]->metric[1]->counter && mf[1]->metric[1]->counter->value == -7);
	T_ASSERT(!mf[1]->metric[0]->gauge && !mf[1]->metric[0]->untyped);

	T_EQ_STR(mf[2]->name, "t_ratio"); /* t_empty left out, t-bad dropped */
	T_ASSERT(!mf[2]->help);
	T_EQ_INT(mf[2]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED);
	T_EQ_INT(mf[2]->n_metric, 3);
	T_EQ_STR(mf[2]->metric[0]->label[0]->value, "");
	T_ASSERT(mf[2]->metric[0]->untyped->value == 0.25);
	T_ASSERT(isinf(mf[2]->metric[1]->untyped->value));
	T_ASSERT(isnan(mf[2]->metric[2]->untyped->value));

	T_EQ_STR(mf[3]->name, "t_at");
	T_EQ_INT(mf[3]->n_metric, 2);
	T_EQ_INT(mf[3]->metric[0]->n_label, 1);
	T_EQ_STR(mf[3]->metric[0]->label[0]->value, "r\"w");
	T_ASSERT(mf[3]->metric[0]->gauge->value == 1.5);
	T_EQ_INT(mf[3]->metric[1]->n_label, 0);
	T_ASSERT(mf[3]->metric[1]->gauge->value == 2);

	{
		const Io__Prometheus__Client__Histogram *h = mf[4]->metric[0]->histogram;
		/* keys of 0.0005, 0.002, 0.003, 0.05 and 1.5 under schema 3 */
		static const int keys[] = {-87, -71, -67, -34, 5};
		int64_t key = 0, count = 0;
		size_t d = 0, seen = 0;

		T_EQ_STR(mf[4]->name, "t_rtt_seconds");
		T_EQ_INT(mf[4]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
		T_ASSERT(h);
		T_EQ_INT(h->sample_count, 5);
		T_ASSERT(h->sample_sum == 0.1234);
		T_EQ_INT(h->n_bucket, 3); /* +Inf implied */
		for (size_t i = 0; i < 3; i++) {
			T_ASSERT(h->bucket[i]->upper_bound == bounds[i]);
			T_EQ_INT(h->bucket[i]->cumulative_count, i == 0 ? 1 : i == 1 ? 3 : 4);
		}
		T_ASSERT(h->has_schema && h->schema == PROM_NATIVE_SCHEMA);
		T_ASSERT(h->has_zero_threshold && h->zero_threshold == PROM_NATIVE_ZERO_THRESHOLD);
		T_EQ_INT(h->zero_count, 0);
		T_EQ_INT(h->n_negative_span, 0);
		/* walk the spans: every non-empty bucket is one of keys[], with count 1 */
		for (size_t s = 0; s < h->n_positive_span; s++) {
			key += h->positive_span[s]->offset;
			for (uint32_t i = 0; i < h->positive_span[s]->length; i++, key++, d++) {
				T_ASSERT(d < h->n_positive_delta);
				count += h->positive_delta[d];
				T_ASSERT(count == 0 || count == 1);
				if (count == 1) {
					T_ASSERT(seen < 5);
					T_EQ_INT(key, keys[seen]);
					seen++;
				}
			}
		}
		T_EQ_INT(seen, 5);
		T_EQ_INT(d, h->n_positive_delta);
		/* -71 and -67 are 3 empty buckets apart: two spans there, not one */
		T_EQ_INT(h->n_positive_span, 5);
	}
	free_all(mf, n);
}

/* A short gap stays inside one span, with zero deltas. */
static void proto_span_gaps(void)
{
	struct prom_native nh = {0};
	struct prom_writer w;
	pb_family *mf[2];
	struct buf b;
	const Io__Prometheus__Client__Histogram *h;
	int n;

	prom_native_observe(&nh, 1.0); /* key 0 */
	prom_native_observe(&nh, 1.0);
	prom_native_observe(&nh, 1.3); /* key 4: keys 1..3 empty, a gap of 3: new span */
	prom_native_observe(&nh, 1.7); /* key 7: keys 5..6 empty, a gap of 2: same span */
	buf_init(&b, 1 << 16);
	T_EQ_INT(prom_writer_init_format(&w, &b, PROM_FORMAT_PROTOBUF), 0);
	prom_family(&w, "h_seconds", PROM_HISTOGRAM, "h");
	prom_histogram_native(&w, NULL, 0, NULL, NULL, 0, 4.0, 4, &nh);
	T_EQ_INT(prom_writer_finish(&w), 0);
	n = decode_all(&b, mf, 2);
	buf_done(&b);
	T_EQ_INT(n, 1);
	h = mf[0]->metric[0]->histogram;
	T_EQ_INT(h->n_positive_span, 2);
	T_EQ_INT(h->positive_span[0]->offset, 0);
	T_EQ_INT(h->positive_span[0]->length, 1);
	T_EQ_INT(h->positive_span[1]->offset, 3);
	T_EQ_INT(h->positive_span[1]->length, 4);
	T_EQ_INT(h->n_positive_delta, 5);
	{
		static const int64_t want[] = {2, -1, -1, 0, 1};

		for (size_t i = 0; i < 5; i++)
			T_EQ_INT(h->positive_delta[i], want[i]);
	}
	free_all(mf, n);
}

/* Native buckets that do not add up to the count: the histogram is dropped, not half-written. */
static void proto_native_mismatch(void)
{
	struct prom_native nh = {0};
	struct prom_writer w;
	struct buf b;

	prom_native_observe(&nh, 1.0);
	buf_init(&b, 1 << 16);
	T_EQ_INT(prom_writer_init_format(&w, &b, PROM_FORMAT_PROTOBUF), 0);
	prom_family(&w, "h_seconds", PROM_HISTOGRAM, "h");
	prom_histogram_native(&w, NULL, 0, NULL, NULL, 0, 2.0, 2, &nh);
	T_EQ_INT(prom_writer_finish(&w), 0);
	T_EQ_INT(w.dropped, 1);
	T_EQ_INT(b.len, 0);
	buf_done(&b);
}

/* The protobuf body read back into text is the text body, byte for byte. */
static void proto_reads_back_as_text(void)
{
	struct prom_native nh = {0};
	struct prom_writer w;
	struct buf text, pb, back;
	uint64_t dropped;
	size_t fams;

	fill_native(&nh);
	T_EQ_INT(write_format(&text, PROM_FORMAT_TEXT, &nh, &dropped), 0);
	T_EQ_INT(write_format(&pb, PROM_FORMAT_PROTOBUF, &nh, &dropped), 0);
	buf_init(&back, 1 << 20);
	prom_writer_init(&w, &back);
	T_EQ_INT(prom_proto_read((const uint8_t *)pb.data, pb.len, &w, &fams), 0);
	T_EQ_INT(fams, 5);
	/* text keeps HELP/TYPE of a family without samples; protobuf has no such family */
	{
		const char *empty = "# HELP t_empty No samples: left out of the protobuf form.\n"
		                    "# TYPE t_empty gauge\n";
		char *p = strstr(text.data, empty);

		T_ASSERT(p);
		memmove(p, p + strlen(empty), strlen(p + strlen(empty)) + 1);
		text.len -= strlen(empty);
	}
	T_EQ_STR(back.data, text.data);
	T_EQ_INT(w.dropped, 0);
	buf_done(&text);
	buf_done(&pb);
	buf_done(&back);
}

static void openmetrics_renders(void)
{
	struct buf b;
	uint64_t dropped;

	T_EQ_INT(write_format(&b, PROM_FORMAT_OPENMETRICS, NULL, &dropped), 0);
	T_EQ_STR(
	    b.data,
	    "# HELP t_up 1 when \\\"up\\\", a \\\\ and\\na newline.\n"
	    "# TYPE t_up gauge\n"
	    "t_up 1\n"
	    "# HELP t_bytes Bytes.\n"
	    "# TYPE t_bytes counter\n"
	    "t_bytes_total{conn=\"a\\\"b\\\\c\\nd\",child=\"caf\xc3\xa9 \xef\xbf\xbd\"} 12345\n"
	    "t_bytes_total{conn=\"x\"} -7\n"
	    "# HELP t_empty No samples: left out of the protobuf form.\n"
	    "# TYPE t_empty gauge\n"
	    "# TYPE t_ratio unknown\n"
	    "t_ratio{k=\"\"} 0.25\n"
	    "t_ratio{k=\"inf\"} +Inf\n"
	    "t_ratio{k=\"nan\"} NaN\n"
	    "# HELP t_at Pre-rendered labels.\n"
	    "# TYPE t_at gauge\n"
	    "t_at{conn=\"r\\\"w\"} 1.5\n"
	    "t_at 2\n"
	    "# HELP t_rtt_seconds RTT.\n"
	    "# TYPE t_rtt_seconds histogram\n"
	    "t_rtt_seconds_bucket{target=\"t1\",le=\"0.001\"} 1\n"
	    "t_rtt_seconds_bucket{target=\"t1\",le=\"0.01\"} 3\n"
	    "t_rtt_seconds_bucket{target=\"t1\",le=\"0.1\"} 4\n"
	    "t_rtt_seconds_bucket{target=\"t1\",le=\"+Inf\"} 5\n"
	    "t_rtt_seconds_sum{target=\"t1\"} 0.1234\n"
	    "t_rtt_seconds_count{target=\"t1\"} 5\n"
	    "# EOF\n");
	T_EQ_INT(dropped, 2);
	buf_done(&b);
}

/* Text needs no finish, and finish changes nothing for it. */
static void text_unchanged_by_finish(void)
{
	struct prom_writer w;
	struct buf a, b;
	uint64_t dropped;

	T_EQ_INT(write_format(&a, PROM_FORMAT_TEXT, NULL, &dropped), 0);
	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	write_doc(&w, NULL);
	T_EQ_STR(a.data, b.data);
	T_EQ_INT(prom_writer_init_format(&w, &b, PROM_FORMAT_N), -EINVAL);
	buf_done(&a);
	buf_done(&b);
}

static void reader_rejects_malformed(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		int err;
	} v[] = {
	    {"\x05\x0a\x01", 3, -EBADMSG}, /* length past the end */
	    {"\x80", 1, -EBADMSG},         /* varint cut */
	    {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, -EBADMSG}, /* varint too long */
	    {"\x02\xff\xff", 3, -EBADMSG},                                  /* not a message */
	    {"\x03\x0a\x01x", 4, -EBADMSG},                                 /* no type */
	    {"\x05\x0a\x01x\x18\x02", 6, -EBADMSG},                         /* a summary */
	    {"\x05\x0a\x01x\x18\x09", 6, -EBADMSG},                         /* an unknown type */
	    /* a gauge family whose metric has no gauge */
	    {"\x07\x0a\x01x\x18\x01\x22\x00", 8, -EBADMSG},
	    /* a histogram: count 2, schema 3, one span of 1 bucket at 0 with count 1 */
	    {"\x11\x0a\x01h\x18\x04\x22\x0a\x3a\x08\x08\x02\x28\x06\x62\x02\x10\x01", 18, -EBADMSG},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct prom_writer w;
		struct buf b;
		size_t fams = 99;
		int r;

		buf_init(&b, 1 << 16);
		prom_writer_init(&w, &b);
		r = prom_proto_read((const uint8_t *)v[i].bytes, v[i].len, &w, &fams);
		buf_done(&b);
		if (r != v[i].err || fams != 0) {
			test_fail(__FILE__, __LINE__, "vector %zu: %d, %zu families", i, r, fams);
			return;
		}
	}
}

/* The last vector above, made consistent (a delta of 2), is read. */
static void reader_takes_native(void)
{
	static const char ok[] = "\x11\x0a\x01h\x18\x04\x22\x0a\x3a\x08\x08\x02\x28\x06\x62\x02\x10"
	                         "\x01\x6a\x01\x04";
	struct prom_writer w;
	struct buf b;
	size_t fams;
	char pb[32];

	/* the message grows by the delta field: fix its length prefix and the metric's */
	memcpy(pb, ok, sizeof(ok) - 1);
	pb[0] = 0x14;
	pb[7] = 0x0d;
	pb[9] = 0x0b;
	pb[16] = 0x10;
	pb[17] = 0x01; /* span length 1, offset 0 */
	buf_init(&b, 1 << 16);
	prom_writer_init(&w, &b);
	T_EQ_INT(prom_proto_read((const uint8_t *)pb, sizeof(ok) - 1, &w, &fams), 0);
	T_EQ_INT(fams, 1);
	T_CONTAINS(b.data, "h_count 2\n");
	buf_done(&b);
}

TEST_MAIN("prom_proto", TEST(native_keys), TEST(native_observe), TEST(proto_fields),
          TEST(proto_span_gaps), TEST(proto_native_mismatch), TEST(proto_reads_back_as_text),
          TEST(openmetrics_renders), TEST(text_unchanged_by_finish), TEST(reader_rejects_malformed),
          TEST(reader_takes_native))
