// SPDX-License-Identifier: Apache-2.0
/*
 * Growable arrays (see array.h).
 */
#include "common/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_reserve(void *arrp, size_t elem, size_t n, size_t extra, size_t *cap, size_t first,
                  size_t max)
{
	size_t need, ncap;
	void *p;

	if (n > max || extra > max - n)
		return -E2BIG;
	need = n + extra;
	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : first ? first : 1;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	if (ncap > max)
		ncap = max;
	/* checked here too, not only in reallocarray(): sanitizers abort on its overflow */
	if (elem && ncap > SIZE_MAX / elem)
		return -ENOMEM;
	/* the element pointer is read and written as bytes: its owner's type is not void * */
	memcpy(&p, arrp, sizeof(p));
	p = reallocarray(p, ncap, elem);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = ncap;
	return 0;
}

int array_reserve_u32(void *arrp, size_t elem, size_t n, size_t extra, uint32_t *cap, size_t first,
                      size_t max)
{
	size_t c = *cap;
	int r = array_reserve(arrp, elem, n, extra, &c, first, max < UINT32_MAX ? max : UINT32_MAX);

	if (r == 0)
		*cap = (uint32_t)c;
	return r;
}
