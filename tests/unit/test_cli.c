// SPDX-License-Identifier: Apache-2.0
/*
 * The command line: the typed value parsers of the option tables (a table of good and bad
 * values per type, with the allowed range in the message), the argv walker (operands anywhere,
 * "--", clustered flags, "--x=y", one line per mistake), the probe-target builder (one range
 * and one wording for the config file and the commands), and the log line formats.
 */
#include "test.h"

#include "cmd/cmd.h"
#include "common/log.h"
#include "probe/probe_config.h"
#include "probe/probe_icmp_text.h"
#include "probe/probe_target.h"
#include "stamp/stamp_addr.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MS 1000000ull

static const char *const colours[] = {"red", "green", "blue", NULL};

static const struct opt t_duration = {OPT_INTERVAL, 0,  "interval", OPT_T_DURATION,
                                      "D",          "", 1000 * MS,  86400000 * MS};
static const struct opt t_seconds = {OPT_PING_INTERVAL, 'i',         NULL, OPT_T_SECONDS, "S", "",
                                     10 * MS,           3600000 * MS};
static const struct opt t_count = {OPT_PING_COUNT, 'c', NULL, OPT_T_COUNT, "N", "", 1, 100};
static const struct opt t_size = {OPT_MTU_MAX, 0, "max", OPT_T_SIZE, "N", "", 68, 65535};
static const struct opt t_port = {OPT_PROBE_PORT, 'p', NULL, OPT_T_PORT, "PORT", ""};
static const struct opt t_listen = {OPT_WEB_LISTEN, 0, "web.listen-address", OPT_T_LISTEN, "A", ""};
static const struct opt t_endpoint = {OPT_REFLECT_LISTEN, 'l', NULL, OPT_T_ENDPOINT, "A", ""};
static const struct opt t_ip = {OPT_PROBE_SOURCE, 'I', NULL, OPT_T_IP, "A", ""};
static const struct opt t_prefix = {OPT_REFLECT_ALLOW, 'a', NULL, OPT_T_PREFIX, "P", ""};
static const struct opt t_choice = {OPT_LOG_LEVEL, 0,  "colour",          OPT_T_CHOICE,
                                    "C",           "", .choices = colours};
static const struct opt t_bool = {OPT_EVENTS_STREAM, 0, "b", OPT_T_BOOL, "B", ""};
static const struct opt t_file = {OPT_CONFIG, 0, "config", OPT_T_FILE, "FILE", ""};

struct value_case {
	const struct opt *o;
	const char *text;
	int ok;
	uint64_t num;    /* when ok */
	const char *msg; /* when not: a part of the message */
};

