// SPDX-License-Identifier: Apache-2.0
/*
 * The VICI codec (src/vici/vici_msg.c) against what charon really sends and against everything
 * it must refuse: every recorded packet of tests/fixtures/vici/ decodes into the expected tree
 * and re-encodes byte for byte with the builder; every proper prefix of every recording is
 * either -EBADMSG or (only where the cut falls between two complete top-level elements) a
 * shorter valid message; a table of hand-made vectors covers the protocol-state rules of
 * strongSwan's vici_verify_type() (README "Message format"); size caps and builder misuse.
 */
#include "test.h"

#include "fixture.h"
#include "common/limits.h"
#include "vici/vici_msg.h"

#include <errno.h>
#include <stdlib.h>

/* --- helpers --- */

/* Decode @len bytes copied into an exact-size allocation (so ASan sees any overread). */
static int decode_copy(struct vici_msg *m, const void *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, p, len);
	err = vici_msg_decode(m, copy, len);
	/* the elements point into copy: callers of this helper only look at counts */
	free(copy);
	return err;
}

static void name_copy(char out[256], const char *name, size_t len)
{
	memcpy(out, name, len);
	out[len] = '\0';
}

/* Re-emit the children of @parent through the builder, in document order. */
static void rebuild(struct vici_builder *b, const struct vici_msg *m, uint32_t parent)
{
	vici_foreach_child(m, parent, i)
	{
		const struct vici_elem *e = &m->elems[i];
		char name[256] = "";

		if (e->name)
			name_copy(name, e->name, e->name_len);
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
		}
	}
}

/* The packet type a recording's file name announces ("...rx-cmd-response.bin"). */
static int type_from_name(const char *name)
{
	static const char *const types[] = {
	    "cmd-request",      "cmd-response",  "cmd-unknown",   "event-register",
	    "event-unregister", "event-confirm", "event-unknown", "event",
	};
	const char *dir = strstr(name, ".rx-") ? strstr(name, ".rx-") : strstr(name, ".tx-");
	size_t len;

	if (!dir)
		return -1;
	dir += 4;
	len = strlen(dir) - strlen(".bin");
	for (int t = 0; t < 8; t++)
		if (strlen(types[t]) == len && memcmp(dir, types[t], len) == 0)
			return t;
	return -1;
}

/* Find a child by name and check it is a key/value with @value. */
static bool kv_is(const struct vici_msg *m, uint32_t parent, const char *key, const char *value)
{
	uint32_t i = vici_find(m, parent, key);

	return i && m->elems[i].type == VICI_ELEM_KEY_VALUE && vici_value_is(&m->elems[i], value);
}

/* --- recorded packets --- */

static void every_recording_decodes_and_reencodes(void)
{
	char **names;
	size_t n, events = 0;
	struct vici_msg m = {0};

	T_EQ_INT(fixture_names(".bin", &names, &n), 0);
	T_ASSERT(n >= 100);
	for (size_t k = 0; k < n; k++) {
		struct vici_builder b;
		uint8_t *pkt, *file, *again;
		size_t len, flen, alen;
		uint32_t framed;
		char pname[256] = "";
		int type = type_from_name(names[k]);

		if (type < 0)
			test_fail(__FILE__, __LINE__, "%s: no packet type in the name", names[k]);
		T_ASSERT(type >= 0);
		T_EQ_INT(fixture_load(names[k], &file, &flen), 0);
		T_EQ_INT(vici_frame_len(file, &framed), 0);
		T_EQ_INT(framed, flen - 4);
		T_EQ_INT(fixture_packet(names[k], &pkt, &len), 0);
		if (vici_msg_decode(&m, pkt, len) != 0)
			test_fail(__FILE__, __LINE__, "%s does not decode", names[k]);
		if (test_failed)
			return;
		T_EQ_INT(m.type, type);
		T_EQ_INT(m.elems[0].end, m.n_elems);
		T_EQ_INT(vici_pkt_is_named(m.type), m.name != NULL);
		events += m.type == VICI_PKT_EVENT;

		/* the builder reproduces the packet exactly, length prefix included */
		if (m.name)
			name_copy(pname, m.name, m.name_len);
		vici_build_init(&b, m.type, pname);
		rebuild(&b, &m, 0);
		T_EQ_INT(vici_build_finish(&b, &again, &alen), 0);
		if (alen != flen || memcmp(again, file, flen) != 0)
			test_fail(__FILE__, __LINE__, "%s: re-encoding differs", names[k]);
		free(again);
		free(file);
		free(pkt);
		if (test_failed)
			return;
	}
	T_ASSERT(events >= 50);
	vici_msg_done(&m);
	fixture_names_free(names, n);
}

