/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VICI wire codec (strongSwan src/libcharon/plugins/vici/README.md). No I/O, no logging.
 *
 * Decoding is zero-copy: vici_msg_decode() turns one packet (without its 4-byte length prefix)
 * into a flat array of elements in document order whose names and values point into the
 * caller's bytes, which must outlive the message. Element 0 is the implicit root section;
 * every section or list element records the index one past its last descendant (->end), so
 * children are walked with vici_child_first()/vici_child_next() without any pointers.
 *
 * The decoder checks protocol state as strongSwan's vici_verify_type() does: section ends only
 * inside sections, list items only inside lists, no sections or key/values inside lists, lists
 * do not nest, everything is closed at the end, nesting is capped at VICI_NEST_MAX, names are
 * non-empty, and nothing trails the message. Any violation is -EBADMSG.
 */
#ifndef IKEWATCH_VICI_MSG_H
#define IKEWATCH_VICI_MSG_H

#include "common/buf.h"
#include "common/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packet types (README "Transport protocol"). */
enum vici_pkt {
	VICI_PKT_CMD_REQUEST = 0,
	VICI_PKT_CMD_RESPONSE = 1,
	VICI_PKT_CMD_UNKNOWN = 2,
	VICI_PKT_EVENT_REGISTER = 3,
	VICI_PKT_EVENT_UNREGISTER = 4,
	VICI_PKT_EVENT_CONFIRM = 5,
	VICI_PKT_EVENT_UNKNOWN = 6,
	VICI_PKT_EVENT = 7,
};

/* Message element types (README "Message format"). */
enum vici_elem_type {
	VICI_ELEM_SECTION_START = 1,
	VICI_ELEM_SECTION_END = 2,
	VICI_ELEM_KEY_VALUE = 3,
	VICI_ELEM_LIST_START = 4,
	VICI_ELEM_LIST_ITEM = 5,
	VICI_ELEM_LIST_END = 6,
};

/* A decoded element. type is SECTION_START (a section, or the root), KEY_VALUE, LIST_START (a
 * list) or LIST_ITEM; end markers are not stored. */
struct vici_elem {
	const char *name;  /* not NUL-terminated; NULL for list items and the root */
	const char *value; /* KEY_VALUE and LIST_ITEM only; not NUL-terminated */
	uint32_t end;      /* index one past the last descendant */
	uint16_t value_len;
	uint8_t name_len;
	uint8_t type;
};

struct vici_msg {
	uint8_t type;     /* enum vici_pkt */
	const char *name; /* named packets (requests, events): not NUL-terminated */
	uint8_t name_len;
	struct vici_elem *elems; /* elems[0] is the root; owned */
	uint32_t n_elems;
	uint32_t cap_elems;
};

/* True for packet types that carry a name (CMD_REQUEST, EVENT_REGISTER/UNREGISTER, EVENT). */
bool vici_pkt_is_named(uint8_t type);
/* True for packet types that carry a message body (CMD_REQUEST, CMD_RESPONSE, EVENT). */
bool vici_pkt_has_body(uint8_t type);
const char *vici_pkt_name(uint8_t type);

/* Decode one packet. On success *msg holds the elements (reusing its array if it was decoded
 * into before; call vici_msg_done() once at the end). Returns 0, -EBADMSG (malformed), -E2BIG
 * (over VICI_MSG_MAX) or -ENOMEM. On failure *msg is left empty but reusable. */
int vici_msg_decode(struct vici_msg *msg, const uint8_t *pkt, size_t len);
void vici_msg_done(struct vici_msg *msg);

/* Read the 4-byte length prefix; -EBADMSG for 0, -E2BIG beyond VICI_MSG_MAX. */
int vici_frame_len(const uint8_t hdr[4], uint32_t *ret_len);

/* Tree walking. Children of @parent (a section or list index); 0 means "no more" (the root is
 * never a child). */
static inline uint32_t vici_child_first(const struct vici_msg *m, uint32_t parent)
{
	return parent + 1 < m->elems[parent].end ? parent + 1 : 0;
}

static inline uint32_t vici_child_next(const struct vici_msg *m, uint32_t parent, uint32_t child)
{
	uint32_t next = m->elems[child].end;

	return next < m->elems[parent].end ? next : 0;
}

#define vici_foreach_child(m, parent, i)                                                           \
	for (uint32_t i = vici_child_first((m), (parent)); i; i = vici_child_next((m), (parent), i))

/* The first child of @parent named @name (any type), or 0. */
uint32_t vici_find(const struct vici_msg *m, uint32_t parent, const char *name);
bool vici_name_is(const struct vici_elem *e, const char *name);
bool vici_value_is(const struct vici_elem *e, const char *value);

/* Typed lookups of a key/value child. Return 0, -ENOENT (absent or not a key/value) or
 * -EINVAL/-ERANGE (not a number). */
int vici_get_u64(const struct vici_msg *m, uint32_t parent, const char *name, uint64_t *ret);
int vici_get_i64(const struct vici_msg *m, uint32_t parent, const char *name, int64_t *ret);
/* A span into the packet; *ret_len may be 0. */
int vici_get_str(const struct vici_msg *m, uint32_t parent, const char *name, const char **ret,
                 size_t *ret_len);

/*
 * Encoding, for requests (and for the test/bench fake server). The builder writes the length
 * prefix too; protocol-state mistakes (unbalanced ends, items outside lists, names over 255
 * bytes, values over 65535 bytes) make vici_build_finish() fail with -EINVAL.
 */
struct vici_builder {
	struct buf out;
	uint8_t stack[VICI_NEST_MAX];
	unsigned depth;
	int err;
};

void vici_build_init(struct vici_builder *b, uint8_t pkt_type, const char *name);
void vici_build_section_start(struct vici_builder *b, const char *name);
void vici_build_section_end(struct vici_builder *b);
void vici_build_kv(struct vici_builder *b, const char *name, const void *value, size_t len);
void vici_build_kv_str(struct vici_builder *b, const char *name, const char *value);
void vici_build_list_start(struct vici_builder *b, const char *name);
void vici_build_list_item(struct vici_builder *b, const void *value, size_t len);
void vici_build_list_end(struct vici_builder *b);
/* Finish: fills in the length prefix and hands the framed packet to the caller (free()). */
int vici_build_finish(struct vici_builder *b, uint8_t **ret, size_t *ret_len);
/* Abandon a builder without taking its bytes. */
void vici_build_done(struct vici_builder *b);

#endif
