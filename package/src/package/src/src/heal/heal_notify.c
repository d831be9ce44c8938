// SPDX-License-Identifier: Apache-2.0
/*
 * Appending audit lines (O_APPEND, one write per line so concurrent writers do not interleave
 * within a line) and the POST of notifications through the one HTTP client: nothing from the
 * receiver is trusted beyond "2xx or not".
 */
#include "heal/heal_notify.h"

#include "http/http_client.h"
#include "http/http_url.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
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

int heal_notify_post(const char *url, const char *body, size_t len)
{
	const struct http_client_opts o = {.timeout_ms = NOTIFY_TIMEOUT_MS, .max_body = 64 * 1024};
	char err[HTTP_CLIENT_ERR_MAX];
	struct http_url u;
	int r;

	/* plain http:// to an address or localhost: checked here, so the client resolves nothing */
	r = http_url_parse(url, &u);
	if (r < 0)
		return r;
	r = http_post(url, &o, "application/json", body, len, NULL, err);
	return r == -EPROTO || r == -E2BIG ? -EPROTO : r;
}