static const struct value_case value_cases[] = {
    {&t_duration, "5s", 1, 5000 * MS},
    {&t_duration, "250ms", 0, 0, "from 1s to 1d"},
    {&t_duration, "1500ms", 1, 1500 * MS},
    {&t_duration, "2m", 1, 120000 * MS},
    {&t_duration, "1d", 1, 86400000 * MS},
    {&t_duration, "2d", 0, 0, "from 1s to 1d"},
    {&t_duration, "5", 0, 0, "with a unit"},
    {&t_duration, "", 0, 0, "with a unit"},
    {&t_duration, "5x", 0, 0, "with a unit"},
    {&t_duration, "-5s", 0, 0, "with a unit"},
    {&t_duration, "s", 0, 0, "with a unit"},
    {&t_seconds, "0.2", 1, 200 * MS},
    {&t_seconds, "1", 1, 1000 * MS},
    {&t_seconds, "0.01", 1, 10 * MS},
    {&t_seconds, "0.001", 0, 0, "from 0.01 to 3600"},
    {&t_seconds, "3601", 0, 0, "from 0.01 to 3600"},
    {&t_seconds, "1s", 0, 0, "seconds"},
    {&t_seconds, "nan", 0, 0, "seconds"},
    {&t_count, "1", 1, 1},
    {&t_count, "100", 1, 100},
    {&t_count, "0", 0, 0, "from 1 to 100"},
    {&t_count, "101", 0, 0, "from 1 to 100"},
    {&t_count, "-1", 0, 0, "from 1 to 100"},
    {&t_count, "1e2", 0, 0, "whole number"},
    {&t_count, "99999999999999999999999", 0, 0, "from 1 to 100"},
    {&t_size, "1500", 1, 1500},
    {&t_size, "67", 0, 0, "a size in bytes from 68 to 65535"},
    {&t_size, "65536", 0, 0, "from 68 to 65535"},
    {&t_port, "862", 1, 862},
    {&t_port, "65535", 1, 65535},
    {&t_port, "0", 0, 0, "1 to 65535"},
    {&t_port, "65536", 0, 0, "1 to 65535"},
    {&t_port, "ssh", 0, 0, "1 to 65535"},
    {&t_listen, "127.0.0.1:9917", 1},
    {&t_listen, ":9917", 1},
    {&t_listen, "[::1]:9917", 1},
    {&t_listen, "localhost:9917", 1},
    {&t_listen, "127.0.0.1:99999", 0, 0, "the port 99999 is above 65535"},
    {&t_listen, "exa,mple.org:9917", 0, 0, "the host 'exa,mple.org' is neither an IP address"},
    {&t_listen, "127.0.0.1", 0, 0, "expected HOST:PORT"},
    {&t_listen, "[::1]", 0, 0, "expected HOST:PORT"},
    {&t_listen, "127.0.0.1:http", 0, 0, "the port 'http' is not a number"},
    {&t_endpoint, "192.0.2.1", 1},
    {&t_endpoint, "192.0.2.1:862", 1},
    {&t_endpoint, "[2001:db8::1]:862", 1},
    {&t_endpoint, "192.0.2.1:70000", 0, 0, "an IP address with an optional port"},
    {&t_endpoint, "gateway", 0, 0, "an IP address with an optional port"},
    {&t_ip, "192.0.2.1", 1},
    {&t_ip, "2001:db8::1", 1},
    {&t_ip, "192.0.2.1:5", 0, 0, "an IP address"},
    {&t_ip, "192.0.2.256", 0, 0, "an IP address"},
    {&t_prefix, "192.0.2.0/24", 1},
    {&t_prefix, "192.0.2.1/24", 0, 0, "without host bits"},
    {&t_prefix, "192.0.2.0/33", 0, 0, "prefix"},
    {&t_choice, "green", 1, 1},
    {&t_choice, "Green", 0, 0, "expected red, green or blue"},
    {&t_choice, "", 0, 0, "expected red, green or blue"},
    {&t_bool, "true", 1, 1},
    {&t_bool, "no", 1, 0},
    {&t_bool, "1", 0, 0, "true or false"},
    {&t_file, "/", 0, 0, "a directory, not a file"},
    {&t_file, "/nonexistent/file", 0, 0, "No such file or directory"},
    {&t_file, "", 0, 0, "a file name"},
};

static void value_table(void)
{
	for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];
		struct opt_val v;
		char err[320] = "";
		int r = opt_value_parse(c->o, c->text, &v, err, sizeof(err));

		if (c->ok && (r != 0 || v.num != c->num)) {
			test_fail(__FILE__, __LINE__, "case %zu '%s': r %d num %llu err '%s'", i,
			          c->text, r, (unsigned long long)v.num, err);
			return;
		}
		if (!c->ok && (r != -EINVAL || !strstr(err, c->msg) || strchr(err, '\n'))) {
			test_fail(__FILE__, __LINE__, "case %zu '%s': r %d, err '%s' lacks '%s'", i,
			          c->text, r, err, c->msg);
			return;
		}
	}
}

