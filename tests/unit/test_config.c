// SPDX-License-Identifier: Apache-2.0
/*
 * The YAML configuration (src/config/config.c): a full valid file, defaults, every kind of
 * error (each -EINVAL with the offending line number in the message), other modules' sections
 * kept as YAML nodes, the size cap, and config_load() on real files.
 */
#include "test.h"

#include "build_config.h"
#include "common/limits.h"
#include "config/config.h"
#include "config/config_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int parse(const char *text, struct config *c, char *err, size_t n)
{
	err[0] = '\0';
	return config_parse(text, strlen(text), c, err, n);
}

static void full_file(void)
{
	static const char text[] = "# ikewatch\n"
	                           "web:\n"
	                           "  listen_address: 127.0.0.1:9999\n"
	                           "  config_file: /etc/ikewatch/web.yml\n"
	                           "vici:\n"
	                           "  socket: unix:///run/charon.vici\n"
	                           "  timeout: 250ms\n"
	                           "  swanctl_conf: /etc/swanctl/gw.conf\n"
	                           "  strongswan_conf: /etc/gw/strongswan.conf\n"
	                           "exporter:\n"
	                           "  redact_identities: yes\n"
	                           "  cert_interval: 5m\n"
	                           "log:\n"
	                           "  level: debug\n"
	                           "probes:\n"
	                           "  interval: 1s\n"
	                           "  targets:\n"
	                           "    - 203.0.113.129\n"
	                           "reflector:\n"
	                           "  listen: 127.0.0.1:862\n"
	                           "events: {}\n"
	                           "heal:\n"
	                           "  enabled: false\n";
	struct config c;
	char err[256];
	yaml_node_t *targets;

	T_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	T_EQ_STR(c.web_listen[0], "127.0.0.1:9999");
	T_EQ_STR(c.web_config_file, "/etc/ikewatch/web.yml");
	T_EQ_STR(c.vici_socket, "unix:///run/charon.vici");
	T_EQ_INT(c.vici_timeout_ms, 250);
	T_EQ_STR(c.swanctl_conf, "/etc/swanctl/gw.conf");
	T_EQ_STR(c.strongswan_conf, "/etc/gw/strongswan.conf");
	T_ASSERT(c.redact_identities);
	T_EQ_INT(c.cert_interval_s, 300);
	T_EQ_INT(c.log_level, LOG_LEVEL_DEBUG);
	/* module sections are kept as nodes, for their modules to parse */
	T_ASSERT(c.probes && c.probes->type == YAML_MAPPING_NODE);
	T_EQ_STR(config_scalar(config_map_get(&c.doc, c.probes, "interval")), "1s");
	targets = config_map_get(&c.doc, c.probes, "targets");
	T_ASSERT(targets && targets->type == YAML_SEQUENCE_NODE);
	T_ASSERT(c.reflector);
	T_EQ_STR(config_scalar(config_map_get(&c.doc, c.reflector, "listen")), "127.0.0.1:862");
	T_ASSERT(c.events && c.events->type == YAML_MAPPING_NODE);
	T_ASSERT(c.heal);
	T_ASSERT(config_map_get(&c.doc, c.heal, "nope") == NULL);
	T_ASSERT(config_map_get(&c.doc, NULL, "x") == NULL);
	T_ASSERT(config_scalar(c.probes) == NULL);
	config_done(&c);
	/* config_done() leaves defaults behind */
	T_EQ_STR(c.web_listen[0], CONFIG_DEFAULT_LISTEN);
	T_ASSERT(!c.has_doc);
}

