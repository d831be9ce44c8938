// SPDX-License-Identifier: Apache-2.0
/*
 * Where the HTTP server listens (src/http/http_listen.c): several addresses at once (IPv4 and
 * IPv6 loopback, port 0), the address that failed named in the one log line, nothing left open
 * after a failure; and sockets handed over the way systemd does it: a child process with them
 * at fd 3.. and LISTEN_FDS/LISTEN_PID set, scraped from the parent through each one, and every
 * way that can go wrong (no variables, another process's, a datagram socket, a socket that does
 * not listen, a pipe, too many), each with its one line and its -errno.
 */
#include "test.h"

#include "common/buf.h"
#include "common/limits.h"
#include "http/http_client.h"
#include "http/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int fx_metrics(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	(void)ctx;
	(void)rq;
	buf_puts(&reply->body, "ikewatch_up 1\n");
	return 0;
}

static const struct http_route routes[] = {
    {"/metrics", "GET", fx_metrics, NULL, 0, 0},
    {"/-/healthy", "GET", http_handle_healthy, NULL, HTTP_ROUTE_PUBLIC, 0},
};

static struct http_config config(void)
{
	return (struct http_config){.routes = routes,
	                            .n_routes = sizeof(routes) / sizeof(routes[0])};
}

/* GET @url: 0 and the body, or -errno (the status in *ret_status). */
static int get(const char *url, struct buf *body, long *ret_status)
{
	struct http_client_opts o = {.timeout_ms = 5000, .max_body = 4096};
	char err[HTTP_CLIENT_ERR_MAX];

	buf_reset(body);
	return http_get(url, &o, body, ret_status, err);
}

static int scrape(const char *host, unsigned port, struct buf *body)
{
	char url[96];
	long status = 0;

	snprintf(url, sizeof(url), "http://%s:%u/metrics", host, port);
	return get(url, body, &status);
}

