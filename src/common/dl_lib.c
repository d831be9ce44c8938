// SPDX-License-Identifier: Apache-2.0
/* Optional libraries loaded on first use (see dl_lib.h). */
#include "common/dl_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int dl_lib_load(const char *const *sonames, const struct dl_sym *syms, size_t n_syms, char *err,
                size_t err_size)
{
	void *lib = NULL;
	size_t i, off;

	for (i = 0; !lib && sonames[i]; i++)
		lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		off = (size_t)snprintf(err, err_size, "not found (");
		for (i = 0; sonames[i] && off < err_size; i++)
			off += (size_t)snprintf(err + off, err_size - off, "%s%s", i ? ", " : "",
			                        sonames[i]);
		if (off < err_size)
			snprintf(err + off, err_size - off, ")");
		return -ENOENT;
	}
	for (size_t k = 0; k < n_syms; k++)
		if (!(*syms[k].slot = dlsym(lib, syms[k].name))) {
			snprintf(err, err_size, "%s lacks %s", sonames[i - 1], syms[k].name);
			dlclose(lib);
			return -ENOENT;
		}
	return 0;
}
