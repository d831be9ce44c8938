// SPDX-License-Identifier: Apache-2.0
/*
 * Accept header negotiation for /metrics (src/http/http_negotiate.c): the headers Prometheus
 * sends (with and without native histograms), what browsers and curl send, q-value ordering,
 * the formats we do not write, and malformed headers, which all fall back to text 0.0.4.
 */
#include "test.h"

#include "http/http_negotiate.h"

#define PROTO "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily"
#define T PROM_FORMAT_TEXT
#define OM PROM_FORMAT_OPENMETRICS
#define PB PROM_FORMAT_PROTOBUF
#define CT_T PROM_CONTENT_TYPE
#define CT_OM PROM_CONTENT_TYPE_OPENMETRICS
#define CT_OM0 PROM_CONTENT_TYPE_OPENMETRICS_0_0_1
#define CT_PB PROM_CONTENT_TYPE_PROTOBUF

static const struct {
	const char *accept;
	enum prom_format format;
	const char *ctype;
} vectors[] = {
    /* Prometheus 2.42 without, then with --enable-feature=native-histograms */
    {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
     "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
     OM, CT_OM},
    {PROTO ";encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,"
           "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
           "*/*;q=0.1",
     PB, CT_PB},
    /* older Prometheus: text first */
    {"text/plain;version=0.0.4;q=1,*/*;q=0.1", T, CT_T},
    {"application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OM,
     CT_OM0},
    {"application/openmetrics-text", OM, CT_OM0},
    /* curl, browsers, no header */
    {"*/*", T, CT_T},
    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", T, CT_T},
    {"", T, CT_T},
    {NULL, T, CT_T},
    /* q-values decide, not the order; ties keep the order */
    {"text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.9", OM, CT_OM},
    {"application/openmetrics-text;version=1.0.0;q=0.2, " PROTO ";encoding=delimited;q=0.3", PB,
     CT_PB},
    {"text/plain, application/openmetrics-text;version=1.0.0", T, CT_T},
    {"application/openmetrics-text;version=1.0.0, text/plain", OM, CT_OM},
    /* spaces, case and quotes */
    {"  Application/OpenMetrics-Text ; Version=1.0.0 ; q=1 ", OM, CT_OM},
    {"application/openmetrics-text;version=\"1.0.0\"", OM, CT_OM},
    {PROTO "; encoding=delimited", PB, CT_PB},
    /* q=0 is "not acceptable"; a q that does not parse or lies outside [0,1] too */
    {PROTO ";encoding=delimited;q=0,application/openmetrics-text;version=1.0.0;q=0.1", OM, CT_OM},
    {"application/openmetrics-text;version=1.0.0;q=0.000,text/plain;q=0.001", T, CT_T},
    {"application/openmetrics-text;version=1.0.0;q=abc", T, CT_T},
    {"application/openmetrics-text;version=1.0.0;q=2", T, CT_T},
    {"application/openmetrics-text;version=1.0.0;q=-1", T, CT_T},
    {"application/openmetrics-text;version=1.0.0;q=", T, CT_T},
    /* formats or versions we do not write are passed over */
    {PROTO ";encoding=text,application/openmetrics-text;version=1.0.0;q=0.5", OM, CT_OM},
    {PROTO ";encoding=compact-text", T, CT_T},
    {PROTO, T, CT_T},
    {"application/vnd.google.protobuf;proto=other.Message;encoding=delimited", T, CT_T},
    {"application/vnd.google.protobuf;encoding=delimited", T, CT_T},
    {"application/openmetrics-text;version=2.0.0,text/plain;q=0.5", T, CT_T},
    {"text/plain;version=0.0.5", T, CT_T},
    {"text/plain;version=0.0.5,application/openmetrics-text;q=0.1", OM, CT_OM0},
    /* malformed */
    {",,,;;;===", T, CT_T},
    {"application", T, CT_T},
    {"application/openmetrics-text/extra;version=1.0.0", T, CT_T},
    {"/;version=1.0.0", T, CT_T},
    {"application/openmetrics-text;version", OM, CT_OM0},
    {"application/openmetrics-text;;;version=1.0.0;", OM, CT_OM},
    {"application/openmetrics-text;version=1.0.0;version=0.0.1", OM, CT_OM0},
    {"\xff\xfe/\x01;q=1", T, CT_T},
    {"*;q=1, application/openmetrics-text;version=1.0.0;q=0.5", OM, CT_OM},
};

static void vectors_negotiate(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *a = vectors[i].accept;
		struct http_exposition ex = http_negotiate_exposition(a, a ? strlen(a) : 0);

		if (ex.format != vectors[i].format || strcmp(ex.content_type, vectors[i].ctype)) {
			test_fail(__FILE__, __LINE__, "vector %zu \"%s\": format %d \"%s\"", i,
			          a ? a : "(null)", ex.format, ex.content_type);
			return;
		}
	}
}

/* The length is honoured: nothing past it is read (the value need not be terminated). */
static void length_is_honoured(void)
{
	static const char v[] = "text/plain,application/openmetrics-text;version=1.0.0";
	struct http_exposition ex;

	ex = http_negotiate_exposition("application/openmetrics-text;version=1.0.0;q=0.9", 30);
	T_EQ_INT(ex.format, OM);
	T_EQ_STR(ex.content_type, CT_OM0); /* "version=1.0.0" was cut off */
	ex = http_negotiate_exposition(v + 11, sizeof(v) - 1 - 11);
	T_EQ_INT(ex.format, OM);
	ex = http_negotiate_exposition(v, 10);
	T_EQ_INT(ex.format, T);
}

/* More ranges than are looked at: the first HTTP_ACCEPT_RANGES_MAX decide. */
static void many_ranges(void)
{
	char h[4096] = "";
	size_t n = 0;
	struct http_exposition ex;

	for (int i = 0; i < HTTP_ACCEPT_RANGES_MAX; i++)
		n += (size_t)snprintf(h + n, sizeof(h) - n, "x/y%d,", i);
	snprintf(h + n, sizeof(h) - n, "application/openmetrics-text;version=1.0.0");
	ex = http_negotiate_exposition(h, strlen(h));
	T_EQ_INT(ex.format, T);
	/* one fewer filler and it is seen */
	ex = http_negotiate_exposition(h + 5, strlen(h) - 5);
	T_EQ_INT(ex.format, OM);
}

TEST_MAIN("http_negotiate", TEST(vectors_negotiate), TEST(length_is_honoured), TEST(many_ranges))
