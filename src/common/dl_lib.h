/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading an optional library when its feature is first used, instead of linking it: a linked
 * library and everything it links are mapped into every command, and serve carries their pages
 * (docs/benchmarks.md, "Peak memory"). libcurl (doctor, diag, heal), libsystemd's journal
 * reader and ISA-L's igzip (serve's gzipped answers) are loaded this way. dh_shlibdeps cannot
 * see a dlopen(), so the package names each library by hand (debian/control, debian/rules).
 */
#ifndef IKEWATCH_DL_LIB_H
#define IKEWATCH_DL_LIB_H

#include <stddef.h>

/* One function looked up by @name and stored in @slot. */
struct dl_sym {
	const char *name;
	void **slot;
};

/* Opens the first of @sonames (NULL-terminated) that loads and fills every slot of @syms from
 * it. The library stays loaded for the life of the process: its functions are kept, and
 * libraries with global state do not support unloading. Returns 0, or -ENOENT with a message
 * for the user in @err (naming the sonames tried, or the function missing). */
int dl_lib_load(const char *const *sonames, const struct dl_sym *syms, size_t n_syms, char *err,
                size_t err_size);

#endif