static void defaults(void)
{
	static const char *const texts[] = {"", "# only a comment\n", "---\n",
	                                    "---\n# web:\n#   listen_address: x\n", "web: {}\n"};
	struct config c;
	char err[256];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		T_EQ_INT(parse(texts[i], &c, err, sizeof(err)), 0);
		T_EQ_STR(c.web_listen[0], CONFIG_DEFAULT_LISTEN);
		T_ASSERT(c.web_config_file == NULL);
		T_EQ_STR(c.vici_socket, IKEWATCH_DEFAULT_VICI_SOCKET);
		T_EQ_INT(c.vici_timeout_ms, VICI_TIMEOUT_MS);
		T_ASSERT(c.swanctl_conf == NULL);
		T_ASSERT(!c.redact_identities);
		T_EQ_INT(c.cert_interval_s, 60);
		T_EQ_INT(c.log_level, LOG_LEVEL_INFO);
		T_ASSERT(!c.probes && !c.reflector && !c.events && !c.heal);
		config_done(&c);
	}
	config_defaults(&c);
	T_EQ_STR(c.web_listen[0], CONFIG_DEFAULT_LISTEN);
	config_done(&c); /* on defaults only: nothing to free */
}

static void errors_name_the_line(void)
{
	static const struct {
		const char *text;
		const char *line;   /* "line N" expected in the message */
		const char *detail; /* and this */
	} v[] = {
	    {"web:\n  listen_address: x\nmetrics:\n  a: 1\n", "line 3",
	     "unknown section 'metrics'"},
	    {"vici:\n  socket: /s\n  sokcet: /t\n", "line 3", "unknown key 'sokcet'"},
	    {"vici:\n  timeout: 5 seconds\n", "line 2", "not a duration"},
	    {"vici:\n  timeout: -1s\n", "line 2", "not a duration"},
	    {"vici:\n  timeout: 0s\n", "line 2", "more than 0"},
	    {"vici:\n  timeout: 11m\n", "line 2", "vici.timeout"}, /* over 10 min */
	    {"exporter:\n  cert_interval: soon\n", "line 2", "exporter.cert_interval"},
	    {"\n\nexporter:\n  redact_identities: maybe\n", "line 4", "true or false"},
	    {"exporter:\n  redact_identities: [yes]\n", "line 2", "true or false"},
	    {"log:\n  level: verbose\n", "line 2", "log.level"},
	    {"log:\n  level: INFO\n", "line 2", "log.level"},
	    {"- web\n- vici\n", "line 1", "top level must be a mapping"},
	    {"just a string\n", "line 1", "top level must be a mapping"},
	    {"web: [1, 2]\n", "line 1", "expected a mapping"},
	    {"web:\n  listen_address:\n", "line 2", "non-empty"},
	    {"web:\n  listen_address: {a: b}\n", "line 2", "non-empty"},
	    {"web:\n  [a]: b\n", "line 2", "plain names"},
	    {"web: {listen_address: a\n", "line 2", ""},   /* unclosed flow mapping */
	    {"web:\n\tlisten_address: a\n", "line 2", ""}, /* a tab is not YAML indentation */
	    {"a: b\n  c: d\n", "line 2", ""},
	    {"web: &x\n  listen_address: *y\n", "line 2", ""}, /* undefined alias */
	};
	struct config c;
	char err[256];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int r = parse(v[i].text, &c, err, sizeof(err));

		if (r != -EINVAL || !strstr(err, v[i].line) || !strstr(err, v[i].detail))
			test_fail(__FILE__, __LINE__, "case %zu: %d \"%s\" (want %s, %s)", i, r,
			          err, v[i].line, v[i].detail);
		if (test_failed)
			return;
		/* a failed parse leaves defaults and nothing to free twice */
		T_EQ_STR(c.web_listen[0], CONFIG_DEFAULT_LISTEN);
		config_done(&c);
	}
	/* a message that does not fit is cut, not overflowed */
	T_EQ_INT(parse("vici:\n  sokcet: /t\n", &c, err, 8), -EINVAL);
	T_EQ_INT(strlen(err), 7);
	config_done(&c);
}

