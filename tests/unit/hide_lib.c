// SPDX-License-Identifier: Apache-2.0
/* Hiding optional libraries from a test child (see hide_lib.h). */
#include "hide_lib.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int hide_libs(const char *const *sonames)
{
	char dir[512], path[600];
	Dl_info libc;
	char *slash;

	/* the libraries' directory: libc's (Debian's multiarch directory) */
	if (!dladdr((void *)printf, &libc) || !libc.dli_fname ||
	    snprintf(dir, sizeof(dir), "%s", libc.dli_fname) >= (int)sizeof(dir) ||
	    !(slash = strrchr(dir, '/')))
		return 1;
	*slash = '\0';
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 2;
	for (size_t i = 0; sonames[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sonames[i]);
		if (access(path, F_OK) == 0 && mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
			return 3;
	}
	return 0;
}
