/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growable arrays kept as (pointer, count, capacity) in their owner's struct: one place that
 * doubles the capacity, caps it at a named limit and multiplies with overflow checks
 * (reallocarray), instead of a hand-written loop per array (chrony's ARR_ is the model; we keep
 * the plain fields so that the owners' structs stay readable).
 *
 *	if (ARRAY_GROW(f->conns, f->n_conns, f->cap_conns, 8, DOCTOR_CONNS_MAX) < 0)
 *		return NULL;
 *	c = &f->conns[f->n_conns++];
 */
#ifndef IKEWATCH_ARRAY_H
#define IKEWATCH_ARRAY_H

#include <stddef.h>
#include <stdint.h>

/* Make room in the array at *@arrp (a pointer to the owner's element pointer) holding @n
 * elements of @elem bytes for @extra more: 0 (*@cap grown if needed: from @first, doubling, never
 * above @max), -E2BIG when @n + @extra would exceed @max, -ENOMEM (the array is unchanged). */
int array_reserve(void *arrp, size_t elem, size_t n, size_t extra, size_t *cap, size_t first,
                  size_t max);
/* The same for a uint32_t capacity (max is then at most UINT32_MAX). */
int array_reserve_u32(void *arrp, size_t elem, size_t n, size_t extra, uint32_t *cap, size_t first,
                      size_t max);

/* Room for one more element in @arr (an lvalue pointer) with @n elements of @cap (an lvalue of
 * type size_t or uint32_t). */
#define ARRAY_GROW(arr, n, cap, first, max)                                                        \
	_Generic(&(cap), uint32_t *                                                                \
	         : array_reserve_u32, default                                                      \
	         : array_reserve)((void *)&(arr), sizeof(*(arr)), (n), 1, &(cap), (first), (max))

#endif
