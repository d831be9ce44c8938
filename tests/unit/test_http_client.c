// SPDX-License-Identifier: Apache-2.0
/*
 * The HTTP client (src/http/http_client.c) against a canned server on 127.0.0.1 run by this
 * test (a thread that answers one connection with fixed bytes and keeps the request): bodies,
 * statuses, basic auth on the wire, the size cap, the deadline, refused connections, and the
 * URLs it must refuse (file:, a redirect elsewhere); and without libcurl to load.
 */
#include "hide_lib.h"
#include "test.h"

#include "http/http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct canned {
	int lfd;
	unsigned port;
	const char *answer; /* NULL: accept and say nothing */
	char request[4096];
	pthread_t thread;
};

static void *serve_once(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->lfd, NULL, NULL);
	size_t got = 0;

	if (fd < 0)
		return NULL;
	/* read the request head */
	while (got < sizeof(c->request) - 1) {
		ssize_t n = read(fd, c->request + got, sizeof(c->request) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		c->request[got] = '\0';
		if (strstr(c->request, "\r\n\r\n"))
			break;
	}
	if (c->answer) {
		/* the client may hang up early (the size cap): no SIGPIPE */
		(void)!send(fd, c->answer, strlen(c->answer), MSG_NOSIGNAL);
	} else {
		usleep(1500 * 1000);
	}
	close(fd);
	return NULL;
}

static int canned_start(struct canned *c, const char *answer)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	memset(c, 0, sizeof(*c));
	c->answer = answer;
	c->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(c->lfd, 4) < 0 || getsockname(c->lfd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	c->port = ntohs(a.sin_port);
	return pthread_create(&c->thread, NULL, serve_once, c) == 0 ? 0 : -1;
}

static void canned_stop(struct canned *c)
{
	shutdown(c->lfd, SHUT_RDWR);
	pthread_join(c->thread, NULL);
	close(c->lfd);
}

static int get(struct canned *c, const struct http_client_opts *o, struct buf *out, long *status,
               char *err)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", c->port);
	return http_get(url, o, out, status, err);
}

static const struct http_client_opts defaults = {.timeout_ms = 3000, .max_body = 1 << 20};

/* In a child with its own mount namespace, every libcurl the client would load is /dev/null:
 * a request fails with an error that names what to install, and nothing crashes. The first
 * case, so that this process has not loaded libcurl before the fork. */
static int without_libcurl(void)
{
	static const char *const sonames[] = {"libcurl-gnutls.so.4", "libcurl.so.4", NULL};
	char err[HTTP_CLIENT_ERR_MAX] = "";
	struct buf b;
	int r = hide_libs(sonames);

	if (r != 0)
		return r;
	buf_init(&b, 1 << 20);
	r = http_get("http://127.0.0.1:9/metrics", &defaults, &b, NULL, err); /* never connects */
	buf_done(&b);
	fprintf(stderr, "# without libcurl: %d %s\n", r, err);
	return r == -EIO && strstr(err, "libcurl not found") && strstr(err, "libcurl3-gnutls") ? 0
	                                                                                       : 4;
}

static void libcurl_missing_is_a_clear_error(void)
{
	T_EQ_INT(test_in_child(without_libcurl), 0);
}

static void body_of_a_200(void)
{
	struct canned c;
	struct buf b;
	char err[HTTP_CLIENT_ERR_MAX];
	long status = 0;
	struct http_client_opts o = defaults;

	o.accept = "text/plain;version=0.0.4";
	T_EQ_INT(canned_start(&c, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n"
	                          "\r\nipsec_up 1\n"),
	         0);
	buf_init(&b, 1 << 20);
	T_EQ_INT(get(&c, &o, &b, &status, err), 0);
	canned_stop(&c);
	T_EQ_INT(status, 200);
	T_EQ_INT(b.len, 11);
	T_ASSERT(memcmp(b.data, "ipsec_up 1\n", 11) == 0);
	T_CONTAINS(c.request, "GET /metrics HTTP/1.1\r\n");
	T_CONTAINS(c.request, "Accept: text/plain;version=0.0.4\r\n");
	T_NOT_CONTAINS(c.request, "Authorization");
	buf_done(&b);
}

