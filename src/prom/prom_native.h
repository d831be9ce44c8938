/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bucket map of a native histogram (Prometheus' sparse exponential histogram) over a fixed
 * range, for observations in seconds such as a probe's round-trip time: schema
 * PROM_NATIVE_SCHEMA, so bucket key k holds (2^((k-1)/2^schema), 2^(k/2^schema)], i.e. each
 * bucket is 2^(1/8) (about 9 %) wider than the one before. Keys run from PROM_NATIVE_KEY_MIN
 * (just above the zero threshold, 2^-20 s, about 0.95 us) to PROM_NATIVE_KEY_MAX (2^7 s = 128
 * s): an observation at or below the zero threshold (0, or a clock step backwards) counts in the
 * zero bucket, one above 128 s in the top bucket. A plain struct with a fixed array (1.7 KiB), no
 * allocation, so that it can be copied under a lock like the classic counts.
 */
#ifndef IKEWATCH_PROM_NATIVE_H
#define IKEWATCH_PROM_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#define PROM_NATIVE_SCHEMA 3
#define PROM_NATIVE_KEY_MIN (-159)
#define PROM_NATIVE_KEY_MAX 56
#define PROM_NATIVE_BUCKETS (PROM_NATIVE_KEY_MAX - PROM_NATIVE_KEY_MIN + 1)
/* 2^-20: the upper bound of the zero bucket, and the lower bound of key PROM_NATIVE_KEY_MIN */
#define PROM_NATIVE_ZERO_THRESHOLD (1.0 / 1048576.0)

struct prom_native {
	uint64_t zero_count;
	uint64_t counts[PROM_NATIVE_BUCKETS]; /* [i]: key PROM_NATIVE_KEY_MIN + i */
};

/* Count one observation @v. */
void prom_native_observe(struct prom_native *h, double v);
/* The bucket key of @v > 0 under PROM_NATIVE_SCHEMA, unclamped (for tests). */
int prom_native_key(double v);
/* The upper bound of bucket @key. */
double prom_native_upper(int key);
/* All observations counted (zero bucket included). */
uint64_t prom_native_total(const struct prom_native *h);

#endif
