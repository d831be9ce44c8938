// SPDX-License-Identifier: Apache-2.0
/*
 * Classifier throughput: reads a log file into memory, classifies every line with
 * log_classify_line() on one core and prints lines per second (best of --rounds). With --ere it
 * instead prints one POSIX extended regular expression equivalent to the pattern table, so that
 * bench_classify.sh can time `grep -E -c` with the same anchors on the same file.
 *
 * Usage: bench_classify FILE [--rounds N]    |    bench_classify --ere
 */
#include "common/clock.h"
#include "common/num.h"
#include "logs/log_classify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ERE-escape a literal. */
static void put_ere(const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.[]()*+?{}|^$", *s))
			putchar('\\');
		putchar(*s);
	}
}

static int print_ere(void)
{
	const char *g, *pre, *con;

	/* the same shape the classifier accepts: "NN[GRP] " or "NN[GRPn] ", an optional
	 * "<conn|id> ", then prefix and, somewhere after it, the contains literal */
	fputs("[0-9][0-9]\\[(IKE|CFG|ENC)[0-9]?\\] (<[^>]*> )?(", stdout);
	for (size_t i = 0; log_classify_pattern_at(i, &g, &pre, &con) == 0; i++) {
		if (i)
			putchar('|');
		put_ere(pre);
		if (*con) {
			fputs(".*", stdout);
			put_ere(con);
		}
	}
	/* the IKE catch-all for unknown failures */
	fputs("|.*failed)\n", stdout);
	return 0;
}

static char *slurp(const char *path, size_t *ret_len)
{
	struct stat st;
	char *data;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	data = malloc((size_t)st.st_size + 1);
	while (data && got < (size_t)st.st_size &&
	       (n = read(fd, data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	*ret_len = got;
	return data;
}

int main(int argc, char **argv)
{
	uint64_t rounds = 5, best_ns = UINT64_MAX, lines = 0, hits = 0;
	size_t len;
	char *data;

	if (argc == 2 && strcmp(argv[1], "--ere") == 0)
		return print_ere();
	if (argc < 2) {
		fprintf(stderr, "usage: bench_classify FILE [--rounds N] | bench_classify --ere\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[2], "--rounds") == 0 &&
	    num_parse_u64_str(argv[3], 1000, &rounds) < 0) {
		fprintf(stderr, "bad --rounds\n");
		return 2;
	}
	data = slurp(argv[1], &len);
	if (!data) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t t0 = clock_mono_ns(), dt;
		const char *p = data, *end = data + len;

		lines = hits = 0;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			struct log_class c;

			log_classify_line(p, n, &c);
			hits += c.cat != LOG_CAT_NONE;
			lines++;
			p += n + 1;
		}
		dt = clock_mono_ns() - t0;
		if (dt < best_ns)
			best_ns = dt;
	}
	printf("lines %llu classified %llu best_ns %llu lines_per_s %.0f\n",
	       (unsigned long long)lines, (unsigned long long)hits, (unsigned long long)best_ns,
	       (double)lines * 1e9 / (double)(best_ns ? best_ns : 1));
	free(data);
	return 0;
}
