// SPDX-License-Identifier: Apache-2.0
/*
 * The HTTP server (src/http/http_server.c) end to end on 127.0.0.1 with port 0: listen-address
 * vectors, routes and status codes, headers, 405/404/500, bind errors, the connection limit
 * and timeout, basic auth with a bcrypt hash made here, and TLS (server and client
 * certificates) with throwaway certificates generated here with GnuTLS. The client side is a
 * plain socket, or a GnuTLS session for TLS: no curl, no external tools.
 */
#include "test.h"

#include "common/buf.h"
#include "common/limits.h"
#include "http/http_gzip.h"
#include "http/http_server.h"
#include "prom/prom_writer.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct fixture {
	int metrics_ret;
	bool ready;
	size_t body_size;  /* 0: a small exposition */
	unsigned sleep_ms; /* a slow scrape */
	unsigned calls;
	bool vary; /* the body depends on Accept */
};

static int fx_metrics(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct fixture *f = ctx;
	struct buf *out = &reply->body;
	struct prom_writer w;

	(void)rq;
	f->calls++;
	if (f->sleep_ms)
		usleep(f->sleep_ms * 1000u);
	if (f->metrics_ret < 0)
		return f->metrics_ret;
	reply->content_type = PROM_CONTENT_TYPE;
	if (f->vary)
		reply->vary = "Accept";
	prom_writer_init(&w, out);
	prom_family(&w, "ikewatch_up", PROM_GAUGE, "Test.");
	prom_sample(&w, NULL, 0, 1);
	while (out->len < f->body_size && !out->err)
		buf_puts(out, "# padding padding padding padding padding padding padding\n");
	return 0;
}

static int fx_landing(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	(void)ctx;
	(void)rq;
	reply->content_type = "text/html; charset=utf-8";
	buf_puts(&reply->body, "<html><body>ikewatch test landing</body></html>\n");
	return 0;
}

static int fx_ready(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	(void)rq;
	if (((struct fixture *)ctx)->ready)
		return http_reply_text(reply, 200, "OK\n");
	return http_reply_text(reply, 503, "Service Unavailable\n");
}

/* POST /echo: answers "<length>:<body>" and the X-Test header, if any. */
static int fx_echo(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	const char *h = http_request_header(rq, "X-Test");

	((struct fixture *)ctx)->calls++;
	buf_printf(&reply->body, "%zu:%s|%s", rq->body_len, rq->body, h ? h : "");
	return 0;
}

static struct http_server *start_cfg(struct fixture *f, struct http_config *cfg, int *ret_err)
{
	const struct http_route routes[] = {
	    {"/metrics", "GET", fx_metrics, f, HTTP_ROUTE_GZIP, 0},
	    {"/", "GET", fx_landing, f, 0, 0},
	    {"/-/healthy", "GET", http_handle_healthy, NULL, HTTP_ROUTE_PUBLIC, 0},
	    {"/-/ready", "GET", fx_ready, f, 0, 0},
	    {"/echo", "POST", fx_echo, f, 0, 64},
	};
	struct http_server *s = NULL;
	int r;

	cfg->routes = routes;
	cfg->n_routes = sizeof(routes) / sizeof(routes[0]);
	r = http_server_start(cfg, &s);
	if (ret_err)
		*ret_err = r;
	return r == 0 ? s : NULL;
}

static struct http_server *start(struct fixture *f, const char *web_config, unsigned max_clients,
                                 unsigned timeout_s, int *ret_err)
{
	struct http_config cfg = {.listen = "127.0.0.1:0",
	                          .web_config_file = web_config,
	                          .max_clients = max_clients,
	                          .timeout_s = timeout_s};

	return start_cfg(f, &cfg, ret_err);
}

