// SPDX-License-Identifier: Apache-2.0
/*
 * Listening sockets for the HTTP server (see http_listen.h). We create, bind and listen on a
 * socket ourselves before handing it to libmicrohttpd: that way a bind failure comes back as
 * its real -errno (EADDRINUSE, EACCES, EADDRNOTAVAIL) instead of MHD's NULL, and a socket from
 * systemd goes the same way as one of ours.
 */
#include "http/http_listen.h"

#include "common/log.h"
#include "common/netaddr.h"
#include "common/service_manager.h"
#include "stamp/stamp_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define HTTP_LISTEN_BACKLOG 64

/* Fill in family, port and name from the socket itself (the port the kernel picked for 0, the
 * address systemd bound). */
static void describe(struct http_listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	l->port = 0;
	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0) {
		l->family = AF_UNSPEC;
		snprintf(l->name, sizeof(l->name), "%s",
		         errno == ENOTSOCK ? "not a socket" : "no address");
		return;
	}
	l->family = ss.ss_family;
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
		size_t n = len > offsetof(struct sockaddr_un, sun_path)
		               ? len - offsetof(struct sockaddr_un, sun_path)
		               : 0;

		/* an abstract socket's name starts with a NUL; shown with '@' as ss(8) does */
		if (n > 0 && sun->sun_path[0] == '\0')
			snprintf(l->name, sizeof(l->name), "@%.*s", (int)(n - 1),
			         sun->sun_path + 1);
		else
			snprintf(l->name, sizeof(l->name), "%.*s", (int)strnlen(sun->sun_path, n),
			         sun->sun_path);
		return;
	}
	stamp_addr_format((struct sockaddr *)&ss, host, sizeof(host));
	l->port = stamp_addr_port((struct sockaddr *)&ss);
	snprintf(l->name, sizeof(l->name), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
	         l->port);
}

static int bind_listen(struct sockaddr_storage *ss, socklen_t sslen, int *ret_fd)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	bool any6 = ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
	int fd, one = 1, zero = 0, r;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT && any6) {
		/* a kernel without IPv6: ":port" means every IPv4 address */
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		in_port_t port = sin6->sin6_port;

		memset(ss, 0, sizeof(*ss));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = port;
		sslen = sizeof(*sin);
		any6 = false;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	/* restart without waiting out TIME_WAIT of the previous instance's connections */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (any6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)ss, sslen) < 0 || listen(fd, HTTP_LISTEN_BACKLOG) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int http_listen_address(const char *addr, int default_port, struct http_listener *ret)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd = -1, r;

	r = netaddr_parse_listen(addr, default_port, &ss, &sslen);
	if (r < 0) {
		/* the reason (port range, syntax, name) exists only here */
		log_err("listen address '%s': %s", addr ? addr : "", netaddr_strerror(r));
		return r;
	}
	r = bind_listen(&ss, sslen, &fd);
	if (r < 0) {
		log_msg_err(LOG_LEVEL_ERR, strerror(-r), "cannot listen on %s", addr);
		return r;
	}
	ret->fd = fd;
	describe(ret);
	return 0;
}

/* Whether @fd is a stream socket that listens: what MHD accepts on. */
static bool is_listening_stream(int fd)
{
	struct stat st;
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return false;
	len = sizeof(listening);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

/* Why service_listen_fds() found nothing for us (@r: what it returned), in the words of its two
 * variables. */
static void log_none_passed(int r)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds)
		log_err("--web.systemd-socket: systemd passed no socket (LISTEN_PID and LISTEN_FDS "
		        "are not set): start ikewatch through its .socket unit, or drop the flag");
	else if (strtol(pid, NULL, 10) != (long)getpid())
		log_err(
		    "--web.systemd-socket: the sockets are not for this process (LISTEN_PID=%s, "
		    "this is %ld)",
		    pid, (long)getpid());
	else if (r < 0)
		/* not a count, or a descriptor that is not open (EBADF) */
		log_msg_err(LOG_LEVEL_ERR, strerror(-r),
		            "--web.systemd-socket: systemd passed no usable socket (LISTEN_FDS=%s)",
		            fds);
	else
		log_err("--web.systemd-socket: systemd passed no socket (LISTEN_FDS=%s)", fds);
}

int http_listen_systemd(struct http_listener *ret, size_t max, size_t *ret_n)
{
	int n, r = 0;

	/* keep the variables until the error message has read them; service_listen_fds() sets
	 * close-on-exec on every passed descriptor */
	n = service_listen_fds(false);
	if (n <= 0) {
		log_none_passed(n);
		service_listen_fds(true);
		return -ENOENT;
	}
	/* now that we know: no child of ours (heal's restart command) takes them for its own */
	service_listen_fds(true);
	if ((size_t)n > max) {
		log_err("--web.systemd-socket: systemd passed %d sockets, at most %zu are taken", n,
		        max);
		r = -E2BIG;
	}
	for (int i = 0; i < n && r == 0; i++) {
		int fd = SERVICE_LISTEN_FDS_START + i;

		ret[i].fd = fd;
		describe(&ret[i]);
		if (!is_listening_stream(fd)) {
			log_err(
			    "--web.systemd-socket: fd %d (%s) is not a listening stream socket: "
			    "HTTP needs ListenStream= in the .socket unit",
			    fd, ret[i].name);
			r = -ENOTSOCK;
		}
	}
	if (r < 0) {
		for (int i = 0; i < n; i++)
			close(SERVICE_LISTEN_FDS_START + i);
		return r;
	}
	*ret_n = (size_t)n;
	return 0;
}
