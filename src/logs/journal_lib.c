// SPDX-License-Identifier: Apache-2.0
/* libsystemd's journal reader, loaded on first use (see journal_lib.h). */
#include "logs/journal_lib.h"

#include "common/dl_lib.h"

#include <pthread.h>
#include <stdio.h>

static const char *const sonames[] = {"libsystemd.so.0", NULL};

static struct journal_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[192]; /* empty: loaded */

static void load(void)
{
	const struct dl_sym syms[] = {
#define JOURNAL_LIB_SYM(f) {"sd_journal_" #f, (void **)&lib.f},
	    JOURNAL_LIB_FUNCS(JOURNAL_LIB_SYM)
#undef JOURNAL_LIB_SYM
	};
	char err[128];

	if (dl_lib_load(sonames, syms, sizeof(syms) / sizeof(syms[0]), err, sizeof(err)) < 0)
		snprintf(load_err, sizeof(load_err),
		         "libsystemd %s; Debian: apt-get install libsystemd0", err);
}

const struct journal_lib *journal_lib(char *err, size_t err_size)
{
	pthread_once(&once, load);
	if (load_err[0]) {
		snprintf(err, err_size, "%s", load_err);
		return NULL;
	}
	return &lib;
}
