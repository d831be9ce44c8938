/* SPDX-License-Identifier: Apache-2.0 */
/*
 * heal's HTTP side (libmicrohttpd): POST /webhook takes Alertmanager notifications, GET
 * /metrics gives heal's metrics, GET /-/healthy answers "ok". Everything but /-/healthy needs
 * the configured credentials: a bearer token (Authorization: Bearer, compared in constant time)
 * or basic auth against a web-config's bcrypt hashes. Loopback by default.
 */
#ifndef IKEWATCH_HEAL_SERVER_H
#define IKEWATCH_HEAL_SERVER_H

#include "heal/heal_daemon.h"

struct heal_server;

/* @token (may be NULL) and @web_config_path (may be NULL) as in the config; one is required
 * unless @allow_anonymous. 0 and *ret, or -errno with a message in @err. */
int heal_server_start(struct heal_daemon *d, const char *listen, const char *token,
		      const char *web_config_path, char *err, size_t errlen,
		      struct heal_server **ret);
void heal_server_stop(struct heal_server *s);

#endif
