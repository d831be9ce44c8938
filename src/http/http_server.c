// SPDX-License-Identifier: Apache-2.0
/*
 * The HTTP server on libmicrohttpd (see http_server.h). A thread per connection serves it, so a
 * handler that waits (a scrape behind a slow charon) holds up no other client: one MHD daemon
 * per listening socket (http_listen.h opens them, or takes them from systemd), all with the same
 * routes, credentials and limits.
 *
 * Each request is checked in this order: TLS client certificate policy, credentials (basic auth,
 * RFC 7617, or a bearer token, RFC 6750) unless the route is public, path (404), method (405
 * with Allow, RFC 9110 section 15.5.6). A request with a body is checked on the first call of
 * the access handler, before any of the body is read; only a POST route then takes the body,
 * up to its cap (413 above). Every response carries the security headers of the web-config.
 */
#include "http/http_server.h"

#include "common/clock.h"
#include "common/file_read.h"
#include "common/limits.h"
#include "common/log.h"
#include "http/basic_auth.h"
#include "http/http_deadline.h"
#include "http/http_gzip.h"
#include "http/http_listen.h"
#include "http/http_stream.h"
#include "http/web_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_REALM "ikewatch"
/* A streamed answer's response block: what libmicrohttpd reads into and sends from when it
 * cannot chunk (HTTP/1.0: the answer ends with the connection), as much as it asks the reader
 * for at a time (a plain block). Chunked (HTTP/1.1), it reads straight into the connection's
 * pool (HTTP_CONN_MEMORY) and never touches the block, which then takes the least it can:
 * 128 KiB of heap that serve's peak at 1,000 SAs no longer has to find room for (measured:
 * the same sends with a 4 KiB block, RssAnon 60 KiB lower). */
#define HTTP_STREAM_BLOCK HTTP_STREAM_PLAIN_BLOCK
#define HTTP_STREAM_BLOCK_CHUNKED 256u
/* libmicrohttpd's memory pool per connection: the request's headers and the write buffer. All
 * of it is resident while a kept-alive scraper's connection lasts (smaps), so it is part of
 * serve's peak; 96 KiB (-64 KiB) made a 1,000-SA scrape 1.4x dearer with 128 KiB blocks (a
 * block then goes out in two sends and the threads wait on each other more) */
#define HTTP_CONN_MEMORY (160u * 1024u)

struct route {
	struct http_route r;
	/* size of the previous body, to size the next buffer; several server threads read and
	 * write it, a stale value only costs a realloc */
	_Atomic size_t last_body;
	char what[200]; /* "http LISTEN: PATH", for log lines off the connection thread */
};

struct http_server {
	struct MHD_Daemon *daemons[HTTP_LISTEN_MAX]; /* one per listening socket */
	unsigned ports[HTTP_LISTEN_MAX];
	size_t n_daemons;
	struct route *routes;
	size_t n_routes;
	void (*on_refused)(void *ctx, unsigned status);
	void *ctx;
	char listen[160];        /* for log lines: "127.0.0.1:9917, [::1]:9917" */
	struct web_config *wc;   /* NULL without a web-config file */
	struct basic_auth *auth; /* NULL without basic_auth_users */
	char *token;             /* NULL without a bearer token */
	char *cert_pem, *key_pem, *ca_pem;
	char priorities[160];
	struct http_deadlines *deadlines;
	size_t stream_mark; /* HTTP_ROUTE_STREAM bodies from this size on stream */
};

/* A request with a body, between the first and the last call of the access handler. */
struct body_req {
	struct route *route;
	struct buf body;
	bool too_big;
};

/* *con_cls of a GET/HEAD between its first and second call */
static char deferred;

/* ---- responses ---- */

static void add_config_headers(const struct http_server *s, struct MHD_Response *resp)
{
	if (!s->wc)
		return;
	for (size_t i = 0; i < s->wc->nheaders; i++)
		MHD_add_response_header(resp, s->wc->headers[i].name, s->wc->headers[i].value);
}

