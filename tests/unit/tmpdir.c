// SPDX-License-Identifier: Apache-2.0
/*
 * The per-binary scratch directory (see tmpdir.h), removed with everything in it when the
 * binary exits.
 */
#include "tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/ikewatch-test-XXXXXX";
static bool made;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Everything under it, depth first and without following links. */
static void remove_dir(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tmpdir(void)
{
	if (!made) {
		if (!mkdtemp(dir))
			return NULL;
		made = true;
		atexit(remove_dir);
	}
	return dir;
}

bool tmpdir_path(const char *name, char *out, size_t len)
{
	const char *d = tmpdir();
	int n = d ? snprintf(out, len, "%s/%s", d, name) : -1;

	return n >= 0 && (size_t)n < len;
}
