/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTML escaping for the status page: every value that comes from outside (connection and CHILD
 * names, addresses, identities, error texts, probe targets) goes through here, in text and in
 * quoted attribute values alike.
 */
#ifndef IKEWATCH_HTML_H
#define IKEWATCH_HTML_H

#include "common/buf.h"

/* Append @s with & < > " ' as character references. Bytes below 0x20 other than tab and
 * newline, and DEL, become U+FFFD: they have no business in a name and some are not allowed in
 * HTML at all. */
void html_escape(struct buf *out, const char *s);

#endif
