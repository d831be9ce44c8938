// SPDX-License-Identifier: Apache-2.0
/*
 * The webhook receiver. Credentials are checked on the first callback of a request, before
 * any of its body is accepted, so an unauthenticated client cannot make heal buffer anything;
 * an authenticated body is still capped at HEAL_WEBHOOK_BODY_MAX. One internal polling thread
 * (basic_auth is not thread-safe).
 */
#include "heal/heal_server.h"

#include "common/clock.h"
#include "common/limits.h"
#include "common/netaddr.h"
#include "http/basic_auth.h"
#include "http/web_config.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAL_REALM "ikewatch heal"

struct heal_server {
	struct heal_daemon *d;
	struct MHD_Daemon *mhd;
	char *token;
	struct web_config *wc;
	struct basic_auth *ba;
};

struct req {
	struct buf body;
	bool authed, too_big;
};

static bool token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);

	/* constant time in the length of the presented token */
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ (i < lb ? b[i] : 0));
	return diff == 0;
}

static bool authorized(struct heal_server *s, struct MHD_Connection *c)
{
	if (s->token) {
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_AUTHORIZATION);

		return h && strncmp(h, "Bearer ", 7) == 0 && token_equal(h + 7, s->token);
	}
	if (s->ba) {
		char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
		bool ok = user && pass && basic_auth_check(s->ba, user, pass);

		if (pass) {
			explicit_bzero(pass, strlen(pass));
			MHD_free(pass);
		}
		if (user)
			MHD_free(user);
		return ok;
	}
	return false;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
			     const char *text, size_t len, bool must_copy)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)text, must_copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result unauthorized(struct heal_server *s, struct MHD_Connection *c)
{
	static const char msg[] = "unauthorized\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	heal_daemon_note_request(s->d, "unauthorized");
	r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (s->ba) {
		ret = MHD_queue_basic_auth_fail_response(c, HEAL_REALM, r);
	} else {
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
		ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	}
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct heal_server *s = cls;
	struct req *q = *con_cls;
	struct heal_webhook w;
	int r;

	(void)version;
	if (strcmp(url, "/-/healthy") == 0)
		return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3, false);
	if (!q) {
		if (!authorized(s, c))
			return unauthorized(s, c);
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		buf_init(&q->body, HEAL_WEBHOOK_BODY_MAX);
		q->authed = true;
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (buf_append(&q->body, upload, *upload_size) < 0)
			q->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0) {
		struct buf out;
		enum MHD_Result ret;

		buf_init(&out, 16u << 20);
		heal_daemon_metrics(s->d, &out);
		ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			    out.data ? out.data : "", out.len, true);
		buf_done(&out);
		return ret;
	}
	if (strcmp(url, "/webhook") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10, false);
	if (strcmp(method, "POST") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "POST only\n", 10, false);
	if (q->too_big) {
		heal_daemon_note_request(s->d, "bad_request");
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain", "too large\n", 10, false);
	}
	r = heal_webhook_parse(q->body.data, q->body.len, &w);
	if (r < 0) {
		heal_daemon_note_request(s->d, "bad_request");
		return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain", "bad webhook body\n", 17, false);
	}
	heal_daemon_alerts(s->d, &w, clock_mono_ms());
	heal_webhook_done(&w);
	heal_daemon_note_request(s->d, "accepted");
	return reply(c, MHD_HTTP_OK, "text/plain", "accepted\n", 9, false);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q) {
		buf_done(&q->body);
		free(q);
		*con_cls = NULL;
	}
}

static int listen_on(const char *addr, int *ret_fd)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, r;

	r = netaddr_parse_listen(addr, 9918, &ss, &sl);
	if (r < 0)
		return r;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

int heal_server_start(struct heal_daemon *d, const char *listen, const char *token,
		      const char *web_config_path, char *err, size_t errlen,
		      struct heal_server **ret)
{
	struct heal_server *s = calloc(1, sizeof(*s));
	int fd = -1, r;

	if (!s)
		return -ENOMEM;
	s->d = d;
	if (token && token[0]) {
		s->token = strdup(token);
		if (!s->token) {
			r = -ENOMEM;
			goto fail;
		}
	} else if (web_config_path && web_config_path[0]) {
		r = web_config_load(web_config_path, err, errlen, &s->wc);
		if (r < 0)
			goto fail;
		s->ba = basic_auth_new(s->wc);
		if (!s->ba) {
			r = -ENOMEM;
			goto fail;
		}
	} else {
		snprintf(err, errlen, "heal needs token_file or web_config: the webhook is never open");
		r = -EINVAL;
		goto fail;
	}
	r = listen_on(listen, &fd);
	if (r < 0) {
		snprintf(err, errlen, "listen on %s: %s", listen, strerror(-r));
		goto fail;
	}
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				  on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CLIENTS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CLIENT_TIMEOUT_S,
				  MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_END);
	if (!s->mhd) {
		close(fd);
		snprintf(err, errlen, "cannot start the HTTP server on %s", listen);
		r = -EIO;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	heal_server_stop(s);
	return r;
}

void heal_server_stop(struct heal_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	basic_auth_free(s->ba);
	web_config_free(s->wc);
	if (s->token) {
		explicit_bzero(s->token, strlen(s->token));
		free(s->token);
	}
	free(s);
}
