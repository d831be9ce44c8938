// SPDX-License-Identifier: Apache-2.0
/*
 * Appending audit lines (O_APPEND, one write per line so concurrent writers do not interleave
 * within a line) and a minimal HTTP/1.0 POST for notifications. The answer is read only as far
 * as its status line, bounded, through the rd cursor's rules: nothing from the receiver is
 * trusted beyond "2xx or not".
 */
#include "heal/heal_notify.h"

#include "http/http_url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOTIFY_TIMEOUT_MS 3000

int heal_audit_append(const char *path, const char *line, size_t len)
{
	char buf[16384];
	int fd, r = 0;

	if (len + 1 > sizeof(buf))
		return -E2BIG;
	memcpy(buf, line, len);
	buf[len] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len + 1) != (ssize_t)(len + 1))
		r = errno ? -errno : -EIO;
	close(fd);
	return r;
}

static int wait_fd(int fd, short ev)
{
	struct pollfd pfd = {.fd = fd, .events = ev};
	int r = poll(&pfd, 1, NOTIFY_TIMEOUT_MS);

	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

int heal_notify_post(const char *url, const char *body, size_t len)
{
	struct http_url u;
	char head[512], resp[64];
	size_t got = 0;
	int fd, n, r;

	r = http_url_parse(url, &u);
	if (r < 0)
		return r;
	fd = socket(u.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&u.addr, u.addr_len) < 0 && errno != EINPROGRESS) {
		r = -errno;
		goto out_close;
	}
	if ((r = wait_fd(fd, POLLOUT)) < 0)
		goto out_close;
	n = snprintf(head, sizeof(head),
		     "POST %s HTTP/1.0\r\nHost: %.*s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nUser-Agent: ikewatch-heal\r\n\r\n",
		     *u.path ? u.path : "/", (int)u.host_len, u.host, len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		r = -E2BIG;
		goto out_close;
	}
	fcntl(fd, F_SETFL, 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO,
		   &(struct timeval){.tv_sec = NOTIFY_TIMEOUT_MS / 1000}, sizeof(struct timeval));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
		   &(struct timeval){.tv_sec = NOTIFY_TIMEOUT_MS / 1000}, sizeof(struct timeval));
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n ||
	    send(fd, body, len, MSG_NOSIGNAL) != (ssize_t)len) {
		r = -EIO;
		goto out_close;
	}
	while (got < sizeof(resp) - 1) {
		ssize_t k = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
		if (memchr(resp, '\n', got))
			break;
	}
	/* "HTTP/1.x 2yy ..." */
	r = got >= 12 && memcmp(resp, "HTTP/1.", 7) == 0 && resp[9] == '2' ? 0 : -EPROTO;
out_close:
	close(fd);
	return r;
}