static void bools_and_durations(void)
{
	static const struct {
		const char *text;
		bool redact;
		unsigned timeout_ms;
	} v[] = {
	    {"exporter: {redact_identities: true}\nvici: {timeout: 5s}\n", true, 5000},
	    {"exporter: {redact_identities: on}\nvici: {timeout: 2m}\n", true, 120000},
	    {"exporter: {redact_identities: false}\nvici: {timeout: 10m}\n", false, 600000},
	    {"exporter: {redact_identities: off}\nvici: {timeout: 3}\n", false, 3000},
	    {"exporter: {redact_identities: no}\nvici: {timeout: 1ms}\n", false, 1},
	};
	struct config c;
	char err[256];
	bool b;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_EQ_INT(parse(v[i].text, &c, err, sizeof(err)), 0);
		T_EQ_INT(c.redact_identities, v[i].redact);
		T_EQ_INT(c.vici_timeout_ms, v[i].timeout_ms);
		config_done(&c);
	}
	T_EQ_INT(config_bool(NULL, &b), -EINVAL);
	T_EQ_INT(config_bool("", &b), -EINVAL);
	T_EQ_INT(config_bool("True", &b), -EINVAL);
	b = false;
	T_EQ_INT(config_bool("yes", &b), 0);
	T_ASSERT(b);
}

static void oversize(void)
{
	size_t len = CONFIG_FILE_MAX + 1;
	char *text = malloc(len + 1);
	char err[256], path[] = "/tmp/ikewatch-test-config-XXXXXX";
	struct config c;
	int fd;

	T_ASSERT(text);
	memset(text, '#', len);
	text[len] = '\0';
	err[0] = '\0';
	T_EQ_INT(config_parse(text, len, &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "larger than");
	config_done(&c);
	/* a comment of exactly the maximum size is fine */
	T_EQ_INT(config_parse(text, len - 1, &c, err, sizeof(err)), 0);
	config_done(&c);

	/* config_load() refuses before reading */
	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, text, len), (ssize_t)len);
	close(fd);
	T_EQ_INT(config_load(path, &c, err, sizeof(err)), -EFBIG);
	T_CONTAINS(err, path);
	unlink(path);
	free(text);
}

static void load_files(void)
{
	static const char good[] = "log:\n  level: warn\n";
	static const char bad[] = "log:\n  level: warn\n  colour: yes\n";
	char path[] = "/tmp/ikewatch-test-config-XXXXXX", err[512];
	struct config c;
	int fd;

	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	close(fd);
	T_EQ_INT(config_load(path, &c, err, sizeof(err)), 0);
	T_EQ_INT(c.log_level, LOG_LEVEL_WARN);
	config_done(&c);
	fd = open(path, O_WRONLY | O_TRUNC);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, bad, sizeof(bad) - 1), (ssize_t)sizeof(bad) - 1);
	close(fd);
	T_EQ_INT(config_load(path, &c, err, sizeof(err)), -EINVAL);
	/* "path: line 3: log: unknown key 'colour'" */
	T_CONTAINS(err, path);
	T_CONTAINS(err, "line 3");
	T_CONTAINS(err, "colour");
	unlink(path);
	T_EQ_INT(config_load(path, &c, err, sizeof(err)), -ENOENT);
	T_CONTAINS(err, path);
}

/* The one "line N: ..." helper: position from a node or a mark, none without, cut safely. */
static void error_helper(void)
{
	yaml_node_t n = {.start_mark = {.line = 6}};
	yaml_mark_t m = {.line = 0};
	char err[32], tiny[6];

	T_EQ_INT(config_fail(err, sizeof(err), &n, "%s: bad '%d'", "k", 3), -EINVAL);
	T_EQ_STR(err, "line 7: k: bad '3'");
	T_EQ_INT(config_fail(err, sizeof(err), NULL, "plain"), -EINVAL);
	T_EQ_STR(err, "plain");
	T_EQ_INT(config_fail_at(err, sizeof(err), &m, "x"), -EINVAL);
	T_EQ_STR(err, "line 1: x");
	T_EQ_INT(config_fail(tiny, sizeof(tiny), &n, "message"), -EINVAL);
	T_EQ_STR(tiny, "line ");
	T_EQ_INT(config_fail(err, sizeof(err), &n, "%s", "a message longer than the buffer"),
	         -EINVAL);
	T_EQ_INT(strlen(err), sizeof(err) - 1);
	T_EQ_INT(config_fail(NULL, 0, &n, "nothing written"), -EINVAL);
}

