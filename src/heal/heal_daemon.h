/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The heal daemon's state: one ladder per connection, fed by its own checks of charon (VICI:
 * configured but down, CHILD SA missing, an exchange in flight) and by alerts from the webhook.
 * heal_daemon_tick() is the check loop's body; the webhook thread calls heal_daemon_alerts();
 * both, and the metrics, are serialised by one mutex.
 */
#ifndef IKEWATCH_HEAL_DAEMON_H
#define IKEWATCH_HEAL_DAEMON_H

#include "common/buf.h"
#include "heal/heal_config.h"
#include "heal/heal_webhook.h"

#include <stdint.h>

struct heal_daemon;

/* @cfg is borrowed and must outlive the daemon. @log_file may be NULL (the context of audit
 * entries then lacks recent log errors). */
struct heal_daemon *heal_daemon_new(const struct heal_config *cfg, const char *vici_socket,
                                    unsigned vici_timeout_ms, const char *log_file);
void heal_daemon_free(struct heal_daemon *d);

/* Take a decoded webhook: firing alerts with a conn label mark that connection faulty until
 * alert_ttl passes or a resolved notification comes. */
void heal_daemon_alerts(struct heal_daemon *d, const struct heal_webhook *w, uint64_t now_ms);
/* Count a webhook request by outcome ("accepted", "unauthorized", "bad_request"). */
void heal_daemon_note_request(struct heal_daemon *d, const char *result);

/* One check of every connection, and the actions it calls for. */
void heal_daemon_tick(struct heal_daemon *d, uint64_t now_ms);

struct prom_writer;
/* Prometheus exposition of heal's own metrics (docs/metrics.md, "ikewatch heal") into @w, in the
 * format the scraper asked for (heal_server.c). */
void heal_daemon_metrics(struct heal_daemon *d, struct prom_writer *w);

#endif
