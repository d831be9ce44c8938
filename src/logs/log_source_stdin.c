// SPDX-License-Identifier: Apache-2.0
/*
 * The stdin log source (see log_source_stdin.h): poll(2) on the descriptor and on the stopper's
 * fd, so that a quiet pipe neither wakes serve nor keeps it from stopping, read(2), and the
 * shared line assembler.
 */
#include "logs/log_source_stdin.h"

#include "logs/log_lines.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

int log_stdin_source_run(int fd, const struct log_sink *sink, const struct stopper *stop,
                         uint64_t *ret_lines)
{
	struct log_lines lines;
	char chunk[65536];
	int r = 0;

	if (fd < 0 || !sink)
		return fd < 0 ? -EBADF : -EINVAL;
	log_lines_init(&lines);
	while (!stop || !stopper_stopped(stop)) {
		ssize_t n;

		r = stopper_wait(stop, fd, POLLIN, -1);
		if (r == -EINTR || r == 0)
			continue; /* a signal, or the stopper */
		if (r < 0)
			break;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = -errno;
			break;
		}
		if (n == 0) {
			r = 0;
			break;
		}
		log_lines_feed(&lines, chunk, (size_t)n, sink);
	}
	log_lines_flush(&lines, sink);
	if (ret_lines)
		*ret_lines = lines.lines;
	return r < 0 ? r : 0;
}