/* clock.max_error: the operator's bound on this clock's error (stamp_clock.h) */
static void clock_bound(void)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	T_EQ_INT(c.clock_max_error_us, 0);
	config_done(&c);
	T_EQ_INT(parse("clock: {max_error: 2ms}\n", &c, err, sizeof(err)), 0);
	T_EQ_INT(c.clock_max_error_us, 2000);
	config_done(&c);
	T_EQ_INT(parse("clock: {max_error: 0ms}\n", &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "clock.max_error");
	T_EQ_INT(parse("clock: {max_error: 11s}\n", &c, err, sizeof(err)), -EINVAL);
	T_EQ_INT(parse("clock: {max_error: soon}\n", &c, err, sizeof(err)), -EINVAL);
	T_EQ_INT(parse("clock: {drift: 1ms}\n", &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "unknown key");
}

/* web.listen_address: one address or a list, as --web.listen-address given once or repeated;
 * web.systemd_socket as --web.systemd-socket */
static void listen_addresses(void)
{
	static const struct {
		const char *text, *detail;
	} bad[] = {
	    {"web:\n  listen_address: []\n", "the list is empty"},
	    {"web:\n  listen_address: [a, '']\n", "non-empty"},
	    {"web:\n  listen_address: [a, [b]]\n", "non-empty"},
	    {"web:\n  listen_address: [a, {b: c}]\n", "non-empty"},
	    {"web:\n  listen_address: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "at most 8"},
	    {"web:\n  systemd_socket: maybe\n", "web.systemd_socket: expected true or false"},
	    {"web:\n  systemd_socket: [true]\n", "web.systemd_socket"},
	};
	struct config c;
	char err[256];

	T_EQ_INT(parse("web:\n  listen_address:\n    - 127.0.0.1:9917\n    - '[::1]:9917'\n", &c,
	               err, sizeof(err)),
	         0);
	T_EQ_INT(c.n_web_listen, 2);
	T_EQ_STR(c.web_listen[0], "127.0.0.1:9917");
	T_EQ_STR(c.web_listen[1], "[::1]:9917");
	T_ASSERT(!c.web_systemd_socket);
	config_done(&c);
	T_EQ_INT(c.n_web_listen, 1);
	T_EQ_INT(parse("web: {listen_address: ':1', systemd_socket: yes}\n", &c, err, sizeof(err)),
	         0);
	T_EQ_INT(c.n_web_listen, 1);
	T_EQ_STR(c.web_listen[0], ":1");
	T_ASSERT(c.web_systemd_socket);
	config_done(&c);
	T_EQ_INT(parse("web: {listen_address: [1, 2, 3, 4, 5, 6, 7, 8]}\n", &c, err, sizeof(err)),
	         0);
	T_EQ_INT(c.n_web_listen, HTTP_LISTEN_MAX);
	T_EQ_STR(c.web_listen[7], "8");
	config_done(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i].text, &c, err, sizeof(err));

		if (r != -EINVAL || !strstr(err, "line 2") || !strstr(err, bad[i].detail))
			test_fail(__FILE__, __LINE__, "case %zu: %d \"%s\" (want %s)", i, r, err,
			          bad[i].detail);
		if (test_failed)
			return;
		T_EQ_INT(c.n_web_listen, 1);
		T_EQ_STR(c.web_listen[0], CONFIG_DEFAULT_LISTEN);
		config_done(&c);
	}
}

TEST_MAIN("config", TEST(full_file), TEST(defaults), TEST(errors_name_the_line),
          TEST(bools_and_durations), TEST(oversize), TEST(load_files), TEST(error_helper),
          TEST(clock_bound), TEST(listen_addresses))