static void list_sa_event_tree(void)
{
	struct vici_msg m = {0};
	uint8_t *pkt;
	uint32_t ike, children, child, lts, rts, item;
	uint64_t u;
	int n_children = 0;

	T_EQ_INT(fixture_decode("list-sas.established.a.0004.rx-event.bin", &m, &pkt), 0);
	T_EQ_INT(m.type, VICI_PKT_EVENT);
	T_EQ_INT(m.name_len, 7);
	T_ASSERT(memcmp(m.name, "list-sa", 7) == 0);
	/* exactly one top-level element: the IKE SA section named after its connection */
	ike = vici_child_first(&m, 0);
	T_EQ_INT(ike, 1);
	T_EQ_INT(vici_child_next(&m, 0, ike), 0);
	T_EQ_INT(m.elems[ike].type, VICI_ELEM_SECTION_START);
	T_ASSERT(vici_name_is(&m.elems[ike], "a-b"));
	T_ASSERT(kv_is(&m, ike, "state", "ESTABLISHED"));
	T_ASSERT(kv_is(&m, ike, "local-host", "192.0.2.1"));
	T_ASSERT(kv_is(&m, ike, "remote-id", "gw-b.lab"));
	T_ASSERT(kv_is(&m, ike, "nat-remote", "yes"));
	T_EQ_INT(vici_get_u64(&m, ike, "version", &u), 0);
	T_EQ_INT(u, 2);
	/* a name that only exists deeper down is not a child of the IKE section */
	T_EQ_INT(vici_find(&m, ike, "spi-in"), 0);

	children = vici_find(&m, ike, "child-sas");
	T_ASSERT(children);
	T_EQ_INT(m.elems[children].type, VICI_ELEM_SECTION_START);
	vici_foreach_child(&m, children, c) n_children++;
	T_EQ_INT(n_children, 1);
	child = vici_child_first(&m, children);
	/* CHILD sections are keyed "<name>-<uniqueid>" and carry the plain name inside */
	T_ASSERT(m.elems[child].name_len > 4 && memcmp(m.elems[child].name, "net-", 4) == 0);
	T_ASSERT(kv_is(&m, child, "name", "net"));
	T_ASSERT(kv_is(&m, child, "state", "INSTALLED"));
	T_ASSERT(kv_is(&m, child, "encr-alg", "AES_CBC"));
	T_EQ_INT(vici_get_u64(&m, child, "bytes-in", &u), 0);
	T_EQ_INT(u, 672);

	lts = vici_find(&m, child, "local-ts");
	rts = vici_find(&m, child, "remote-ts");
	T_ASSERT(lts && rts);
	T_EQ_INT(m.elems[lts].type, VICI_ELEM_LIST_START);
	item = vici_child_first(&m, lts);
	T_ASSERT(item);
	T_EQ_INT(m.elems[item].type, VICI_ELEM_LIST_ITEM);
	T_ASSERT(m.elems[item].name == NULL);
	T_ASSERT(vici_value_is(&m.elems[item], "203.0.113.0/25"));
	T_EQ_INT(vici_child_next(&m, lts, item), 0);
	T_ASSERT(vici_value_is(&m.elems[vici_child_first(&m, rts)], "203.0.113.128/25"));
	/* the list ends where remote-ts starts: ->end is one past the last descendant */
	T_EQ_INT(m.elems[lts].end, rts);
	T_EQ_INT(m.elems[ike].end, m.n_elems);
	vici_msg_done(&m);
	free(pkt);
}