static void duration_format(void)
{
	char b[32];

	opt_format_duration(600000 * MS, b, sizeof(b));
	T_EQ_STR(b, "10m");
	opt_format_duration(1500 * MS, b, sizeof(b));
	T_EQ_STR(b, "1500ms");
	opt_format_duration(86400000 * MS, b, sizeof(b));
	T_EQ_STR(b, "1d");
}

/* ---- the argv walker, over a command of its own ---- */

static const struct opt walk_opts[] = {
    {OPT_PING_COUNT, 'c', "count", OPT_T_COUNT, "N", "", 1, 10},
    {OPT_QUIET, 'q', NULL, OPT_T_FLAG, NULL, ""},
    {OPT_PING_STATEFUL, 0, "stateful", OPT_T_FLAG, NULL, ""},
    {OPT_REFLECT_ALLOW, 'a', NULL, OPT_T_PREFIX, "P", "", .flags = OPT_REPEAT},
    {OPT_END},
};
static const struct opt *const walk_tables[] = {walk_opts, NULL};
static const struct cmd walk_cmd = {
    .name = "walk", .opts = walk_tables, .operands_max = 3, .operand = "X"};

struct walk {
	uint64_t count;
	int quiet, stateful, allow, refuse;
};

static int walk_take(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                     size_t errlen)
{
	struct walk *w = ctx;

	if (o->id == OPT_PING_COUNT)
		w->count = v->num;
	else if (o->id == OPT_QUIET)
		w->quiet++;
	else if (o->id == OPT_PING_STATEFUL)
		w->stateful++;
	else if (o->id == OPT_REFLECT_ALLOW && ++w->allow > w->refuse && w->refuse) {
		snprintf(err, errlen, "too many");
		return -1;
	}
	return 0;
}

