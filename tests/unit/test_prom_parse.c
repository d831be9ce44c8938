// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for the exposition parser (src/prom/prom_parse.c): documents as exporters write
 * them, what our own writer writes (a round trip through escaping and special floats), a table
 * of malformed lines that must each fail with their line number, and the bounds.
 */
#include "test.h"

#include "prom/prom_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static int parse(struct prom_scrape *s, const char *text, size_t *line, const char **why)
{
	prom_scrape_init(s);
	return prom_parse(s, text, strlen(text), line, why);
}

static void typical_document(void)
{
	static const char doc[] =
	    "# HELP ipsec_up 1 when charon answered.\n"
	    "# TYPE ipsec_up gauge\n"
	    "ipsec_up 1\n"
	    "\n"
	    "# TYPE ipsec_child_sa_packets_out_total counter\n"
	    "ipsec_child_sa_packets_out_total{conn=\"a-b\",child=\"net\"} 1204\n"
	    "ipsec_child_sa_packets_out_total{conn=\"a-c\", child=\"net\",} 0 1700000000000\n"
	    "# TYPE ipsec_probe_rtt_seconds histogram\n"
	    "ipsec_probe_rtt_seconds_bucket{target=\"t\",le=\"+Inf\"} 3\n"
	    "ipsec_probe_rtt_seconds_sum{target=\"t\"} 0.0042\n"
	    "ipsec_probe_rtt_seconds_count{target=\"t\"} 3\n"
	    "untyped_after 2.5e-3\r\n"
	    "  \t# a free comment\n"
	    "nan_value NaN\n"
	    "inf_value{} -Inf\n";
	struct prom_scrape s;
	size_t line = 0;
	const char *why = NULL;

	T_EQ_INT(parse(&s, doc, &line, &why), 0);
	T_EQ_INT(s.n, 9);
	T_EQ_STR(s.samples[0].name, "ipsec_up");
	T_EQ_INT(s.samples[0].type, PROM_GAUGE);
	T_ASSERT(s.samples[0].value == 1.0);
	T_EQ_INT(s.samples[1].type, PROM_COUNTER);
	T_EQ_INT(s.samples[1].nlabels, 2);
	T_EQ_STR(prom_sample_label(&s.samples[1], "conn"), "a-b");
	T_EQ_STR(prom_sample_label(&s.samples[1], "child"), "net");
	T_ASSERT(prom_sample_label(&s.samples[1], "le") == NULL);
	T_ASSERT(s.samples[1].value == 1204.0);
	T_EQ_STR(prom_sample_label(&s.samples[2], "conn"), "a-c");
	T_EQ_INT(s.samples[3].type, PROM_HISTOGRAM);
	T_EQ_STR(prom_sample_label(&s.samples[3], "le"), "+Inf");
	T_EQ_INT(s.samples[4].type, PROM_HISTOGRAM);
	T_EQ_INT(s.samples[5].type, PROM_HISTOGRAM);
	T_EQ_STR(s.samples[6].name, "untyped_after");
	T_EQ_INT(s.samples[6].type, PROM_UNTYPED);
	T_ASSERT(s.samples[6].value == 2.5e-3);
	T_ASSERT(isnan(s.samples[7].value));
	T_ASSERT(isinf(s.samples[8].value) && s.samples[8].value < 0);
	T_EQ_INT(s.samples[8].nlabels, 0);
	prom_scrape_done(&s);
}

static void openmetrics_names(void)
{
	static const char doc[] = "# TYPE ikewatch_scrapes counter\n"
	                          "ikewatch_scrapes_total 7\n"
	                          "ikewatch_scrapes_created 1.7e9\n"
	                          "# TYPE x summary\n"
	                          "x_sum 1\n"
	                          "x_count 2\n"
	                          "x_other 3\n"
	                          "# EOF\n"
	                          "this is not parsed at all {\n";
	struct prom_scrape s;

	T_EQ_INT(parse(&s, doc, NULL, NULL), 0);
	T_EQ_INT(s.n, 5);
	T_EQ_INT(s.samples[0].type, PROM_COUNTER);
	T_EQ_INT(s.samples[1].type, PROM_COUNTER);
	T_EQ_INT(s.samples[2].type, PROM_SUMMARY);
	T_EQ_INT(s.samples[3].type, PROM_SUMMARY);
	T_EQ_INT(s.samples[4].type, PROM_UNTYPED);
	prom_scrape_done(&s);
}

/* What our own writer escapes, the parser gives back byte for byte. */
static void writer_round_trip(void)
{
	static const char *const values[] = {
	    "plain", "quote\"inside", "back\\slash", "new\nline", "", "\\\"\n\\n", "caf\xc3\xa9",
	};
	static const double numbers[] = {0, -1.5, 1e300, 4294967295.0, 0.1};
	struct prom_writer w;
	struct prom_scrape s;
	struct buf b;
	char *text;

	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	prom_family(&w, "t_total", PROM_COUNTER, "help with \\ and \n");
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct prom_label l[] = {PROM_LABEL("v", values[i]), PROM_LABEL("i", "x")};

		prom_sample(&w, l, 2, numbers[i % 5]);
	}
	T_EQ_INT(b.err, 0);
	T_ASSERT(buf_putc(&b, '\0') == 0);
	text = b.data;
	T_EQ_INT(parse(&s, text, NULL, NULL), 0);
	T_EQ_INT(s.n, sizeof(values) / sizeof(values[0]));
	for (size_t i = 0; i < s.n; i++) {
		T_EQ_STR(s.samples[i].name, "t_total");
		T_EQ_INT(s.samples[i].type, PROM_COUNTER);
		T_EQ_STR(prom_sample_label(&s.samples[i], "v"), values[i]);
		T_EQ_INT(s.samples[i].labels[0].len, strlen(values[i]));
		T_ASSERT(s.samples[i].value == numbers[i % 5]);
	}
	prom_scrape_done(&s);
	buf_done(&b);
}

