// SPDX-License-Identifier: Apache-2.0
/*
 * XFRM netlink codec (see xfrm_msg.h). Every fixed part is copied out of the message with the
 * bounded reader into the kernel's own UAPI struct (so its layout is the compiler's, never a
 * hand-written offset), after checking that the message holds it; nothing is read through a
 * pointer into the message. Netlink is in host byte order, SPIs in network byte order.
 */
#include "xfrm/xfrm_msg.h"

#include "common/rd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <string.h>

int xfrm_msg_build_dump(uint16_t type, uint32_t seq, void *buf, size_t cap, size_t *ret_len)
{
	struct nlmsghdr h = {0};
	size_t body;

	if (type == XFRM_MSG_GETSA)
		body = sizeof(struct xfrm_usersa_id);
	else if (type == XFRM_MSG_GETPOLICY)
		body = sizeof(struct xfrm_userpolicy_id);
	else
		return -EINVAL;
	h.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	if (cap < h.nlmsg_len)
		return -ENOBUFS;
	h.nlmsg_type = type;
	h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h.nlmsg_seq = seq;
	memset(buf, 0, h.nlmsg_len);
	memcpy(buf, &h, sizeof(h));
	*ret_len = h.nlmsg_len;
	return 0;
}

/* The header, the fixed body of @body_len bytes copied into @body, and a reader over the
 * attributes that follow it (NLMSG_ALIGNed). */
static int open_msg(const void *msg, size_t len, uint16_t type, void *body, size_t body_len,
                    struct rd *ret_attrs)
{
	struct nlmsghdr h;
	struct rd r, m;

	rd_init(&r, msg, len);
	if (rd_copy(&r, &h, sizeof(h)) < 0 || h.nlmsg_len < NLMSG_LENGTH(body_len) ||
	    h.nlmsg_len > len)
		return -EBADMSG;
	if (h.nlmsg_type != type)
		return -EPROTO;
	rd_init(&m, msg, h.nlmsg_len);
	if (rd_skip(&m, NLMSG_HDRLEN) < 0 || rd_copy(&m, body, body_len) < 0)
		return -EBADMSG;
	/* the attributes start at the aligned end of the body, or the message ends */
	if (rd_skip(&m, NLMSG_ALIGN(body_len) - body_len) < 0)
		rd_init(&m, NULL, 0);
	*ret_attrs = m;
	return 0;
}

/* The next attribute: its type (flags masked off) and a reader over its payload; the cursor
 * moves past its padding (absent after the last one). 1 with an attribute, 0 at the end,
 * -EBADMSG for a length below the header or beyond the message. */
static int next_attr(struct rd *r, uint16_t *ret_type, struct rd *ret_payload)
{
	struct nlattr a;
	size_t pad;

	if (rd_left(r) == 0)
		return 0;
	if (rd_copy(r, &a, sizeof(a)) < 0 || a.nla_len < NLA_HDRLEN ||
	    rd_sub(r, a.nla_len - NLA_HDRLEN, ret_payload) < 0)
		return -EBADMSG;
	pad = NLA_ALIGN(a.nla_len) - a.nla_len;
	if (rd_left(r) >= pad)
		rd_skip(r, pad);
	else
		rd_skip(r, rd_left(r));
	*ret_type = a.nla_type & NLA_TYPE_MASK;
	return 1;
}

int xfrm_msg_parse_state(const void *msg, size_t len, struct xfrm_state_info *ret)
{
	struct xfrm_usersa_info sa;
	struct xfrm_state_info s = {0};
	struct rd attrs, payload;
	uint16_t type;
	int err;

	if ((err = open_msg(msg, len, XFRM_MSG_NEWSA, &sa, sizeof(sa), &attrs)) < 0)
		return err;
	/* The framing of every attribute is checked; only XFRMA_LASTUSED (a u64 the kernel puts
	 * with nla_put_u64_64bit(), after an XFRMA_PAD where the u64 needs aligning) is read. Keys
	 * (XFRMA_ALG_*) and security contexts stay in the caller's buffer. */
	while ((err = next_attr(&attrs, &type, &payload)) > 0) {
		if (type != XFRMA_LASTUSED)
			continue;
		if (rd_left(&payload) != sizeof(uint64_t) ||
		    rd_copy(&payload, &s.last_used, sizeof(s.last_used)) < 0)
			return -EBADMSG;
	}
	if (err < 0)
		return err;
	s.spi = ntohl(sa.id.spi);
	s.proto = sa.id.proto;
	s.mode = sa.mode;
	s.family = sa.family;
	memcpy(s.daddr, &sa.id.daddr, sizeof(s.daddr));
	memcpy(s.saddr, &sa.saddr, sizeof(s.saddr));
	s.reqid = sa.reqid;
	s.bytes = sa.curlft.bytes;
	s.packets = sa.curlft.packets;
	s.add_time = sa.curlft.add_time;
	s.use_time = sa.curlft.use_time;
	s.replay_window = sa.stats.replay_window;
	s.replay = sa.stats.replay;
	s.integrity_failed = sa.stats.integrity_failed;
	s.hard_byte_limit = sa.lft.hard_byte_limit;
	s.hard_packet_limit = sa.lft.hard_packet_limit;
	*ret = s;
	return 0;
}

static int parse_tmpls(struct rd *payload, struct xfrm_policy_info *p)
{
	if (rd_left(payload) % sizeof(struct xfrm_user_tmpl))
		return -EBADMSG;
	while (rd_left(payload)) {
		struct xfrm_user_tmpl t;
		struct xfrm_tmpl_info *o;

		if (p->n_tmpl == XFRM_INFO_TMPL_MAX || rd_copy(payload, &t, sizeof(t)) < 0)
			return -EBADMSG;
		o = &p->tmpl[p->n_tmpl++];
		o->reqid = t.reqid;
		o->spi = ntohl(t.id.spi);
		o->proto = t.id.proto;
		o->mode = t.mode;
		o->optional = t.optional;
		o->family = t.family;
		memcpy(o->daddr, &t.id.daddr, sizeof(o->daddr));
		memcpy(o->saddr, &t.saddr, sizeof(o->saddr));
	}
	return 0;
}

int xfrm_msg_parse_policy(const void *msg, size_t len, struct xfrm_policy_info *ret)
{
	struct xfrm_userpolicy_info pi;
	struct xfrm_policy_info p = {0};
	struct rd attrs, payload;
	bool have_tmpl = false;
	uint16_t type;
	int err;

	if ((err = open_msg(msg, len, XFRM_MSG_NEWPOLICY, &pi, sizeof(pi), &attrs)) < 0)
		return err;
	while ((err = next_attr(&attrs, &type, &payload)) > 0) {
		if (type != XFRMA_TMPL)
			continue;
		/* one template list per policy */
		if (have_tmpl || parse_tmpls(&payload, &p) < 0)
			return -EBADMSG;
		have_tmpl = true;
	}
	if (err < 0)
		return err;
	p.dir = pi.dir;
	p.action = pi.action;
	p.index = pi.index;
	p.priority = pi.priority;
	p.family = pi.sel.family;
	memcpy(p.sel_daddr, &pi.sel.daddr, sizeof(p.sel_daddr));
	memcpy(p.sel_saddr, &pi.sel.saddr, sizeof(p.sel_saddr));
	p.sel_prefixlen_d = pi.sel.prefixlen_d;
	p.sel_prefixlen_s = pi.sel.prefixlen_s;
	p.sel_proto = pi.sel.proto;
	*ret = p;
	return 0;
}
