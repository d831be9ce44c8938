/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How many IPsec SAs and policies the kernel holds (XFRM netlink, XFRM_MSG_GETSAINFO and
 * XFRM_MSG_GETSPDINFO): counts only, never the SAs themselves, so no key material is read.
 * Needs CAP_NET_ADMIN, as every XFRM netlink request does.
 */
#ifndef IKEWATCH_DOCTOR_XFRM_H
#define IKEWATCH_DOCTOR_XFRM_H

#include <stdbool.h>
#include <stdint.h>

/* 0 and the counts, or -errno (-EPERM without CAP_NET_ADMIN). */
int doctor_xfrm_counts(uint32_t *ret_states, uint32_t *ret_policies);
/* True when charon's kernel-libipsec TUN device (ipsec0) exists: ESP then runs in user space
 * and the kernel's SAD stays empty by design. */
bool doctor_xfrm_libipsec(void);

#endif
