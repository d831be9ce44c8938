// SPDX-License-Identifier: Apache-2.0
/*
 * "ikewatch help [COMMAND]": the list of commands, or one command's usage. Hidden, for the
 * build: "--man [COMMAND]" writes a man page and "--bash-completion" the completion script,
 * both from the same tables as the usage.
 */
#include "cmd/cmd.h"

#include <stdio.h>

static const struct opt help_opts[] = {
    {OPT_HELP_MAN, 0, "man", OPT_T_FLAG, NULL, "write the man page (roff)", .flags = OPT_HIDDEN},
    {OPT_HELP_COMPLETION, 0, "bash-completion", OPT_T_FLAG, NULL, "write the bash completion",
     .flags = OPT_HIDDEN},
    {OPT_END},
};

static const struct opt *const help_tables[] = {help_opts, NULL};

struct help_flags {
	bool man, completion;
};

static int help_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                     size_t errlen)
{
	struct help_flags *f = ctx;

	(void)v;
	(void)err;
	(void)errlen;
	if (o->id == OPT_HELP_MAN)
		f->man = true;
	else
		f->completion = true;
	return 0;
}

static int help_run(int argc, char **argv)
{
	struct help_flags f = {0};
	const struct cmd *c = NULL;
	int n;

	n = opt_parse(&cmd_help, argc, argv, help_take, &f);
	if (n < 0)
		return 2;
	if (n == 1) {
		c = cmd_find(argv[1]);
		if (!c)
			return cmd_usage_error(&cmd_help, "%s: unknown command", argv[1]);
	}
	if (f.completion) {
		cmd_write_bash_completion();
		return 0;
	}
	if (f.man) {
		cmd_write_man(c);
		return 0;
	}
	if (c)
		return cmd_print_usage(c);
	printf("Usage: ikewatch COMMAND [OPTIONS]\n\n"
	       "Watches IKEv2/IPsec tunnels (strongSwan over VICI) and exports their health to "
	       "Prometheus.\n\nCommands:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nRun 'ikewatch help COMMAND' or 'ikewatch COMMAND --help' for a command's "
	       "options; 'man ikewatch-COMMAND' for its manual.\n");
	return 0;
}

const struct cmd cmd_help = {
    .name = "help",
    .run = help_run,
    .summary = "show the commands, or one command's options",
    .synopsis = "[COMMAND]",
    .description = "Without COMMAND, lists the commands; with it, shows that command's options.\n",
    .opts = help_tables,
    .operands_max = 1,
    .operand = "COMMAND",
};
