// SPDX-License-Identifier: Apache-2.0
/*
 * VICI message codec: decode packets into a flat, zero-copy element array and build request
 * packets. The contract and the protocol-state rules are in vici_msg.h; the wire format is
 * strongSwan's src/libcharon/plugins/vici/README.md.
 */
#include "vici/vici_msg.h"

#include "common/array.h"
#include "common/num.h"
#include "common/rd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool vici_pkt_is_named(uint8_t type)
{
	return type == VICI_PKT_CMD_REQUEST || type == VICI_PKT_EVENT_REGISTER ||
	       type == VICI_PKT_EVENT_UNREGISTER || type == VICI_PKT_EVENT;
}

bool vici_pkt_has_body(uint8_t type)
{
	return type == VICI_PKT_CMD_REQUEST || type == VICI_PKT_CMD_RESPONSE ||
	       type == VICI_PKT_EVENT;
}

const char *vici_pkt_name(uint8_t type)
{
	static const char *const names[] = {
	    "CMD_REQUEST",      "CMD_RESPONSE",  "CMD_UNKNOWN",   "EVENT_REGISTER",
	    "EVENT_UNREGISTER", "EVENT_CONFIRM", "EVENT_UNKNOWN", "EVENT",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "INVALID";
}

int vici_frame_len(const uint8_t hdr[4], uint32_t *ret_len)
{
	uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
	               (uint32_t)hdr[3];

	if (len == 0)
		return -EBADMSG;
	if (len > VICI_MSG_MAX)
		return -E2BIG;
	*ret_len = len;
	return 0;
}

/* A name: u8 length, then that many bytes. Empty names are not valid VICI, except for a
 * section (@may_be_empty): charon's get-counters names its global counters section "". */
static inline int rd_vici_name(struct rd *r, bool may_be_empty, const char **ret, uint8_t *ret_len)
{
	const uint8_t *p = NULL;
	uint8_t len;

	if (rd_u8(r, &len) < 0 || (len == 0 && !may_be_empty) || rd_bytes(r, len, &p) < 0)
		return -EBADMSG;
	*ret = (const char *)p;
	*ret_len = len;
	return 0;
}

static inline int rd_vici_value(struct rd *r, const char **ret, uint16_t *ret_len)
{
	const uint8_t *p;
	uint16_t len;

	if (rd_u16(r, &len) < 0 || rd_bytes(r, len, &p) < 0)
		return -EBADMSG;
	*ret = (const char *)p;
	*ret_len = len;
	return 0;
}

/*
 * The body's elements, appended to m->elems from m->n_elems on. The loop runs once per element
 * of every VICI answer (ninety per IKE SA with its connection), so it keeps the array, its
 * count and the reader in locals: stores through m->elems could alias m->n_elems, and the
 * compiler would reload both after each one. Elements are written whole, not memset first.
 */
static int vici_decode_body(struct vici_msg *m, struct rd *r)
{
	uint32_t open[VICI_NEST_MAX + 1];
	struct vici_elem *el = m->elems;
	uint32_t n = m->n_elems, cap = m->cap_elems;
	struct rd rr = *r;
	unsigned depth = 0;
	bool in_list = false, empty_ok;
	int err = 0;

	open[0] = 0;
	while (rd_left(&rr) > 0) {
		struct vici_elem e = {0};
		uint8_t et;

		if (rd_u8(&rr, &et) < 0)
			goto out_bad;
		/* tested in the order of their frequency (key/values are most elements):
		 * branches the CPU predicts well, where a switch's indirect jump was mispredicted
		 * often enough to cost a tenth of the decoding */
		if (et == VICI_ELEM_KEY_VALUE) {
			if (in_list || rd_vici_name(&rr, false, &e.name, &e.name_len) < 0 ||
			    rd_vici_value(&rr, &e.value, &e.value_len) < 0)
				goto out_bad;
			e.end = n + 1;
		} else if (et == VICI_ELEM_SECTION_START || et == VICI_ELEM_LIST_START) {
			empty_ok = et == VICI_ELEM_SECTION_START;
			if (in_list || depth >= VICI_NEST_MAX ||
			    rd_vici_name(&rr, empty_ok, &e.name, &e.name_len) < 0)
				goto out_bad;
			open[++depth] = n;
			in_list = et == VICI_ELEM_LIST_START;
		} else if (et == VICI_ELEM_SECTION_END || et == VICI_ELEM_LIST_END) {
			/* an end must close what is open: a section end inside a list, a list end
			 * outside one, or a section end at the top level are all unbalanced */
			if (depth == 0 || in_list != (et == VICI_ELEM_LIST_END))
				goto out_bad;
			el[open[depth--]].end = n;
			in_list = false;
			continue;
		} else if (et == VICI_ELEM_LIST_ITEM) {
			if (!in_list || rd_vici_value(&rr, &e.value, &e.value_len) < 0)
				goto out_bad;
			e.end = n + 1;
		} else {
			goto out_bad;
		}
		/* the array is reused from message to message, so it nearly always has room:
		 * only then is the capacity (never above VICI_ELEMS_MAX) worth a call */
		if (n >= cap) {
			m->n_elems = n;
			if ((err = ARRAY_GROW(m->elems, m->n_elems, m->cap_elems, 64,
			                      VICI_ELEMS_MAX)) < 0)
				goto out;
			el = m->elems;
			cap = m->cap_elems;
		}
		e.type = et;
		el[n++] = e;
	}
	if (depth == 0)
		goto out;
out_bad:
	err = -EBADMSG;
out:
	m->n_elems = n;
	*r = rr;
	return err;
}

int vici_msg_decode(struct vici_msg *m, const uint8_t *pkt, size_t len)
{
	struct vici_elem *root;
	struct rd r;
	uint8_t type;
	int err;

	m->n_elems = 0;
	m->name = NULL;
	m->name_len = 0;
	if (len > VICI_MSG_MAX)
		return -E2BIG;
	rd_init(&r, pkt, len);
	if (rd_u8(&r, &type) < 0 || type > VICI_PKT_EVENT)
		return -EBADMSG;
	m->type = type;
	if (vici_pkt_is_named(type) && rd_vici_name(&r, false, &m->name, &m->name_len) < 0)
		goto out_bad;
	if (m->cap_elems == 0 &&
	    (err = ARRAY_GROW(m->elems, m->n_elems, m->cap_elems, 64, VICI_ELEMS_MAX)) < 0)
		return err;
	root = &m->elems[m->n_elems++];
	memset(root, 0, sizeof(*root));
	root->type = VICI_ELEM_SECTION_START;
	if (!vici_pkt_has_body(type)) {
		if (rd_left(&r) != 0)
			goto out_bad;
		m->elems[0].end = 1;
		return 0;
	}
	err = vici_decode_body(m, &r);
	if (err < 0) {
		m->n_elems = 0;
		return err;
	}
	m->elems[0].end = m->n_elems;
	return 0;

out_bad:
	m->n_elems = 0;
	m->name = NULL;
	m->name_len = 0;
	return -EBADMSG;
}

void vici_msg_done(struct vici_msg *m)
{
	free(m->elems);
	memset(m, 0, sizeof(*m));
}

bool vici_name_is(const struct vici_elem *e, const char *name)
{
	size_t n = strlen(name);

	return e->name && e->name_len == n && memcmp(e->name, name, n) == 0;
}

bool vici_value_is(const struct vici_elem *e, const char *value)
{
	size_t n = strlen(value);

	return e->value && e->value_len == n && memcmp(e->value, value, n) == 0;
}

uint32_t vici_find(const struct vici_msg *m, uint32_t parent, const char *name)
{
	size_t n = strlen(name);

	vici_foreach_child(m, parent, i)
	{
		const struct vici_elem *e = &m->elems[i];

		if (e->name_len == n && e->name && memcmp(e->name, name, n) == 0)
			return i;
	}
	return 0;
}

int vici_get_str(const struct vici_msg *m, uint32_t parent, const char *name, const char **ret,
                 size_t *ret_len)
{
	uint32_t i = vici_find(m, parent, name);

	if (!i || m->elems[i].type != VICI_ELEM_KEY_VALUE)
		return -ENOENT;
	*ret = m->elems[i].value;
	*ret_len = m->elems[i].value_len;
	return 0;
}

int vici_get_u64(const struct vici_msg *m, uint32_t parent, const char *name, uint64_t *ret)
{
	const char *v;
	size_t len;

	if (vici_get_str(m, parent, name, &v, &len) < 0)
		return -ENOENT;
	return num_parse_u64(v, len, UINT64_MAX, ret);
}

int vici_get_i64(const struct vici_msg *m, uint32_t parent, const char *name, int64_t *ret)
{
	const char *v;
	size_t len;

	if (vici_get_str(m, parent, name, &v, &len) < 0)
		return -ENOENT;
	return num_parse_i64(v, len, INT64_MIN, INT64_MAX, ret);
}

/* --- encoding --- */

/* As in decoding, only a section may have an empty name (@may_be_empty). */
static void vici_build_name(struct vici_builder *b, const char *name, bool may_be_empty)
{
	size_t n = strlen(name);

	if ((n == 0 && !may_be_empty) || n > UINT8_MAX) {
		b->err = -EINVAL;
		return;
	}
	buf_put_u8(&b->out, (uint8_t)n);
	buf_append(&b->out, name, n);
}

void vici_build_init(struct vici_builder *b, uint8_t pkt_type, const char *name)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->out, VICI_MSG_MAX + 4);
	buf_put_u32be(&b->out, 0); /* length, filled in by vici_build_finish() */
	buf_put_u8(&b->out, pkt_type);
	if (vici_pkt_is_named(pkt_type))
		vici_build_name(b, name ? name : "", false);
}

