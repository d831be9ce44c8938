/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exporter's HTTP endpoint, on libmicrohttpd with one internal polling thread (so scrapes
 * are serialised: VICI allows one command at a time per connection). Routes: /metrics, / (the
 * landing/status page), /-/healthy, /-/ready. Optional TLS and basic auth from an
 * exporter-toolkit web-config file (web_config.h). Bounded: HTTP_MAX_CLIENTS connections,
 * HTTP_CLIENT_TIMEOUT_S per connection, GET/HEAD only, no request bodies.
 */
#ifndef IKEWATCH_HTTP_SERVER_H
#define IKEWATCH_HTTP_SERVER_H

#include "common/buf.h"

#include <stdbool.h>

struct http_handlers {
	/* Fill @out with the exposition body; return 0, or -errno for a 500. Called on the HTTP
	 * thread, one call at a time. */
	int (*metrics)(void *ctx, struct buf *out);
	/* The landing page: HTML into @out. */
	void (*landing)(void *ctx, struct buf *out);
	/* /-/ready answers 200 only when this returns true (e.g. VICI answered once). */
	bool (*ready)(void *ctx);
	void *ctx;
};

struct http_config {
	const char *listen;           /* netaddr_parse_listen(): "127.0.0.1:9917", "[::1]:9917",
	                               * ":9917" (all addresses), "localhost:9917" */
	const char *web_config_file;  /* NULL: plain HTTP, no auth */
	unsigned max_clients;         /* 0: HTTP_MAX_CLIENTS */
	unsigned timeout_s;           /* 0: HTTP_CLIENT_TIMEOUT_S */
};

struct http_server;

/* Bind and start serving. Returns 0 and *ret_server, or -errno (address in use, bad address,
 * unreadable web-config); the caller logs. */
int http_server_start(const struct http_config *cfg, const struct http_handlers *h,
		      struct http_server **ret_server);
/* The port actually bound (useful with port 0 in tests). */
unsigned http_server_port(const struct http_server *s);
/* Stop, wait for the server thread, free. NULL is a no-op. */
void http_server_free(struct http_server *s);

#endif