static void version_response_and_lookups(void)
{
	struct vici_msg m = {0};
	uint8_t *pkt;
	const char *v;
	size_t len;
	uint64_t u;
	int64_t i;

	T_EQ_INT(fixture_decode("version.a.0002.rx-cmd-response.bin", &m, &pkt), 0);
	T_EQ_INT(m.type, VICI_PKT_CMD_RESPONSE);
	T_ASSERT(m.name == NULL);
	T_EQ_INT(m.n_elems, 6); /* root + five key/values */
	T_EQ_INT(vici_get_str(&m, 0, "daemon", &v, &len), 0);
	T_EQ_INT(len, 6);
	T_ASSERT(memcmp(v, "charon", 6) == 0);
	T_ASSERT(kv_is(&m, 0, "version", "5.9.8"));
	T_EQ_INT(vici_get_str(&m, 0, "no-such-key", &v, &len), -ENOENT);
	/* "charon" is not a number; "5.9.8" has trailing junk */
	T_EQ_INT(vici_get_u64(&m, 0, "daemon", &u), -EINVAL);
	T_EQ_INT(vici_get_i64(&m, 0, "version", &i), -EINVAL);
	T_EQ_INT(vici_get_u64(&m, 0, "absent", &u), -ENOENT);
	vici_msg_done(&m);
	free(pkt);

	/* a section is not a key/value; signed numbers (overdue rekey-time) parse */
	{
		static const uint8_t p[] = {1, 1, 1, 's', 3,   1, 'k', 0,   1,   '7',
		                            2, 3, 2, 'r', 't', 0, 3,   '-', '4', '2'};

		T_EQ_INT(vici_msg_decode(&m, p, sizeof(p)), 0);
		T_EQ_INT(vici_get_str(&m, 0, "s", &v, &len), -ENOENT);
		T_EQ_INT(vici_get_i64(&m, 0, "rt", &i), 0);
		T_EQ_INT(i, -42);
		T_EQ_INT(vici_get_u64(&m, 0, "rt", &u), -EINVAL);
		T_EQ_INT(vici_get_u64(&m, 1, "k", &u), 0);
		T_EQ_INT(u, 7);
		vici_msg_done(&m);
	}
}

/* Every prefix of every recording: valid only where the cut falls right after the header or
 * between two top-level elements, -EBADMSG everywhere else. */
static void every_truncation_is_rejected(void)
{
	char **names;
	size_t n, cuts = 0;
	struct vici_msg full = {0}, part = {0};

	T_EQ_INT(fixture_names(".bin", &names, &n), 0);
	for (size_t k = 0; k < n; k++) {
		uint8_t *pkt;
		size_t len;
		uint32_t valid_at_index[512];
		size_t valid_len[512], n_valid = 0;

		T_EQ_INT(fixture_packet(names[k], &pkt, &len), 0);
		T_EQ_INT(vici_msg_decode(&full, pkt, len), 0);
		if (vici_pkt_has_body(full.type)) {
			valid_len[n_valid] = 1 + (full.name ? 1u + full.name_len : 0u);
			valid_at_index[n_valid++] = 1;
			/* the start of every top-level element after the first */
			vici_foreach_child(&full, 0, c)
			{
				const struct vici_elem *e = &full.elems[c];
				size_t start = (size_t)((const uint8_t *)e->name - pkt) - 2;

				if (c == 1 || n_valid >= 512)
					continue;
				valid_len[n_valid] = start;
				valid_at_index[n_valid++] = c;
			}
		}
		for (size_t cut = 0; cut < len; cut++) {
			int expect = -EBADMSG, got;
			uint32_t expect_elems = 0;

			for (size_t v = 0; v < n_valid; v++)
				if (valid_len[v] == cut) {
					expect = 0;
					expect_elems = valid_at_index[v];
				}
			got = decode_copy(&part, pkt, cut);
			if (got != expect || (got == 0 && part.n_elems != expect_elems))
				test_fail(__FILE__, __LINE__, "%s cut at %zu: %d (want %d)",
				          names[k], cut, got, expect);
			if (got < 0 && part.n_elems != 0)
				test_fail(__FILE__, __LINE__, "%s cut at %zu: elements left",
				          names[k], cut);
			if (test_failed)
				return;
			cuts++;
		}
		free(pkt);
	}
	T_ASSERT(cuts > 30000);
	vici_msg_done(&full);
	vici_msg_done(&part);
	fixture_names_free(names, n);
}

