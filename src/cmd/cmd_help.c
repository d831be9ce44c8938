// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch help [COMMAND]": the list of commands, or one command's usage.
 */
#include "cmd/cmd.h"

#include <stdio.h>

static int help_run(int argc, char **argv)
{
	const struct cmd *c;

	if (argc >= 2) {
		c = cmd_find(argv[1]);
		if (!c) {
			fprintf(stderr, "ikewatch help: unknown command '%s'\n", argv[1]);
			return 2;
		}
		return cmd_print_usage(c);
	}
	printf("Usage: ikewatch COMMAND [OPTIONS]\n\n"
	       "Watches IKEv2/IPsec tunnels (strongSwan over VICI) and exports their health to "
	       "Prometheus.\n\nCommands:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nRun 'ikewatch help COMMAND' or 'ikewatch COMMAND --help' for a command's "
	       "options.\n");
	return 0;
}

const struct cmd cmd_help = {
	.name = "help",
	.run = help_run,
	.summary = "show the commands, or one command's options",
	.usage = "Usage: ikewatch help [COMMAND]\n\n"
		 "Without COMMAND, lists the commands; with it, shows that command's options.\n",
};
