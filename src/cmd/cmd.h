/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subcommands. Each lives in its own cmd_<name>.c, parses its own flags and returns a process
 * exit status: 0 success, 1 failure, 2 usage error (as ping and most Unix tools do).
 */
#ifndef IKEWATCH_CMD_H
#define IKEWATCH_CMD_H

struct cmd {
	const char *name;
	/* argv[0] is the subcommand's name; getopt may be used from optind = 1 */
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for "ikewatch help" */
	const char *usage;   /* the whole text for "ikewatch help NAME" and "NAME --help" */
};

extern const struct cmd cmd_serve;
extern const struct cmd cmd_status;
extern const struct cmd cmd_textfile;
extern const struct cmd cmd_reflect;
extern const struct cmd cmd_ping;
extern const struct cmd cmd_mtu;
extern const struct cmd cmd_doctor;
extern const struct cmd cmd_diag;
extern const struct cmd cmd_heal;
extern const struct cmd cmd_version;
extern const struct cmd cmd_help;

/* The table in main.c, for help to list; NULL-terminated. */
extern const struct cmd *const cmd_table[];
const struct cmd *cmd_find(const char *name);

/* Print the command's usage to stdout (for --help) and return 0. */
int cmd_print_usage(const struct cmd *c);
/* Print "ikewatch NAME: MSG" and a hint to stderr, return 2. */
int cmd_usage_error(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
