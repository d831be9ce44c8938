/* SPDX-License-Identifier: Apache-2.0 */
/*
 * XXH64 (Yann Collet's xxHash, 64-bit variant, as specified in xxhash's doc/xxhash_spec.md): a
 * fast hash of good quality (every input bit affects every output bit), not a cryptographic
 * one. Used where two byte strings are taken for equal when their lengths and 64-bit hashes are
 * (exporter/snap_conns.h), so that the bytes need not be kept: a seed chosen at random per
 * process keeps any pair of inputs from colliding in every run. Written from that
 * specification rather than taken from Debian's libxxhash: one function, checked against that
 * library's own values (tests/unit/test_common.c), against a new build and run-time dependency.
 */
#ifndef IKEWATCH_XXH64_H
#define IKEWATCH_XXH64_H

#include <stddef.h>
#include <stdint.h>

uint64_t xxh64(const void *data, size_t len, uint64_t seed);

#endif
