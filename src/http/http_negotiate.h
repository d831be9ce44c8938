/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which exposition format a scraper asked for, from its Accept header (RFC 9110 section 12.5.1),
 * chosen as client_golang's expfmt.NegotiateIncludingOpenMetrics chooses: the media ranges in
 * order of their q-values (ties keep the header's order, a specific type before a wildcard), and
 * the first one that names a format we write wins:
 *   application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
 *       encoding=delimited                        -> protobuf, delimited MetricFamily messages
 *   application/openmetrics-text; version=1.0.0   -> OpenMetrics 1.0.0
 *   application/openmetrics-text[; version=0.0.1] -> OpenMetrics (same body, 0.0.1 label)
 *   text/plain[; version=0.0.4]                   -> text 0.0.4
 * and anything else (no header, "*" only, garbage) is text 0.0.4. Where we differ from expfmt:
 * q=0 means "not acceptable" (RFC 9110 section 12.4.2) and is never chosen; the protobuf
 * encodings "text" and "compact-text" are not written, so they are passed over instead of
 * chosen; type, subtype and parameter names compare case-insensitively (RFC 9110 section 8.3.1).
 * A codec: any bytes are safe, no I/O.
 */
#ifndef IKEWATCH_HTTP_NEGOTIATE_H
#define IKEWATCH_HTTP_NEGOTIATE_H

#include "prom/prom_writer.h"

#include <stddef.h>

/* Media ranges looked at in one header; the rest are ignored (a scraper sends five). */
#define HTTP_ACCEPT_RANGES_MAX 32

#define PROM_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define PROM_CONTENT_TYPE_OPENMETRICS_0_0_1                                                        \
	"application/openmetrics-text; version=0.0.1; charset=utf-8"
#define PROM_CONTENT_TYPE_PROTOBUF                                                                 \
	"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "               \
	"encoding=delimited"

struct http_exposition {
	enum prom_format format;
	const char *content_type; /* a static string for the reply */
};

/* The format for Accept value @v (@len bytes; NULL: no header). */
struct http_exposition http_negotiate_exposition(const char *v, size_t len);

struct http_request;
struct http_reply;
/* Start @w on @reply's body in the format @rq's Accept header chooses, and set the reply's
 * content type and Vary: Accept: every /metrics route answers the same way (serve, heal).
 * 0 or -ENOMEM; the caller ends with prom_writer_finish(). */
int http_reply_exposition(const struct http_request *rq, struct http_reply *reply,
                          struct prom_writer *w);

#endif