/* --- hand-made vectors --- */

#define V(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void vectors(void)
{
	const struct {
		const char *what;
		const uint8_t *p;
		size_t len;
		int err;
		uint32_t n_elems;
	} v[] = {
	    {"empty response", V(1), 0, 1},
	    {"event confirm", V(5), 0, 1},
	    {"cmd unknown", V(2), 0, 1},
	    {"event unknown", V(6), 0, 1},
	    {"named register", V(3, 3, 'l', 'o', 'g'), 0, 1},
	    {"named unregister", V(4, 1, 'x'), 0, 1},
	    {"request with body", V(0, 1, 'c', 3, 1, 'k', 0, 1, 'v'), 0, 2},
	    {"event with list", V(7, 1, 'e', 4, 1, 'l', 5, 0, 1, 'a', 5, 0, 0, 6), 0, 4},
	    {"empty value", V(1, 3, 1, 'k', 0, 0), 0, 2},
	    {"empty list", V(1, 4, 1, 'l', 6), 0, 2},
	    {"empty section", V(1, 1, 1, 's', 2), 0, 2},
	    {"list after section", V(1, 1, 1, 's', 4, 1, 'l', 6, 2, 3, 1, 'k', 0, 0), 0, 4},
	    {"binary value", V(1, 3, 1, 'k', 0, 2, 0, 0xff), 0, 2},
	    {"empty packet", V(0), -EBADMSG, 0},
	    {"unknown packet type 8", V(8), -EBADMSG, 0},
	    {"unknown packet type 255", V(255, 1, 'x'), -EBADMSG, 0},
	    {"trailing byte after confirm", V(5, 0), -EBADMSG, 0},
	    {"trailing byte after cmd unknown", V(2, 1), -EBADMSG, 0},
	    {"trailing byte after event unknown", V(6, 6), -EBADMSG, 0},
	    {"trailing byte after register", V(3, 1, 'x', 0), -EBADMSG, 0},
	    {"request without name", V(0), -EBADMSG, 0},
	    {"request with empty name", V(0, 0), -EBADMSG, 0},
	    {"event with short name", V(7, 5, 'a', 'b'), -EBADMSG, 0},
	    {"section end at top level", V(1, 2), -EBADMSG, 0},
	    {"list end at top level", V(1, 6), -EBADMSG, 0},
	    {"list item outside a list", V(1, 5, 0, 1, 'x'), -EBADMSG, 0},
	    {"list item in a section", V(1, 1, 1, 's', 5, 0, 0, 2), -EBADMSG, 0},
	    {"key/value inside a list", V(1, 4, 1, 'l', 3, 1, 'k', 0, 0, 6), -EBADMSG, 0},
	    {"section inside a list", V(1, 4, 1, 'l', 1, 1, 's', 2, 6), -EBADMSG, 0},
	    {"list inside a list", V(1, 4, 1, 'l', 4, 1, 'm', 6, 6), -EBADMSG, 0},
	    {"section closed by list end", V(1, 1, 1, 's', 6), -EBADMSG, 0},
	    {"list closed by section end", V(1, 4, 1, 'l', 2), -EBADMSG, 0},
	    {"one end too many", V(1, 1, 1, 's', 2, 2), -EBADMSG, 0},
	    {"unclosed section", V(1, 1, 1, 's'), -EBADMSG, 0},
	    {"unclosed inner section", V(1, 1, 1, 's', 1, 1, 't', 2), -EBADMSG, 0},
	    {"unclosed list", V(1, 4, 1, 'l', 5, 0, 0), -EBADMSG, 0},
	    {"zero-length key name", V(1, 3, 0, 0, 0), -EBADMSG, 0},
	    /* charon's get-counters: the global counters are the section "" */
	    {"zero-length section name", V(1, 1, 0, 2), 0, 2},
	    {"zero-length list name", V(1, 4, 0, 6), -EBADMSG, 0},
	    {"element type 0", V(1, 0), -EBADMSG, 0},
	    {"element type 7", V(1, 7, 1, 'x'), -EBADMSG, 0},
	    {"element type 255", V(1, 255), -EBADMSG, 0},
	    {"value longer than packet", V(1, 3, 1, 'k', 0, 5, 'a'), -EBADMSG, 0},
	    {"value length cut", V(1, 3, 1, 'k', 0), -EBADMSG, 0},
	    {"name longer than packet", V(1, 3, 9, 'k'), -EBADMSG, 0},
	    {"list item length cut", V(1, 4, 1, 'l', 5, 0), -EBADMSG, 0},
	};
	struct vici_msg m = {0};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int err = decode_copy(&m, v[i].p, v[i].len);

		if (err != v[i].err)
			test_fail(__FILE__, __LINE__, "%s: %d, want %d", v[i].what, err, v[i].err);
		else if (m.n_elems != v[i].n_elems)
			test_fail(__FILE__, __LINE__, "%s: %u elements, want %u", v[i].what,
			          m.n_elems, v[i].n_elems);
		if (test_failed)
			break;
	}
	vici_msg_done(&m);
}

