// SPDX-License-Identifier: Apache-2.0
#include "thread_stat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "voluntary_ctxt_switches:"

/* Reads /proc/self/task/TID/comm to find the thread, then its status. */
long thread_switches(const char *name)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	long found = -1;

	if (!dir)
		return -1;
	while (found < 0 && (de = readdir(dir))) {
		char path[300], comm[32] = "", line[128];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, name) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, KEY, strlen(KEY)) == 0) {
				found = strtol(line + strlen(KEY), NULL, 10);
				break;
			}
		fclose(f);
	}
	closedir(dir);
	return found;
}
