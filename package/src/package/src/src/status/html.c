// SPDX-License-Identifier: Apache-2.0
/*
 * HTML escaping (see html.h).
 */
#include "status/html.h"

void html_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '"':
			buf_puts(out, "&quot;");
			break;
		case '\'':
			buf_puts(out, "&#39;");
			break;
		default:
			if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
				buf_puts(out, "\xef\xbf\xbd");
			else
				buf_putc(out, (char)ch);
		}
	}
}
