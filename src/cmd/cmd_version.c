// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch version": the version and the git revision it was built from.
 */
#include "cmd/cmd.h"

#include "build_config.h"

#include <stdio.h>

static int version_run(int argc, char **argv)
{
	if (opt_parse(&cmd_version, argc, argv, NULL, NULL) < 0)
		return 2;
	printf("ikewatch %s (revision %s)\n", IKEWATCH_VERSION, IKEWATCH_REVISION);
	return 0;
}

const struct cmd cmd_version = {
    .name = "version",
    .run = version_run,
    .summary = "print the version and exit",
    .description = "Prints the version and the git revision it was built from.\n",
};