static void basic_auth_and_statuses(void)
{
	struct canned c;
	struct buf b;
	char err[HTTP_CLIENT_ERR_MAX];
	long status = 0;
	struct http_client_opts o = defaults;

	o.username = "u";
	o.password = "p";
	T_EQ_INT(canned_start(&c, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
	                          "Connection: close\r\n\r\n"),
	         0);
	buf_init(&b, 1 << 20);
	T_EQ_INT(get(&c, &o, &b, &status, err), -EPROTO);
	canned_stop(&c);
	T_EQ_INT(status, 401);
	T_CONTAINS(err, "401");
	T_CONTAINS(c.request, "Authorization: Basic dTpw\r\n"); /* base64("u:p") */

	/* a redirect is not followed: the answer would not be the peer's */
	T_EQ_INT(canned_start(&c, "HTTP/1.1 302 Found\r\nLocation: http://192.0.2.9/\r\n"
	                          "Content-Length: 0\r\nConnection: close\r\n\r\n"),
	         0);
	T_EQ_INT(get(&c, &defaults, &b, &status, err), -EPROTO);
	canned_stop(&c);
	T_EQ_INT(status, 302);
	buf_done(&b);
}

static void bounded_in_size_and_time(void)
{
	struct canned c;
	struct buf b;
	char err[HTTP_CLIENT_ERR_MAX];
	struct http_client_opts o = defaults;

	o.max_body = 4;
	T_EQ_INT(canned_start(&c, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n"
	                          "\r\nipsec_up 1\n"),
	         0);
	buf_init(&b, 1 << 20);
	T_EQ_INT(get(&c, &o, &b, NULL, err), -E2BIG);
	canned_stop(&c);
	T_CONTAINS(err, "larger than 4 bytes");

	o = defaults;
	o.timeout_ms = 300;
	T_EQ_INT(canned_start(&c, NULL), 0);
	T_EQ_INT(get(&c, &o, &b, NULL, err), -ETIMEDOUT);
	canned_stop(&c);
	T_ASSERT(err[0] != '\0');
	buf_done(&b);
}

static void refused_and_not_http(void)
{
	struct canned c;
	struct buf b;
	char err[HTTP_CLIENT_ERR_MAX];
	unsigned port;

	/* a port that was just free and is closed now */
	T_EQ_INT(canned_start(&c, "x"), 0);
	port = c.port;
	shutdown(c.lfd, SHUT_RDWR);
	pthread_join(c.thread, NULL);
	close(c.lfd);
	buf_init(&b, 1 << 20);
	{
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
		T_EQ_INT(http_get(url, &defaults, &b, NULL, err), -ECONNREFUSED);
	}
	T_EQ_INT(http_get("file:///etc/passwd", &defaults, &b, NULL, err), -EINVAL);
	T_EQ_INT(b.len, 0);
	T_EQ_INT(http_get("gopher://127.0.0.1/", &defaults, &b, NULL, err), -EINVAL);
	T_EQ_INT(http_get("not a url", &defaults, &b, NULL, err), -EINVAL);
	buf_done(&b);
}

static void post_and_cut_answers(void)
{
	struct canned c;
	struct buf b;
	char err[HTTP_CLIENT_ERR_MAX];
	long status = 0;

	T_EQ_INT(canned_start(&c, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"), 0);
	{
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", c.port);
		T_EQ_INT(
		    http_post(url, &defaults, "application/json", "{\"a\":1}", 7, &status, err), 0);
	}
	canned_stop(&c);
	T_EQ_INT(status, 204);
	T_CONTAINS(c.request, "POST /hook HTTP/1.1\r\n");
	T_CONTAINS(c.request, "Content-Type: application/json\r\n");
	T_NOT_CONTAINS(c.request, "Expect:");

	/* headers that the connection's close cut short are no answer; @out keeps what it had */
	buf_init(&b, 1 << 20);
	T_ASSERT(buf_puts(&b, "kept") == 0);
	T_EQ_INT(canned_start(&c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Cut: y"), 0);
	T_EQ_INT(get(&c, &defaults, &b, NULL, err), -EPROTO);
	canned_stop(&c);
	T_CONTAINS(err, "cut short");
	/* an answer without any HTTP header (HTTP/0.9) is not HTTP */
	T_EQ_INT(canned_start(&c, "garbage\n"), 0);
	T_EQ_INT(get(&c, &defaults, &b, NULL, err), -EPROTO);
	canned_stop(&c);
	/* a body cut by the size cap leaves nothing of itself */
	{
		struct http_client_opts o = defaults;
		char big[5000];

		memset(big, 'x', sizeof(big));
		memcpy(big, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 38);
		big[sizeof(big) - 1] = '\0';
		o.max_body = 100;
		T_EQ_INT(canned_start(&c, big), 0);
		T_EQ_INT(get(&c, &o, &b, NULL, err), -E2BIG);
		canned_stop(&c);
	}
	T_EQ_INT(b.len, 4);
	buf_done(&b);
}

TEST_MAIN("http_client", TEST(libcurl_missing_is_a_clear_error), TEST(body_of_a_200),
          TEST(basic_auth_and_statuses), TEST(bounded_in_size_and_time), TEST(refused_and_not_http),
          TEST(post_and_cut_answers))
