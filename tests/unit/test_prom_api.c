// SPDX-License-Identifier: Apache-2.0
/*
 * Prometheus HTTP API answers (src/prom/prom_api.c): the shapes Prometheus writes (vector,
 * matrix, scalar, an error, warnings), and answers that are not one, each refused whole:
 * truncated, wrong types, values that are no numbers, nesting, non-UTF-8, NUL bytes, and the
 * bounds. Also the query URL and the regex quoting that doctor builds its queries with.
 */
#include "test.h"

#include "prom/prom_api.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static int parse(struct prom_api_result *r, const char *text, const char **why)
{
	prom_api_init(r);
	return prom_api_parse(r, text, strlen(text), why);
}

static void vector_answer(void)
{
	static const char doc[] =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"__name__\":\"ipsec_child_sa_info\",\"conn\":\"a-b\",\"child\":\"net\","
	    "\"instance\":\"192.0.2.1:9918\",\"job\":\"ikewatch\",\"spi_in\":\"c1a2b3c4\"},"
	    "\"value\":[1765000000.123,\"1\"]},"
	    "{\"metric\":{},\"value\":[1765000000,\"NaN\"]},"
	    "{\"metric\":{\"x\":\"\\u00e9\\n\"},\"value\":[1765000000,\"+Inf\"]},"
	    "{\"metric\":{\"x\":\"y\"},\"value\":[1765000000,\"-Inf\"]},"
	    "{\"metric\":{\"x\":\"z\"},\"value\":[1765000000,\"1.5e+300\"]}]}}";
	struct prom_api_result r;
	const char *why = NULL;

	T_EQ_INT(parse(&r, doc, &why), 0);
	T_ASSERT(r.success);
	T_EQ_INT(r.type, PROM_API_VECTOR);
	T_EQ_INT(r.n, 5);
	T_EQ_STR(r.series[0].name, "ipsec_child_sa_info");
	T_EQ_INT(r.series[0].nlabels, 6);
	T_EQ_STR(prom_api_label(&r.series[0], "spi_in"), "c1a2b3c4");
	T_EQ_STR(prom_api_label(&r.series[0], "instance"), "192.0.2.1:9918");
	T_ASSERT(prom_api_label(&r.series[0], "spi_out") == NULL);
	T_EQ_INT(r.series[0].npoints, 1);
	T_ASSERT(fabs(r.series[0].points[0].t - 1765000000.123) < 1e-6);
	T_ASSERT(r.series[0].points[0].v == 1.0);
	T_ASSERT(r.series[1].name == NULL && r.series[1].nlabels == 0);
	T_ASSERT(isnan(r.series[1].points[0].v));
	T_EQ_STR(prom_api_label(&r.series[2], "x"), "\xc3\xa9\n");
	T_ASSERT(isinf(r.series[2].points[0].v) && r.series[2].points[0].v > 0);
	T_ASSERT(isinf(r.series[3].points[0].v) && r.series[3].points[0].v < 0);
	T_ASSERT(r.series[4].points[0].v == 1.5e300);
	prom_api_done(&r);
}

