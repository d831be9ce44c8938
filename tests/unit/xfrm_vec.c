// SPDX-License-Identifier: Apache-2.0
/*
 * XFRM netlink answers built from the kernel's UAPI structs (<linux/xfrm.h>) as the kernel fills
 * them, for the tests of the XFRM codec and of what joins kernel SAs to a daemon's CHILD SAs
 * (test_xfrm.c, test_libreswan_xfrm.c). This kernel has no ESP: no real SA can be dumped here.
 */
#include "xfrm_vec.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <string.h>

/* 36 distinct bytes that no counter, address or SPI below contains. */
const uint8_t XFRM_VEC_KEY[36] = {0xd7, 0x3a, 0x91, 0x5e, 0xc4, 0x2b, 0x8f, 0x66, 0x19,
                                  0xe2, 0x47, 0xb0, 0x7d, 0x13, 0xfa, 0x58, 0xa9, 0x34,
                                  0xcb, 0x06, 0x9e, 0x71, 0xdd, 0x42, 0xb5, 0x2f, 0x88,
                                  0x6a, 0xf3, 0x1c, 0xe9, 0x50, 0x97, 0x3e, 0xac, 0x25};

static void put(struct nlbuf *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += NLA_ALIGN(n);
}

static void put_attr(struct nlbuf *m, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type};

	memcpy(m->b + m->len, &a, sizeof(a));
	if (n) /* an empty attribute may come without a payload pointer */
		memcpy(m->b + m->len + NLA_HDRLEN, p, n);
	m->len += NLA_ALIGN(NLA_HDRLEN + n);
}

void xfrm_vec_finish(struct nlbuf *m, uint16_t type)
{
	struct nlmsghdr h = {.nlmsg_len = (uint32_t)m->len,
	                     .nlmsg_type = type,
	                     .nlmsg_flags = NLM_F_MULTI,
	                     .nlmsg_seq = 1};

	memcpy(m->b, &h, sizeof(h));
}

/* An ESP SA as the kernel dumps it, with every key-bearing attribute holding XFRM_VEC_KEY. */
void xfrm_vec_state_proto(struct nlbuf *m, uint8_t proto, uint32_t spi, uint32_t reqid,
                          const char *dst, uint64_t bytes, uint32_t integ_failed, bool keys)
{
	struct xfrm_usersa_info sa = {0};
	uint8_t algo[sizeof(struct xfrm_algo_aead) + sizeof(XFRM_VEC_KEY) + 64];

	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	sa.id.spi = htonl(spi);
	sa.id.proto = proto;
	inet_pton(AF_INET, dst, &sa.id.daddr.a4);
	inet_pton(AF_INET, "192.0.2.1", &sa.saddr.a4);
	sa.family = AF_INET;
	sa.mode = XFRM_MODE_TUNNEL;
	sa.reqid = reqid;
	sa.curlft.bytes = bytes;
	sa.curlft.packets = bytes / 100;
	sa.curlft.add_time = 1700000000;
	sa.stats.replay_window = 3;
	sa.stats.replay = 2;
	sa.stats.integrity_failed = integ_failed;
	sa.lft.hard_byte_limit = XFRM_INF;
	sa.lft.hard_packet_limit = XFRM_INF;
	put(m, &sa, sizeof(sa));
	if (keys) {
		struct xfrm_algo a = {.alg_key_len = sizeof(XFRM_VEC_KEY) * 8};
		struct xfrm_algo_auth au = {.alg_key_len = 32 * 8, .alg_trunc_len = 128};
		struct xfrm_algo_aead ae = {.alg_key_len = sizeof(XFRM_VEC_KEY) * 8,
		                            .alg_icv_len = 128};

		snprintf(a.alg_name, sizeof(a.alg_name), "cbc(aes)");
		memcpy(algo, &a, sizeof(a));
		memcpy(algo + sizeof(a), XFRM_VEC_KEY, sizeof(XFRM_VEC_KEY));
		put_attr(m, XFRMA_ALG_CRYPT, algo, sizeof(a) + sizeof(XFRM_VEC_KEY));
		snprintf(a.alg_name, sizeof(a.alg_name), "hmac(sha256)");
		memcpy(algo, &a, sizeof(a));
		put_attr(m, XFRMA_ALG_AUTH, algo, sizeof(a) + 32);
		snprintf(au.alg_name, sizeof(au.alg_name), "hmac(sha256)");
		memcpy(algo, &au, sizeof(au));
		memcpy(algo + sizeof(au), XFRM_VEC_KEY + 4, 32);
		put_attr(m, XFRMA_ALG_AUTH_TRUNC, algo, sizeof(au) + 32);
		snprintf(ae.alg_name, sizeof(ae.alg_name), "rfc4106(gcm(aes))");
		memcpy(algo, &ae, sizeof(ae));
		memcpy(algo + sizeof(ae), XFRM_VEC_KEY, sizeof(XFRM_VEC_KEY));
		put_attr(m, XFRMA_ALG_AEAD, algo, sizeof(ae) + sizeof(XFRM_VEC_KEY));
		put_attr(m, XFRMA_SEC_CTX, XFRM_VEC_KEY, sizeof(XFRM_VEC_KEY));
	}
	xfrm_vec_finish(m, XFRM_MSG_NEWSA);
}

void xfrm_vec_policy(struct nlbuf *m, uint8_t dir, const uint32_t *reqids, size_t n, uint8_t action)
{
	struct xfrm_userpolicy_info p = {0};
	struct xfrm_user_tmpl t[8];

	memset(m, 0, sizeof(*m));
	memset(t, 0, sizeof(t));
	m->len = NLMSG_HDRLEN;
	p.sel.family = AF_INET;
	inet_pton(AF_INET, "203.0.113.0", &p.sel.saddr.a4);
	inet_pton(AF_INET, "203.0.113.128", &p.sel.daddr.a4);
	p.sel.prefixlen_s = p.sel.prefixlen_d = 25;
	p.dir = dir;
	p.action = action;
	p.index = 8 + dir;
	p.priority = 375423;
	put(m, &p, sizeof(p));
	for (size_t i = 0; i < n; i++) {
		t[i].id.proto = IPPROTO_ESP;
		t[i].family = AF_INET;
		t[i].reqid = reqids[i];
		t[i].mode = XFRM_MODE_TUNNEL;
	}
	if (n)
		put_attr(m, XFRMA_TMPL, t, n * sizeof(t[0]));
	xfrm_vec_finish(m, XFRM_MSG_NEWPOLICY);
}

void xfrm_vec_state_attr(struct nlbuf *m, uint16_t type, const void *p, size_t n)
{
	put_attr(m, type, p, n);
	xfrm_vec_finish(m, XFRM_MSG_NEWSA);
}

void xfrm_vec_state(struct nlbuf *m, uint32_t spi, uint32_t reqid, const char *dst, uint64_t bytes,
                    uint32_t integ_failed, bool keys)
{
	xfrm_vec_state_proto(m, IPPROTO_ESP, spi, reqid, dst, bytes, integ_failed, keys);
}
