/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HMAC key files for authenticated STAMP: either hexadecimal (an even number of hex digits,
 * the form `openssl rand -hex 32` writes) or raw bytes; one trailing newline is ignored.
 */
#ifndef IKEWATCH_STAMP_KEYFILE_H
#define IKEWATCH_STAMP_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

/* Decode a key file's content; 0, or -EINVAL (empty, or longer than STAMP_KEY_MAX bytes). */
int stamp_key_parse(const char *text, size_t len, uint8_t *key, size_t *ret_len);
/* Read and decode @path; 0 or -errno. */
int stamp_key_load(const char *path, uint8_t *key, size_t *ret_len);

#endif
