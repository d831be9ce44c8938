// SPDX-License-Identifier: Apache-2.0
/*
 * VICI tree printer for the diag bundle (see diag_vici_text.h). The message's element array is
 * walked with the decoder's own child links, so the depth is bounded by VICI_NEST_MAX.
 */
#include "diag/diag_vici_text.h"

#include "diag/diag_redact.h"

#include <stdbool.h>

/* Longest value printed in full; a longer one is cut (VICI values go up to 64 KiB). */
#define VALUE_SHOWN_MAX 4096

static bool name_secret(const struct vici_elem *e)
{
	static const char *const names[] = {"secret", "psk", "password", "passphrase", "pin"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (vici_name_is(e, names[i]))
			return true;
	return false;
}

static bool printable(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		/* UTF-8 bytes (>= 0x80) are text; control characters are not */
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static void indent(struct buf *out, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		buf_puts(out, "  ");
}

static void value(struct buf *out, const char *v, size_t n, bool secret)
{
	if (secret)
		buf_puts(out, DIAG_REDACTED);
	else if (!printable(v, n))
		buf_printf(out, "<%zu bytes, not text>", n);
	else if (n > VALUE_SHOWN_MAX)
		buf_printf(out, "%.*s... <%zu bytes>", VALUE_SHOWN_MAX, v, n);
	else
		buf_append(out, v, n);
}

static void print_children(const struct vici_msg *m, uint32_t parent, unsigned depth, bool secret,
                           struct buf *out)
{
	vici_foreach_child(m, parent, i)
	{
		const struct vici_elem *e = &m->elems[i];
		bool s = secret || (e->name && name_secret(e));

		indent(out, depth);
		if (e->name) {
			buf_append(out, e->name, e->name_len);
			buf_putc(out, ' ');
		}
		switch (e->type) {
		case VICI_ELEM_SECTION_START:
			buf_puts(out, "{\n");
			print_children(m, i, depth + 1, s, out);
			indent(out, depth);
			buf_puts(out, "}\n");
			break;
		case VICI_ELEM_LIST_START:
			buf_puts(out, "= [\n");
			print_children(m, i, depth + 1, s, out);
			indent(out, depth);
			buf_puts(out, "]\n");
			break;
		case VICI_ELEM_KEY_VALUE:
			buf_puts(out, "= ");
			value(out, e->value, e->value_len, s);
			buf_putc(out, '\n');
			break;
		default: /* list item */
			value(out, e->value, e->value_len, s);
			buf_putc(out, '\n');
			break;
		}
	}
}

void diag_vici_print(const struct vici_msg *m, struct buf *out)
{
	if (m->n_elems == 0)
		return;
	print_children(m, 0, 0, false, out);
}
