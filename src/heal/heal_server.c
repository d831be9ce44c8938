// SPDX-License-Identifier: Apache-2.0
/*
 * The webhook receiver: heal's routes and their handlers; listening, TLS, credentials, limits
 * and timeouts are the HTTP server's (src/http/http_server.c), as for `serve`. The server
 * checks credentials before it reads a byte of a body and caps the body at
 * HEAL_WEBHOOK_BODY_MAX; the counters of ikewatch_heal_webhook_requests_total are kept here.
 */
#include "heal/heal_server.h"

#include "common/clock.h"
#include "common/limits.h"
#include "heal/heal_config.h"
#include "heal/heal_webhook.h"
#include "http/http_negotiate.h"
#include "http/http_server.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct heal_server {
	struct http_server *http;
};

static int on_webhook(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct heal_daemon *d = ctx;
	struct heal_webhook w;

	if (heal_webhook_parse(rq->body, rq->body_len, &w) < 0) {
		heal_daemon_note_request(d, "bad_request");
		return http_reply_text(reply, 400, "bad webhook body\n");
	}
	heal_daemon_alerts(d, &w, clock_mono_ms());
	heal_webhook_done(&w);
	heal_daemon_note_request(d, "accepted");
	return http_reply_text(reply, 200, "accepted\n");
}

static int on_metrics(void *ctx, const struct http_request *rq, struct http_reply *reply)
{
	struct prom_writer w;
	int err = http_reply_exposition(rq, reply, &w), end;

	if (err == 0)
		heal_daemon_metrics(ctx, &w);
	end = prom_writer_finish(&w);
	return err < 0 ? err : end;
}

/* Requests the server refused before a handler ran: those heal's counters know. */
static void on_refused(void *ctx, unsigned status)
{
	if (status == 401 || status == 403)
		heal_daemon_note_request(ctx, "unauthorized");
	else if (status == 413)
		heal_daemon_note_request(ctx, "bad_request");
}

int heal_server_start(struct heal_daemon *d, const char *listen, const char *token,
                      const char *web_config_path, char *err, size_t errlen,
                      struct heal_server **ret)
{
	const struct http_route routes[] = {
	    {"/webhook", "POST", on_webhook, d, 0, HEAL_WEBHOOK_BODY_MAX},
	    {"/metrics", "GET", on_metrics, d, HTTP_ROUTE_GZIP, 0},
	    {"/-/healthy", "GET", http_handle_healthy, NULL, HTTP_ROUTE_PUBLIC, 0},
	};
	bool has_token = token && token[0], has_wc = web_config_path && web_config_path[0];
	struct heal_server *s;
	int r;

	if (!has_token && !has_wc) {
		snprintf(err, errlen,
		         "heal needs token_file or web_config: the webhook is never open");
		return -EINVAL;
	}
	if (has_token && (r = heal_config_check_token(token, err, errlen)) < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = http_server_start(
	    &(struct http_config){.listen = listen,
	                          .systemd_socket = listen == NULL,
	                          .default_port = HEAL_DEFAULT_PORT,
	                          .web_config_file = has_wc ? web_config_path : NULL,
	                          .bearer_token = has_token ? token : NULL,
	                          .routes = routes,
	                          .n_routes = sizeof(routes) / sizeof(routes[0]),
	                          .on_refused = on_refused,
	                          .ctx = d,
	                          .require_auth = true},
	    &s->http);
	if (r < 0) {
		/* web-config problems were logged by the server with their line and key */
		snprintf(err, errlen, "listen on %s%s%s: %s", listen ? listen : "systemd's sockets",
		         has_wc ? " with web_config " : "", has_wc ? web_config_path : "",
		         strerror(-r));
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

bool heal_server_tls(const struct heal_server *s)
{
	return http_server_tls(s->http);
}

const char *heal_server_addresses(const struct heal_server *s)
{
	return http_server_addresses(s->http);
}

void heal_server_stop(struct heal_server *s)
{
	if (!s)
		return;
	http_server_free(s->http);
	free(s);
}