/* Queue @resp with the common headers and drop our reference. */
static enum MHD_Result queue(const struct http_server *s, struct MHD_Connection *c, unsigned status,
                             const char *ctype, struct MHD_Response *resp)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	add_config_headers(s, resp);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static struct MHD_Response *static_response(const char *text)
{
	return MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	                                       MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result reply_text(const struct http_server *s, struct MHD_Connection *c,
                                  unsigned status, const char *text)
{
	return queue(s, c, status, "text/plain; charset=utf-8", static_response(text));
}

/* An answer of the server's own, before any handler: told to the owner (counters). */
static enum MHD_Result reply_refused(const struct http_server *s, struct MHD_Connection *c,
                                     unsigned status, const char *text)
{
	if (s->on_refused)
		s->on_refused(s->ctx, status);
	return reply_text(s, c, status, text);
}

static enum MHD_Result reply_unauthorized(struct http_server *s, struct MHD_Connection *c)
{
	struct MHD_Response *resp = static_response("Unauthorized\n");
	enum MHD_Result r;

	if (s->on_refused)
		s->on_refused(s->ctx, MHD_HTTP_UNAUTHORIZED);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	add_config_headers(s, resp);
	if (s->token)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"" HTTP_REALM "\"");
	if (s->auth) {
		/* adds WWW-Authenticate: Basic realm="ikewatch" (RFC 7617 section 2) */
		r = MHD_queue_basic_auth_fail_response(c, HTTP_REALM, resp);
	} else {
		r = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, resp);
	}
	MHD_destroy_response(resp);
	return r;
}

/* Hand a filled buffer to MHD without copying: MHD frees it with free() when sent. */
static struct MHD_Response *response_from_buf(struct buf *b)
{
	struct MHD_Response *resp;
	size_t len;
	char *data;

	if (b->len == 0) {
		buf_done(b);
		return static_response("");
	}
	data = buf_steal(b, &len);
	resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp)
		free(data);
	return resp;
}

static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *v =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);

	return v && http_accepts_gzip(v, strlen(v));
}

/* Queue a handler's whole reply, or 500 for its failure @r (gzipped when @gzip). */
static enum MHD_Result queue_whole(struct http_server *s, struct MHD_Connection *c,
                                   struct route *rt, struct http_reply *rp, int r, bool gzip)
{
	struct MHD_Response *resp;

	if (r >= 0 && rp->body.err)
		r = rp->body.err;
	if (r < 0) {
		buf_done(&rp->body);
		log_warn("http %s: %s failed: %s", s->listen, rt->r.path, strerror(-r));
		return reply_text(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                  "An error occurred while serving the request.\n");
	}
	rt->last_body = rp->body.len;
	if (gzip && rp->body.len > 0 && rp->body.len < UINT32_MAX) {
		struct buf z;

		if (http_gzip(&rp->body, &z) == 0) {
			resp = response_from_buf(&z);
			buf_done(&rp->body);
			if (!resp)
				return MHD_NO;
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
			MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
			if (rp->vary)
				MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, rp->vary);
			return queue(s, c, rp->status, rp->content_type, resp);
		}
	}
	resp = response_from_buf(&rp->body);
	if (resp && rp->vary)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, rp->vary);
	return queue(s, c, rp->status, rp->content_type, resp);
}

/* The body size to expect: most answers are the size of the last one (one allocation instead of
 * a doubling run). */
static size_t body_hint(const struct route *rt)
{
	size_t last = rt->last_body;

	return last + last / 8;
}

/* A HTTP_ROUTE_STREAM route: the handler on its own thread; its answer whole if it stays under
 * the mark, streamed (chunked, no Content-Length) if not. false when no thread could be had:
 * the caller answers whole. */
