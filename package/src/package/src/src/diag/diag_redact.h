/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Removing secrets from the text of a support bundle (`ikewatch diag`). A codec: bytes in,
 * redacted bytes out, no I/O, no logging, so that a unit test and a fuzzer can prove that no
 * key survives it. Every text file of the bundle goes through it, whatever produced the text.
 *
 * Each line is handled on its own:
 *  - iproute2's `ip xfrm state` algorithm lines ("enc cbc(aes) 0x<key>", "auth", "auth-trunc",
 *    "aead", "comp"): the token after the algorithm name, the key, becomes "[redacted]"; a
 *    trailing truncation or ICV length stays;
 *  - a sensitive key/value ("secret = ...", "psk: ...", also data, password, passphrase, pin,
 *    anything ending in "secret" or "password"), as swanctl.conf, our VICI tree printer or a log
 *    line writes it: everything after the "=" or ":" becomes "[redacted]";
 *  - anywhere: "0x" followed by 16 or more hex digits, a bare run of 32 or more hex digits, and
 *    a hex dump of 8 or more space-separated bytes (charon's chunk dumps at log level 4, which
 *    is where it prints keying material).
 * SPIs (0x + 8 hex digits), addresses and counters are kept: they are what a support case needs.
 */
#ifndef IKEWATCH_DIAG_REDACT_H
#define IKEWATCH_DIAG_REDACT_H

#include "common/buf.h"

#include <stddef.h>

#define DIAG_REDACTED "[redacted]"
/* Shortest hex runs that are taken for key material. */
#define DIAG_REDACT_HEX_0X_MIN 16
#define DIAG_REDACT_HEX_BARE_MIN 32
#define DIAG_REDACT_DUMP_BYTES_MIN 8

/* Append @in (@len bytes, any content, NULs allowed) to @out with secrets replaced.
 * *ret_count (may be NULL) gets the number of replacements. Returns 0 or @out's sticky error. */
int diag_redact(const char *in, size_t len, struct buf *out, unsigned *ret_count);

#endif