/* Run the walker on a copy of @args with stderr captured into @err. */
static int walk(struct walk *w, char *errbuf, size_t errlen, int argc, const char **args)
{
	char *argv[16];
	char path[] = "/tmp/ikewatch-test-cli-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), n;
	ssize_t got;

	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	n = opt_parse(&walk_cmd, argc, argv, walk_take, w);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	got = pread(fd, errbuf, errlen - 1, 0);
	errbuf[got > 0 ? got : 0] = '\0';
	close(fd);
	unlink(path);
	for (int i = 1; i <= n; i++)
		args[i] = argv[i];
	return n;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void walker_good(void)
{
	struct walk w = {0};
	char err[512];
	const char *a1[] = {"walk", "x", "-qc", "5", "y", "--stateful", "--", "-q", NULL};
	const char *a2[] = {"walk", "--count=7", "-c8", "-a", "10.0.0.0/8", "-a10.1.0.0/16", NULL};

	T_EQ_INT(walk(&w, err, sizeof(err), 8, a1), 3);
	T_EQ_STR(err, "");
	T_EQ_INT(w.count, 5);
	T_EQ_INT(w.quiet, 1);
	T_EQ_INT(w.stateful, 1);
	T_EQ_STR(a1[1], "x");
	T_EQ_STR(a1[2], "y");
	T_EQ_STR(a1[3], "-q");
	w = (struct walk){0};
	T_EQ_INT(walk(&w, err, sizeof(err), 6, a2), 0);
	T_EQ_INT(w.count, 8);
	T_EQ_INT(w.allow, 2);
}

static void walker_errors(void)
{
	static const struct {
		const char *args[4];
		const char *msg;
	} cases[] = {
	    {{"walk", "-c", NULL}, "ikewatch walk: -c: needs a value (N)\n"},
	    {{"walk", "--count", NULL}, "ikewatch walk: --count: needs a value (N)\n"},
	    {{"walk", "-c", "0", NULL},
	     "ikewatch walk: -c 0: expected a whole number from 1 to 10\n"},
	    {{"walk", "--count=11", NULL},
	     "ikewatch walk: --count 11: expected a whole number from 1 to 10\n"},
	    {{"walk", "--bogus", NULL},
	     "ikewatch walk: --bogus: unknown option ('ikewatch help walk' lists them)\n"},
	    {{"walk", "--bogus=1", NULL},
	     "ikewatch walk: --bogus: unknown option ('ikewatch help walk' lists them)\n"},
	    {{"walk", "-qx", NULL},
	     "ikewatch walk: -x: unknown option ('ikewatch help walk' lists them)\n"},
	    {{"walk", "--stateful=yes", NULL}, "ikewatch walk: --stateful: takes no value\n"},
	    {{"walk", "--coun", "3", NULL},
	     "ikewatch walk: --coun: unknown option ('ikewatch help walk' lists them)\n"},
	    {{"walk", "-a", "10.0.0.1/8", NULL},
	     "ikewatch walk: -a 10.0.0.1/8: expected an address or a prefix without host bits "
	     "(192.0.2.0/24)\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk w = {0};
		const char *args[4];
		char err[512];
		int argc = 0;

		while (argc < 4 && cases[i].args[argc])
			args[argc] = cases[i].args[argc], argc++;
		if (walk(&w, err, sizeof(err), argc, args) != -1 ||
		    strcmp(err, cases[i].msg) != 0 || lines(err) != 1) {
			test_fail(__FILE__, __LINE__, "case %zu: got '%s' want '%s'", i, err,
			          cases[i].msg);
			return;
		}
	}
}

static void walker_operands(void)
{
	struct walk w = {0};
	char err[512];
	const char *a[] = {"walk", "a", "b", "-q", "c", "d", NULL};

	T_EQ_INT(walk(&w, err, sizeof(err), 6, a), -1);
	T_EQ_STR(err, "ikewatch walk: d: only 3 X expected\n");
}

static void walker_command_refuses(void)
{
	struct walk w = {.refuse = 1};
	char err[512];
	const char *a[] = {"walk", "-a", "10.0.0.0/8", "-a", "10.1.0.0/16", NULL};

	T_EQ_INT(walk(&w, err, sizeof(err), 5, a), -1);
	T_EQ_STR(err, "ikewatch walk: -a 10.1.0.0/16: too many\n");
}

/* Every command's tables: spellings unique within a command, values for every non-flag. */
static void tables_consistent(void)
{
	for (size_t i = 0; cmd_table[i]; i++) {
		const struct cmd *c = cmd_table[i];

		for (size_t t = 0; c->opts && c->opts[t]; t++)
			for (const struct opt *o = c->opts[t]; o->id != OPT_END; o++) {
				T_ASSERT(o->short_name || o->long_name);
				T_ASSERT(o->help && *o->help);
				T_ASSERT((o->type == OPT_T_FLAG) == (o->metavar == NULL));
				T_ASSERT(o->type != OPT_T_CHOICE || o->choices);
				for (size_t u = 0; c->opts[u]; u++)
					for (const struct opt *p = c->opts[u]; p->id != OPT_END;
					     p++) {
						if (p == o)
							continue;
						T_ASSERT(!o->short_name ||
						         o->short_name != p->short_name);
						T_ASSERT(!o->long_name || !p->long_name ||
						         strcmp(o->long_name, p->long_name) != 0);
					}
			}
	}
}

/* ---- the probe-target builder ---- */

static const char *const names[PT_N] = {"TARGET", "-p", "-I", "-k", "-s", "--min", "--max"};

static int build(struct probe_target_spec *s, struct probe_target *t, char *err, size_t n)
{
	return probe_target_build(s, t, err, n);
}

/*
 * Run @fn(@arg) in a child process inside a network namespace of its own, which has no network:
 * a name it resolves fails there without a DNS query ever leaving the machine. 0 when @fn
 * succeeded (the tests run as root, as scripts/test.sh does).
 */
static int offline(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 && fn(arg) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int build_fails_unresolved(void *arg)
{
	struct probe_target t;
	char err[256] = "";

	if (build(arg, &t, err, sizeof(err)) != -EINVAL)
		return -1;
	return strstr(err, "TARGET name.invalid: not an IP address, and the name does not resolve")
	           ? 0
	           : -1;
}

static void target_sizes(void)
{
	static const struct {
		enum probe_module m;
		uint32_t size;
		const char *err; /* NULL: accepted */
	} cases[] = {
	    {PROBE_MOD_STAMP, 44, NULL},
	    {PROBE_MOD_STAMP, 9000, NULL},
	    {PROBE_MOD_STAMP, 10, "-s 10: the STAMP payload needs 44 to 9000 bytes"},
	    {PROBE_MOD_STAMP, 9001, "-s 9001: the STAMP payload needs 44 to 9000 bytes"},
	    {PROBE_MOD_ICMP, 8, NULL},
	    {PROBE_MOD_ICMP, 7, "-s 7: the ICMP echo data needs 8 to 9000 bytes"},
	    {PROBE_MOD_UDP, 7, "-s 7: the UDP echo payload needs 8 to 9000 bytes"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probe_target_spec s;
		struct probe_target t;
		char err[256] = "";
		int r;

		probe_target_spec_init(&s, names);
		s.target = "192.0.2.1";
		s.module = cases[i].m;
		s.size = cases[i].size;
		r = build(&s, &t, err, sizeof(err));
		if (cases[i].err ? r != -EINVAL || strcmp(err, cases[i].err) != 0 : r != 0) {
			test_fail(__FILE__, __LINE__, "case %zu: r %d err '%s'", i, r, err);
			return;
		}
	}
}

static void target_addresses(void)
{
	struct probe_target_spec s;
	struct probe_target t;
	char err[256];

	probe_target_spec_init(&s, names);
	s.target = "192.0.2.1";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(stamp_addr_port((struct sockaddr *)&t.addr), 862);
	s.module = PROBE_MOD_UDP;
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(stamp_addr_port((struct sockaddr *)&t.addr), 7);
	s.target = "192.0.2.1:8620";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(stamp_addr_port((struct sockaddr *)&t.addr), 8620);
	s.port = 9;
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(stamp_addr_port((struct sockaddr *)&t.addr), 9);
	s.no_port = true;
	T_EQ_INT(build(&s, &t, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "TARGET 192.0.2.1:8620: an IP address without a port");
	s.no_port = false;
	s.target = "2001:db8::1";
	s.source = "192.0.2.2";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), -EINVAL);
	T_EQ_STR(err, "-I 192.0.2.2: not of the target's address family");
	s.source = "192.0.2.2:5";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "-I 192.0.2.2:5: expected an IP address");
	s.source = NULL;
	s.target = "localhost";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "TARGET localhost: expected an IP address");
	s.resolve = true;
	s.target = "localhost";
	s.source = "127.0.0.1";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(t.addr.ss_family, AF_INET);
	s.source = NULL;
	s.target = "name.invalid";
	T_EQ_INT(offline(build_fails_unresolved, &s), 0);
	s.target = "192.0.2.1";
	s.module = PROBE_MOD_ICMP;
	s.key_file = "/nonexistent";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), -EINVAL);
	T_EQ_STR(err, "-k /nonexistent: an HMAC key is only for module stamp");
}