static bool serve_streamed(struct http_server *s, struct MHD_Connection *c, struct route *rt,
                           const struct http_request *rq, bool chunked, bool gzip,
                           enum MHD_Result *ret)
{
	struct http_stream_params p = {
	    .fn = rt->r.fn,
	    .ctx = rt->r.ctx,
	    .rq = *rq,
	    .mark = s->stream_mark,
	    .hint = body_hint(rt),
	    .gzip = gzip,
	    .head = strcmp(rq->method, MHD_HTTP_METHOD_HEAD) == 0,
	    .last_body = &rt->last_body,
	    .what = rt->what,
	};
	struct MHD_Response *resp;
	struct http_stream *st;
	struct http_reply *rp;
	const char *ctype, *vary;
	unsigned status;
	int r;

	if ((r = http_stream_start(&p, &st)) < 0) {
		log_warn("%s: no thread to stream the answer (%s): answering it whole", rt->what,
		         strerror(-r));
		return false;
	}
	*ret = MHD_NO;
	if (!http_stream_streaming(st)) {
		r = http_stream_whole(st, &rp);
		*ret = queue_whole(s, c, rt, rp, r, gzip);
		http_stream_free(st);
		return true;
	}
	http_stream_head(st, &status, &ctype, &vary);
	/* the response owns the stream from here: freeing it stops and joins the producer */
	resp = MHD_create_response_from_callback(
	    http_stream_length(st), chunked ? HTTP_STREAM_BLOCK_CHUNKED : HTTP_STREAM_BLOCK,
	    http_stream_read, st, http_stream_free);
	if (!resp) {
		http_stream_free(st);
		return true;
	}
	if (gzip) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	}
	if (vary)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, vary);
	*ret = queue(s, c, status, ctype, resp);
	return true;
}

/* Run @rt's handler and queue its reply (gzipped when the route allows and the client accepts).
 * @version: the request's, as libmicrohttpd gives it. */
static enum MHD_Result serve_route(struct http_server *s, struct MHD_Connection *c,
                                   struct route *rt, const char *method, const char *version,
                                   const struct buf *body)
{
	struct http_request rq = {.method = method, .path = rt->r.path, .conn = c};
	struct http_reply rp = {.status = MHD_HTTP_OK, .content_type = "text/plain; charset=utf-8"};
	bool gzip = (rt->r.flags & HTTP_ROUTE_GZIP) && accepts_gzip(c);
	enum MHD_Result ret;
	int r;

	if (body) {
		rq.body = body->data ? body->data : "";
		rq.body_len = body->len;
	}
	/* a producer thread costs about 0.1 ms a request: taken when the route's last answer
	 * (or none yet) passed the mark; one that passes it unforeseen is answered whole, and
	 * the next streams */
	if ((rt->r.flags & HTTP_ROUTE_STREAM) && s->stream_mark < HTTP_BODY_MAX &&
	    (rt->last_body == 0 || rt->last_body >= s->stream_mark) &&
	    serve_streamed(s, c, rt, &rq, strcmp(version, MHD_HTTP_VERSION_1_0) != 0, gzip, &ret))
		return ret;
	buf_init(&rp.body, HTTP_BODY_MAX);
	buf_hint(&rp.body, body_hint(rt));
	r = rt->r.fn(rt->r.ctx, &rq, &rp);
	return queue_whole(s, c, rt, &rp, r, gzip);
}

const char *http_request_header(const struct http_request *rq, const char *name)
{
	return rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name) : NULL;
}

int http_reply_text(struct http_reply *reply, unsigned status, const char *text)
{
	reply->status = status;
	reply->content_type = "text/plain; charset=utf-8";
	buf_reset(&reply->body);
	buf_puts(&reply->body, text);
	return 0;
}

int http_handle_healthy(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	(void)ctx;
	(void)rq;
	return http_reply_text(reply, MHD_HTTP_OK, "OK\n");
}

/*
 * Client certificates. MHD asks for one (GNUTLS_CERT_REQUEST) whenever a trust list is set but
 * leaves the policy to us, so the Require and Verify policies of Go's ClientAuthType are
 * enforced here, per request, with 403 instead of a failed handshake.
 */