/* CMD_RESPONSE with @depth nested sections (or depth-1 sections and a list inside). */
static uint8_t *nested(unsigned depth, bool list_inside, size_t *ret_len)
{
	uint8_t *p = malloc(1 + 4 * (size_t)depth), *q = p;

	*q++ = VICI_PKT_CMD_RESPONSE;
	for (unsigned i = 0; i < depth; i++) {
		*q++ =
		    list_inside && i == depth - 1 ? VICI_ELEM_LIST_START : VICI_ELEM_SECTION_START;
		*q++ = 1;
		*q++ = 'n';
	}
	for (unsigned i = 0; i < depth; i++)
		*q++ = list_inside && i == 0 ? VICI_ELEM_LIST_END : VICI_ELEM_SECTION_END;
	*ret_len = (size_t)(q - p);
	return p;
}

static void nesting_is_capped(void)
{
	static const struct {
		unsigned depth;
		bool list;
		int err;
	} v[] = {
	    {1, false, 0},
	    {VICI_NEST_MAX - 1, false, 0},
	    {VICI_NEST_MAX, false, 0}, /* limits.h: the deepest nesting we accept */
	    {VICI_NEST_MAX, true, 0},
	    {VICI_NEST_MAX + 1, false, -EBADMSG},
	    {VICI_NEST_MAX + 1, true, -EBADMSG},
	    {10000, false, -EBADMSG},
	};
	struct vici_msg m = {0};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len;
		uint8_t *p = nested(v[i].depth, v[i].list, &len);
		int err = vici_msg_decode(&m, p, len);

		if (err != v[i].err)
			test_fail(__FILE__, __LINE__, "depth %u%s: %d, want %d", v[i].depth,
			          v[i].list ? " (list)" : "", err, v[i].err);
		else if (err == 0 && m.n_elems != v[i].depth + 1)
			test_fail(__FILE__, __LINE__, "depth %u: %u elements", v[i].depth,
			          m.n_elems);
		free(p);
		if (test_failed)
			break;
	}
	vici_msg_done(&m);
}

static void size_caps(void)
{
	/* the densest legal message of exactly VICI_MSG_MAX bytes: one list of empty items */
	size_t items = (VICI_MSG_MAX - 5) / 3;
	size_t len = 1 + 3 + 3 * items + 1;
	uint8_t *p = calloc(1, VICI_MSG_MAX + 1);
	struct vici_msg m = {0};

	T_ASSERT(p);
	T_EQ_INT(len, VICI_MSG_MAX);
	p[0] = VICI_PKT_CMD_RESPONSE;
	p[1] = VICI_ELEM_LIST_START;
	p[2] = 1;
	p[3] = 'l';
	for (size_t i = 0; i < items; i++)
		p[4 + 3 * i] = VICI_ELEM_LIST_ITEM; /* length bytes stay 0 */
	p[len - 1] = VICI_ELEM_LIST_END;
	T_EQ_INT(vici_msg_decode(&m, p, len), 0);
	T_EQ_INT(m.n_elems, items + 2);
	/* one byte more is refused before anything is read */
	T_EQ_INT(vici_msg_decode(&m, p, VICI_MSG_MAX + 1), -E2BIG);
	T_EQ_INT(m.n_elems, 0);
	/* the message stays reusable after a failure */
	T_EQ_INT(vici_msg_decode(&m, V(1, 3, 1, 'k', 0, 0)), 0);
	T_EQ_INT(m.n_elems, 2);
	free(p);
	vici_msg_done(&m);
}

