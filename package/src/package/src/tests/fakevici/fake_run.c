// SPDX-License-Identifier: Apache-2.0
/*
 * fakevici for tests (see fake_run.h).
 */
#include "fake_run.h"

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FAKEVICI_PATH
#define FAKEVICI_PATH "fakevici"
#endif

extern char **environ;

bool fake_start(struct fake *f, const char *const *args)
{
	char *argv[16];
	size_t n = 0;

	if (!f->sock[0]) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/fakevici-test.XXXXXX");
		if (!mkdtemp(f->dir))
			return false;
		snprintf(f->sock, sizeof(f->sock), "%s/charon.vici", f->dir);
	}
	argv[n++] = (char *)FAKEVICI_PATH;
	for (; args && *args && n < 14; args++)
		argv[n++] = (char *)*args;
	argv[n++] = f->sock;
	argv[n] = NULL;
	if (posix_spawn(&f->pid, FAKEVICI_PATH, NULL, NULL, argv, environ) != 0)
		return false;
	for (int i = 0; i < 500; i++) {
		struct stat st;

		if (stat(f->sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return true;
		usleep(10000);
	}
	return false;
}

void fake_stop_keep(struct fake *f, bool keep_dir)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	unlink(f->sock);
	if (keep_dir)
		return;
	rmdir(f->dir);
	f->sock[0] = '\0';
}