static bool client_cert_ok(const struct http_server *s, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t session;
	unsigned n = 0, status = 0;
	enum web_client_auth policy;
	bool have;

	if (!s->wc || !s->wc->tls || s->wc->client_auth <= WEB_CLIENT_AUTH_REQUEST)
		return true;
	policy = s->wc->client_auth;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	session = (gnutls_session_t)ci->tls_session;
	have = gnutls_certificate_get_peers(session, &n) != NULL && n > 0;
	if (!have)
		return policy == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN;
	if (policy == WEB_CLIENT_AUTH_REQUIRE_ANY)
		return true;
	return gnutls_certificate_verify_peers2(session, &status) == GNUTLS_E_SUCCESS &&
	       status == 0;
}

/* Equal strings, in time that depends only on the length of @given. */
static bool token_equal(const char *given, const char *want)
{
	size_t lg = strlen(given), lw = strlen(want);
	unsigned char diff = (unsigned char)(lg != lw);

	for (size_t i = 0; i < lg; i++)
		diff |= (unsigned char)(given[i] ^ (i < lw ? want[i] : 0));
	return diff == 0;
}

/* "Bearer " in any case (RFC 9110 section 11.1: the scheme is case-insensitive). */
static bool is_bearer(const char *h)
{
	static const char scheme[] = "bearer";

	if (!h)
		return false;
	for (size_t i = 0; i < sizeof(scheme) - 1; i++)
		if ((h[i] | 0x20) != scheme[i])
			return false; /* also at the NUL of a short value */
	return h[sizeof(scheme) - 1] == ' ';
}