static void vici_build_open(struct vici_builder *b, uint8_t type, const char *name)
{
	if (b->depth >= VICI_NEST_MAX ||
	    (b->depth > 0 && b->stack[b->depth - 1] == VICI_ELEM_LIST_START)) {
		b->err = -EINVAL;
		return;
	}
	b->stack[b->depth++] = type;
	buf_put_u8(&b->out, type);
	vici_build_name(b, name, type == VICI_ELEM_SECTION_START);
}

static void vici_build_close(struct vici_builder *b, uint8_t open_type, uint8_t end_type)
{
	if (b->depth == 0 || b->stack[b->depth - 1] != open_type) {
		b->err = -EINVAL;
		return;
	}
	b->depth--;
	buf_put_u8(&b->out, end_type);
}

static void vici_build_value(struct vici_builder *b, const void *value, size_t len)
{
	if (len > UINT16_MAX) {
		b->err = -EINVAL;
		return;
	}
	buf_put_u16be(&b->out, (uint16_t)len);
	buf_append(&b->out, value, len);
}

static bool vici_build_in_list(const struct vici_builder *b)
{
	return b->depth > 0 && b->stack[b->depth - 1] == VICI_ELEM_LIST_START;
}

void vici_build_section_start(struct vici_builder *b, const char *name)
{
	vici_build_open(b, VICI_ELEM_SECTION_START, name);
}

