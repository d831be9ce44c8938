// SPDX-License-Identifier: Apache-2.0
/*
 * ikewatch: proactive monitoring of IKEv2/IPsec tunnels. main() only finds the subcommand in
 * the table and hands over; each command reads like a table of contents of its own.
 */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct cmd *const cmd_table[] = {
	&cmd_serve,
	&cmd_status,
	&cmd_textfile,
	&cmd_reflect,
	&cmd_ping,
	&cmd_mtu,
	&cmd_doctor,
	&cmd_diag,
	&cmd_heal,
	&cmd_version,
	&cmd_help,
	NULL,
};

const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i]; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

int cmd_print_usage(const struct cmd *c)
{
	fputs(c->usage, stdout);
	return 0;
}

int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ikewatch %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ikewatch help %s'.\n", c->name);
	return 2;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2)
		return cmd_help.run(1, (char *[]){"help", NULL});
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help.run(1, (char *[]){"help", NULL});
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version.run(1, (char *[]){"version", NULL});
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "ikewatch: unknown command '%s'\nTry 'ikewatch help'.\n", argv[1]);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cmd_print_usage(c);
	}
	return c->run(argc - 1, argv + 1);
}
