// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the command line: the input, split at NUL bytes into arguments, is
 * walked against every command's option tables (opt_parse and the typed value parsers behind
 * it). Operands must come back as arguments that were given, in place; an error must be one
 * line (checked by the unit tests, not here: our stderr goes to /dev/null).
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARGS_MAX 32

static int accept_all(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                      size_t errlen)
{
	(void)ctx;
	(void)o;
	(void)v;
	(void)err;
	(void)errlen;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	char *text, *argv[ARGS_MAX + 2], *given[ARGS_MAX + 2];
	int argc = 1;

	if (!quiet) {
		/* our one-line errors go nowhere; libFuzzer keeps its own copy of the old stream */
		FILE *null = fopen("/dev/null", "w");

		/* listen addresses may be host names: resolving a fuzzed one must never become a
		 * DNS query that leaves this machine, so the fuzzer runs without any network */
		if (unshare(CLONE_NEWNET) < 0)
			abort();

		if (null)
			stderr = null;
		quiet = true;
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i <= size && argc <= ARGS_MAX; i++) {
		argv[argc++] = text + i;
		i += strlen(text + i);
	}
	for (size_t c = 0; cmd_table[c]; c++) {
		int n;

		argv[0] = (char *)cmd_table[c]->name;
		memcpy(given, argv, sizeof(argv[0]) * (size_t)argc);
		n = opt_parse(cmd_table[c], argc, given, accept_all, NULL);
		if (n > argc - 1)
			abort();
		for (int k = 1; k <= n; k++) {
			bool found = false;

			for (int j = 1; j < argc && !found; j++)
				found = given[k] == argv[j];
			if (!found)
				abort();
		}
	}
	free(text);
	return 0;
}