/* A listening (or, @type SOCK_DGRAM, bound) socket on loopback port 0; its port in *ret_port. */
static int loopback_socket(int family, int type, bool listening, unsigned *ret_port)
{
	struct sockaddr_storage ss = {.ss_family = (sa_family_t)family};
	socklen_t len =
	    family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (listening && listen(fd, 8) < 0) || getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (ret_port)
		*ret_port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                                     : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* Run @fn with stderr (where the log goes) sent to a pipe; its output in @out. */
static int with_log(int (*fn)(void *), void *arg, char *out, size_t len)
{
	int p[2], saved = dup(STDERR_FILENO), r;
	ssize_t n;

	if (saved < 0 || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -EIO;
	fflush(stderr);
	dup2(p[1], STDERR_FILENO);
	r = fn(arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return r;
}

struct start_args {
	struct http_config cfg;
	struct http_server *s;
};

static int start_fn(void *arg)
{
	struct start_args *a = arg;

	return http_server_start(&a->cfg, &a->s);
}

/* Two addresses at once, IPv4 and IPv6 loopback: each is scraped, and the log line names both. */
static void two_addresses(void)
{
	const char *const addrs[] = {"127.0.0.1:0", "[::1]:0"};
	struct http_config cfg = config();
	struct http_server *s = NULL;
	char want[96];
	struct buf body;
	int before = open_fds();

	cfg.listens = addrs;
	cfg.n_listens = 2;
	cfg.listen = "192.0.2.1:1"; /* ignored when listens is given */
	T_EQ_INT(http_server_start(&cfg, &s), 0);
	T_ASSERT(http_server_port_at(s, 0) != 0 && http_server_port_at(s, 1) != 0);
	T_EQ_INT(http_server_port_at(s, 2), 0);
	T_EQ_INT(http_server_port(s), http_server_port_at(s, 0));
	snprintf(want, sizeof(want), "127.0.0.1:%u, [::1]:%u", http_server_port_at(s, 0),
	         http_server_port_at(s, 1));
	T_EQ_STR(http_server_addresses(s), want);
	buf_init(&body, 4096);
	T_EQ_INT(scrape("127.0.0.1", http_server_port_at(s, 0), &body), 0);
	T_EQ_STR(body.data, "ikewatch_up 1\n");
	T_EQ_INT(scrape("[::1]", http_server_port_at(s, 1), &body), 0);
	T_EQ_STR(body.data, "ikewatch_up 1\n");
	/* and not crosswise: each socket is only its own address */
	T_EQ_INT(scrape("[::1]", http_server_port_at(s, 0), &body), -ECONNREFUSED);
	http_server_free(s);
	buf_done(&body);
	/* our own sockets are closed with the server */
	T_EQ_INT(open_fds(), before);
}

/* Credentials apply to every socket: the same bearer token on both, 401 without it. */
static void credentials_on_each(void)
{
	const char *const addrs[] = {"127.0.0.1:0", "[::1]:0"};
	struct http_config cfg = config();
	struct http_server *s = NULL;
	struct buf body;
	long status = 0;
	char url[96];

	cfg.listens = addrs;
	cfg.n_listens = 2;
	cfg.bearer_token = "0123456789abcdef0123";
	cfg.require_auth = true;
	T_EQ_INT(http_server_start(&cfg, &s), 0);
	buf_init(&body, 4096);
	for (size_t i = 0; i < 2; i++) {
		snprintf(url, sizeof(url), "http://%s:%u/metrics", i ? "[::1]" : "127.0.0.1",
		         http_server_port_at(s, i));
		T_EQ_INT(get(url, &body, &status), -EPROTO);
		T_EQ_INT(status, 401);
		snprintf(url, sizeof(url), "http://%s:%u/-/healthy", i ? "[::1]" : "127.0.0.1",
		         http_server_port_at(s, i));
		T_EQ_INT(get(url, &body, &status), 0);
	}
	http_server_free(s);
	buf_done(&body);
}

/* The second address is taken: -EADDRINUSE, one line naming it, and the first one is closed
 * again (no descriptor left, the port free). */
static void bind_failure_names_the_address(void)
{
	unsigned taken = 0;
	int busy = loopback_socket(AF_INET, SOCK_STREAM, true, &taken), before;
	char addr[32], log[1024];
	const char *addrs[] = {"127.0.0.1:0", addr};
	struct start_args a = {.cfg = config()};

	T_ASSERT(busy >= 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", taken);
	a.cfg.listens = addrs;
	a.cfg.n_listens = 2;
	before = open_fds();
	T_EQ_INT(with_log(start_fn, &a, log, sizeof(log)), -EADDRINUSE);
	T_ASSERT(a.s == NULL);
	T_EQ_INT(open_fds(), before);
	T_CONTAINS(log, "cannot listen on 127.0.0.1:");
	T_CONTAINS(log, addr);
	T_CONTAINS(log, "Address already in use");
	T_EQ_INT((int)(strchr(log, '\n') - log + 1), (int)strlen(log)); /* one line */

	/* a bad address among good ones: named, nothing bound */
	addrs[1] = "[::1]:99999";
	T_EQ_INT(with_log(start_fn, &a, log, sizeof(log)), -ERANGE);
	T_CONTAINS(log, "listen address '[::1]:99999'");
	T_EQ_INT(open_fds(), before);

	/* more than HTTP_LISTEN_MAX */
	a.cfg.n_listens = HTTP_LISTEN_MAX + 1;
	T_EQ_INT(with_log(start_fn, &a, log, sizeof(log)), -E2BIG);
	T_CONTAINS(log, "at most 8");
	close(busy);
}

/* ---- systemd socket activation, in a child as systemd starts a service ---- */

struct sd_case {
	const int *fds; /* become fd 3, 4, ... in the child */
	size_t n_fds;
	const char *listen_fds; /* LISTEN_FDS; NULL: not set */
	const char *listen_pid; /* LISTEN_PID; NULL: not set; "self": the child's pid */
};

struct sd_result {
	int ret;         /* http_server_start() in the child */
	char log[2048];  /* the child's stderr */
	bool env_gone;   /* LISTEN_* were removed from the child's environment */
	bool fds_closed; /* after a failure: fd 3.. closed */
	unsigned ports[HTTP_LISTEN_MAX];
};

static void child_run(const struct sd_case *c, int res_fd, int go_fd)
{
	struct http_config cfg = config();
	struct http_server *s = NULL;
	struct sd_result res = {0};
	int moved[HTTP_LISTEN_MAX + 4];
	char pid[24];

	/* out of the way of 3.. first, then into place */
	for (size_t i = 0; i < c->n_fds; i++)
		moved[i] = fcntl(c->fds[i], F_DUPFD, 300);
	for (size_t i = 0; i < c->n_fds; i++) {
		dup2(moved[i], 3 + (int)i);
		close(moved[i]);
	}
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	if (c->listen_fds)
		setenv("LISTEN_FDS", c->listen_fds, 1);
	if (c->listen_pid && strcmp(c->listen_pid, "self") == 0) {
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		setenv("LISTEN_PID", pid, 1);
	} else if (c->listen_pid) {
		setenv("LISTEN_PID", c->listen_pid, 1);
	}
	cfg.systemd_socket = true;
	cfg.listen = "127.0.0.1:1"; /* never bound: systemd's sockets instead */
	res.ret = http_server_start(&cfg, &s);
	res.env_gone = !getenv("LISTEN_FDS") && !getenv("LISTEN_PID");
	res.fds_closed = true;
	for (size_t i = 0; i < c->n_fds && res.ret < 0; i++)
		if (fcntl(3 + (int)i, F_GETFD) >= 0)
			res.fds_closed = false;
	for (size_t i = 0; s && i < HTTP_LISTEN_MAX; i++)
		res.ports[i] = http_server_port_at(s, i);
	if (write(res_fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	/* serve until the parent has scraped */
	if (s) {
		char go;

		(void)!read(go_fd, &go, 1);
		http_server_free(s);
	}
	_exit(0);
}

/* Start a child for @c; the result in @res; the child serves until sd_finish(). */
static pid_t sd_start(const struct sd_case *c, struct sd_result *res, int *ret_go)
{
	int rp[2], gp[2], logp[2], hi_res, hi_go, hi_log;
	pid_t pid;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if (pipe2(rp, O_CLOEXEC) < 0 || pipe2(gp, O_CLOEXEC) < 0 || pipe2(logp, O_CLOEXEC) < 0)
		return -1;
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		hi_res = fcntl(rp[1], F_DUPFD_CLOEXEC, 400);
		hi_go = fcntl(gp[0], F_DUPFD_CLOEXEC, 400);
		hi_log = fcntl(logp[1], F_DUPFD_CLOEXEC, 400);
		dup2(hi_log, STDERR_FILENO);
		child_run(c, hi_res, hi_go);
	}
	close(rp[1]);
	close(gp[0]);
	close(logp[1]);
	n = read(rp[0], res, sizeof(*res));
	close(rp[0]);
	if (n != (ssize_t)sizeof(*res))
		res->ret = -EPIPE;
	*ret_go = gp[1];
	/* the log so far: every start message is written before the result */
	fcntl(logp[0], F_SETFL, O_NONBLOCK);
	n = read(logp[0], res->log, sizeof(res->log) - 1);
	res->log[n > 0 ? n : 0] = '\0';
	close(logp[0]);
	return pid;
}

static int sd_finish(pid_t pid, int go)
{
	int st = 0;

	(void)!write(go, "x", 1);
	close(go);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void sd_run(const struct sd_case *c, struct sd_result *res)
{
	int go;
	pid_t pid = sd_start(c, res, &go);

	T_ASSERT(pid > 0);
	T_EQ_INT(sd_finish(pid, go), 0);
}

/* Three sockets as a .socket unit with ListenStream=127.0.0.1:P, [::1]:P and a path gives them:
 * each is served, on the port systemd bound, and the variables are gone. */
static void systemd_sockets(void)
{
	unsigned p4 = 0, p6 = 0;
	int fds[3], unix_fd, go, conn;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char path[] = "/tmp/iw-test-sdsocket.XXXXXX", sock[64], reply[256] = "";
	struct sd_case c = {fds, 3, "3", "self"};
	struct sd_result res;
	struct buf b4, b6;
	int r4, r6, st;
	bool still_listening = true;
	ssize_t n;
	pid_t pid;

	T_ASSERT(mkdtemp(path) != NULL);
	snprintf(sock, sizeof(sock), "%s/http.sock", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fds[0] = loopback_socket(AF_INET, SOCK_STREAM, true, &p4);
	fds[1] = loopback_socket(AF_INET6, SOCK_STREAM, true, &p6);
	unix_fd = fds[2] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_ASSERT(fds[0] >= 0 && fds[1] >= 0 && unix_fd >= 0);
	T_EQ_INT(bind(unix_fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	T_EQ_INT(listen(unix_fd, 8), 0);
	pid = sd_start(&c, &res, &go);
	T_ASSERT(pid > 0);
	/* everything the child serves first, then the child ends, then the verdicts: a failed
	 * check must not leave it waiting */
	buf_init(&b4, 4096);
	buf_init(&b6, 4096);
	r4 = res.ret == 0 ? scrape("127.0.0.1", p4, &b4) : -1;
	r6 = res.ret == 0 ? scrape("[::1]", p6, &b6) : -1;
	conn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (res.ret == 0 && connect(conn, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    write(conn, "GET /-/healthy HTTP/1.0\r\n\r\n", 27) == 27) {
		n = read(conn, reply, sizeof(reply) - 1);
		reply[n > 0 ? n : 0] = '\0';
	}
	close(conn);
	st = sd_finish(pid, go);
	/* systemd keeps its copies, and they must go on listening after the service ended (the
	 * next instance takes them; scrapes meanwhile wait in the backlog) */
	for (size_t i = 0; i < 3; i++) {
		int on = 0;
		socklen_t len = sizeof(on);

		if (getsockopt(fds[i], SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
			still_listening = false;
		close(fds[i]);
	}
	unlink(sock);
	rmdir(path);
	T_EQ_INT(res.ret, 0);
	T_ASSERT(res.env_gone);
	T_EQ_INT(res.ports[0], p4);
	T_EQ_INT(res.ports[1], p6);
	T_EQ_INT(res.ports[2], 0);
	T_EQ_INT(r4, 0);
	T_EQ_STR(b4.data, "ikewatch_up 1\n");
	T_EQ_INT(r6, 0);
	T_EQ_STR(b6.data, "ikewatch_up 1\n");
	T_CONTAINS(reply, " 200 OK\r\n");
	T_EQ_INT(st, 0);
	T_ASSERT(still_listening);
	buf_done(&b4);
	buf_done(&b6);
}

/* Every refusal: its -errno, its one line, the variables removed, the sockets closed. */
static void systemd_refusals(void)
{
	unsigned port = 0;
	int tcp = loopback_socket(AF_INET, SOCK_STREAM, true, &port);
	int udp = loopback_socket(AF_INET, SOCK_DGRAM, false, NULL);
	int idle = loopback_socket(AF_INET, SOCK_STREAM, false, NULL);
	int p[2], many[HTTP_LISTEN_MAX + 1];
	char other[24];
	static const struct {
		const char *listen_fds, *listen_pid;
		int which; /* 0: tcp, 1: udp, 2: not listening, 3: pipe, 4: many */
		int want;
		const char *says;
	} v[] = {
	    {NULL, NULL, 0, -ENOENT, "systemd passed no socket (LISTEN_PID and LISTEN_FDS"},
	    {"1", NULL, 0, -ENOENT, "LISTEN_PID and LISTEN_FDS are not set"},
	    {NULL, "self", 0, -ENOENT, "are not set"},
	    {"1", "other", 0, -ENOENT, "the sockets are not for this process (LISTEN_PID="},
	    {"0", "self", 0, -ENOENT, "no usable socket (LISTEN_FDS=0)"},
	    {"x", "self", 0, -ENOENT, "no usable socket (LISTEN_FDS=x)\" err=\"Invalid argument"},
	    {"1", "self", 1, -ENOTSOCK, "fd 3 (127.0.0.1:"},
	    {"1", "self", 2, -ENOTSOCK, "is not a listening stream socket"},
	    {"1", "self", 3, -ENOTSOCK, "fd 3 (not a socket) is not a listening stream socket"},
	    {"9", "self", 4, -E2BIG, "systemd passed 9 sockets, at most 8 are taken"},
	};

	/* a child that refused has no reader for the "go on" byte */
	signal(SIGPIPE, SIG_IGN);
	T_ASSERT(tcp >= 0 && udp >= 0 && idle >= 0 && pipe2(p, O_CLOEXEC) == 0);
	for (size_t i = 0; i < HTTP_LISTEN_MAX + 1; i++)
		many[i] = tcp;
	snprintf(other, sizeof(other), "%ld", (long)getpid());
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int one[1] = {v[i].which == 1   ? udp
		              : v[i].which == 2 ? idle
		              : v[i].which == 3 ? p[0]
		                                : tcp};
		struct sd_case c = {
		    v[i].which == 4 ? many : one, v[i].which == 4 ? 9 : 1, v[i].listen_fds,
		    v[i].listen_pid && !strcmp(v[i].listen_pid, "other") ? other : v[i].listen_pid};
		struct sd_result res;

		sd_run(&c, &res);
		if (res.ret != v[i].want || !strstr(res.log, v[i].says) || !res.env_gone ||
		    (v[i].want != -ENOENT && !res.fds_closed) ||
		    strchr(res.log, '\n') != res.log + strlen(res.log) - 1)
			test_fail(
			    __FILE__, __LINE__,
			    "case %zu: %d (want %d), env_gone %d, fds_closed %d, log \"%s\" (want "
			    "\"%s\")",
			    i, res.ret, v[i].want, res.env_gone, res.fds_closed, res.log,
			    v[i].says);
		if (test_failed)
			break;
	}
	close(tcp);
	close(udp);
	close(idle);
	close(p[0]);
	close(p[1]);
}

TEST_MAIN("http_listen", TEST(two_addresses), TEST(credentials_on_each),
          TEST(bind_failure_names_the_address), TEST(systemd_sockets), TEST(systemd_refusals))
