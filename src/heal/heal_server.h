/* SPDX-License-Identifier: Apache-2.0 */
/*
 * heal's HTTP side, as routes of the one HTTP server (src/http): POST /webhook takes
 * Alertmanager notifications, GET /metrics gives heal's metrics, GET /-/healthy answers "OK".
 * Everything but /-/healthy needs credentials: a bearer token (Authorization: Bearer, compared
 * in constant time), basic auth against a web-config's bcrypt hashes, or a verified client
 * certificate; TLS, client certificates and basic auth come from the web-config exactly as for
 * `serve`. Loopback by default.
 */
#ifndef IKEWATCH_HEAL_SERVER_H
#define IKEWATCH_HEAL_SERVER_H

#include "heal/heal_daemon.h"

#include <stdbool.h>
#include <stddef.h>

struct heal_server;

/* @listen: heal.listen, or NULL for the sockets systemd passed (--web.systemd-socket).
 * @token (may be NULL or empty: none; else at least HEAL_TOKEN_MIN characters) and
 * @web_config_path (may be NULL or empty) as in the config; at least one credential is
 * required. 0 and *ret, or -errno with a message in @err. */
int heal_server_start(struct heal_daemon *d, const char *listen, const char *token,
                      const char *web_config_path, char *err, size_t errlen,
                      struct heal_server **ret);
/* True when the server speaks TLS; where it listens (for the startup log line). */
bool heal_server_tls(const struct heal_server *s);
const char *heal_server_addresses(const struct heal_server *s);
void heal_server_stop(struct heal_server *s);

#endif