static void matrix_scalar_error_warnings(void)
{
	struct prom_api_result r;
	const char *why = NULL;

	T_EQ_INT(parse(&r,
	               "{\"status\":\"success\",\"warnings\":[\"PromQL info: a\",\"b\"],"
	               "\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"__name__\":"
	               "\"up\"},\"values\":[[1,\"0\"],[2,\"1\"],[3.5,\"2\"]]},{\"metric\":{\"a\":"
	               "\"b\"},\"values\":[]}]}}",
	               &why),
	         0);
	T_EQ_INT(r.type, PROM_API_MATRIX);
	T_EQ_INT(r.n, 2);
	T_EQ_INT(r.series[0].npoints, 3);
	T_ASSERT(r.series[0].points[2].t == 3.5 && r.series[0].points[2].v == 2);
	T_EQ_INT(r.series[1].npoints, 0);
	T_EQ_INT(r.warnings, 2);
	T_EQ_STR(r.warning, "PromQL info: a");
	prom_api_done(&r);

	T_EQ_INT(parse(&r,
	               "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":"
	               "[1765000000.5,\"1765000000.5\"]}}",
	               &why),
	         0);
	T_EQ_INT(r.type, PROM_API_SCALAR);
	T_EQ_INT(r.n, 1);
	T_ASSERT(r.series[0].points[0].v == 1765000000.5);
	prom_api_done(&r);

	/* an error is a well-formed answer, with its type and text */
	T_EQ_INT(parse(&r,
	               "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse "
	               "error: unexpected \\\"}\\\"\"}",
	               &why),
	         0);
	T_ASSERT(!r.success);
	T_EQ_STR(r.error_type, "bad_data");
	T_EQ_STR(r.error, "1:5: parse error: unexpected \"}\"");
	T_EQ_INT(r.n, 0);
	prom_api_done(&r);

	/* a very long error is cut to the field, not refused */
	{
		struct buf b;

		buf_init(&b, 1 << 20);
		buf_puts(&b, "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"");
		for (int i = 0; i < 1000; i++)
			buf_putc(&b, 'e');
		buf_puts(&b, "\"}");
		buf_putc(&b, '\0');
		T_EQ_INT(parse(&r, b.data, &why), 0);
		T_EQ_INT(strlen(r.error), sizeof(r.error) - 1);
		prom_api_done(&r);
		buf_done(&b);
	}
}

/* Each of these is refused whole with -EBADMSG and a reason. */
static void malformed_answers(void)
{
	static const char *const bad[] = {
	    "",
	    " ",
	    "null",
	    "[]",
	    "\"success\"",
	    "{}",
	    "{\"status\":\"success\"", /* truncated */
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{",
	    "{\"status\":\"ok\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
	    "{\"status\":1,\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
	    "{\"status\":\"success\"}", /* no data */
	    "{\"status\":\"success\",\"data\":[]}",
	    "{\"status\":\"success\",\"data\":{\"result\":[]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"a\"]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[1]}}",
	    /* wrong types inside a series */
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":[]"
	    ","
	    "\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
	    "\"a\":"
	    "1},\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
	    "\"a\":"
	    "null},\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
	    "\"\":"
	    "\"x\"},\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    "}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,1]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[\"1\",\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"1\",2]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{}"
	    ","
	    "\"values\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[]}}",
	    /* values that are no numbers, or too big for a double, and timestamps out of range */
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"nan\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"infinity\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"0x10\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"1 \"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1e300,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[-1e12,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}"
	    ","
	    "\"value\":[1,\"1111111111111111111111111111111111111111111111111111111111111111111\"]}"
	    "]}}",
	    /* an error that names nothing, or with wrong types */
	    "{\"status\":\"error\"}",
	    "{\"status\":\"error\",\"error\":5}",
	    "{\"status\":\"success\",\"warnings\":\"w\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[]}}",
	    "{\"status\":\"success\",\"warnings\":[1],\"data\":{\"resultType\":\"vector\","
	    "\"result\":[]}}",
	    /* not strict JSON, trailing bytes */
	    "{'status':'success'}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[],}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}} x",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}{}",
	    /* a label value with a NUL in it */
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
	    "\"a\":"
	    "\"x\\u0000y\"},\"value\":[1,\"1\"]}]}}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct prom_api_result r;
		const char *why = NULL;
		int ret = parse(&r, bad[i], &why);

		if (ret != -EBADMSG || !why)
			fprintf(stderr, "# case %zu: %d (%s): %s\n", i, ret, why ? why : "-",
			        bad[i]);
		T_EQ_INT(ret, -EBADMSG);
		T_ASSERT(why != NULL);
		prom_api_done(&r);
	}
}

