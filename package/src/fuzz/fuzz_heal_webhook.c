// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the Alertmanager webhook codec (heal_webhook.c): any bytes must give 0
 * or an error, never a crash, a leak or a conn/child value that heal_name_valid() refuses.
 */
#include "heal/heal_webhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct heal_webhook w;

	if (heal_webhook_parse((const char *)data, size, &w) == 0) {
		for (uint32_t i = 0; i < w.n_alerts; i++) {
			const struct heal_alert *a = &w.alerts[i];

			if (a->conn[0] && !heal_name_valid(a->conn, strlen(a->conn)))
				abort();
			if (a->child[0] && !heal_name_valid(a->child, strlen(a->child)))
				abort();
		}
		heal_webhook_done(&w);
	}
	return 0;
}