static void target_mtu(void)
{
	struct probe_target_spec s;
	struct probe_target t;
	char err[256];

	probe_target_spec_init(&s, names);
	s.target = "2001:db8::1";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(probe_mtu_min_default(t.addr.ss_family), 1280);
	T_EQ_INT(probe_target_check_mtu(&t, 1280, 1500, names, err, sizeof(err)), 0);
	T_EQ_INT(probe_target_check_mtu(&t, 576, 1500, names, err, sizeof(err)), -EINVAL);
	T_EQ_STR(err, "--min 576: an IPv6 packet size from 1280 to 65535 expected");
	s.target = "192.0.2.1";
	T_EQ_INT(build(&s, &t, err, sizeof(err)), 0);
	T_EQ_INT(probe_mtu_min_default(t.addr.ss_family), 576);
	T_EQ_INT(probe_target_check_mtu(&t, 576, 1500, names, err, sizeof(err)), 0);
	T_EQ_INT(probe_target_check_mtu(&t, 1400, 1300, names, err, sizeof(err)), -EINVAL);
	T_EQ_STR(err, "--min 1400: above --max 1300");
	T_EQ_INT(probe_target_check_mtu(&t, 576, 70000, names, err, sizeof(err)), -EINVAL);
	T_EQ_STR(err, "--max 70000: an IPv4 packet size from 68 to 65535 expected");
}