static void bytes_that_are_not_text(void)
{
	static const char utf8_bad[] =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{\"a\":\"\xff\xfe\"},\"value\":[1,"
	    "\"1\"]}]}}";
	static const char with_nul[] = "{\"status\":\"success\"}\0{}";
	struct prom_api_result r;
	const char *why = NULL;

	T_EQ_INT(parse(&r, utf8_bad, &why), -EBADMSG);
	prom_api_done(&r);
	prom_api_init(&r);
	T_EQ_INT(prom_api_parse(&r, with_nul, sizeof(with_nul) - 1, &why), -EBADMSG);
	T_CONTAINS(why, "NUL");
	prom_api_done(&r);
}

/* JSON objects cannot hold a name twice: json-c keeps the last, and so does the parser. */
static void duplicate_labels(void)
{
	struct prom_api_result r;
	const char *why = NULL;

	T_EQ_INT(parse(&r,
	               "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
	               "\"metric\":{\"spi_in\":\"11111111\",\"spi_in\":\"22222222\"},\"value\":[1,"
	               "\"1\"]}]}}",
	               &why),
	         0);
	T_EQ_INT(r.series[0].nlabels, 1);
	T_EQ_STR(prom_api_label(&r.series[0], "spi_in"), "22222222");
	prom_api_done(&r);
}

static void bounds(void)
{
	struct prom_api_result r;
	const char *why = NULL;
	struct buf b;

	/* nesting deeper than an answer ever is */
	buf_init(&b, 1 << 20);
	buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
	             "\"metric\":{},\"value\":[1,\"1\"],\"x\":");
	for (int i = 0; i < 100; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 100; i++)
		buf_putc(&b, ']');
	buf_puts(&b, "}]}}");
	buf_putc(&b, '\0');
	T_EQ_INT(parse(&r, b.data, &why), -E2BIG);
	T_CONTAINS(why, "deep");
	prom_api_done(&r);

	/* too many labels on one series */
	buf_reset(&b);
	buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
	             "\"metric\":{");
	for (unsigned i = 0; i <= PROM_API_LABELS_MAX; i++)
		buf_printf(&b, "%s\"l%u\":\"v\"", i ? "," : "", i);
	buf_puts(&b, "},\"value\":[1,\"1\"]}]}}");
	buf_putc(&b, '\0');
	T_EQ_INT(parse(&r, b.data, &why), -E2BIG);
	prom_api_done(&r);

	/* a label value beyond PROM_API_STRING_MAX */
	buf_reset(&b);
	buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
	             "\"metric\":{\"a\":\"");
	for (unsigned i = 0; i <= PROM_API_STRING_MAX; i++)
		buf_putc(&b, 'v');
	buf_puts(&b, "\"},\"value\":[1,\"1\"]}]}}");
	buf_putc(&b, '\0');
	T_EQ_INT(parse(&r, b.data, &why), -EBADMSG);
	prom_api_done(&r);
	buf_done(&b);

	/* too many series */
	buf_init(&b, 8u << 20);
	buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (unsigned i = 0; i <= PROM_API_SERIES_MAX; i++)
		buf_printf(&b, "%s{\"metric\":{},\"value\":[1,\"1\"]}", i ? "," : "");
	buf_puts(&b, "]}}");
	buf_putc(&b, '\0');
	T_ASSERT(!b.err);
	T_EQ_INT(parse(&r, b.data, &why), -E2BIG);
	T_CONTAINS(why, "series");
	prom_api_done(&r);

	/* an answer over the byte cap is refused before it is read */
	prom_api_init(&r);
	T_EQ_INT(prom_api_parse(&r, b.data, (size_t)PROM_API_BYTES_MAX + 1, &why), -E2BIG);
	prom_api_done(&r);
	buf_done(&b);
}

static void query_url_and_quoting(void)
{
	struct buf b;

	buf_init(&b, 4096);
	T_EQ_INT(prom_api_query_url(&b, "http://127.0.0.1:9090/", "up{job=~\"a|b\"}[5m] + 1", 0),
	         0);
	buf_putc(&b, '\0');
	T_EQ_STR(b.data, "http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D~%22a%7Cb%22%7D%5B5m"
	                 "%5D%20%2B%201");
	buf_reset(&b);
	T_EQ_INT(prom_api_query_url(&b, "https://p/prom", "x", 1765000000.25), 0);
	buf_putc(&b, '\0');
	T_EQ_STR(b.data, "https://p/prom/api/v1/query?query=x&time=1765000000.250");
	buf_reset(&b);
	/* RE2's metacharacters escaped for the regex, then backslash and quote for the string */
	T_EQ_INT(prom_api_regex_quote(&b, "192.0.2.1:9918 a|b \"q\" (x)*"), 0);
	buf_putc(&b, '\0');
	T_EQ_STR(b.data, "192\\\\.0\\\\.2\\\\.1:9918 a\\\\|b \\\"q\\\" \\\\(x\\\\)\\\\*");
	buf_done(&b);
}

TEST_MAIN("prom_api", TEST(vector_answer), TEST(matrix_scalar_error_warnings),
          TEST(malformed_answers), TEST(bytes_that_are_not_text), TEST(duplicate_labels),
          TEST(bounds), TEST(query_url_and_quoting))
