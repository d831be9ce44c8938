// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the exporter-toolkit web-config parser (src/http/web_config.c): any
 * bytes must give either a config or -EINVAL with a terminated message, never a crash, a leak
 * or a read past the input. A parsed config is also queried, so that every string it holds
 * is touched under ASan.
 */
#include "http/web_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config *c = NULL;
	char err[256];
	size_t total = 0;
	int r;

	r = web_config_parse(data, size, err, sizeof(err), &c);
	if (r < 0) {
		if (c || strlen(err) >= sizeof(err) || (r == -EINVAL && !err[0]))
			abort();
		return 0;
	}
	for (size_t i = 0; i < c->nusers; i++) {
		total += strlen(c->users[i].name) + strlen(c->users[i].hash);
		if (web_config_user_hash(c, c->users[i].name) == NULL)
			abort();
	}
	for (size_t i = 0; i < c->nheaders; i++)
		total += strlen(c->headers[i].name) + strlen(c->headers[i].value);
	if (c->tls && ((!c->cert_file && !c->cert_pem) || (!c->key_file && !c->key_pem)))
		abort();
	(void)total;
	web_config_free(c);
	return 0;
}
