/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one checked way to turn outside text into numbers: strtoull/strtoll with an end pointer
 * and a range, on a bounded (not necessarily NUL-terminated) span. No atoi, no sscanf.
 * Return 0 or -EINVAL (not a number, trailing junk, empty) / -ERANGE (outside [min, max]).
 */
#ifndef IKEWATCH_NUM_H
#define IKEWATCH_NUM_H

#include <stddef.h>
#include <stdint.h>

int num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *ret);
int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret);
/* Unsigned hexadecimal, with or without a 0x prefix (SPIs in VICI are plain hex). */
int num_parse_hex_u64(const char *s, size_t len, uint64_t max, uint64_t *ret);
/* A finite decimal number written in the C locale ("1.5", "0.25"). */
int num_parse_double(const char *s, size_t len, double min, double max, double *ret);
/* Durations: "250ms", "5s", "2m", "1h", or a bare number of seconds. */
int num_parse_duration_ms(const char *s, size_t len, uint64_t max_ms, uint64_t *ret_ms);

/* NUL-terminated convenience wrappers for command-line flags and config values. */
int num_parse_u64_str(const char *s, uint64_t max, uint64_t *ret);
int num_parse_duration_ms_str(const char *s, uint64_t max_ms, uint64_t *ret_ms);

#endif
