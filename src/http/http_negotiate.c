// SPDX-License-Identifier: Apache-2.0
/*
 * Accept header negotiation for /metrics (see http_negotiate.h). The header is split the way
 * goautoneg's ParseAccept splits it (http_header.h: on ',' into media ranges, each on ';' into
 * "type/subtype" and key=value parameters, spaces trimmed around each part); a range without a
 * '/' counts only when it is "*", one with two is skipped, a parameter without '=' is skipped. Then
 * the ranges are ordered by q (stable) and the first we can write wins.
 */
#include "http/http_negotiate.h"

#include "common/num.h"
#include "http/http_header.h"
#include "http/http_server.h"

#include <stdbool.h>
#include <string.h>

struct range {
	struct http_span type, subtype, version, proto, encoding;
	double q;
};

/* q: a decimal in [0, 1]; anything else (q=abc, q=2, q=-1) reads as 0, "not acceptable", as a
 * q that does not parse reads as 0 in goautoneg. */
static double parse_q(struct http_span v)
{
	double q;

	if (num_parse_double(v.p, v.n, 0.0, 1.0, &q) < 0)
		return 0.0;
	return q;
}

static void parse_param(struct range *r, struct http_span param)
{
	struct http_span key, val;

	if (!http_param_split(param, &key, &val))
		return;
	if (http_span_eq_nocase(key, "q"))
		r->q = parse_q(val);
	else if (http_span_eq_nocase(key, "version"))
		r->version = val;
	else if (http_span_eq_nocase(key, "proto"))
		r->proto = val;
	else if (http_span_eq_nocase(key, "encoding"))
		r->encoding = val;
}

/* One media range; false when goautoneg would skip it. */
static bool parse_range(struct http_span part, struct range *r)
{
	struct http_span mr, param, rest = part;
	const char *slash;

	memset(r, 0, sizeof(*r));
	r->q = 1.0;
	http_span_next(&rest, ';', &mr);
	mr = http_span_trim(mr);
	slash = memchr(mr.p, '/', mr.n);
	if (!slash) {
		if (!http_span_eq(mr, "*"))
			return false;
		r->type = r->subtype = mr;
	} else {
		size_t tn = (size_t)(slash - mr.p);

		if (memchr(slash + 1, '/', mr.n - tn - 1))
			return false;
		r->type = http_span_trim((struct http_span){mr.p, tn});
		r->subtype = http_span_trim((struct http_span){slash + 1, mr.n - tn - 1});
	}
	while (http_span_next(&rest, ';', &param))
		parse_param(r, param);
	return true;
}

/* What range @r names that we write; false for none. */
static bool range_format(const struct range *r, struct http_exposition *ret)
{
	if (r->q <= 0.0)
		return false;
	if (http_span_eq_nocase(r->type, "application") &&
	    http_span_eq_nocase(r->subtype, "vnd.google.protobuf")) {
		if (!http_span_eq(r->proto, "io.prometheus.client.MetricFamily") ||
		    !http_span_eq(r->encoding, "delimited"))
			return false;
		*ret = (struct http_exposition){PROM_FORMAT_PROTOBUF, PROM_CONTENT_TYPE_PROTOBUF};
		return true;
	}
	if (http_span_eq_nocase(r->type, "text") && http_span_eq_nocase(r->subtype, "plain")) {
		if (r->version.n && !http_span_eq(r->version, "0.0.4"))
			return false;
		*ret = (struct http_exposition){PROM_FORMAT_TEXT, PROM_CONTENT_TYPE};
		return true;
	}
	if (http_span_eq_nocase(r->type, "application") &&
	    http_span_eq_nocase(r->subtype, "openmetrics-text")) {
		if (http_span_eq(r->version, "1.0.0"))
			*ret = (struct http_exposition){PROM_FORMAT_OPENMETRICS,
			                                PROM_CONTENT_TYPE_OPENMETRICS};
		else if (r->version.n == 0 || http_span_eq(r->version, "0.0.1"))
			*ret = (struct http_exposition){PROM_FORMAT_OPENMETRICS,
			                                PROM_CONTENT_TYPE_OPENMETRICS_0_0_1};
		else
			return false;
		return true;
	}
	return false;
}

struct http_exposition http_negotiate_exposition(const char *v, size_t len)
{
	struct http_exposition ex = {PROM_FORMAT_TEXT, PROM_CONTENT_TYPE};
	struct range ranges[HTTP_ACCEPT_RANGES_MAX];
	struct http_span rest = {v, v ? len : 0}, part;
	size_t n = 0;

	if (!v)
		return ex;
	while (n < HTTP_ACCEPT_RANGES_MAX && http_span_next(&rest, ',', &part)) {
		struct range r;
		size_t i;

		if (!parse_range(part, &r))
			continue;
		/* insertion keeps equal q-values in the header's order */
		i = n++;
		while (i > 0 && ranges[i - 1].q < r.q) {
			ranges[i] = ranges[i - 1];
			i--;
		}
		ranges[i] = r;
	}
	for (size_t i = 0; i < n; i++)
		if (range_format(&ranges[i], &ex))
			return ex;
	return ex;
}

int http_reply_exposition(const struct http_request *rq, struct http_reply *reply,
                          struct prom_writer *w)
{
	const char *accept = http_request_header(rq, "Accept");
	struct http_exposition ex = http_negotiate_exposition(accept, accept ? strlen(accept) : 0);

	reply->content_type = ex.content_type;
	reply->vary = "Accept";
	return prom_writer_init_format(w, &reply->body, ex.format);
}
