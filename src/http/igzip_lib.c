// SPDX-License-Identifier: Apache-2.0
/* ISA-L's igzip, loaded on first use (see igzip_lib.h). */
#include "http/igzip_lib.h"

#include "common/dl_lib.h"

#include <pthread.h>
#include <stdbool.h>

static const char *const sonames[] = {"libisal.so.2", NULL};

static struct igzip_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;

static void load(void)
{
	const struct dl_sym syms[] = {
	    {"isal_deflate_init", (void **)&lib.deflate_init},
	    {"isal_deflate", (void **)&lib.deflate},
	};
	char err[128];

	loaded = dl_lib_load(sonames, syms, sizeof(syms) / sizeof(syms[0]), err, sizeof(err)) == 0;
}

const struct igzip_lib *igzip_lib(void)
{
	pthread_once(&once, load);
	return loaded ? &lib : NULL;
}
