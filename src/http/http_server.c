// SPDX-License-Identifier: Apache-2.0
/*
 * The exporter's HTTP endpoint on libmicrohttpd (see http_server.h). One internal polling
 * thread (epoll) serves every connection, so the callbacks never run concurrently. We create,
 * bind and listen on the socket ourselves before handing it to MHD: that way a bind failure
 * comes back as its real -errno (EADDRINUSE, EACCES, EADDRNOTAVAIL) instead of MHD's NULL.
 *
 * Each request is answered on the first call of the access handler (RFC 9110 section 9.3.1:
 * GET and HEAD carry no meaningful body, and we never read one), in this order: TLS client
 * certificate policy, basic auth (RFC 7617), method (405 with Allow, RFC 9110 section 15.5.6),
 * path (404). Every response carries the security headers of the web-config.
 */
#include "http/http_server.h"

#include "common/file_read.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/rd.h"
#include "http/basic_auth.h"
#include "http/web_config.h"
#include "prom/prom_writer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define HTTP_REALM "ikewatch"
#define HTTP_LISTEN_BACKLOG 64

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_handlers h;
	struct web_config *wc; /* NULL without a web-config file */
	struct basic_auth *auth; /* NULL without basic_auth_users */
	char *cert_pem, *key_pem, *ca_pem;
	char priorities[160];
	/* size of the previous /metrics body, to size the next buffer; several server threads
	 * read and write it, a stale value only costs a realloc */
	_Atomic size_t last_body;
	unsigned port;
};

static const char default_landing[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ikewatch</title></head>\n"
	"<body><h1>ikewatch</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

static int listen_socket(struct sockaddr_storage *ss, unsigned sslen, int *ret_fd)
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

/* ---- responses ---- */

static void add_config_headers(const struct http_server *s, struct MHD_Response *resp)
{
	if (!s->wc)
		return;
	for (size_t i = 0; i < s->wc->nheaders; i++)
		MHD_add_response_header(resp, s->wc->headers[i].name, s->wc->headers[i].value);
}

/* Queue @resp with the common headers and drop our reference. */
static enum MHD_Result queue(const struct http_server *s, struct MHD_Connection *c,
			     unsigned status, const char *ctype, struct MHD_Response *resp)
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

static enum MHD_Result reply_text(const struct http_server *s, struct MHD_Connection *c,
				  unsigned status, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);

	return queue(s, c, status, "text/plain; charset=utf-8", resp);
}

static enum MHD_Result reply_unauthorized(const struct http_server *s, struct MHD_Connection *c)
{
	static const char text[] = "Unauthorized\n";
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		sizeof(text) - 1, (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	add_config_headers(s, resp);
	/* adds WWW-Authenticate: Basic realm="ikewatch" (RFC 7617 section 2) */
	r = MHD_queue_basic_auth_fail_response(c, HTTP_REALM, resp);
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
		return MHD_create_response_from_buffer(0, (void *)(uintptr_t)"",
						       MHD_RESPMEM_PERSISTENT);
	}
	data = buf_steal(b, &len);
	resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp)
		free(data);
	return resp;
}

/* Does Accept-Encoding (RFC 9110 section 12.5.3) list gzip with a non-zero weight? A bounded
 * scan of the header value: tokens separated by commas, each with optional ";q=..." params. */
static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct rd r;

	if (!v)
		return false;
	rd_init(&r, v, strlen(v));
	while (rd_left(&r)) {
		char tok[8], q[8];
		size_t nt = 0, nq = 0;
		bool in_q = false, in_param = false;
		uint8_t ch;

		while (rd_u8(&r, &ch) == 0 && ch != ',') {
			if (ch == ' ' || ch == '\t')
				continue;
			if (ch == ';') {
				in_param = true;
				in_q = false;
				nq = 0;
				continue;
			}
			if (in_param && !in_q && (ch | 0x20) == 'q') {
				uint8_t eq;

				if (rd_u8(&r, &eq) == 0 && eq == '=')
					in_q = true;
				continue;
			}
			if (in_q && nq < sizeof(q) - 1)
				q[nq++] = (char)ch;
			else if (!in_param && nt < sizeof(tok) - 1)
				tok[nt++] = (char)(ch | 0x20);
			else if (!in_param)
				nt = sizeof(tok); /* too long to be "gzip" */
		}
		if (nt == 4 && memcmp(tok, "gzip", 4) == 0) {
			/* q=0, q=0.0, q=0.00, q=0.000 mean "not acceptable" */
			bool zero = nq > 0 && q[0] == '0';

			for (size_t i = 1; zero && i < nq; i++)
				zero = q[i] == '.' || q[i] == '0';
			return !zero;
		}
	}
	return false;
}