/* The config file's probes: go through the same builder: same ranges, its own key names. */
static void target_config_file(void)
{
	static const struct {
		const char *yaml;
		const char *err; /* NULL: accepted */
		uint32_t mtu_min;
	} cases[] = {
	    {"- target: 192.0.2.1\n  size: 10\n",
	     "line 1: probes: size 10: the STAMP payload needs 44 to 9000 bytes"},
	    {"- target: 192.0.2.1\n  module: icmp\n  size: 8\n", NULL, 576},
	    {"- target: 2001:db8::1\n  mtu: {max: 1400}\n", NULL, 1280},
	    {"- target: 2001:db8::1\n  mtu: {min: 576}\n",
	     "line 1: probes: mtu.min 576: an IPv6 packet size from 1280 to 65535 expected"},
	    {"- target: 192.0.2.1\n  mtu: {min: 1400, max: 1300}\n",
	     "line 1: probes: mtu.min 1400: above mtu.max 1300"},
	    {"- target: 192.0.2.1:862\n",
	     "line 1: probes: target 192.0.2.1:862: an IP address without a port (the port has its "
	     "own key)"},
	    {"- target: gateway.example\n",
	     "line 1: probes: target gateway.example: expected an IP address (192.0.2.1, "
	     "2001:db8::1)"},
	    {"- target: 192.0.2.1\n  source: 2001:db8::2\n",
	     "line 1: probes: source 2001:db8::2: not of the target's address family"},
	    {"- target: 192.0.2.1\n  interval: 5ms\n",
	     "line 2: probes: interval: a duration of 10ms..1h expected"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml_parser_t parser;
		yaml_document_t doc;
		struct probe_config *pc = NULL;
		char err[320] = "";
		int r;

		yaml_parser_initialize(&parser);
		yaml_parser_set_input_string(&parser, (const unsigned char *)cases[i].yaml,
		                             strlen(cases[i].yaml));
		T_ASSERT(yaml_parser_load(&parser, &doc));
		yaml_parser_delete(&parser);
		r = probe_config_parse(&doc, yaml_document_get_root_node(&doc), &pc, err,
		                       sizeof(err));
		yaml_document_delete(&doc);
		if (cases[i].err
		        ? r != -EINVAL || strcmp(err, cases[i].err) != 0
		        : r != 0 || pc->n != 1 || pc->targets[0].mtu_min != cases[i].mtu_min) {
			test_fail(__FILE__, __LINE__, "case %zu: r %d err '%s'", i, r, err);
			probe_config_free(pc);
			return;
		}
		probe_config_free(pc);
	}
}

/* ---- ICMP errors in ping(8)'s words ---- */

static void icmp_words(void)
{
	struct probe_event ev = {.kind = PROBE_EV_UNREACH, .has_icmp = true, .icmp_type = 3};
	char b[96];

	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Destination Net Unreachable");
	T_ASSERT(!probe_event_port_unreachable(&ev));
	ev.icmp_code = 3;
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Destination Port Unreachable");
	T_ASSERT(probe_event_port_unreachable(&ev));
	ev.icmp_code = 13;
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Packet filtered");
	ev.icmp_code = 99;
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Dest Unreachable, Bad Code: 99");
	ev = (struct probe_event){.kind = PROBE_EV_TOO_BIG,
	                          .has_icmp = true,
	                          .icmp_type = 3,
	                          .icmp_code = 4,
	                          .mtu = 1400};
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Frag needed and DF set (mtu = 1400)");
	ev.icmp6 = true;
	ev.icmp_type = 2;
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Packet too big: mtu=1400");
	ev = (struct probe_event){.kind = PROBE_EV_UNREACH,
	                          .has_icmp = true,
	                          .icmp6 = true,
	                          .icmp_type = 1,
	                          .icmp_code = 4};
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Destination unreachable: Port unreachable");
	T_ASSERT(probe_event_port_unreachable(&ev));
	ev.icmp_type = 3;
	ev.icmp_code = 0;
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Time exceeded: Hop limit");
	ev = (struct probe_event){.kind = PROBE_EV_UNREACH, .err = -ECONNREFUSED};
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "Connection refused");
	T_ASSERT(probe_event_port_unreachable(&ev));
	ev = (struct probe_event){.kind = PROBE_EV_TOO_BIG, .mtu = 1280};
	T_EQ_STR(probe_icmp_words(&ev, b, sizeof(b)), "local error: message too long, mtu=1280");
}

