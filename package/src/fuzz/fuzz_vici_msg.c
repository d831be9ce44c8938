// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the VICI codec (src/vici/vici_msg.c): every input is one packet without
 * its length prefix. A packet that decodes must re-encode through the builder into a packet
 * that decodes to the same tree (types, names, values, structure); lookups and the frame-length
 * reader run on every input. Seeds: the recorded charon packets of tests/fixtures/vici/ minus
 * their prefix, and hand-made malformed ones (fuzz/corpus/vici_msg/).
 */
#include "vici/vici_msg.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Names are length-prefixed on the wire and may contain NUL bytes, which the builder's C-string
 * API cannot express: such messages are still checked, but not re-encoded. */
static bool has_nul(const char *name, size_t len)
{
	return name && memchr(name, '\0', len) != NULL;
}

static void rebuild(struct vici_builder *b, const struct vici_msg *m, uint32_t parent)
{
	vici_foreach_child(m, parent, i)
	{
		const struct vici_elem *e = &m->elems[i];
		char name[256] = "";

		if (e->name) {
			memcpy(name, e->name, e->name_len);
			name[e->name_len] = '\0';
		}
		switch (e->type) {
		case VICI_ELEM_SECTION_START:
			vici_build_section_start(b, name);
			rebuild(b, m, i);
			vici_build_section_end(b);
			break;
		case VICI_ELEM_LIST_START:
			vici_build_list_start(b, name);
			rebuild(b, m, i);
			vici_build_list_end(b);
			break;
		case VICI_ELEM_KEY_VALUE:
			vici_build_kv(b, name, e->value, e->value_len);
			break;
		case VICI_ELEM_LIST_ITEM:
			vici_build_list_item(b, e->value, e->value_len);
			break;
		default:
			abort();
		}
	}
}

static bool same_span(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vici_msg m, m2;
	struct vici_builder b;
	uint8_t *again;
	size_t len;
	uint32_t framed;
	char pname[256] = "";

	if (size >= 4)
		(void)vici_frame_len(data, &framed);
	if (vici_msg_decode(&m, data, size) != 0)
		return 0;
	if (m.n_elems == 0 || m.elems[0].end != m.n_elems)
		abort();
	/* every element's subtree ends inside its parent's */
	for (uint32_t i = 1; i < m.n_elems; i++)
		if (m.elems[i].end <= i || m.elems[i].end > m.n_elems)
			abort();
	if (has_nul(m.name, m.name_len))
		return 0;
	for (uint32_t i = 1; i < m.n_elems; i++)
		if (has_nul(m.elems[i].name, m.elems[i].name_len))
			return 0;
	{
		const char *v;
		size_t vlen;
		uint64_t u;
		int64_t s;

		vici_foreach_child(&m, 0, i)
		{
			if (m.elems[i].name) {
				char key[256];

				memcpy(key, m.elems[i].name, m.elems[i].name_len);
				key[m.elems[i].name_len] = '\0';
				if (vici_find(&m, 0, key) == 0)
					abort();
				(void)vici_get_str(&m, 0, key, &v, &vlen);
				(void)vici_get_u64(&m, 0, key, &u);
				(void)vici_get_i64(&m, 0, key, &s);
			}
		}
	}

	if (m.name) {
		memcpy(pname, m.name, m.name_len);
		pname[m.name_len] = '\0';
	}
	vici_build_init(&b, m.type, pname);
	rebuild(&b, &m, 0);
	if (vici_build_finish(&b, &again, &len) != 0)
		abort(); /* whatever decodes must be encodable */
	if (len != size + 4 || memcmp(again + 4, data, size) != 0)
		abort(); /* and the encoding is canonical: byte for byte the input */
	if (vici_msg_decode(&m2, again + 4, len - 4) != 0 || m2.n_elems != m.n_elems ||
	    m2.type != m.type)
		abort();
	for (uint32_t i = 0; i < m.n_elems; i++) {
		const struct vici_elem *x = &m.elems[i], *y = &m2.elems[i];

		if (x->type != y->type || x->end != y->end ||
		    !same_span(x->name, x->name_len, y->name, y->name_len) ||
		    !same_span(x->value, x->value_len, y->value, y->value_len))
			abort();
	}
	free(again);
	return 0;
}
