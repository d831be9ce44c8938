// SPDX-License-Identifier: Apache-2.0
/*
 * A loopback-only HTTP GET for the diag bundle (see diag_http.h). The answer is read whole (up
 * to the cap) through the bounded reader, then the status line and the end of the headers are
 * found; nothing of the answer is trusted to size anything.
 */
#include "diag/diag_http.h"

#include "common/clock.h"
#include "common/num.h"
#include "common/rd.h"
#include "http/http_url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

int diag_http_parse_url(const char *url, struct sockaddr_storage *ret_addr, socklen_t *ret_len,
			char ret_path[DIAG_HTTP_PATH_MAX])
{
	const char *path;
	struct http_url u;
	int r = http_url_parse(url, &u);

	if (r == -EOPNOTSUPP)
		return -EPERM; /* a name: we resolve nothing, so it cannot be shown to be local */
	if (r < 0 || strlen(u.path) >= DIAG_HTTP_PATH_MAX)
		return -EINVAL;
	if (u.addr.ss_family == AF_INET
		    ? ntohl(((struct sockaddr_in *)&u.addr)->sin_addr.s_addr) >> 24 != 127
		    : !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&u.addr)->sin6_addr))
		return -EPERM;
	*ret_addr = u.addr;
	*ret_len = u.addr_len;
	path = *u.path ? u.path : "/metrics";
	memcpy(ret_path, path, strlen(path) + 1);
	return 0;
}

static int wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = ev};
		uint64_t now = clock_mono_ms();
		int n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Status line "HTTP/1.x 200 ..." and the body after the blank line. */
static int split_answer(const char *a, size_t len, const char **ret_body, size_t *ret_len)
{
	struct rd r;
	const uint8_t *status;

	rd_init(&r, a, len);
	if (rd_bytes(&r, 12, &status) < 0 || memcmp(status, "HTTP/1.", 7) != 0 ||
	    memcmp(status + 8, " 200", 4) != 0)
		return -EPROTO;
	for (;;) {
		const uint8_t *p;

		if (rd_left(&r) >= 4 && memcmp(r.p, "\r\n\r\n", 4) == 0) {
			rd_skip(&r, 4);
			break;
		}
		if (rd_bytes(&r, 1, &p) < 0)
			return -EPROTO;
	}
	*ret_body = (const char *)r.p;
	*ret_len = rd_left(&r);
	return 0;
}

int diag_http_get(const char *url, unsigned timeout_ms, size_t max, struct buf *out)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	char path[DIAG_HTTP_PATH_MAX];
	struct sockaddr_storage ss;
	struct buf req, ans;
	const char *body;
	size_t blen, sent = 0;
	socklen_t sl;
	int fd, err;

	if ((err = diag_http_parse_url(url, &ss, &sl, path)) < 0)
		return err;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	buf_init(&req, 1024);
	buf_init(&ans, max + 4096); /* room for the headers */
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		err = -errno;
		goto out_close;
	}
	if ((err = wait_fd(fd, POLLOUT, deadline)) < 0)
		goto out_close;
	{
		int soerr = 0;
		socklen_t el = sizeof(soerr);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el);
		if (soerr) {
			err = -soerr;
			goto out_close;
		}
	}
	buf_printf(&req, "GET %s HTTP/1.0\r\nHost: localhost\r\nUser-Agent: ikewatch-diag\r\n"
			 "Accept: text/plain\r\nConnection: close\r\n\r\n", path);
	if ((err = req.err) < 0)
		goto out_close;
	while (sent < req.len) {
		ssize_t n;

		if ((err = wait_fd(fd, POLLOUT, deadline)) < 0)
			goto out_close;
		n = send(fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			err = -errno;
			goto out_close;
		}
		if (n > 0)
			sent += (size_t)n;
	}
	for (;;) {
		char chunk[16384];
		ssize_t n;

		if ((err = wait_fd(fd, POLLIN, deadline)) < 0)
			goto out_close;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err = -errno;
			goto out_close;
		}
		if (buf_append(&ans, chunk, (size_t)n) < 0) {
			err = ans.err;
			goto out_close;
		}
	}
	if ((err = split_answer(ans.data ? ans.data : "", ans.len, &body, &blen)) < 0)
		goto out_close;
	if (blen > max) {
		err = -E2BIG;
		goto out_close;
	}
	buf_append(out, body, blen);
	err = out->err;
out_close:
	buf_done(&req);
	buf_done(&ans);
	close(fd);
	return err;
}
