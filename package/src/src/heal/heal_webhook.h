/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Alertmanager webhook body (version 4: {"version":"4","status":..,"alerts":[{"status":
 * "firing"|"resolved","labels":{..},"annotations":{..}},..]}) decoded into the few fields heal
 * acts on. A codec: bytes in, struct out, no I/O, no logging. The body comes from the network,
 * so sizes, nesting, alert counts and label values are bounded (common/limits.h), and conn and
 * child label values must look like strongSwan connection names: they are later passed to VICI
 * as values (never to a shell), and only ever matched against an allowlist.
 */
#ifndef IKEWATCH_HEAL_WEBHOOK_H
#define IKEWATCH_HEAL_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* JSON nesting accepted (Alertmanager's bodies are 3 deep). */
#define HEAL_WEBHOOK_DEPTH_MAX 8

struct heal_alert {
	bool firing;
	char alertname[64];
	char conn[64];  /* "" when the alert carries no conn label */
	char child[64]; /* "" when it carries no child label */
	char severity[16];
};

struct heal_webhook {
	char status[16];
	struct heal_alert *alerts;
	uint32_t n_alerts;
	uint32_t skipped; /* alerts whose conn/child label was not a valid name, or too long */
};

/* 0; -E2BIG (body over HEAL_WEBHOOK_BODY_MAX or too many alerts); -EBADMSG (not JSON, not
 * the webhook shape, a wrong version); -ENOMEM. On failure *ret is left empty. */
int heal_webhook_parse(const char *body, size_t len, struct heal_webhook *ret);
void heal_webhook_done(struct heal_webhook *w);

/* A strongSwan connection or CHILD name as heal accepts it: 1..63 bytes of [A-Za-z0-9._-]. */
bool heal_name_valid(const char *s, size_t len);

#endif
