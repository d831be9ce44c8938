/* SPDX-License-Identifier: Apache-2.0 */
/* Vectors of XFRM dump answers for the unit tests (see xfrm_vec.c). */
#ifndef IKEWATCH_TEST_XFRM_VEC_H
#define IKEWATCH_TEST_XFRM_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlbuf {
	uint8_t b[4096];
	size_t len;
};

/* Put into every key-bearing attribute of a state built with @keys. */
extern const uint8_t XFRM_VEC_KEY[36];

/* A NEWSA as the kernel dumps it: tunnel mode, source 192.0.2.1, @bytes and @bytes / 100
 * packets, added at 1700000000, replay window drops 3, replays 2; @keys: every key-bearing
 * attribute holds XFRM_VEC_KEY. */
void xfrm_vec_state_proto(struct nlbuf *m, uint8_t proto, uint32_t spi, uint32_t reqid,
                          const char *dst, uint64_t bytes, uint32_t integ_failed, bool keys);
/* The same for ESP. */
void xfrm_vec_state(struct nlbuf *m, uint32_t spi, uint32_t reqid, const char *dst, uint64_t bytes,
                    uint32_t integ_failed, bool keys);
/* A NEWPOLICY 203.0.113.0/25 -> 203.0.113.128/25 with one ESP template per reqid. */
void xfrm_vec_policy(struct nlbuf *m, uint8_t dir, const uint32_t *reqids, size_t n,
                     uint8_t action);
/* Append attribute @type with @n bytes of @p to state @m (built above) and rewrite its header:
 * XFRMA_LASTUSED, or a malformed one. */
void xfrm_vec_state_attr(struct nlbuf *m, uint16_t type, const void *p, size_t n);
/* Write the netlink header of @m (its length so far) as message @type. */
void xfrm_vec_finish(struct nlbuf *m, uint16_t type);

#endif