static int connect_port(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send @req and read the whole response (the request says Connection: close). */
static int http_raw(unsigned port, const char *req, struct buf *resp)
{
	char chunk[16384];
	ssize_t n;
	int fd = connect_port(port);

	if (fd < 0)
		return -errno;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return -EIO;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(resp, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -errno : 0;
}

static int status_of(const struct buf *resp)
{
	if (resp->len < 12 || strncmp(resp->data, "HTTP/1.1 ", 9) != 0)
		return -1;
	return (resp->data[9] - '0') * 100 + (resp->data[10] - '0') * 10 + (resp->data[11] - '0');
}

static const char *body_of(const struct buf *resp)
{
	const char *p = resp->data ? strstr(resp->data, "\r\n\r\n") : NULL;

	return p ? p + 4 : "";
}

static int request(unsigned port, const char *method, const char *path, const char *extra,
                   struct buf *resp)
{
	char req[1024];

	buf_reset(resp);
	snprintf(req, sizeof(req),
	         "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n", method, path,
	         extra ? extra : "");
	return http_raw(port, req, resp);
}

static void routes_and_headers(void)
{
	struct fixture f = {.ready = true};
	struct http_server *s = start(&f, NULL, 0, 0, NULL);
	struct buf r;
	unsigned port;

	T_ASSERT(s != NULL);
	port = http_server_port(s);
	T_ASSERT(port != 0);
	buf_init(&r, 1 << 24);

	T_EQ_INT(request(port, "GET", "/metrics", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "\r\nContent-Type: " PROM_CONTENT_TYPE "\r\n");
	T_EQ_STR(body_of(&r),
	         "# HELP ikewatch_up Test.\n# TYPE ikewatch_up gauge\nikewatch_up 1\n");

	T_EQ_INT(request(port, "HEAD", "/metrics", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "Content-Length: 64\r\n");
	T_EQ_STR(body_of(&r), "");

	T_EQ_INT(request(port, "GET", "/", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "Content-Type: text/html; charset=utf-8\r\n");
	T_CONTAINS(body_of(&r), "ikewatch test landing");

	T_EQ_INT(request(port, "GET", "/-/healthy", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_EQ_STR(body_of(&r), "OK\n");

	T_EQ_INT(request(port, "GET", "/-/ready", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	f.ready = false;
	T_EQ_INT(request(port, "GET", "/-/ready", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 503);

	T_EQ_INT(request(port, "GET", "/metricsx", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 404);
	T_EQ_INT(request(port, "GET", "/metrics/", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 404);

	T_EQ_INT(request(port, "POST", "/metrics", "Content-Length: 3\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 405);
	T_CONTAINS(r.data, "\r\nAllow: GET, HEAD\r\n");
	T_EQ_INT(request(port, "DELETE", "/", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 405);

	/* the query string is not part of the route */
	T_EQ_INT(request(port, "GET", "/metrics?x=1", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);

	f.metrics_ret = -EIO;
	T_EQ_INT(request(port, "GET", "/metrics", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 500);
	T_CONTAINS(r.data, "Content-Type: text/plain");
	T_CONTAINS(body_of(&r), "error");

	/* a garbage request line gets a 400 from libmicrohttpd, and the server survives */
	buf_reset(&r);
	T_EQ_INT(http_raw(port, "\x01\x02 nonsense\r\n\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 400);
	f.metrics_ret = 0;
	T_EQ_INT(request(port, "GET", "/metrics", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);

	buf_done(&r);
	http_server_free(s);
}

static void large_body_and_keepalive(void)
{
	struct fixture f = {.ready = true, .body_size = 8u << 20};
	struct http_server *s = start(&f, NULL, 0, 0, NULL);
	struct buf r;
	char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
	             "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 26);
	/* two pipelined requests on one connection: both answered in full */
	T_EQ_INT(http_raw(http_server_port(s), req, &r), 0);
	T_EQ_INT(f.calls, 2);
	T_EQ_INT(status_of(&r), 200);
	T_ASSERT(r.len > 2 * (8u << 20));
	buf_done(&r);
	http_server_free(s);
}

static int gunzip(const char *in, size_t len, char *out, size_t outlen, size_t *ret_len)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)outlen;
	r = inflate(&z, Z_FINISH);
	*ret_len = z.total_out;
	inflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

static void gzip_when_accepted(void)
{
	static const struct {
		const char *accept;
		bool gzip;
	} v[] = {
	    {"Accept-Encoding: gzip\r\n", true},
	    {"Accept-Encoding: br, GZIP;q=0.5\r\n", true},
	    {"Accept-Encoding: gzip;q=0\r\n", false},
	    {"Accept-Encoding: gzip ; q=0.000, br\r\n", false},
	    {"Accept-Encoding: x-gzip, deflate\r\n", false},
	    {"Accept-Encoding: identity\r\n", false},
	    {"Accept-Encoding: gzipped\r\n", false},
	    {"", false},
	};
	struct fixture f = {.ready = true, .body_size = 200000};
	struct http_server *s = start(&f, NULL, 0, 0, NULL);
	static char plain[1 << 20], unz[1 << 20];
	size_t plain_len, unz_len, hdr;
	struct buf r;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 22);
	T_EQ_INT(request(http_server_port(s), "GET", "/metrics", NULL, &r), 0);
	plain_len = strlen(body_of(&r));
	T_ASSERT(plain_len >= 200000 && plain_len < sizeof(plain));
	memcpy(plain, body_of(&r), plain_len);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_EQ_INT(request(http_server_port(s), "GET", "/metrics", v[i].accept, &r), 0);
		T_EQ_INT(status_of(&r), 200);
		if (!v[i].gzip) {
			T_NOT_CONTAINS(r.data, "Content-Encoding");
			T_EQ_INT(strlen(body_of(&r)), plain_len);
			continue;
		}
		T_CONTAINS(r.data, "\r\nContent-Encoding: gzip\r\n");
		T_CONTAINS(r.data, "\r\nVary: Accept-Encoding\r\n");
		hdr = (size_t)(body_of(&r) - r.data);
		T_ASSERT(r.len - hdr < plain_len / 5); /* it really is compressed */
		T_EQ_INT(gunzip(r.data + hdr, r.len - hdr, unz, sizeof(unz), &unz_len), 0);
		T_EQ_INT(unz_len, plain_len);
		T_ASSERT(memcmp(unz, plain, plain_len) == 0);
	}
	buf_done(&r);
	http_server_free(s);
}

/* A reply chosen by a request header says so in Vary, beside gzip's own Vary; others do not. */
static void vary_is_sent(void)
{
	struct fixture f = {.ready = true, .body_size = 20000, .vary = true};
	struct http_server *s = start(&f, NULL, 0, 0, NULL);
	struct buf r;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 22);
	T_EQ_INT(request(http_server_port(s), "GET", "/metrics", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "\r\nVary: Accept\r\n");
	T_NOT_CONTAINS(r.data, "Accept-Encoding");
	T_EQ_INT(request(http_server_port(s), "GET", "/metrics", "Accept-Encoding: gzip\r\n", &r),
	         0);
	T_CONTAINS(r.data, "\r\nVary: Accept\r\n");
	T_CONTAINS(r.data, "\r\nVary: Accept-Encoding\r\n");
	f.vary = false;
	T_EQ_INT(request(http_server_port(s), "GET", "/metrics", NULL, &r), 0);
	T_NOT_CONTAINS(r.data, "Vary");
	buf_done(&r);
	http_server_free(s);
}

/* The Accept-Encoding check on its own, with hostile values (fuzz/fuzz_accept_encoding.c). */
static void accept_encoding_vectors(void)
{
	static const struct {
		const char *v;
		bool gzip;
	} v[] = {
	    {"gzip", true},       {" gzip ", true},
	    {"GZip;q=1", true},   {"deflate, gzip;q=0.001", true},
	    {"gzip;q=0.", false}, {"gzip;Q=0", false},
	    {"g zip", false},     {"gzip gzip", false},
	    {"gzipgzip", false},  {"gzip;q", true}, /* no weight given: the default, 1 */
	    {"gzip;q=", true},    {";;;,,,", false},
	    {"", false},          {",gzip", true},
	    {"*", false}, /* "*" would allow it; we only answer to a named gzip */
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_EQ_INT(http_accepts_gzip(v[i].v, strlen(v[i].v)), v[i].gzip);
	/* the length bounds the scan: no NUL needed, none read */
	T_ASSERT(http_accepts_gzip("gzipXXXX", 4));
	T_ASSERT(!http_accepts_gzip("gzip", 3));
}

static void bind_errors_are_returned(void)
{
	struct fixture f = {0};
	struct http_route routes[] = {{"/metrics", "GET", fx_metrics, &f, 0, 0}};
	struct http_server *s = start(&f, NULL, 0, 0, NULL), *s2 = NULL;
	struct http_config cfg = {.routes = routes, .n_routes = 1};
	char listen[32];

	T_ASSERT(s != NULL);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", http_server_port(s));
	cfg.listen = listen;
	T_EQ_INT(http_server_start(&cfg, &s2), -EADDRINUSE);
	T_ASSERT(s2 == NULL);
	cfg.listen = "127.0.0.1:99999";
	T_EQ_INT(http_server_start(&cfg, &s2), -ERANGE);
	cfg.listen = "127.0.0.1:x";
	T_EQ_INT(http_server_start(&cfg, &s2), -EINVAL);
	cfg.listen = "127.0.0.1:0";
	cfg.web_config_file = "/nonexistent/web.yml";
	T_EQ_INT(http_server_start(&cfg, &s2), -ENOENT);
	T_ASSERT(s2 == NULL);
	/* route tables that cannot work are refused */
	cfg.web_config_file = NULL;
	routes[0].method = "PUT";
	T_EQ_INT(http_server_start(&cfg, &s2), -EINVAL);
	routes[0].method = "POST"; /* a POST route without a body cap */
	T_EQ_INT(http_server_start(&cfg, &s2), -EINVAL);
	routes[0].method = "GET";
	routes[0].path = "metrics";
	T_EQ_INT(http_server_start(&cfg, &s2), -EINVAL);
	routes[0].path = "/metrics";
	/* require_auth without any credential is refused */
	cfg.require_auth = true;
	T_EQ_INT(http_server_start(&cfg, &s2), -EINVAL);
	T_ASSERT(s2 == NULL);
	http_server_free(s);
	http_server_free(NULL);
}

static bool closed_by_server(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&p, 1, 3000) != 1)
		return false;
	return read(fd, &c, 1) <= 0;
}

static void connection_limit_and_timeout(void)
{
	struct fixture f = {.ready = true};
	struct http_server *s = start(&f, NULL, 2, 1, NULL);
	struct timespec t0, t1;
	struct buf r;
	int a, b, c;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 20);
	a = connect_port(http_server_port(s));
	usleep(50000);
	b = connect_port(http_server_port(s));
	T_ASSERT(a >= 0 && b >= 0);
	usleep(100000); /* let the server accept both */
	/* a third connection: the oldest silent one (a) makes room at once */
	c = connect_port(http_server_port(s));
	T_ASSERT(c >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_ASSERT(closed_by_server(a));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_ASSERT(t1.tv_sec - t0.tv_sec < 1);
	close(a);
	/* idle connections are closed after the 1 s timeout */
	T_ASSERT(closed_by_server(b));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_ASSERT(t1.tv_sec - t0.tv_sec <= 3);
	T_ASSERT(closed_by_server(c));
	close(b);
	close(c);
	usleep(100000);
	T_EQ_INT(request(http_server_port(s), "GET", "/-/healthy", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	buf_done(&r);
	http_server_free(s);
}

/* A connection from @src (a loopback address) to 127.0.0.1:@port. */
static int connect_from(const char *src, unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET}, b = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &b.sin_addr);
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void post_routes_take_bodies(void)
{
	struct fixture f = {.ready = true};
	struct http_server *s = start(&f, NULL, 0, 0, NULL);
	char big[200];
	struct buf r;
	unsigned port;

	T_ASSERT(s != NULL);
	port = http_server_port(s);
	buf_init(&r, 1 << 20);
	buf_reset(&r);
	T_EQ_INT(http_raw(port,
	                  "POST /echo HTTP/1.1\r\nHost: x\r\nX-Test: hdr\r\nContent-Length: 5\r\n"
	                  "Connection: close\r\n\r\nhello",
	                  &r),
	         0);
	T_EQ_INT(status_of(&r), 200);
	T_EQ_STR(body_of(&r), "5:hello|hdr");
	T_EQ_INT(f.calls, 1);
	/* chunked, empty */
	buf_reset(&r);
	T_EQ_INT(http_raw(port,
	                  "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	                  "Connection: close\r\n\r\n0\r\n\r\n",
	                  &r),
	         0);
	T_EQ_INT(status_of(&r), 200);
	T_EQ_STR(body_of(&r), "0:|");
	/* over the route's cap of 64 bytes: 413, the handler never runs */
	memset(big, 'a', sizeof(big));
	snprintf(big + 100, sizeof(big) - 100, "%s", "");
	{
		char req[512];

		snprintf(req, sizeof(req),
		         "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
		         "Connection: close\r\n\r\n%s",
		         big);
		buf_reset(&r);
		T_EQ_INT(http_raw(port, req, &r), 0);
	}
	T_EQ_INT(status_of(&r), 413);
	T_EQ_INT(f.calls, 2);
	/* the other methods on a POST route, and POST on a GET route */
	T_EQ_INT(request(port, "GET", "/echo", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 405);
	T_CONTAINS(r.data, "\r\nAllow: POST\r\n");
	T_EQ_INT(request(port, "POST", "/", "Content-Length: 0\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 405);
	T_CONTAINS(r.data, "\r\nAllow: GET, HEAD\r\n");
	T_EQ_INT(request(port, "POST", "/nowhere", "Content-Length: 1\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 404);
	buf_done(&r);
	http_server_free(s);
}

static unsigned denied;

static void count_denied(void *ctx, unsigned status)
{
	(void)ctx;
	if (status == 401)
		denied++;
}

static void bearer_token_enforced(void)
{
	static const struct {
		const char *auth;
		int status;
	} v[] = {
	    {NULL, 401},
	    {"Authorization: Bearer 0123456789abcde\r\n", 401},
	    {"Authorization: Bearer 0123456789abcdefX\r\n", 401},
	    {"Authorization: bearer 0123456789abcdef\r\n", 200}, /* the scheme in any case */
	    {"Authorization: Bearer\r\n", 401},
	    {"Authorization: Bearerx0123456789abcdef\r\n", 401},
	    {"Authorization: Basic dXNlcjpwYXNz\r\n", 401},
	    {"Authorization: Bearer 0123456789abcdef\r\n", 200},
	};
	struct fixture f = {.ready = true};
	struct http_config cfg = {.listen = "127.0.0.1:0",
	                          .bearer_token = "0123456789abcdef",
	                          .require_auth = true,
	                          .on_refused = count_denied};
	struct http_server *s = start_cfg(&f, &cfg, NULL);
	struct buf r;
	unsigned port;

	T_ASSERT(s != NULL);
	port = http_server_port(s);
	buf_init(&r, 1 << 20);
	denied = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_EQ_INT(request(port, "GET", "/metrics", v[i].auth, &r), 0);
		T_EQ_INT(status_of(&r), v[i].status);
		if (v[i].status == 401)
			T_CONTAINS(r.data, "WWW-Authenticate: Bearer");
	}
	T_EQ_INT(denied, 6);
	/* a public route needs nothing; an unknown path is 401 before it is 404 */
	T_EQ_INT(request(port, "GET", "/-/healthy", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_EQ_INT(request(port, "GET", "/nowhere", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 401);
	/* a body from a stranger is refused before it is read: the handler never runs */
	f.calls = 0;
	T_EQ_INT(request(port, "POST", "/echo", "Content-Length: 3\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 401);
	T_EQ_INT(f.calls, 0);
	buf_done(&r);
	http_server_free(s);
}

/* A client that sends its request a byte at a time never goes idle, and is closed anyway. */
static void trickling_client_is_closed(void)
{
	static const char req[] =
	    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaa";
	struct fixture f = {.ready = true};
	struct http_server *s = start(&f, NULL, 0, 1, NULL);
	struct timespec t0, t1;
	unsigned long expired, evicted;
	struct pollfd p;
	bool closed = false;
	size_t i;
	double el;
	int fd;

	T_ASSERT(s != NULL);
	fd = connect_port(http_server_port(s));
	T_ASSERT(fd >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* one byte every 100 ms: well inside the 1 s idle timeout each time */
	for (i = 0; i < sizeof(req) - 1 && !closed; i++) {
		char c;

		if (send(fd, &req[i], 1, MSG_NOSIGNAL) != 1)
			break;
		p = (struct pollfd){.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) == 1)
			closed = read(fd, &c, 1) <= 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	T_ASSERT(closed || i < sizeof(req) - 1);
	T_ASSERT(el >= 0.9 && el < 2.5);
	http_server_closes(s, &expired, &evicted);
	T_ASSERT(expired >= 1);
	close(fd);
	T_EQ_INT(f.calls, 0);
	http_server_free(s);
}

/* A full server makes room for a newcomer: the connection that has waited longest for its
 * request goes, whatever address it came from; the newest stay. */
static void newcomer_makes_room(void)
{
	struct fixture f = {.ready = true};
	struct http_server *s = start(&f, NULL, 4, 5, NULL);
	unsigned long expired, evicted;
	struct timespec t0, t1;
	int fds[10];
	bool gone[10];
	struct buf r;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 20);
	for (size_t i = 0; i < 10; i++) {
		fds[i] = connect_from(i % 2 ? "127.0.0.2" : "127.0.0.3", http_server_port(s));
		T_ASSERT(fds[i] >= 0);
		usleep(30000); /* accepted in this order */
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_EQ_INT(request(http_server_port(s), "GET", "/metrics", NULL, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_EQ_INT(status_of(&r), 200);
	T_ASSERT(t1.tv_sec - t0.tv_sec < 2);
	for (size_t i = 0; i < 10; i++) {
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		char c;

		gone[i] = poll(&p, 1, 100) == 1 && read(fds[i], &c, 1) <= 0;
	}
	/* 10 silent + 1 scrape on 4 slots: the 7 oldest silent ones made room */
	for (size_t i = 0; i < 10; i++)
		T_EQ_INT(gone[i], i < 7);
	http_server_closes(s, &expired, &evicted);
	T_EQ_INT(evicted, 7);
	for (size_t i = 0; i < 10; i++)
		close(fds[i]);
	buf_done(&r);
	http_server_free(s);
}

/* A client whose request is being answered is never evicted, however long the handler takes
 * (longer than the timeout here): a newcomer is refused instead. One slot, one thread. */
static void busy_connections_are_kept(void)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct fixture f = {.ready = true, .sleep_ms = 1500};
	struct http_server *s = start(&f, NULL, 1, 1, NULL);
	char chunk[4096];
	struct buf r;
	ssize_t n;
	int a, c;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 20);
	a = connect_port(http_server_port(s));
	T_ASSERT(a >= 0);
	T_EQ_INT(write(a, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	usleep(300000); /* the handler is sleeping now */
	c = connect_port(http_server_port(s));
	T_ASSERT(c >= 0);
	T_ASSERT(closed_by_server(c));
	close(c);
	while ((n = read(a, chunk, sizeof(chunk))) > 0)
		buf_append(&r, chunk, (size_t)n);
	close(a);
	/* answered in full although the handler took longer than the 1 s deadline */
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(body_of(&r), "ikewatch_up 1");
	buf_done(&r);
	http_server_free(s);
}

/* ---- files and certificates made at test time ---- */

static char tmpdir[64];

static int write_file(const char *name, const char *text, size_t len, char *ret_path,
                      size_t pathlen)
{
	int fd;

	snprintf(ret_path, pathlen, "%s/%s", tmpdir, name);
	fd = open(ret_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static bool make_tmpdir(void)
{
	if (tmpdir[0])
		return true;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ikewatch-http-XXXXXX");
	return mkdtemp(tmpdir) != NULL;
}

static void cleanup_tmpdir(void)
{
	char cmd[128];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	T_EQ_INT(system(cmd), 0);
	tmpdir[0] = '\0';
}

/* A self-signed ECDSA certificate for CN/SAN "localhost" and its key, as PEM files. */
static int make_cert(const char *stem, char *ret_cert, char *ret_key, size_t pathlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cp = {0}, kp = {0};
	unsigned char serial[8];
	char name[64];
	time_t now = time(NULL);
	int r = -EIO;

	for (size_t i = 0; i < sizeof(serial); i++)
		serial[i] = (unsigned char)(now >> (i % 4 * 8)) | 1;
	if (gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	                                 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 3600) < 0 ||
	    gnutls_x509_crt_set_dn(crt, "CN=localhost", NULL) < 0 ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
	                                         GNUTLS_FSAN_SET) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 1, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
	                                           GNUTLS_KEY_KEY_CERT_SIGN) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cp) < 0 ||
	    gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kp) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s.crt", stem);
	if (write_file(name, (const char *)cp.data, cp.size, ret_cert, pathlen) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s.key", stem);
	if (write_file(name, (const char *)kp.data, kp.size, ret_key, pathlen) < 0)
		goto out;
	r = 0;
out:
	gnutls_free(cp.data);
	gnutls_free(kp.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return r;
}

static char *bcrypt_hash(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	if (!crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)))
		return NULL;
	h = crypt_rn(password, salt, &cd, sizeof(cd));
	return h && h[0] == '$' ? strdup(h) : NULL;
}

static void basic_auth_enforced(void)
{
	struct fixture f = {.ready = true};
	char path[256], yml[512], *hash = bcrypt_hash("hunter2");
	struct http_server *s;
	struct buf r;
	unsigned port;
	int err;

	T_ASSERT(hash && make_tmpdir());
	snprintf(yml, sizeof(yml),
	         "basic_auth_users:\n  prometheus: %s\n"
	         "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
	         hash);
	free(hash);
	T_EQ_INT(write_file("auth.yml", yml, strlen(yml), path, sizeof(path)), 0);
	s = start(&f, path, 0, 0, &err);
	T_EQ_INT(err, 0);
	port = http_server_port(s);
	buf_init(&r, 1 << 20);

	T_EQ_INT(request(port, "GET", "/metrics", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 401);
	T_CONTAINS(r.data, "\r\nWWW-Authenticate: Basic realm=\"ikewatch\"");
	T_CONTAINS(r.data, "\r\nX-Frame-Options: deny\r\n");
	T_EQ_INT(f.calls, 0);
	/* prometheus:hunter3 */
	T_EQ_INT(request(port, "GET", "/metrics",
	                 "Authorization: Basic cHJvbWV0aGV1czpodW50ZXIz\r\n", &r),
	         0);
	T_EQ_INT(status_of(&r), 401);
	/* nobody:hunter2 */
	T_EQ_INT(
	    request(port, "GET", "/metrics", "Authorization: Basic bm9ib2R5Omh1bnRlcjI=\r\n", &r),
	    0);
	T_EQ_INT(status_of(&r), 401);
	T_EQ_INT(request(port, "GET", "/metrics", "Authorization: Basic !!!notbase64\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 401);
	/* also before 404 and 405: nothing is disclosed without credentials */
	T_EQ_INT(request(port, "POST", "/nope", NULL, &r), 0);
	T_EQ_INT(status_of(&r), 401);
	T_EQ_INT(f.calls, 0);
	/* prometheus:hunter2, twice (the second from the cache) */
	for (int i = 0; i < 2; i++) {
		T_EQ_INT(request(port, "GET", "/metrics",
		                 "Authorization: Basic cHJvbWV0aGV1czpodW50ZXIy\r\n", &r),
		         0);
		T_EQ_INT(status_of(&r), 200);
		T_CONTAINS(r.data, "\r\nX-Frame-Options: deny\r\n");
		T_CONTAINS(body_of(&r), "ikewatch_up 1\n");
	}
	T_EQ_INT(f.calls, 2);
	buf_done(&r);
	http_server_free(s);
}

static void bad_web_config_fails_start(void)
{
	struct fixture f = {0};
	char path[256];
	int err;

	T_ASSERT(make_tmpdir());
	T_EQ_INT(write_file("bad.yml", "basic_auth_user: {}\n", 20, path, sizeof(path)), 0);
	T_ASSERT(start(&f, path, 0, 0, &err) == NULL);
	T_EQ_INT(err, -EINVAL);
	/* a certificate file that is not a certificate */
	T_EQ_INT(write_file("junk.pem", "junk\n", 5, path, sizeof(path)), 0);
	T_EQ_INT(write_file("tlsjunk.yml",
	                    "tls_server_config:\n  cert_file: junk.pem\n"
	                    "  key_file: junk.pem\n",
	                    61, path, sizeof(path)),
	         0);
	T_ASSERT(start(&f, path, 0, 0, &err) == NULL);
	T_EQ_INT(err, -EINVAL);
	T_EQ_INT(write_file("tlsmissing.yml",
	                    "tls_server_config:\n  cert_file: none.pem\n"
	                    "  key_file: none.pem\n",
	                    61, path, sizeof(path)),
	         0);
	T_ASSERT(start(&f, path, 0, 0, &err) == NULL);
	T_EQ_INT(err, -ENOENT);
}

/*
 * One HTTPS GET with GnuTLS. @ca_file verifies the server as "localhost"; @cert/@key (may be
 * NULL) is the client certificate; @prio limits versions. Returns the handshake error (< 0)
 * or 0 with the response in @resp.
 */
static int tls_get(unsigned port, const char *prio, const char *ca_file, const char *cert,
                   const char *key, struct buf *resp)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: "
	                          "close\r\n\r\n";
	gnutls_certificate_credentials_t cred;
	gnutls_session_t sess;
	char chunk[4096];
	ssize_t n;
	int fd, r;

	buf_reset(resp);
	fd = connect_port(port);
	if (fd < 0)
		return -errno;
	gnutls_certificate_allocate_credentials(&cred);
	gnutls_certificate_set_x509_trust_file(cred, ca_file, GNUTLS_X509_FMT_PEM);
	if (cert)
		gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM);
	gnutls_init(&sess, GNUTLS_CLIENT);
	gnutls_priority_set_direct(sess, prio, NULL);
	gnutls_credentials_set(sess, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_server_name_set(sess, GNUTLS_NAME_DNS, "localhost", 9);
	gnutls_session_set_verify_cert(sess, "localhost", 0);
	gnutls_transport_set_int(sess, fd);
	gnutls_handshake_set_timeout(sess, 5000);
	do
		r = gnutls_handshake(sess);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r >= 0 && gnutls_record_send(sess, req, sizeof(req) - 1) == sizeof(req) - 1) {
		while ((n = gnutls_record_recv(sess, chunk, sizeof(chunk))) != 0) {
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				continue;
			if (n < 0)
				break; /* the server may close without close_notify */
			buf_append(resp, chunk, (size_t)n);
		}
	}
	gnutls_deinit(sess);
	gnutls_certificate_free_credentials(cred);
	close(fd);
	return r < 0 ? r : 0;
}

static void tls_serves_and_refuses_old_versions(void)
{
	struct fixture f = {.ready = true};
	char crt[256], key[256], path[256], yml[1024];
	struct http_server *s;
	struct buf r;
	int err;

	T_ASSERT(make_tmpdir());
	T_EQ_INT(make_cert("server", crt, key, sizeof(crt)), 0);
	/* relative names: resolved against the web-config's directory */
	snprintf(yml, sizeof(yml),
	         "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
	         "  min_version: TLS13\n");
	T_EQ_INT(write_file("tls.yml", yml, strlen(yml), path, sizeof(path)), 0);
	s = start(&f, path, 0, 0, &err);
	T_EQ_INT(err, 0);
	buf_init(&r, 1 << 20);

	T_EQ_INT(tls_get(http_server_port(s), "NORMAL", crt, NULL, NULL, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "Content-Type: " PROM_CONTENT_TYPE);
	T_EQ_STR(body_of(&r),
	         "# HELP ikewatch_up Test.\n# TYPE ikewatch_up gauge\nikewatch_up 1\n");
	/* min_version TLS13: a TLS 1.2-only client fails the handshake */
	T_ASSERT(
	    tls_get(http_server_port(s), "NORMAL:-VERS-ALL:+VERS-TLS1.2", crt, NULL, NULL, &r) < 0);
	/* plain HTTP to the TLS port gets no HTTP answer */
	T_EQ_INT(request(http_server_port(s), "GET", "/metrics", NULL, &r), 0);
	T_ASSERT(status_of(&r) == -1);
	T_EQ_INT(f.calls, 1);
	buf_done(&r);
	http_server_free(s);
}

static void tls_client_certificates(void)
{
	struct fixture f = {.ready = true};
	char crt[256], key[256], ccrt[256], ckey[256], other[256], okey[256], path[256], yml[1024];
	struct http_server *s;
	struct buf r;
	int err;

	T_ASSERT(make_tmpdir());
	T_EQ_INT(make_cert("server2", crt, key, sizeof(crt)), 0);
	T_EQ_INT(make_cert("client", ccrt, ckey, sizeof(ccrt)), 0);
	T_EQ_INT(make_cert("stranger", other, okey, sizeof(other)), 0);
	snprintf(yml, sizeof(yml),
	         "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
	         "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n",
	         crt, key, ccrt);
	T_EQ_INT(write_file("mtls.yml", yml, strlen(yml), path, sizeof(path)), 0);
	s = start(&f, path, 0, 0, &err);
	T_EQ_INT(err, 0);
	buf_init(&r, 1 << 20);

	T_EQ_INT(tls_get(http_server_port(s), "NORMAL", crt, ccrt, ckey, &r), 0);
	T_EQ_INT(status_of(&r), 200);
	/* no certificate, or one the CA did not sign: no metrics */
	if (tls_get(http_server_port(s), "NORMAL", crt, NULL, NULL, &r) == 0)
		T_EQ_INT(status_of(&r), 403);
	if (tls_get(http_server_port(s), "NORMAL", crt, other, okey, &r) == 0)
		T_EQ_INT(status_of(&r), 403);
	T_EQ_INT(f.calls, 1);
	buf_done(&r);
	http_server_free(s);
}

/* ---- streamed answers (HTTP_ROUTE_STREAM, http_stream.c) ---- */

#define STREAM_MARK 1024u /* tiny, so that small bodies stream and every edge is cheap */

/* The handler of the streamed routes: X-Size bytes of a fixed pattern in pieces of varying
 * size (appends and room/commit), failing with -EIO after X-Fail-After bytes when asked. */
struct big {
	atomic_uint ended;   /* handler calls that returned */
	atomic_int last_err; /* the body's error when the last one returned */
};

static char pattern_at(size_t i)
{
	static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";

	return abc[(i * 7 + i / 37) % (sizeof(abc) - 1)];
}

static size_t header_size(const struct http_request *rq, const char *name)
{
	const char *v = http_request_header(rq, name);

	return v ? (size_t)strtoull(v, NULL, 10) : 0;
}

static int fx_big(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct big *b = ctx;
	struct buf *out = &reply->body;
	size_t size = header_size(rq, "X-Size"), fail = header_size(rq, "X-Fail-After");
	size_t i = 0, piece = 1;
	int r = 0;

	reply->content_type = "text/x-test";
	reply->vary = "Accept";
	while (i < size && !out->err) {
		size_t n = size - i < piece ? size - i : piece;
		char *p;

		if (fail && i >= fail) {
			r = -EIO;
			break;
		}
		if (piece % 3 == 0 && (p = buf_room(out, n))) {
			for (size_t k = 0; k < n; k++)
				p[k] = pattern_at(i + k);
			buf_commit(out, n);
		} else {
			for (size_t k = 0; k < n; k++)
				buf_putc(out, pattern_at(i + k));
		}
		i += n;
		piece = piece % 509 + 1;
	}
	/* the request's headers are not the handler's once the answer streams */
	if (out->flushed && http_request_header(rq, "X-Size"))
		r = -EPROTO;
	atomic_store(&b->last_err, out->err);
	atomic_fetch_add(&b->ended, 1);
	return r;
}

static struct http_server *start_stream(struct big *b, unsigned timeout_s)
{
	const struct http_route routes[] = {
	    {"/big", "GET", fx_big, b, HTTP_ROUTE_GZIP | HTTP_ROUTE_STREAM, 0},
	    {"/whole", "GET", fx_big, b, HTTP_ROUTE_GZIP, 0},
	    {"/", "GET", fx_landing, NULL, 0, 0},
	};
	struct http_config cfg = {.listen = "127.0.0.1:0",
	                          .routes = routes,
	                          .n_routes = sizeof(routes) / sizeof(routes[0]),
	                          .timeout_s = timeout_s,
	                          .stream_mark = STREAM_MARK};
	struct http_server *s = NULL;

	return http_server_start(&cfg, &s) == 0 ? s : NULL;
}

/* The body of a chunked response into @out; -1 when the last chunk never came (a broken
 * transfer) or the framing is wrong. */
static int dechunk(const char *p, const char *end, struct buf *out)
{
	for (;;) {
		char *e;
		unsigned long n = strtoul(p, &e, 16);

		if (e == p || end - e < 2 || memcmp(e, "\r\n", 2) != 0)
			return -1;
		p = e + 2;
		if (n == 0)
			return end - p >= 2 && memcmp(p, "\r\n", 2) == 0 ? 0 : -1;
		if ((size_t)(end - p) < n + 2 || memcmp(p + n, "\r\n", 2) != 0)
			return -1;
		buf_append(out, p, n);
		p += n + 2;
	}
}

/* GET @path with X-Size: @size (and @extra headers) into @body, dechunked and gunzipped.
 * Returns the status, or -1; *ret_streamed: the answer was chunked. */
static int get_body(unsigned port, const char *method, const char *path, size_t size,
                    const char *extra, struct buf *body, bool *ret_streamed)
{
	char hdrs[256];
	struct buf r, raw;
	const char *b;
	int st;

	buf_init(&r, 1 << 27);
	buf_init(&raw, 1 << 27);
	buf_reset(body);
	snprintf(hdrs, sizeof(hdrs), "X-Size: %zu\r\n%s", size, extra ? extra : "");
	if (request(port, method, path, hdrs, &r) < 0 || (st = status_of(&r)) < 0) {
		st = -1;
		goto out;
	}
	b = body_of(&r);
	*ret_streamed =
	    strstr(r.data, "\r\nTransfer-Encoding: chunked\r\n") && strstr(r.data, "\r\n\r\n") < b;
	if (*ret_streamed && strcmp(method, "HEAD") != 0) {
		if (dechunk(b, r.data + r.len, &raw) < 0) {
			st = -1;
			goto out;
		}
	} else {
		buf_append(&raw, b, (size_t)(r.data + r.len - b));
	}
	if (strstr(r.data, "\r\nContent-Encoding: gzip\r\n")) {
		size_t n = 0;

		if (buf_reserve(body, 2 * size + 16) < 0 ||
		    gunzip(raw.data ? raw.data : "", raw.len, body->data, 2 * size + 16, &n) < 0)
			st = -1;
		else
			buf_commit(body, n);
	} else {
		buf_append(body, raw.data ? raw.data : "", raw.len);
	}
out:
	buf_done(&r);
	buf_done(&raw);
	return st;
}

static bool is_pattern(const struct buf *b, size_t size)
{
	if (b->len != size)
		return false;
	for (size_t i = 0; i < size; i++)
		if (b->data[i] != pattern_at(i))
			return false;
	return true;
}

/* Around the mark (the plain answers' blocks), deflate's blocks (128 KiB) and libmicrohttpd's
 * block (128 KiB, HTTP/1.0): the same bytes streamed as whole, plain and gzipped; streamed from the
 * mark on, when the route's last answer streamed too (or there was none): the first one past the
 * mark after a smaller one is whole. */
static void stream_same_bytes_as_whole(void)
{
	static const size_t sizes[] = {0,     1,     1023,   1024,   1025,    2047,   2048,  4097,
	                               16383, 16384, 16385,  32767,  32768,   32769,  65535, 65536,
	                               65537, 98304, 131073, 300001, 1048576, 3000000};
	static const char *const enc[] = {NULL, "Accept-Encoding: gzip\r\n"};
	struct big b = {0};
	struct http_server *s = start_stream(&b, 0);
	struct buf body;
	size_t prev = 0;
	bool streamed;

	T_ASSERT(s != NULL);
	buf_init(&body, 1 << 27);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t e = 0; e < 2; e++) {
			bool expect = sizes[i] >= STREAM_MARK && (prev == 0 || prev >= STREAM_MARK);

			T_EQ_INT(get_body(http_server_port(s), "GET", "/big", sizes[i], enc[e],
			                  &body, &streamed),
			         200);
			T_ASSERT(is_pattern(&body, sizes[i]));
			T_EQ_INT(streamed, expect);
			prev = sizes[i];
			T_EQ_INT(get_body(http_server_port(s), "GET", "/whole", sizes[i], enc[e],
			                  &body, &streamed),
			         200);
			T_ASSERT(is_pattern(&body, sizes[i]));
			T_ASSERT(!streamed);
		}
	}
	T_EQ_INT(atomic_load(&b.last_err), 0);
	buf_done(&body);
	http_server_free(s);
}

/* An HTTP/1.0 client: no chunks, so libmicrohttpd reads the streamed answer into the response's
 * own block (the chunked answers above read into the connection's pool and leave that block
 * at its least) and ends it by closing the connection: the same bytes, across a block. */
static void stream_http10(void)
{
	static const size_t sizes[] = {STREAM_MARK + 1, 65535, 65537, 300001};
	struct big b = {0};
	struct http_server *s = start_stream(&b, 0);
	struct buf r, body;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 27);
	buf_init(&body, 1 << 27);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char req[256];

		snprintf(req, sizeof(req), "GET /big HTTP/1.0\r\nX-Size: %zu\r\n\r\n", sizes[i]);
		buf_reset(&r);
		T_EQ_INT(http_raw(http_server_port(s), req, &r), 0);
		T_EQ_INT(status_of(&r), 200);
		T_ASSERT(!strstr(r.data, "\r\nTransfer-Encoding: chunked\r\n"));
		buf_reset(&body);
		buf_append(&body, body_of(&r), (size_t)(r.data + r.len - body_of(&r)));
		T_ASSERT(is_pattern(&body, sizes[i]));
	}
	T_EQ_INT(atomic_load(&b.last_err), 0);
	buf_done(&r);
	buf_done(&body);
	http_server_free(s);
}

/* A handler that fails before the mark answers 500; after it, the transfer breaks (no last
 * chunk), so that no client takes the first part for the whole. */
static void stream_failure_breaks_transfer(void)
{
	static const char *const enc[] = {"", "Accept-Encoding: gzip\r\n"};
	struct big b = {0};
	struct http_server *s = start_stream(&b, 0);
	struct buf r, body;
	char hdrs[128];

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 24);
	buf_init(&body, 1 << 24);
	for (size_t e = 0; e < 2; e++) {
		snprintf(hdrs, sizeof(hdrs), "X-Size: 200000\r\nX-Fail-After: 500\r\n%s", enc[e]);
		T_EQ_INT(request(http_server_port(s), "GET", "/big", hdrs, &r), 0);
		T_EQ_INT(status_of(&r), 500);
		snprintf(hdrs, sizeof(hdrs), "X-Size: 200000\r\nX-Fail-After: 100000\r\n%s",
		         enc[e]);
		T_EQ_INT(request(http_server_port(s), "GET", "/big", hdrs, &r), 0);
		T_EQ_INT(status_of(&r), 200);
		T_CONTAINS(r.data, "\r\nTransfer-Encoding: chunked\r\n");
		buf_reset(&body);
		T_EQ_INT(dechunk(body_of(&r), r.data + r.len, &body), -1);
		T_ASSERT(body.len < 200000);
	}
	/* and the server goes on serving */
	T_EQ_INT(get_body(http_server_port(s), "GET", "/big", 5000, NULL, &body, &(bool){0}), 200);
	T_ASSERT(is_pattern(&body, 5000));
	buf_done(&r);
	buf_done(&body);
	http_server_free(s);
}

static bool wait_ended(struct big *b, unsigned n, unsigned ms)
{
	for (unsigned t = 0; t < ms / 10 && atomic_load(&b->ended) < n; t++)
		usleep(10000);
	return atomic_load(&b->ended) >= n;
}

/* A client that goes away mid-stream, or reads nothing until its deadline closes it: the
 * handler's writes fail, it returns, its thread is joined (ASan: nothing leaks), and the
 * others are served meanwhile. */
static void stream_client_gone_or_stuck(void)
{
	struct big b = {0};
	struct http_server *s = start_stream(&b, 2);
	const char req[] = "GET /big HTTP/1.1\r\nHost: x\r\nX-Size: 60000000\r\n\r\n";
	unsigned long expired = 0, evicted = 0;
	static char big[65536];
	struct buf body;
	char got[4096];
	int fd;

	T_ASSERT(s != NULL);
	buf_init(&body, 1 << 24);
	/* gone after the first bytes */
	fd = connect_port(http_server_port(s));
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	T_ASSERT(read(fd, got, sizeof(got)) > 0);
	close(fd);
	T_ASSERT(wait_ended(&b, 1, 5000));
	T_EQ_INT(atomic_load(&b.last_err), -EPIPE);
	/* slow: reads a little now and then, never idle long enough for the idle timeout; the
	 * 2 s deadline for the whole response closes it */
	fd = connect_port(http_server_port(s));
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	/* others are served while it hangs */
	T_EQ_INT(get_body(http_server_port(s), "GET", "/big", 70000, NULL, &body, &(bool){0}), 200);
	T_ASSERT(is_pattern(&body, 70000));
	for (unsigned t = 0; t < 200 && read(fd, big, sizeof(big)) > 0; t++)
		usleep(50000);
	T_ASSERT(wait_ended(&b, 3, 5000));
	T_EQ_INT(atomic_load(&b.last_err), -EPIPE);
	http_server_closes(s, &expired, &evicted);
	T_EQ_INT(expired, 1);
	close(fd);
	buf_done(&body);
	http_server_free(s);
}

/* HEAD: the headers a GET would get, no body; whole below the mark (with its length). */
static void stream_head(void)
{
	struct big b = {0};
	struct http_server *s = start_stream(&b, 0);
	struct buf r;

	T_ASSERT(s != NULL);
	buf_init(&r, 1 << 20);
	T_EQ_INT(request(http_server_port(s), "HEAD", "/big", "X-Size: 500000\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "\r\nContent-Type: text/x-test\r\n");
	T_CONTAINS(r.data, "\r\nVary: Accept\r\n");
	T_CONTAINS(r.data, "\r\nContent-Length: 500000\r\n");
	T_EQ_STR(body_of(&r), "");
	/* gzipped: the compressed length, as deflate makes it for a GET */
	T_EQ_INT(request(http_server_port(s), "HEAD", "/big",
	                 "X-Size: 500000\r\nAccept-Encoding: gzip\r\n", &r),
	         0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "\r\nContent-Encoding: gzip\r\n");
	T_ASSERT(strstr(r.data, "\r\nContent-Length: ") &&
	         strtoul(strstr(r.data, "\r\nContent-Length: ") + 18, NULL, 10) < 100000);
	T_EQ_STR(body_of(&r), "");
	/* a failure after the mark is still a 500: nothing was sent */
	T_EQ_INT(request(http_server_port(s), "HEAD", "/big",
	                 "X-Size: 500000\r\nX-Fail-After: 300000\r\n", &r),
	         0);
	T_EQ_INT(status_of(&r), 500);
	T_EQ_INT(request(http_server_port(s), "HEAD", "/big", "X-Size: 1000\r\n", &r), 0);
	T_EQ_INT(status_of(&r), 200);
	T_CONTAINS(r.data, "\r\nContent-Length: 1000\r\n");
	T_EQ_STR(body_of(&r), "");
	T_ASSERT(wait_ended(&b, 4, 5000));
	buf_done(&r);
	http_server_free(s);
}

struct stream_client {
	unsigned port, id;
	int failures;
};

static void *stream_client_run(void *arg)
{
	struct stream_client *c = arg;
	struct buf body;
	bool streamed;

	buf_init(&body, 1 << 24);
	for (unsigned i = 0; i < 6; i++) {
		size_t size = 50000 + 77777 * ((c->id + i) % 5);

		if (get_body(c->port, "GET", "/big", size,
		             i % 2 ? "Accept-Encoding: gzip\r\n" : NULL, &body, &streamed) != 200 ||
		    !streamed || !is_pattern(&body, size))
			c->failures++;
	}
	buf_done(&body);
	return NULL;
}

static void stream_concurrent(void)
{
	struct big b = {0};
	struct http_server *s = start_stream(&b, 0);
	struct stream_client c[4];
	pthread_t t[4];

	T_ASSERT(s != NULL);
	for (unsigned i = 0; i < 4; i++) {
		c[i] = (struct stream_client){.port = http_server_port(s), .id = i};
		T_EQ_INT(pthread_create(&t[i], NULL, stream_client_run, &c[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 0; i < 4; i++)
		T_EQ_INT(c[i].failures, 0);
	T_EQ_INT(atomic_load(&b.ended), 24);
	http_server_free(s);
}

TEST_MAIN_TEARDOWN("http_server", cleanup_tmpdir, TEST(routes_and_headers),
                   TEST(stream_same_bytes_as_whole), TEST(stream_http10),
                   TEST(stream_failure_breaks_transfer), TEST(stream_client_gone_or_stuck),
                   TEST(stream_head), TEST(stream_concurrent), TEST(large_body_and_keepalive),
                   TEST(gzip_when_accepted), TEST(vary_is_sent), TEST(accept_encoding_vectors),
                   TEST(bind_errors_are_returned), TEST(connection_limit_and_timeout),
                   TEST(post_routes_take_bodies), TEST(bearer_token_enforced),
                   TEST(trickling_client_is_closed), TEST(newcomer_makes_room),
                   TEST(busy_connections_are_kept), TEST(basic_auth_enforced),
                   TEST(bad_web_config_fails_start), TEST(tls_serves_and_refuses_old_versions),
                   TEST(tls_client_certificates))
