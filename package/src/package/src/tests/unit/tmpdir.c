// SPDX-License-Identifier: Apache-2.0
/*
 * The per-binary scratch directory (see tmpdir.h). Files only: tests that make directories
 * inside it remove them themselves.
 */
#include "tmpdir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/ikewatch-test-XXXXXX";
static bool made;

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[sizeof(dir) + 256 + 1];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' ||
		    (e->d_name[1] && (e->d_name[1] != '.' || e->d_name[2]))) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
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