static void frame_len_bounds(void)
{
	static const struct {
		uint8_t hdr[4];
		int err;
		uint32_t len;
	} v[] = {
	    {{0, 0, 0, 0}, -EBADMSG, 0},
	    {{0, 0, 0, 1}, 0, 1},
	    {{0, 0, 3, 0x67}, 0, 871},
	    {{0, 8, 0, 0}, 0, VICI_MSG_MAX},
	    {{0, 8, 0, 1}, -E2BIG, 0},
	    {{1, 0, 0, 0}, -E2BIG, 0},
	    {{0xff, 0xff, 0xff, 0xff}, -E2BIG, 0},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t len = 12345;

		T_EQ_INT(vici_frame_len(v[i].hdr, &len), v[i].err);
		/* out-parameters are written only on success */
		T_EQ_INT(len, v[i].err ? 12345 : v[i].len);
	}
}

/* --- builder --- */

static void builder_round_trip(void)
{
	static const uint8_t bin[] = {0, 1, 2, 0xff, '\n'};
	struct vici_builder b;
	struct vici_msg m = {0};
	uint8_t *p;
	size_t len;
	uint32_t s, inner, l, it;
	const char *v;
	size_t vlen;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "list-sas");
	vici_build_kv_str(&b, "noblock", "yes");
	vici_build_section_start(&b, "outer");
	vici_build_kv(&b, "bin", bin, sizeof(bin));
	vici_build_section_start(&b, "inner");
	vici_build_kv_str(&b, "empty", "");
	vici_build_section_end(&b);
	vici_build_list_start(&b, "ts");
	vici_build_list_item(&b, "10.0.0.0/8", 10);
	vici_build_list_item(&b, "", 0);
	vici_build_list_end(&b);
	vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), 0);

	T_ASSERT(len > 4);
	T_EQ_INT((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3], len - 4);
	T_EQ_INT(vici_msg_decode(&m, p + 4, len - 4), 0);
	T_EQ_INT(m.type, VICI_PKT_CMD_REQUEST);
	T_EQ_INT(m.name_len, 8);
	T_ASSERT(memcmp(m.name, "list-sas", 8) == 0);
	T_EQ_INT(m.n_elems, 9); /* root, noblock, outer, bin, inner, empty, ts, 2 items */
	T_ASSERT(kv_is(&m, 0, "noblock", "yes"));
	s = vici_find(&m, 0, "outer");
	T_ASSERT(s);
	T_EQ_INT(vici_get_str(&m, s, "bin", &v, &vlen), 0);
	T_EQ_INT(vlen, sizeof(bin));
	T_ASSERT(memcmp(v, bin, sizeof(bin)) == 0);
	inner = vici_find(&m, s, "inner");
	T_ASSERT(inner);
	T_EQ_INT(vici_get_str(&m, inner, "empty", &v, &vlen), 0);
	T_EQ_INT(vlen, 0);
	l = vici_find(&m, s, "ts");
	T_ASSERT(l);
	it = vici_child_first(&m, l);
	T_ASSERT(vici_value_is(&m.elems[it], "10.0.0.0/8"));
	it = vici_child_next(&m, l, it);
	T_ASSERT(it);
	T_EQ_INT(m.elems[it].value_len, 0);
	T_EQ_INT(vici_child_next(&m, l, it), 0);
	T_EQ_INT(m.elems[s].end, m.n_elems);
	free(p);

	/* the request the recorder sent is what our builder sends */
	{
		uint8_t *rec;
		size_t rlen;

		T_EQ_INT(
		    fixture_load("list-sas.established.a.0003.tx-cmd-request.bin", &rec, &rlen), 0);
		vici_build_init(&b, VICI_PKT_CMD_REQUEST, "list-sas");
		vici_build_kv_str(&b, "noblock", "yes");
		T_EQ_INT(vici_build_finish(&b, &p, &len), 0);
		T_EQ_INT(len, rlen);
		T_ASSERT(memcmp(p, rec, len) == 0);
		free(p);
		free(rec);
	}
	vici_msg_done(&m);
}