/* ---- log lines ---- */

static void capture_log(char *out, size_t len, enum log_format f, const char *err, const char *msg)
{
	char path[] = "/tmp/ikewatch-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t got;

	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_LEVEL_INFO);
	log_set_format(f);
	dup2(fd, STDERR_FILENO);
	if (err)
		log_msg_err(LOG_LEVEL_WARN, err, "%s", msg);
	else
		log_msg_kv(LOG_LEVEL_INFO, (const char *const[]){"conn", "a b"}, 2, "%s", msg);
	log_debug("not shown");
	dup2(saved, STDERR_FILENO);
	close(saved);
	got = pread(fd, out, len - 1, 0);
	out[got > 0 ? got : 0] = '\0';
	close(fd);
	unlink(path);
	log_set_format(LOG_FORMAT_LOGFMT);
}

static void log_formats(void)
{
	char line[512];

	capture_log(line, sizeof(line), LOG_FORMAT_LOGFMT, "No such file or directory",
	            "vici: cannot connect");
	T_ASSERT(strncmp(line, "ts=", 3) == 0);
	T_CONTAINS(line,
	           "Z level=warn msg=\"vici: cannot connect\" err=\"No such file or directory\"\n");
	T_EQ_INT(lines(line), 1);
	capture_log(line, sizeof(line), LOG_FORMAT_LOGFMT, NULL, "a \"quoted\"\nline=x");
	T_CONTAINS(line, " level=info msg=\"a \\\"quoted\\\"\\nline=x\" conn=\"a b\"\n");
	T_EQ_INT(lines(line), 1);
	capture_log(line, sizeof(line), LOG_FORMAT_LOGFMT, NULL, "plain");
	T_CONTAINS(line, " level=info msg=plain conn=\"a b\"\n");
	capture_log(line, sizeof(line), LOG_FORMAT_JSON, "boom", "tab\there \\ done");
	T_ASSERT(strncmp(line, "{\"ts\":\"", 7) == 0);
	T_CONTAINS(
	    line, "\",\"level\":\"warn\",\"msg\":\"tab\\u0009here \\\\ done\",\"err\":\"boom\"}\n");
	T_EQ_INT(lines(line), 1);
}

TEST_MAIN("cli", TEST(value_table), TEST(duration_format), TEST(walker_good), TEST(walker_errors),
          TEST(walker_operands), TEST(walker_command_refuses), TEST(tables_consistent),
          TEST(target_sizes), TEST(target_addresses), TEST(target_mtu), TEST(target_config_file),
          TEST(icmp_words), TEST(log_formats))
