/* SPDX-License-Identifier: Apache-2.0 */
/*
 * XFRM netlink codec (<linux/xfrm.h>): the dump requests for the SAD (XFRM_MSG_GETSA) and the
 * SPD (XFRM_MSG_GETPOLICY), and the parsers of their answers (XFRM_MSG_NEWSA and
 * XFRM_MSG_NEWPOLICY). No I/O, no logging.
 *
 * Key material never leaves the kernel's bytes: an SA's algorithms and keys travel in attributes
 * (XFRMA_ALG_AUTH, XFRMA_ALG_CRYPT, XFRMA_ALG_AEAD, XFRMA_ALG_AUTH_TRUNC, XFRMA_ALG_COMP,
 * XFRMA_SEC_CTX, ...) that the state parser checks for framing only and skips without reading
 * their payload; struct xfrm_state_info has no field that could hold any of it. The fixed
 * struct xfrm_usersa_info that precedes them carries no key.
 */
#ifndef IKEWATCH_XFRM_MSG_H
#define IKEWATCH_XFRM_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Templates kept per policy (XFRM_MAX_DEPTH in the kernel). */
#define XFRM_INFO_TMPL_MAX 6

/* What ikewatch keeps of one SA (one direction of a CHILD SA). */
struct xfrm_state_info {
	uint32_t spi;  /* host byte order */
	uint8_t proto; /* IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP */
	uint8_t mode;  /* XFRM_MODE_* */
	uint16_t family;
	uint8_t daddr[16], saddr[16];
	uint32_t reqid;
	uint64_t bytes, packets;     /* lifetime current: what the kernel counted */
	uint64_t add_time, use_time; /* seconds since the epoch; use_time (the first use) 0 =
	                              * never used */
	uint64_t last_used; /* XFRMA_LASTUSED: seconds since the epoch of the newest packet through
	                     * the SA (inbound: received, outbound: sent); 0 = never, or a kernel
	                     * that does not send it */
	uint32_t replay_window;    /* packets dropped: outside the replay window */
	uint32_t replay;           /* packets dropped: replayed (seen before) */
	uint32_t integrity_failed; /* packets dropped: integrity check failed */
	uint64_t hard_byte_limit, hard_packet_limit; /* XFRM_INF when none */
};

struct xfrm_tmpl_info {
	uint32_t reqid;
	uint32_t spi; /* host order; 0 = any */
	uint8_t proto, mode, optional;
	uint16_t family;
	uint8_t daddr[16], saddr[16];
};

struct xfrm_policy_info {
	uint8_t dir;    /* XFRM_POLICY_IN, _OUT, _FWD */
	uint8_t action; /* XFRM_POLICY_ALLOW, _BLOCK */
	uint32_t index, priority;
	uint16_t family; /* of the selector */
	uint8_t sel_daddr[16], sel_saddr[16];
	uint8_t sel_prefixlen_d, sel_prefixlen_s, sel_proto;
	uint32_t n_tmpl;
	struct xfrm_tmpl_info tmpl[XFRM_INFO_TMPL_MAX];
};

/* A dump request of @type (XFRM_MSG_GETSA or XFRM_MSG_GETPOLICY) with sequence number @seq into
 * @buf. 0 and *ret_len, or -EINVAL (another type) or -ENOBUFS (@cap too small). */
int xfrm_msg_build_dump(uint16_t type, uint32_t seq, void *buf, size_t cap, size_t *ret_len);

/* One netlink message (header included, @len bytes available, host byte order as the kernel
 * sends it) of type XFRM_MSG_NEWSA / XFRM_MSG_NEWPOLICY. 0, -EBADMSG (short, framing of an
 * attribute wrong, an XFRMA_LASTUSED that is not one u64, a policy with more than
 * XFRM_INFO_TMPL_MAX templates) or -EPROTO (another message type). */
int xfrm_msg_parse_state(const void *msg, size_t len, struct xfrm_state_info *ret);
int xfrm_msg_parse_policy(const void *msg, size_t len, struct xfrm_policy_info *ret);

#endif
