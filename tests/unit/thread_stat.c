// SPDX-License-Identifier: Apache-2.0
#include "thread_stat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWITCHES "voluntary_ctxt_switches:"

/* /proc/self/task/@tid/@file's first line (or the line starting with @key) into @out. */
static int read_line(const char *tid, const char *file, const char *key, char *out, size_t n)
{
	char path[300];
	FILE *f;
	int r = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%s/%s", tid, file);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(out, (int)n, f))
		if (!key || strncmp(out, key, strlen(key)) == 0) {
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

int thread_stat(const char *name, struct thread_stat *ret)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	int r = -1;

	if (!dir)
		return -1;
	while (r < 0 && (de = readdir(dir))) {
		char line[128];

		if (de->d_name[0] == '.' || read_line(de->d_name, "comm", NULL, line, sizeof(line)))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, name) != 0)
			continue;
		if (read_line(de->d_name, "status", SWITCHES, line, sizeof(line)) < 0)
			break;
		ret->switches = strtol(line + strlen(SWITCHES), NULL, 10);
		/* schedstat: time on a CPU (ns), time waiting for one, timeslices */
		if (read_line(de->d_name, "schedstat", NULL, line, sizeof(line)) < 0)
			break;
		ret->cpu_ns = strtoll(line, NULL, 10);
		r = 0;
	}
	closedir(dir);
	return r;
}

int thread_idle(const char *name, long ms, struct thread_stat *ret)
{
	struct thread_stat a, z;

	if (thread_stat(name, &a) < 0)
		return -1;
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
	if (thread_stat(name, &z) < 0)
		return -1;
	ret->switches = z.switches - a.switches;
	ret->cpu_ns = z.cpu_ns - a.cpu_ns;
	return 0;
}

bool thread_slept(const char *name, long ms)
{
	struct thread_stat d;

	return thread_idle(name, ms, &d) == 0 && d.switches <= 1 && d.cpu_ns < 20000000;
}