/* Basic auth or the bearer token, whichever is configured; open when neither is. */
static bool authorized(struct http_server *s, struct MHD_Connection *c)
{
	char *user, *pass = NULL;
	bool ok;

	if (!s->auth && !s->token)
		return true;
	if (s->token) {
		const char *h =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

		if (is_bearer(h))
			return token_equal(h + 7, s->token);
	}
	if (!s->auth)
		return false;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && basic_auth_check(s->auth, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static bool is_get_or_head(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	       strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static bool method_matches(const struct route *rt, const char *method)
{
	if (strcmp(rt->r.method, MHD_HTTP_METHOD_GET) == 0)
		return is_get_or_head(method);
	return strcmp(rt->r.method, method) == 0;
}

/* The route for @url and @method, or NULL; *ret_any is the first route for @url whatever its
 * method (NULL: a 404, else a 405). */
static struct route *find_route(struct http_server *s, const char *url, const char *method,
                                struct route **ret_any)
{
	*ret_any = NULL;
	for (size_t i = 0; i < s->n_routes; i++) {
		if (strcmp(s->routes[i].r.path, url) != 0)
			continue;
		if (!*ret_any)
			*ret_any = &s->routes[i];
		if (method_matches(&s->routes[i], method))
			return &s->routes[i];
	}
	return NULL;
}

static enum MHD_Result reply_not_allowed(struct http_server *s, struct MHD_Connection *c,
                                         const char *url)
{
	struct MHD_Response *resp = static_response("Method Not Allowed\n");
	char allow[64] = "";
	size_t n = 0;

	if (s->on_refused)
		s->on_refused(s->ctx, MHD_HTTP_METHOD_NOT_ALLOWED);
	if (!resp)
		return MHD_NO;
	for (size_t i = 0; i < s->n_routes && n < sizeof(allow); i++) {
		const char *m = s->routes[i].r.method;

		if (strcmp(s->routes[i].r.path, url) != 0)
			continue;
		n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s", n ? ", " : "",
		                      strcmp(m, MHD_HTTP_METHOD_GET) == 0 ? "GET, HEAD" : m);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return queue(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", resp);
}

static struct http_deadline *conn_deadline(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* The checks that need no body: false with *ret_route when the request may go on, true with
 * *ret the queued answer otherwise. */
static bool refuse(struct http_server *s, struct MHD_Connection *c, const char *url,
                   const char *method, struct route **ret_route, enum MHD_Result *ret)
{
	struct route *rt, *any;

	rt = find_route(s, url, method, &any);
	if (!client_cert_ok(s, c)) {
		*ret = reply_refused(s, c, MHD_HTTP_FORBIDDEN, "Forbidden: client certificate\n");
		return true;
	}
	/* a public path is public whatever the method: its 405 needs no credentials either */
	if (!(any && (any->r.flags & HTTP_ROUTE_PUBLIC)) && !authorized(s, c)) {
		*ret = reply_unauthorized(s, c);
		return true;
	}
	if (!any) {
		*ret = reply_refused(s, c, MHD_HTTP_NOT_FOUND, "Not Found\n");
		return true;
	}
	if (!rt) {
		*ret = reply_not_allowed(s, c, url);
		return true;
	}
	*ret_route = rt;
	return false;
}

/* The final call of a request: everything has arrived; answer it. */
static enum MHD_Result answer(struct http_server *s, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, struct body_req *q)
{
	struct route *rt = NULL;
	enum MHD_Result r;

	if (q) {
		if (q->too_big)
			return reply_refused(s, c, MHD_HTTP_CONTENT_TOO_LARGE,
			                     "Content Too Large\n");
		return serve_route(s, c, q->route, method, version, &q->body);
	}
	if (refuse(s, c, url, method, &rt, &r))
		return r;
	return serve_route(s, c, rt, method, version, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct body_req *q = *con_cls == &deferred ? NULL : *con_cls;
	struct http_deadline *dl = conn_deadline(c);
	struct route *rt = NULL;
	enum MHD_Result r;

	if (q && *upload_data_size) {
		/* a POST route's body, already authorised */
		if (buf_append(&q->body, upload_data, *upload_data_size) < 0)
			q->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* Answer a plain GET/HEAD on the second call: a response queued on the first call makes
	 * libmicrohttpd close the connection (it cannot know the request is complete), which
	 * would cost Prometheus a new TCP and TLS handshake on every scrape. */
	if (!*con_cls && is_get_or_head(method) &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		*con_cls = &deferred;
		return MHD_YES;
	}
	if (!*con_cls) {
		/* a request with a body (or a body announced): only a POST route takes it, and
		 * only once the client is authorised; anything else is answered at once and the
		 * connection closed, so no body is ever buffered for nothing */
		if (refuse(s, c, url, method, &rt, &r))
			goto out_sending;
		if (rt->r.body_max == 0) {
			*upload_data_size = 0;
			r = reply_refused(s, c, MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large\n");
			goto out_sending;
		}
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		q->route = rt;
		buf_init(&q->body, rt->r.body_max);
		*con_cls = q;
		return MHD_YES;
	}
	/* the handler's time is not the client's: no deadline while it runs */
	http_deadline_handling(s->deadlines, dl);
	r = answer(s, c, url, method, version, q);
out_sending:
	http_deadline_sending(s->deadlines, dl);
	return r;
}

/* A request ended (answered, or the connection failed): free its body, and give the next
 * request on this connection a fresh deadline. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct body_req *q = *con_cls;

	(void)toe;
	if (q && *con_cls != &deferred) {
		buf_done(&q->body);
		free(q);
	}
	*con_cls = NULL;
	http_deadline_waiting(s->deadlines, conn_deadline(c));
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? http_deadline_add(s->deadlines, ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		/* libmicrohttpd closes the socket after this call, never before */
		http_deadline_remove(s->deadlines, *socket_context);
		*socket_context = NULL;
	}
}

/* libmicrohttpd's messages (its own errors and GnuTLS's, which it relays): one log line each,
 * with the server they come from. Mostly clients that went away or spoke garbage: debug. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct http_server *s = cls;
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\r\n")] = '\0';
	log_debug("http %s: libmicrohttpd: %s", s->listen, line);
}

/* GnuTLS's own debug and audit messages, off unless GNUTLS_DEBUG_LEVEL is set: through the
 * log too, never straight to stderr. */
static void gnutls_log(int level, const char *msg)
{
	int n = (int)strcspn(msg, "\r\n");

	log_debug("http: gnutls<%d>: %.*s", level, n, msg);
}

static void gnutls_audit(gnutls_session_t session, const char *msg)
{
	int n = (int)strcspn(msg, "\r\n");

	(void)session;
	log_debug("http: gnutls audit: %.*s", n, msg);
}

/* A libmicrohttpd internal inconsistency: it would print to stderr and abort; say it once,
 * through the log, and abort. */
static void mhd_panic(void *cls, const char *file, unsigned line, const char *reason)
{
	(void)cls;
	log_err("http: libmicrohttpd panic at %s:%u: %s", file ? file : "?", line,
	        reason ? reason : "(no reason)");
	abort();
}

/* ---- TLS material ---- */

static int read_pem(const char *path, char **ret)
{
	size_t len;
	int r = file_read_all(path, CONFIG_FILE_MAX, ret, &len);

	/* a directory or an oversized file is not a certificate or a key */
	return r == -EISDIR || r == -EFBIG ? -EINVAL : r;
}

static int pem_from(const char *file, const char *inline_pem, char **ret)
{
	if (file)
		return read_pem(file, ret);
	if (!inline_pem)
		return 0;
	*ret = strdup(inline_pem);
	return *ret ? 0 : -ENOMEM;
}

/* GnuTLS priority string for [min_version, max_version] (exporter-toolkit default TLS 1.2+). */
static void tls_priorities(const struct web_config *wc, char *out, size_t outlen)
{
	static const char *const vers[] = {"+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2",
	                                   "+VERS-TLS1.3"};
	size_t n;

	n = (size_t)snprintf(out, outlen, "NORMAL:-VERS-ALL");
	for (int v = wc->min_version; v <= (int)wc->max_version && n < outlen; v++)
		n += (size_t)snprintf(out + n, outlen - n, ":%s", vers[v]);
}

static int load_tls(struct http_server *s)
{
	const struct web_config *wc = s->wc;
	int r;

	if ((r = pem_from(wc->cert_file, wc->cert_pem, &s->cert_pem)) < 0 ||
	    (r = pem_from(wc->key_file, wc->key_pem, &s->key_pem)) < 0 ||
	    (r = pem_from(wc->client_ca_file, wc->client_ca_pem, &s->ca_pem)) < 0)
		return r;
	/* Request/RequireAny without a CA: MHD only asks for a client certificate when it has a
	 * trust list, and these policies do not verify, so the server's own certificate serves
	 * as the (unused) list. */
	if (!s->ca_pem && wc->client_auth != WEB_CLIENT_AUTH_NONE) {
		s->ca_pem = strdup(s->cert_pem);
		if (!s->ca_pem)
			return -ENOMEM;
	}
	tls_priorities(wc, s->priorities, sizeof(s->priorities));
	return 0;
}

static void gnutls_log_once(void)
{
	gnutls_global_set_log_function(gnutls_log);
	gnutls_global_set_audit_log_function(gnutls_audit);
	MHD_set_panic_func(mhd_panic, NULL);
}

/* ---- lifecycle ---- */

static bool routes_valid(const struct http_route *routes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct http_route *r = &routes[i];

		if (!r->path || r->path[0] != '/' || !r->method || !r->fn)
			return false;
		if (strcmp(r->method, MHD_HTTP_METHOD_GET) != 0 &&
		    (strcmp(r->method, MHD_HTTP_METHOD_POST) != 0 || r->body_max == 0))
			return false;
	}
	return true;
}

/* The web-config, its basic-auth users, its TLS material; the messages exist only here. */
static int load_web_config(struct http_server *s, const char *path)
{
	char err[256];
	int r;

	r = web_config_load(path, err, sizeof(err), &s->wc);
	if (r < 0) {
		/* the message (line number, key) exists only here; the caller logs -errno */
		log_err("web config %s: %s", path, err);
		return r;
	}
	if (s->wc->nusers) {
		s->auth = basic_auth_new(s->wc);
		if (!s->auth)
			return -ENOMEM;
	}
	if (s->wc->tls && (r = load_tls(s)) < 0) {
		log_err("web config %s: TLS certificate or key: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

static void set_gnutls_log(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, gnutls_log_once);
}

/* The listening sockets @cfg asks for: systemd's, or bound from its addresses. On failure
 * (logged) none stays open. */
static int open_listeners(const struct http_config *cfg, struct http_listener *ls, size_t *ret_n)
{
	const char *const *addrs = cfg->n_listens ? cfg->listens : &cfg->listen;
	size_t n = cfg->n_listens ? cfg->n_listens : 1;
	int r;

	if (cfg->systemd_socket)
		return http_listen_systemd(ls, HTTP_LISTEN_MAX, ret_n);
	if (n > HTTP_LISTEN_MAX) {
		log_err("%zu listen addresses: at most %d are taken", n, HTTP_LISTEN_MAX);
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		r = http_listen_address(addrs[i], cfg->default_port ? (int)cfg->default_port : -1,
		                        &ls[i]);
		if (r < 0) {
			while (i-- > 0)
				close(ls[i].fd);
			return r;
		}
	}
	*ret_n = n;
	return 0;
}

/* One MHD daemon serving @l (which it owns from here on, also when it fails to start). */
static int start_daemon(struct http_server *s, const struct http_listener *l, unsigned max_clients,
                        unsigned timeout_s)
{
	struct MHD_OptionItem opts[16];
	struct MHD_Daemon *d;
	unsigned flags, n = 0;

	/* a thread per connection: a scrape that waits for a slow charon holds up no other
	 * connection (with a pool, one thread accepts a burst of connections and serves them in
	 * turn, so concurrent scrapes queued behind each other instead of sharing the VICI read
	 * in flight, collector.c); the connection limit below bounds the threads. ITC:
	 * MHD_quiesce_daemon() needs it (http_server_free()) */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
	        MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (l->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* first, so that every later message already goes through the log */
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, s};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, l->fd, NULL};
	/* libmicrohttpd refuses what is over its own limit before we see it: above ours, so
	 * that a newcomer can make room (http_deadline.h), which keeps us at max_clients */
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 2 * max_clients, NULL};
	/* idle timeout; the request deadline (http_deadline.h) catches the tricklers */
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, NULL};
	/* a streamed answer is sent from the connection's memory pool (32 KiB by default, most
	 * of it the write buffer): one send and one reader call per 32 KiB of a 2 MB scrape. A
	 * pool of HTTP_CONN_MEMORY sends in larger pieces (RssAnon at 1 SA unchanged; at most
	 * max_clients of them) */
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s};
	if (s->wc && s->wc->tls) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, s->priorities};
		if (s->ca_pem)
			opts[n++] =
			    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, s->ca_pem};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
	                     MHD_OPTION_END);
	if (!d) {
		/* MHD closes a listen socket it was given, also when it fails to start; the usual
		 * cause here is TLS material GnuTLS cannot use */
		log_err("http %s: libmicrohttpd did not start%s", l->name,
		        s->wc && s->wc->tls ? " (the TLS certificate or key?)" : "");
		return s->wc && s->wc->tls ? -EINVAL : -EIO;
	}
	s->ports[s->n_daemons] = l->port;
	s->daemons[s->n_daemons++] = d;
	return 0;
}

