// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the configuration parser (src/config/config.c, libyaml underneath): any
 * bytes either parse into a config or fail with -EINVAL and a message; a failure leaves the
 * defaults. Seeds: fuzz/corpus/config/.
 */
#include "config/config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[256];
	int r;

	err[0] = '\0';
	r = config_parse((const char *)data, size, &c, err, sizeof(err));
	if (r == 0) {
		if (c.n_web_listen == 0 || c.n_web_listen > HTTP_LISTEN_MAX || !c.vici_socket ||
		    c.vici_timeout_ms == 0)
			abort();
		for (size_t i = 0; i < c.n_web_listen; i++)
			if (!c.web_listen[i] || !c.web_listen[i][0])
				abort();
		(void)config_map_get(&c.doc, c.probes, "targets");
		(void)config_scalar(config_map_get(&c.doc, c.heal, "enabled"));
	} else if (r != -EINVAL && r != -ENOMEM) {
		abort();
	} else if (r == -EINVAL && err[0] == '\0') {
		abort(); /* every refusal says why */
	}
	config_done(&c);
	return 0;
}
