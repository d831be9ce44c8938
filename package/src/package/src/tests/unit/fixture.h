/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading the recorded charon packets of tests/fixtures/vici/ in unit tests. Tests run with
 * their working directory in tests/unit (see tests/unit/meson.build), so the recordings are at
 * FIXTURE_VICI_DIR. Every loaded buffer is malloc()ed to its exact size, so that AddressSanitizer
 * catches a decoder that reads one byte past the end of a packet.
 */
#ifndef IKEWATCH_TEST_FIXTURE_H
#define IKEWATCH_TEST_FIXTURE_H

#include "vici/vici_msg.h"

#include <stddef.h>
#include <stdint.h>

#define FIXTURE_VICI_DIR "../fixtures/vici"

/* The whole file @name (relative to FIXTURE_VICI_DIR). 0 or -errno; *ret is the caller's. */
int fixture_load(const char *name, uint8_t **ret, size_t *ret_len);

/* A recorded packet without its 4-byte length prefix (the prefix is checked against the file
 * size: -EBADMSG if they disagree). */
int fixture_packet(const char *name, uint8_t **ret, size_t *ret_len);

/* A recorded packet, decoded into *msg. *ret_pkt holds the bytes the message points into and
 * must outlive it (free() it after vici_msg_done()). 0 or -errno. */
int fixture_decode(const char *name, struct vici_msg *msg, uint8_t **ret_pkt);

/* The sorted names of all files in FIXTURE_VICI_DIR that end in @suffix. The caller frees
 * them with fixture_names_free(). 0 or -errno. */
int fixture_names(const char *suffix, char ***ret, size_t *ret_n);
void fixture_names_free(char **names, size_t n);

#endif