/* gzip (RFC 1952) @in into a new buffer at level 1: on a scrape, speed beats ratio, and the
 * exposition's repetitive text still shrinks about tenfold. */
static int gzip_buf(const struct buf *in, struct buf *out)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	buf_init(out, HTTP_BODY_MAX);
	if (buf_reserve(out, deflateBound(&z, in->len)) < 0) {
		deflateEnd(&z);
		return out->err;
	}
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)(out->cap - 1);
	r = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		buf_done(out);
		return -EIO;
	}
	return 0;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c)
{
	struct buf b;
	int r;

	if (!s->h.metrics)
		return reply_text(s, c, MHD_HTTP_NOT_FOUND, "Not Found\n");
	buf_init(&b, HTTP_BODY_MAX);
	/* most scrapes are the size of the last one: one allocation instead of a doubling run */
	if (s->last_body) {
		size_t hint = s->last_body + s->last_body / 8;

		/* a hint past the cap must not leave the buffer's sticky -E2BIG behind */
		buf_reserve(&b, hint < HTTP_BODY_MAX ? hint : HTTP_BODY_MAX);
		buf_reset(&b);
	}
	r = s->h.metrics(s->h.ctx, &b);
	if (r >= 0 && b.err)
		r = b.err;
	if (r < 0) {
		buf_done(&b);
		log_warn("http: /metrics failed: %s", strerror(-r));
		return reply_text(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "An error occurred while collecting metrics.\n");
	}
	s->last_body = b.len;
	if (b.len > 0 && b.len < UINT32_MAX && accepts_gzip(c)) {
		struct buf z;

		if (gzip_buf(&b, &z) == 0) {
			struct MHD_Response *resp = response_from_buf(&z);

			buf_done(&b);
			if (!resp)
				return MHD_NO;
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
			MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
			return queue(s, c, MHD_HTTP_OK, PROM_CONTENT_TYPE, resp);
		}
	}
	return queue(s, c, MHD_HTTP_OK, PROM_CONTENT_TYPE, response_from_buf(&b));
}

static enum MHD_Result serve_landing(struct http_server *s, struct MHD_Connection *c)
{
	struct buf b;

