// SPDX-License-Identifier: Apache-2.0
/*
 * Native histogram buckets (see prom_native.h). The key is found as client_golang finds it:
 * frexp() splits v into frac * 2^exp with frac in [0.5, 1), and the key is the index of the
 * first of the 2^schema bounds 2^(j/2^schema - 1) that is >= frac, plus (exp - 1) * 2^schema.
 * This is exact at the bucket boundaries (powers of two land in the bucket they close), where
 * ceil(log2(v) * 8) would depend on log2's rounding.
 */
#include "prom/prom_native.h"

#include <math.h>

#define PER_OCTAVE (1 << PROM_NATIVE_SCHEMA)

/* 2^(j/8 - 1) for j = 0..7, written out as client_golang's nativeHistogramBounds[3] */
static const double bounds[PER_OCTAVE] = {
    0.5,
    0.5452538663326288,
    0.5946035575013605,
    0.6484197773255048,
    0.7071067811865475,
    0.7711054127039704,
    0.8408964152537144,
    0.9170040432046711,
};

int prom_native_key(double v)
{
	int exp, j = 0;
	double frac = frexp(v, &exp);

	while (j < PER_OCTAVE && bounds[j] < frac)
		j++;
	/* frac above the last bound belongs to the next octave's first bucket (j == 8 gives
	 * exactly that key) */
	return j + (exp - 1) * PER_OCTAVE;
}

double prom_native_upper(int key)
{
	int octave = key >= 0 ? key / PER_OCTAVE : -((-key + PER_OCTAVE - 1) / PER_OCTAVE);
	int j = key - octave * PER_OCTAVE;

	/* key = j + (exp - 1) * 8 with bound 2^(j/8 - 1) * 2^exp = bounds[j] * 2^(octave + 1) */
	return ldexp(bounds[j], octave + 1);
}

void prom_native_observe(struct prom_native *h, double v)
{
	int key;

	if (!(v > PROM_NATIVE_ZERO_THRESHOLD)) {
		/* also NaN: it has no bucket, and the zero bucket keeps the counts consistent */
		h->zero_count++;
		return;
	}
	key = v > prom_native_upper(PROM_NATIVE_KEY_MAX) ? PROM_NATIVE_KEY_MAX : prom_native_key(v);
	if (key < PROM_NATIVE_KEY_MIN)
		key = PROM_NATIVE_KEY_MIN;
	h->counts[key - PROM_NATIVE_KEY_MIN]++;
}

uint64_t prom_native_total(const struct prom_native *h)
{
	uint64_t n = h->zero_count;

	for (size_t i = 0; i < PROM_NATIVE_BUCKETS; i++)
		n += h->counts[i];
	return n;
}
