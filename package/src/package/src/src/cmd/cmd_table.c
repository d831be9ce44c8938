// SPDX-License-Identifier: Apache-2.0
/*
 * The table of commands and the dispatch that main() hands over to: find the command, answer
 * --help from its tables, run it.
 */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct cmd *const cmd_table[] = {
    &cmd_serve,  &cmd_status, &cmd_textfile, &cmd_reflect, &cmd_ping, &cmd_mtu,
    &cmd_doctor, &cmd_diag,   &cmd_heal,     &cmd_version, &cmd_help, NULL,
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
	cmd_write_usage(c);
	return 0;
}

int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one line, whatever the value held */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "ikewatch %s: %s\n", c->name, line);
	return 2;
}

int cmd_main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help.run(1, (char *[]){"help", NULL});
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version.run(1, (char *[]){"version", NULL});
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "ikewatch: unknown command '%s' ('ikewatch help' lists them)\n",
		        argv[1]);
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
