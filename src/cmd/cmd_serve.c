// SPDX-License-Identifier: Apache-2.0
#include "cmd/cmd.h"
#include <stdio.h>
static int serve_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "not yet\n");
	return 1;
}
const struct cmd cmd_serve = {.name = "serve", .run = serve_run, .summary = "TODO", .usage = "TODO\n"};
