/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one HTTP server of ikewatch (exporter and heal), on libmicrohttpd with a thread per
 * connection (http_server.c says why). The caller gives a table of routes (exact path + method +
 * handler); the server does everything else the same way for every route: optional TLS, client
 * certificates and basic auth from an exporter-toolkit web-config file (web_config.h), an
 * optional bearer token, 401/403/404/405/413, gzip, security headers, and the limits that keep
 * slow clients from starving the others: HTTP_MAX_CLIENTS connections, of which the one that
 * has waited longest for a complete request makes room for a newcomer, and
 * HTTP_CLIENT_TIMEOUT_S both as an idle timeout and as a deadline for a whole request or
 * response (a client trickling a byte at a time is closed too; http_deadline.h). Request bodies
 * only for POST routes, capped per route and read only once the client is authenticated.
 * Routes whose answers can be large stream them (HTTP_ROUTE_STREAM).
 */
#ifndef IKEWATCH_HTTP_SERVER_H
#define IKEWATCH_HTTP_SERVER_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* One request as a handler sees it. */
struct http_request {
	const char *method; /* "GET", "HEAD" or "POST" */
	const char *path;   /* without the query string */
	const char *body;   /* POST routes: the body, NUL-terminated; otherwise NULL */
	size_t body_len;
	void *conn; /* the server's; for http_request_header() */
};

/* The value of request header @name (case-insensitive), or NULL (also once a streamed answer
 * has begun to be sent). */
const char *http_request_header(const struct http_request *rq, const char *name);

/* What a handler answers: the server starts with 200, "text/plain; charset=utf-8" and an empty
 * body capped at HTTP_BODY_MAX. */
struct http_reply {
	unsigned status;
	const char *content_type; /* a static string */
	/* NULL, or the request headers (a static string: "Accept") the body was chosen by, for
	 * Vary (RFC 9110 section 12.5.5) */
	const char *vary;
	struct buf body;
};

/* Fill @reply and return 0; a negative errno instead answers 500 and logs it with the path.
 * Called on a server thread; the threads call handlers concurrently. */
typedef int (*http_handler_fn)(void *ctx, const struct http_request *rq, struct http_reply *reply);

enum {
	HTTP_ROUTE_PUBLIC = 1u << 0, /* no basic auth or token (client certificates still apply) */
	HTTP_ROUTE_GZIP = 1u << 1,   /* gzip the body when Accept-Encoding allows it */
	/* the answer may be large: the handler runs on a thread of its own, and a body that
	 * grows past http_config.stream_mark is sent as it is written (http_stream.h) instead of
	 * whole; the handler then must not read the request's headers after its first
	 * stream_mark bytes (http_request_header() answers NULL), and should buf_hold() its body
	 * while it writes under a lock that others need. While the route's answers stay under
	 * the mark they are answered on the connection thread, as other routes' (a thread per
	 * request costs more than such an answer): the first one past it is whole, the next
	 * streams */
	HTTP_ROUTE_STREAM = 1u << 2,
};

/* The default http_config.stream_mark: answers above it stream. A few hundred KiB keeps serve's
 * memory flat at any size, and everything smaller is answered whole. */
#define HTTP_STREAM_MARK (256u * 1024u)

struct http_route {
	const char *path;   /* exact match, e.g. "/metrics" */
	const char *method; /* "GET" (answers HEAD too) or "POST" */
	http_handler_fn fn;
	void *ctx;
	unsigned flags;  /* HTTP_ROUTE_* */
	size_t body_max; /* POST: the largest body taken (413 above) */
};

struct http_config {
	const char *listen; /* netaddr_parse_listen(): "127.0.0.1:9917", "[::1]:9917",
	                     * ":9917" (all addresses), "localhost:9917" */
	/* several listen addresses instead of @listen when n_listens > 0 (HTTP_LISTEN_MAX) */
	const char *const *listens;
	size_t n_listens;
	/* the listening sockets systemd passed instead of any address (http_listen.h) */
	bool systemd_socket;
	unsigned default_port; /* for a listen address without one; 0: it must name its port */
	const char *web_config_file; /* NULL: plain HTTP, no basic auth */
	/* NULL, or a secret that "Authorization: Bearer" may present instead of basic auth */
	const char *bearer_token;
	const struct http_route *routes; /* copied */
	size_t n_routes;
	/* called with the status of every request the server refuses itself (401, 403, 404, 405,
	 * 413) before any handler runs; NULL: nothing. On a server thread. */
	void (*on_refused)(void *ctx, unsigned status);
	void *ctx;
	/* refuse to start (-EINVAL, logged) when no request would need credentials */
	bool require_auth;
	unsigned max_clients; /* 0: HTTP_MAX_CLIENTS */
	unsigned timeout_s;   /* 0: HTTP_CLIENT_TIMEOUT_S */
	size_t stream_mark;   /* HTTP_ROUTE_STREAM: stream bodies from this size on; 0:
	                       * HTTP_STREAM_MARK; HTTP_BODY_MAX or more: never */
};

struct http_server;

/* Bind (or take systemd's sockets) and start serving on every one. Returns 0 and *ret_server,
 * or -errno (address in use, bad address, no socket from systemd, unreadable web-config), each
 * logged here once with the address or file it is about; -EINVAL unlogged for a route table
 * that is not valid. */
int http_server_start(const struct http_config *cfg, struct http_server **ret_server);
/* The port actually bound on the first socket (useful with port 0 in tests); _at: on the
 * @i-th, in the order of the addresses (0 past the last). */
unsigned http_server_port(const struct http_server *s);
unsigned http_server_port_at(const struct http_server *s, size_t i);
/* Where it listens, for log lines: "127.0.0.1:9917, [::1]:9917". */
const char *http_server_addresses(const struct http_server *s);
/* True when the web-config turned TLS on. */
bool http_server_tls(const struct http_server *s);
/* Connections closed because a request or response was not complete within the timeout, and
 * because a newcomer needed their slot (tests). */
void http_server_closes(const struct http_server *s, unsigned long *ret_expired,
                        unsigned long *ret_evicted);
/* Stop, wait for the server threads, free. NULL is a no-op. */
void http_server_free(struct http_server *s);

/* Handlers every server wants: "OK" for /-/healthy. */
int http_handle_healthy(void *ctx, const struct http_request *rq, struct http_reply *reply);
/* Set @reply to @status with a one-line plain-text body. Returns 0. */
int http_reply_text(struct http_reply *reply, unsigned status, const char *text);

#endif
