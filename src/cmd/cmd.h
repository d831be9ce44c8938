/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subcommands. Each lives in its own cmd_<name>.c, declares its options as tables (opt.h) and
 * returns a process exit status: 0 success, 1 failure, 2 usage error (as ping and most Unix
 * tools do). The table of commands is cmd_table.c; main() only dispatches.
 */
#ifndef IKEWATCH_CMD_H
#define IKEWATCH_CMD_H

#include "cmd/opt.h"

struct cmd {
	const char *name;
	/* argv[0] is the subcommand's name */
	int (*run)(int argc, char **argv);
	const char *summary;     /* one line for "ikewatch help" and the man page's NAME */
	const char *synopsis;    /* after "ikewatch NAME ": "[OPTIONS] TARGET" */
	const char *description; /* paragraphs, separated by empty lines */
	/* the option tables, NULL-terminated; each table ends with an entry of id OPT_END */
	const struct opt *const *opts;
	const char *footer; /* after the options: exit status, signals */
	/* operands: how many (opt_parse checks), and their name in errors ("TARGET", "CONN") */
	int operands_min, operands_max;
	const char *operand;
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

/* Every command, in the order of "ikewatch help"; NULL-terminated. */
extern const struct cmd *const cmd_table[];
const struct cmd *cmd_find(const char *name);
/* Dispatch "ikewatch ARGS..." (what main() does). */
int cmd_main(int argc, char **argv);

/* Print the command's usage to stdout (for --help) and return 0. */
int cmd_print_usage(const struct cmd *c);
/* Print "ikewatch NAME: MSG" as one line to stderr, return 2. */
int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Documents generated from the tables (opt_doc.c). */
void cmd_write_usage(const struct cmd *c);
void cmd_write_man(const struct cmd *c); /* NULL: ikewatch(1) */
void cmd_write_bash_completion(void);

#endif