int http_server_start(const struct http_config *cfg, struct http_server **ret_server)
{
	struct http_listener ls[HTTP_LISTEN_MAX];
	struct http_server *s;
	unsigned max_clients, timeout_s;
	size_t nl = 0, len = 0;
	int r;

	if (!cfg || !routes_valid(cfg->routes, cfg->n_routes))
		return -EINVAL;
	set_gnutls_log();
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* until the sockets are open, log lines name what was asked for */
	snprintf(s->listen, sizeof(s->listen), "%s",
	         cfg->systemd_socket ? "systemd socket"
	         : cfg->n_listens    ? cfg->listens[0]
	                             : (cfg->listen ? cfg->listen : ""));
	s->on_refused = cfg->on_refused;
	s->ctx = cfg->ctx;
	s->n_routes = cfg->n_routes;
	s->routes = calloc(cfg->n_routes ? cfg->n_routes : 1, sizeof(*s->routes));
	if (!s->routes) {
		r = -ENOMEM;
		goto out_free;
	}
	for (size_t i = 0; i < cfg->n_routes; i++)
		s->routes[i].r = cfg->routes[i];
	if (cfg->bearer_token && cfg->bearer_token[0] && !(s->token = strdup(cfg->bearer_token))) {
		r = -ENOMEM;
		goto out_free;
	}
	if (cfg->web_config_file && (r = load_web_config(s, cfg->web_config_file)) < 0)
		goto out_free;
	if (cfg->require_auth && !s->token && !s->auth &&
	    !(s->wc && s->wc->tls && s->wc->client_auth == WEB_CLIENT_AUTH_REQUIRE_AND_VERIFY)) {
		log_err("http %s: no credentials are configured (a token, basic_auth_users or "
		        "RequireAndVerifyClientCert): refusing to serve without authentication",
		        s->listen);
		r = -EINVAL;
		goto out_free;
	}
	max_clients = cfg->max_clients ? cfg->max_clients : HTTP_MAX_CLIENTS;
	timeout_s = cfg->timeout_s ? cfg->timeout_s : HTTP_CLIENT_TIMEOUT_S;
	s->deadlines = http_deadlines_new(timeout_s * 1000u, max_clients);
	if (!s->deadlines) {
		r = -ENOMEM;
		goto out_free;
	}
	r = open_listeners(cfg, ls, &nl);
	if (r < 0)
		goto out_free;
	for (size_t i = 0; i < nl && len < sizeof(s->listen); i++)
		len += (size_t)snprintf(s->listen + len, sizeof(s->listen) - len, "%s%s",
		                        i ? ", " : "", ls[i].name);
	s->stream_mark = cfg->stream_mark ? cfg->stream_mark : HTTP_STREAM_MARK;
	for (size_t i = 0; i < s->n_routes; i++)
		snprintf(s->routes[i].what, sizeof(s->routes[i].what), "http %s: %s", s->listen,
		         s->routes[i].r.path);
	for (size_t i = 0; i < nl; i++) {
		r = start_daemon(s, &ls[i], max_clients, timeout_s);
		if (r < 0) {
			/* the sockets not yet handed to a daemon */
			while (++i < nl)
				close(ls[i].fd);
			goto out_free;
		}
	}
	*ret_server = s;
	return 0;

out_free:
	http_server_free(s);
	return r;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->ports[0];
}