static void malformed_lines_fail_with_their_number(void)
{
	static const struct {
		const char *text;
		size_t line;
		int err;
	} v[] = {
	    {"9bad 1\n", 1, -EBADMSG},
	    {"ok 1\nbad-name 1\n", 2, -EBADMSG},
	    {"x\n", 1, -EBADMSG},
	    {"x one\n", 1, -EBADMSG},
	    {"x 1 2 3\n", 1, -EBADMSG},
	    {"x 1 12a\n", 1, -EBADMSG},
	    {"x 0x10\n", 1, -EBADMSG},
	    {"x inf\n", 1, -EBADMSG},
	    {"x{a=\"1\" 1\n", 1, -EBADMSG},
	    {"x{a=\"1} 1\n", 1, -EBADMSG},
	    {"x{a=1} 1\n", 1, -EBADMSG},
	    {"x{a \"1\"} 1\n", 1, -EBADMSG},
	    {"x{a=\"\\t\"} 1\n", 1, -EBADMSG},
	    {"x{a=\"\\\n", 1, -EBADMSG},
	    {"x{a=\"1\",a=\"2\"} 1\n", 1, -EBADMSG},
	    {"x{1a=\"1\"} 1\n", 1, -EBADMSG},
	    {"x{a:b=\"1\"} 1\n", 1, -EBADMSG},
	    {"x{,} 1\n", 1, -EBADMSG},
	    {"x{a=\"1\"}} 1\n", 1, -EBADMSG},
	    {"# TYPE x flavour\nx 1\n", 1, -EBADMSG},
	    {"# TYPE 1x gauge\n", 1, -EBADMSG},
	    {"a 1\n\n\nx{a=\"1\"\n", 4, -EBADMSG},
	    {"x 1\nx\0 1\n", 2, -EBADMSG},
	    {"x{} 1\n{a=\"1\"} 2\n", 2, -EBADMSG},
	    {"<html><body>401 Unauthorized</body></html>\n", 1, -EBADMSG},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct prom_scrape s;
		size_t line = 0;
		const char *why = NULL;
		/* the NUL vector's length is counted by hand */
		size_t len = i == 22 ? 9 : strlen(v[i].text);
		int r;

		prom_scrape_init(&s);
		r = prom_parse(&s, v[i].text, len, &line, &why);
		prom_scrape_done(&s);
		if (r != v[i].err || line != v[i].line || !why || !why[0]) {
			test_fail(__FILE__, __LINE__, "vector %zu (%s): r=%d line=%zu why=%s", i,
			          v[i].text, r, line, why ? why : "(null)");
			return;
		}
	}
}

static void bounds_are_enforced(void)
{
	struct prom_scrape s;
	struct buf b;
	size_t line = 0;
	const char *why = NULL;

	/* too many labels on one sample */
	buf_init(&b, 1 << 20);
	T_ASSERT(buf_puts(&b, "x{") == 0);
	for (unsigned i = 0; i <= PROM_PARSE_LABELS_MAX; i++)
		T_ASSERT(buf_printf(&b, "l%u=\"v\",", i) == 0);
	T_ASSERT(buf_puts(&b, "} 1\n") == 0);
	prom_scrape_init(&s);
	T_EQ_INT(prom_parse(&s, b.data, b.len, &line, &why), -E2BIG);
	T_EQ_INT(line, 1);
	prom_scrape_done(&s);

	/* a line over the limit */
	buf_reset(&b);
	T_ASSERT(buf_puts(&b, "ok 1\nx{a=\"") == 0);
	for (unsigned i = 0; i < PROM_PARSE_LINE_MAX; i++)
		T_ASSERT(buf_putc(&b, 'v') == 0);
	T_ASSERT(buf_puts(&b, "\"} 1\n") == 0);
	prom_scrape_init(&s);
	T_EQ_INT(prom_parse(&s, b.data, b.len, &line, &why), -E2BIG);
	T_EQ_INT(line, 2);
	T_EQ_INT(s.n, 1); /* what came before stays readable */
	prom_scrape_done(&s);

	/* a document over the limit is refused before it is read */
	prom_scrape_init(&s);
	T_EQ_INT(prom_parse(&s, b.data, (size_t)PROM_PARSE_BYTES_MAX + 1, &line, &why), -E2BIG);
	T_EQ_INT(line, 0);
	prom_scrape_done(&s);
	buf_done(&b);
}

static void many_samples(void)
{
	struct prom_scrape s;
	struct buf b;

	buf_init(&b, 1 << 24);
	for (unsigned i = 0; i < 20000; i++)
		T_ASSERT(buf_printf(&b, "s{i=\"%u\"} %u\n", i, i) == 0);
	prom_scrape_init(&s);
	T_EQ_INT(prom_parse(&s, b.data, b.len, NULL, NULL), 0);
	T_EQ_INT(s.n, 20000);
	T_EQ_STR(prom_sample_label(&s.samples[19999], "i"), "19999");
	T_ASSERT(s.samples[12345].value == 12345.0);
	prom_scrape_done(&s);
	buf_done(&b);
}

TEST_MAIN("prom_parse", TEST(typical_document), TEST(openmetrics_names), TEST(writer_round_trip),
          TEST(malformed_lines_fail_with_their_number), TEST(bounds_are_enforced),
          TEST(many_samples))
