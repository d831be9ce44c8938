/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISA-L's igzip, the fast gzip of HTTP answers (http_deflate.h), loaded at the first gzipped
 * answer (common/dl_lib.h) rather than linked: linked, its code for every instruction set was
 * 0.2-0.3 MiB of serve's peak RSS, though a plain scrape never runs it. Built only where the
 * header is (meson option isal); without the library, gzip is zlib's.
 */
#ifndef IKEWATCH_IGZIP_LIB_H
#define IKEWATCH_IGZIP_LIB_H

#include <isa-l/igzip_lib.h>

struct igzip_lib {
	__typeof__(isal_deflate_init) *deflate_init;
	__typeof__(isal_deflate) *deflate;
};

/* The functions, loaded at the first call; NULL when libisal.so.2 cannot be loaded (the same at
 * every call). Thread-safe. */
const struct igzip_lib *igzip_lib(void);

#endif
