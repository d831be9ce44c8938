// SPDX-License-Identifier: Apache-2.0
/*
 * The command-line walker over a command's option tables (opt.h). Written out rather than
 * built on getopt_long so that every mistake gives exactly one line naming the option, the
 * value and what is allowed (getopt prints its own line, and then the caller a second one).
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

const char *opt_name(const struct opt *o, char *buf, size_t len)
{
	if (o->long_name)
		snprintf(buf, len, "--%s", o->long_name);
	else
		snprintf(buf, len, "-%c", o->short_name);
	return buf;
}

static const struct opt *find_by(const struct cmd *c, char short_name, const char *long_name,
                                 size_t long_len)
{
	if (!c->opts)
		return NULL;
	for (size_t t = 0; c->opts[t]; t++)
		for (const struct opt *o = c->opts[t]; o->id != OPT_END; o++) {
			if (short_name && o->short_name == short_name)
				return o;
			if (long_name && o->long_name && strlen(o->long_name) == long_len &&
			    memcmp(o->long_name, long_name, long_len) == 0)
				return o;
		}
	return NULL;
}

const struct opt *opt_find(const struct cmd *c, enum opt_id id)
{
	if (!c->opts)
		return NULL;
	for (size_t t = 0; c->opts[t]; t++)
		for (const struct opt *o = c->opts[t]; o->id != OPT_END; o++)
			if (o->id == id)
				return o;
	return NULL;
}

/* Check the value against the table, then let the command judge it. */
static int take_one(const struct cmd *c, const struct opt *o, const char *spelled, const char *text,
                    opt_take_fn take, void *ctx)
{
	struct opt_val v;
	char err[320];

	err[0] = '\0';
	if (opt_value_parse(o, text ? text : "", &v, err, sizeof(err)) < 0 ||
	    take(ctx, o, &v, err, sizeof(err)) < 0) {
		if (text)
			cmd_usage_error(c, "%s %s: %s", spelled, text, err);
		else
			cmd_usage_error(c, "%s: %s", spelled, err);
		return -1;
	}
	return 0;
}

static int unknown(const struct cmd *c, const char *arg)
{
	cmd_usage_error(c, "%s: unknown option ('ikewatch help %s' lists them)", arg, c->name);
	return -1;
}

static int missing(const struct cmd *c, const char *spelled, const struct opt *o)
{
	cmd_usage_error(c, "%s: needs a value (%s)", spelled, o->metavar ? o->metavar : "VALUE");
	return -1;
}

/* "--name", "--name=value" or "--name value"; advances *i past what it used. */
static int parse_long(const struct cmd *c, int argc, char **argv, int *i, opt_take_fn take,
                      void *ctx)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt *o = find_by(c, 0, arg, len);
	char spelled[80];

	snprintf(spelled, sizeof(spelled), "--%.*s", (int)len, arg);
	if (!o)
		return unknown(c, spelled);
	if (o->type == OPT_T_FLAG) {
		if (eq) {
			cmd_usage_error(c, "%s: takes no value", spelled);
			return -1;
		}
		return take_one(c, o, spelled, NULL, take, ctx);
	}
	if (eq)
		return take_one(c, o, spelled, eq + 1, take, ctx);
	if (*i + 1 >= argc)
		return missing(c, spelled, o);
	(*i)++;
	return take_one(c, o, spelled, argv[*i], take, ctx);
}

/* "-q", "-c5", "-c 5", "-qc 5". */
static int parse_short(const struct cmd *c, int argc, char **argv, int *i, opt_take_fn take,
                       void *ctx)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct opt *o = find_by(c, *p, NULL, 0);
		char spelled[3] = {'-', *p, '\0'};

		if (!o)
			return unknown(c, spelled);
		if (o->type == OPT_T_FLAG) {
			if (take_one(c, o, spelled, NULL, take, ctx) < 0)
				return -1;
			continue;
		}
		if (p[1])
			return take_one(c, o, spelled, p + 1, take, ctx);
		if (*i + 1 >= argc)
			return missing(c, spelled, o);
		(*i)++;
		return take_one(c, o, spelled, argv[*i], take, ctx);
	}
	return 0;
}

int opt_parse(const struct cmd *c, int argc, char **argv, opt_take_fn take, void *ctx)
{
	int n = 0, r;

	/* operands are moved down in place: slot 1 + n is never ahead of the one being read */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				argv[1 + n++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			argv[1 + n++] = argv[i];
			continue;
		}
		r = a[1] == '-' ? parse_long(c, argc, argv, &i, take, ctx)
		                : parse_short(c, argc, argv, &i, take, ctx);
		if (r < 0)
			return -1;
	}
	if (n < c->operands_min) {
		cmd_usage_error(c, "%s is missing", c->operand);
		return -1;
	}
	if (n > c->operands_max) {
		if (c->operands_max == 0)
			cmd_usage_error(c, "%s: unexpected argument", argv[1]);
		else
			cmd_usage_error(c, "%s: only %d %s expected", argv[1 + c->operands_max],
			                c->operands_max, c->operand);
		return -1;
	}
	return n;
}