	if (!s->h.landing)
		return queue(s, c, MHD_HTTP_OK, "text/html; charset=utf-8",
			     MHD_create_response_from_buffer(sizeof(default_landing) - 1,
							     (void *)(uintptr_t)default_landing,
							     MHD_RESPMEM_PERSISTENT));
	buf_init(&b, HTTP_BODY_MAX);
	s->h.landing(s->h.ctx, &b);
	if (b.err) {
		buf_done(&b);
		return reply_text(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal Server Error\n");
	}
	return queue(s, c, MHD_HTTP_OK, "text/html; charset=utf-8", response_from_buf(&b));
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

static bool authorized(struct http_server *s, struct MHD_Connection *c)
{
	char *user, *pass = NULL;
	bool ok;

	if (!s->auth)
		return true;
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
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct MHD_Response *resp;
	enum MHD_Result r;

	(void)version;
	(void)upload_data;
	/* Answer a plain GET/HEAD on the second call: a response queued on the first call makes
	 * libmicrohttpd close the connection (it cannot know the request is complete), which
	 * would cost Prometheus a new TCP and TLS handshake on every scrape. Anything with a
	 * body is answered at once and the connection closed, so no body is ever buffered. */
	if (!*con_cls && is_get_or_head(method) &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		*con_cls = s;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!client_cert_ok(s, c))
		return reply_text(s, c, MHD_HTTP_FORBIDDEN, "Forbidden: client certificate\n");
	if (!authorized(s, c))
		return reply_unauthorized(s, c);
	if (!is_get_or_head(method)) {
		resp = MHD_create_response_from_buffer(sizeof("Method Not Allowed\n") - 1,
						       (void *)(uintptr_t)"Method Not Allowed\n",
						       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		r = queue(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", resp);
		return r;
	}
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, c);
	if (strcmp(url, "/") == 0)
		return serve_landing(s, c);
	if (strcmp(url, "/-/healthy") == 0)
		return reply_text(s, c, MHD_HTTP_OK, "OK\n");
	if (strcmp(url, "/-/ready") == 0) {
		if (!s->h.ready || s->h.ready(s->h.ctx))
			return reply_text(s, c, MHD_HTTP_OK, "OK\n");
		return reply_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Service Unavailable\n");
	}
	return reply_text(s, c, MHD_HTTP_NOT_FOUND, "Not Found\n");
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: libmicrohttpd: %s", line);
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

/* ---- lifecycle ---- */

int http_server_start(const struct http_config *cfg, const struct http_handlers *h,
		      struct http_server **ret_server)
{
	struct MHD_OptionItem opts[12];
	struct sockaddr_storage ss;
	struct http_server *s;
	unsigned sslen, flags, n = 0;
	char err[256];
	int fd = -1, r;

	if (!cfg || !h)
		return -EINVAL;
	r = netaddr_parse_listen(cfg->listen, -1, &ss, &sslen);
	if (r < 0) {
		/* the reason (port range, syntax, name) exists only here; the caller logs -errno */
		log_err("listen address '%s': %s", cfg->listen ? cfg->listen : "", netaddr_strerror(r));
		return r;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = *h;
	if (cfg->web_config_file) {
		r = web_config_load(cfg->web_config_file, err, sizeof(err), &s->wc);
		if (r < 0) {
			/* the message (line number, key) exists only here; the caller logs -errno */
			log_err("web config %s: %s", cfg->web_config_file, err);
			goto out_free;
		}
		if (s->wc->nusers) {
			s->auth = basic_auth_new(s->wc);
			if (!s->auth) {
				r = -ENOMEM;
				goto out_free;
			}
		}
		if (s->wc->tls && (r = load_tls(s)) < 0) {
			log_err("web config %s: TLS certificate or key: %s", cfg->web_config_file,
				strerror(-r));
			goto out_free;
		}
	}
	r = listen_socket(&ss, sslen, &fd);
	if (r < 0)
		goto out_free;
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);

	/* a pool of threads: a scrape that waits for a slow charon must not hold up /-/healthy
	 * or the status page on other connections */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	/* libmicrohttpd splits the connection limit among the threads: never more threads than
	 * connections, or a thread would get a limit of 0 */
	opts[n++] = (struct MHD_OptionItem){
		MHD_OPTION_THREAD_POOL_SIZE,
		cfg->max_clients && cfg->max_clients < HTTP_THREADS ? cfg->max_clients : HTTP_THREADS,
		NULL};
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
					    cfg->max_clients ? cfg->max_clients : HTTP_MAX_CLIENTS,
					    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					    cfg->timeout_s ? cfg->timeout_s : HTTP_CLIENT_TIMEOUT_S,
					    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
	if (s->wc && s->wc->tls) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, s->priorities};
		if (s->ca_pem)
			opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, s->ca_pem};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
				     MHD_OPTION_END);
	if (!s->daemon) {
		/* MHD closes a listen socket it was given, also when it fails to start; the usual
		 * cause here is TLS material GnuTLS cannot use */
		r = s->wc && s->wc->tls ? -EINVAL : -EIO;
		goto out_free;
	}
	*ret_server = s;
	return 0;

out_free:
	http_server_free(s);
	return r;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

static void free_pem(char *p)
{
	if (p)
		explicit_bzero(p, strlen(p));
	free(p);
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	basic_auth_free(s->auth);
	web_config_free(s->wc);
	free(s->cert_pem);
	free_pem(s->key_pem);
	free(s->ca_pem);
	free(s);
}
