/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of a list-valued request header (RFC 9110 sections 5.6.1 and 5.6.6): elements
 * split on ',', each split on ';' into its value and "key=value" parameters, spaces and tabs
 * trimmed around every part, as goautoneg (client_golang's Accept parser) splits them. One
 * splitter for Accept (http_negotiate.c) and Accept-Encoding (http_gzip.c). Spans point into
 * the header; nothing is copied, any bytes are safe, nothing past @n is read.
 */
#ifndef IKEWATCH_HTTP_HEADER_H
#define IKEWATCH_HTTP_HEADER_H

#include <stdbool.h>
#include <stddef.h>

struct http_span {
	const char *p;
	size_t n;
};

/* Without the spaces and tabs around it. */
struct http_span http_span_trim(struct http_span s);
/* The next piece of @s up to @sep (consumed with it) into @ret; false when @s is used up. */
bool http_span_next(struct http_span *s, char sep, struct http_span *ret);
/* Equal to the lower-case literal @lit, ignoring the case of @s (ASCII). */
bool http_span_eq_nocase(struct http_span s, const char *lit);
/* Equal to @lit byte for byte. */
bool http_span_eq(struct http_span s, const char *lit);
/* A parameter "key = value" into its trimmed key and trimmed, unquoted value (no escapes are
 * taken out: the values we look for have none). False without '=' (goautoneg skips those). */
bool http_param_split(struct http_span param, struct http_span *ret_key, struct http_span *ret_val);

#endif
