// SPDX-License-Identifier: Apache-2.0
/*
 * Array growth: doubling from the first capacity, the cap, overflow of the byte size, both
 * capacity types, and an array left as it was when growth fails.
 */
#include "test.h"

#include "common/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct item {
	int v[3];
};

static void doubles_up_to_the_cap(void)
{
	static const size_t want[] = {4, 4, 4, 4, 8, 8, 8, 8, 10, 10};
	struct item *a = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < 10; i++) {
		T_EQ_INT(ARRAY_GROW(a, n, cap, 4, 10), 0);
		T_EQ_INT(cap, want[i]);
		a[n++].v[2] = (int)i; /* ASan sees a write past the allocation */
	}
	T_EQ_INT(ARRAY_GROW(a, n, cap, 4, 10), -E2BIG);
	T_EQ_INT(cap, 10);
	for (size_t i = 0; i < n; i++)
		T_EQ_INT(a[i].v[2], (int)i);
	free(a);
}

static void uint32_capacity(void)
{
	uint64_t *a = NULL;
	uint32_t n = 0, cap = 0;

	while (n < 100) {
		T_EQ_INT(ARRAY_GROW(a, n, cap, 16, 1000), 0);
		a[n] = n;
		n++;
	}
	T_EQ_INT(cap, 128);
	free(a);
	/* a capacity of uint32_t never goes past UINT32_MAX, whatever the max */
	cap = UINT32_MAX;
	n = UINT32_MAX;
	T_EQ_INT(array_reserve_u32(&a, 1, n, 1, &cap, 1, SIZE_MAX), -E2BIG);
}

static void failures_leave_the_array(void)
{
	char *a = NULL, *before;
	size_t cap = 0;

	T_EQ_INT(array_reserve(&a, 1, 0, 8, &cap, 1, 64), 0);
	T_EQ_INT(cap, 8);
	before = a;
	/* a byte size that overflows size_t: reallocarray refuses, nothing changes */
	T_EQ_INT(array_reserve(&a, SIZE_MAX / 2, 8, 1, &cap, 1, SIZE_MAX), -ENOMEM);
	T_ASSERT(a == before && cap == 8);
	T_EQ_INT(array_reserve(&a, 1, 8, SIZE_MAX, &cap, 1, SIZE_MAX), -E2BIG);
	T_EQ_INT(array_reserve(&a, 1, 65, 0, &cap, 1, 64), -E2BIG);
	/* room already there: no reallocation */
	T_EQ_INT(array_reserve(&a, 1, 2, 6, &cap, 1, 64), 0);
	T_ASSERT(a == before && cap == 8);
	/* several at once grow past a plain doubling */
	T_EQ_INT(array_reserve(&a, 1, 8, 30, &cap, 1, 64), 0);
	T_EQ_INT(cap, 64);
	/* first 0 still grows */
	free(a);
	a = NULL;
	cap = 0;
	T_EQ_INT(array_reserve(&a, 1, 0, 1, &cap, 0, 64), 0);
	T_EQ_INT(cap, 1);
	free(a);
}

TEST_MAIN("array", TEST(doubles_up_to_the_cap), TEST(uint32_capacity),
          TEST(failures_leave_the_array))