static void builder_misuse_fails(void)
{
	static char big[VICI_MSG_MAX / 8];
	char name[300];
	struct vici_builder b;
	uint8_t *p = NULL;
	size_t len;

	memset(name, 'n', sizeof(name));

	/* unbalanced: a section left open, an end with nothing open, mismatched ends */
	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "x");
	vici_build_section_start(&b, "s");
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_list_start(&b, "l");
	vici_build_section_end(&b);
	vici_build_list_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_section_start(&b, "s");
	vici_build_list_end(&b);
	vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);

	/* items outside lists, key/values and sections inside them */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_list_item(&b, "x", 1);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_section_start(&b, "s");
	vici_build_list_item(&b, "x", 1);
	vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_list_start(&b, "l");
	vici_build_kv_str(&b, "k", "v");
	vici_build_list_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_list_start(&b, "l");
	vici_build_section_start(&b, "s");
	vici_build_section_end(&b);
	vici_build_list_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);

	/* names: 1..255 bytes; packet names too */
	name[255] = '\0';
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, name, "v");
	T_EQ_INT(vici_build_finish(&b, &p, &len), 0);
	free(p);
	name[256] = '\0';
	name[255] = 'n';
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, name, "v");
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_section_start(&b, name);
	vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_EVENT, name);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, "", "v");
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_REQUEST, NULL);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "");
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);

	/* values: up to 65535 bytes */
	{
		static char v64[65536];

		vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
		vici_build_kv(&b, "k", v64, 65535);
		T_EQ_INT(vici_build_finish(&b, &p, &len), 0);
		T_EQ_INT(len, 4 + 1 + 1 + 1 + 1 + 2 + 65535);
		free(p);
		vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
		vici_build_kv(&b, "k", v64, 65536);
		T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
		vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
		vici_build_list_start(&b, "l");
		vici_build_list_item(&b, v64, 65536);
		vici_build_list_end(&b);
		T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);
	}

	/* nesting: what the decoder accepts, and not one level more */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	for (int i = 0; i < VICI_NEST_MAX; i++)
		vici_build_section_start(&b, "n");
	for (int i = 0; i < VICI_NEST_MAX; i++)
		vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), 0);
	free(p);
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	for (int i = 0; i < VICI_NEST_MAX + 1; i++)
		vici_build_section_start(&b, "n");
	for (int i = 0; i < VICI_NEST_MAX + 1; i++)
		vici_build_section_end(&b);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -EINVAL);

	/* a message over VICI_MSG_MAX is refused as too big */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	for (int i = 0; i < 9; i++)
		vici_build_kv(&b, "k", big, sizeof(big) < 65535 ? sizeof(big) : 65535);
	T_EQ_INT(vici_build_finish(&b, &p, &len), -E2BIG);

	/* vici_build_done() abandons a builder without leaking (ASan checks) */
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	vici_build_kv_str(&b, "k", "v");
	vici_build_done(&b);
}

static void packet_type_helpers(void)
{
	T_EQ_STR(vici_pkt_name(VICI_PKT_CMD_REQUEST), "CMD_REQUEST");
	T_EQ_STR(vici_pkt_name(VICI_PKT_EVENT), "EVENT");
	T_EQ_STR(vici_pkt_name(8), "INVALID");
	T_EQ_STR(vici_pkt_name(255), "INVALID");
	for (int t = 0; t < 8; t++) {
		bool named = t == 0 || t == 3 || t == 4 || t == 7;
		bool body = t == 0 || t == 1 || t == 7;

		T_EQ_INT(vici_pkt_is_named((uint8_t)t), named);
		T_EQ_INT(vici_pkt_has_body((uint8_t)t), body);
	}
	T_ASSERT(!vici_pkt_is_named(8) && !vici_pkt_has_body(8));
}

TEST_MAIN("vici_msg", TEST(every_recording_decodes_and_reencodes), TEST(list_sa_event_tree),
          TEST(version_response_and_lookups), TEST(every_truncation_is_rejected), TEST(vectors),
          TEST(nesting_is_capped), TEST(size_caps), TEST(frame_len_bounds),
          TEST(builder_round_trip), TEST(builder_misuse_fails), TEST(packet_type_helpers))