unsigned http_server_port_at(const struct http_server *s, size_t i)
{
	return i < s->n_daemons ? s->ports[i] : 0;
}

const char *http_server_addresses(const struct http_server *s)
{
	return s->listen;
}

bool http_server_tls(const struct http_server *s)
{
	return s->wc && s->wc->tls;
}

void http_server_closes(const struct http_server *s, unsigned long *ret_expired,
                        unsigned long *ret_evicted)
{
	http_deadlines_counts(s->deadlines, ret_expired, ret_evicted);
}

static void free_secret(char *p)
{
	if (p)
		explicit_bzero(p, strlen(p));
	free(p);
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_daemons; i++) {
		/* Take the listening socket back before stopping: MHD_stop_daemon() would shut it
		 * down, and a socket systemd passed is shared with systemd, which keeps it
		 * listening across our restarts (scrapes wait in its backlog). Closing our
		 * descriptor leaves systemd's open. */
		MHD_socket fd = MHD_quiesce_daemon(s->daemons[i]);

		MHD_stop_daemon(s->daemons[i]);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	/* after the daemon: every connection has been reported closed */
	http_deadlines_free(s->deadlines);
	basic_auth_free(s->auth);
	web_config_free(s->wc);
	free(s->cert_pem);
	free_secret(s->key_pem);
	free_secret(s->token);
	free(s->ca_pem);
	free(s->routes);
	free(s);
}