void vici_build_section_end(struct vici_builder *b)
{
	vici_build_close(b, VICI_ELEM_SECTION_START, VICI_ELEM_SECTION_END);
}

void vici_build_list_start(struct vici_builder *b, const char *name)
{
	vici_build_open(b, VICI_ELEM_LIST_START, name);
}

void vici_build_list_end(struct vici_builder *b)
{
	vici_build_close(b, VICI_ELEM_LIST_START, VICI_ELEM_LIST_END);
}

void vici_build_kv(struct vici_builder *b, const char *name, const void *value, size_t len)
{
	if (vici_build_in_list(b)) {
		b->err = -EINVAL;
		return;
	}
	buf_put_u8(&b->out, VICI_ELEM_KEY_VALUE);
	vici_build_name(b, name, false);
	vici_build_value(b, value, len);
}

void vici_build_kv_str(struct vici_builder *b, const char *name, const char *value)
{
	vici_build_kv(b, name, value, strlen(value));
}

void vici_build_list_item(struct vici_builder *b, const void *value, size_t len)
{
	if (!vici_build_in_list(b)) {
		b->err = -EINVAL;
		return;
	}
	buf_put_u8(&b->out, VICI_ELEM_LIST_ITEM);
	vici_build_value(b, value, len);
}

int vici_build_finish(struct vici_builder *b, uint8_t **ret, size_t *ret_len)
{
	size_t len;
	uint8_t *p;
	int err = b->err ? b->err : b->out.err;

	if (!err && b->depth != 0)
		err = -EINVAL;
	if (err) {
		vici_build_done(b);
		return err == -E2BIG ? -E2BIG : err;
	}
	p = (uint8_t *)buf_steal(&b->out, &len);
	len -= 4;
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	*ret = p;
	*ret_len = len + 4;
	return 0;
}

void vici_build_done(struct vici_builder *b)
{
	buf_done(&b->out);
	b->depth = 0;
}
