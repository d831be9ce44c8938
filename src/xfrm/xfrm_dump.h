/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read the kernel's SAD and SPD of this network namespace over NETLINK_XFRM (libmnl): one dump
 * of each, parsed by xfrm_msg.c into a table. Needs CAP_NET_ADMIN (xfrm_user answers EPERM
 * without it). No logging: the caller says what failed.
 */
#ifndef IKEWATCH_XFRM_DUMP_H
#define IKEWATCH_XFRM_DUMP_H

#include "xfrm/xfrm_msg.h"

#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

struct xfrm_table {
	struct xfrm_state_info *states;
	size_t n_states, cap_states;
	struct xfrm_policy_info *policies;
	size_t n_policies, cap_policies;
	uint64_t dropped; /* entries beyond XFRM_STATES_MAX / XFRM_POLICIES_MAX, or malformed */
	/* the netlink socket of xfrm_table_read(), kept from read to read (NULL until the first
	 * and after a failure), with its next sequence number (the receive buffer is the read's
	 * own: serve renders between reads, and 32 KiB less then is its peak's) */
	struct mnl_socket *nl;
	uint32_t seq;
};

void xfrm_table_reset(struct xfrm_table *t);
void xfrm_table_done(struct xfrm_table *t);

/* Append one dump answer's message (of either kind) to @t. 0, -ENOMEM; a malformed message or
 * one beyond the limits is counted in ->dropped. For the dump loop and the fuzzer. */
int xfrm_table_add(struct xfrm_table *t, const void *msg, size_t len);

/* Dump SAs and policies into @t (reset first), waiting at most @timeout_ms for each answer.
 * 0, -EPERM (no CAP_NET_ADMIN), -EPROTONOSUPPORT (no XFRM in this kernel), -ETIMEDOUT,
 * -ENOMEM, or another -errno. */
int xfrm_table_read(struct xfrm_table *t, unsigned timeout_ms);

#endif
