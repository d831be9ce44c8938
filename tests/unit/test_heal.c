// SPDX-License-Identifier: Apache-2.0
/*
 * ikewatch heal: the ladder on a fake clock (confirmation, the order of rungs, initiate skipped
 * while the CHILD SA is up, no action while busy or outside the allowlist, exponential backoff
 * measured, one restart per 15 minutes across connections, stop when exhausted, reset on
 * recovery); the webhook codec (vectors, malformed and hostile bodies); the `heal:` config.
 */
#include "test.h"

#include "config/config.h"
#include "heal/heal_config.h"
#include "heal/heal_server.h"
#include "heal/heal_ladder.h"
#include "heal/heal_notify.h"
#include "heal/heal_webhook.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MIN 60000ull

static const struct heal_ladder_cfg LCFG = {
    .confirm_checks = 3,
    .backoff_initial_ms = 1000,
    .backoff_max_ms = 4000,
    .restart_interval_ms = 15 * MIN,
    .has_restart = true,
};

static const struct heal_obs FAULT = {.fault = true, .allowed = true};

static enum heal_action step(struct heal_ladder *l, struct heal_global *g, const struct heal_obs *o,
                             uint64_t now, enum heal_hold *hold)
{
	return heal_ladder_check(l, g, &LCFG, o, now, hold);
}

static void test_ladder_climbs_and_stops(void)
{
	struct heal_ladder l;
	struct heal_global g = {0};
	enum heal_hold h;
	uint64_t t = 0, last = 0, waits[3];
	enum heal_action seen[8];
	int n = 0;

	heal_ladder_init(&l, &LCFG);
	/* confirmation: nothing on the first two checks */
	T_EQ_INT(step(&l, &g, &FAULT, t, &h), HEAL_ACT_NONE);
	T_EQ_INT(h, HEAL_HOLD_CONFIRMING);
	T_EQ_INT(step(&l, &g, &FAULT, t += 100, &h), HEAL_ACT_NONE);
	/* check every 100 ms until the ladder stops; record the rungs and their spacing */
	for (int i = 0; i < 1000 && l.state != HEAL_ST_EXHAUSTED; i++) {
		enum heal_action a = step(&l, &g, &FAULT, t += 100, &h);

		if (a == HEAL_ACT_NONE)
			continue;
		T_ASSERT(n < 8);
		if (n >= 2 && n <= 4)
			waits[n - 2] = t - last;
		seen[n++] = a;
		last = t;
	}
	T_EQ_INT(n, 5);
	T_EQ_INT(seen[0], HEAL_ACT_BUNDLE);
	T_EQ_INT(seen[1], HEAL_ACT_INITIATE);
	T_EQ_INT(seen[2], HEAL_ACT_REKEY);
	T_EQ_INT(seen[3], HEAL_ACT_REINIT);
	T_EQ_INT(seen[4], HEAL_ACT_RESTART);
	/* backoff doubles from 1 s and is capped at 4 s */
	T_EQ_INT(waits[0], 1000);
	T_EQ_INT(waits[1], 2000);
	T_EQ_INT(waits[2], 4000);
	T_EQ_INT(l.state, HEAL_ST_EXHAUSTED);
	/* exhausted: nothing more, however long the fault lasts */
	for (int i = 0; i < 100; i++)
		T_EQ_INT(step(&l, &g, &FAULT, t += 60000, &h), HEAL_ACT_NONE);
	T_EQ_INT(h, HEAL_HOLD_EXHAUSTED);
	/* recovery resets the ladder and reports it once */
	T_EQ_INT(step(&l, &g, &(struct heal_obs){.allowed = true}, t += 100, &h), HEAL_ACT_NONE);
	T_ASSERT(l.recovered);
	T_EQ_INT(l.state, HEAL_ST_IDLE);
	T_EQ_INT(l.backoff_ms, 1000);
}

static void test_ladder_skips_initiate_when_child_up(void)
{
	struct heal_ladder l;
	struct heal_global g = {0};
	struct heal_obs o = FAULT;
	enum heal_hold h;
	uint64_t t = 0;

	o.child_up = true;
	heal_ladder_init(&l, &LCFG);
	step(&l, &g, &o, t, &h);
	step(&l, &g, &o, t, &h);
	T_EQ_INT(step(&l, &g, &o, t, &h), HEAL_ACT_BUNDLE);
	T_EQ_INT(step(&l, &g, &o, t, &h), HEAL_ACT_REKEY);
	T_EQ_INT(step(&l, &g, &o, t += 1000, &h), HEAL_ACT_REINIT);
}

static void test_ladder_brakes(void)
{
	struct heal_ladder l;
	struct heal_global g = {0};
	struct heal_obs o = FAULT;
	enum heal_hold h;

	/* busy (a rekey or DPD in flight): never act, whatever the backoff */
	heal_ladder_init(&l, &LCFG);
	o.busy = true;
	for (int i = 0; i < 50; i++)
		T_EQ_INT(step(&l, &g, &o, (uint64_t)i * 10000, &h), HEAL_ACT_NONE);
	T_EQ_INT(h, HEAL_HOLD_BUSY);
	o.busy = false;
	T_EQ_INT(step(&l, &g, &o, 600000, &h), HEAL_ACT_BUNDLE);

	/* outside the allowlist: never */
	heal_ladder_init(&l, &LCFG);
	o.allowed = false;
	for (int i = 0; i < 50; i++)
		T_EQ_INT(step(&l, &g, &o, (uint64_t)i * 10000, &h), HEAL_ACT_NONE);
	T_EQ_INT(h, HEAL_HOLD_NOT_ALLOWED);

	/* a fault that flaps is never confirmed */
	heal_ladder_init(&l, &LCFG);
	for (int i = 0; i < 50; i++) {
		struct heal_obs f = {.fault = i % 3 != 2, .allowed = true};

		T_EQ_INT(step(&l, &g, &f, (uint64_t)i * 1000, &h), HEAL_ACT_NONE);
	}
}

/* At most one restart per 15 minutes, across connections. */
static void test_restart_limit(void)
{
	struct heal_ladder a, b;
	struct heal_global g = {0};
	enum heal_hold h;
	uint64_t t = 0, restart_a = 0, restart_b = 0;

	heal_ladder_init(&a, &LCFG);
	heal_ladder_init(&b, &LCFG);
	for (int i = 0; i < 20000 && (!restart_a || !restart_b); i++) {
		t += 100;
		if (step(&a, &g, &FAULT, t, &h) == HEAL_ACT_RESTART)
			restart_a = t;
		if (step(&b, &g, &FAULT, t, &h) == HEAL_ACT_RESTART)
			restart_b = t;
		if (restart_a && !restart_b && b.next == HEAL_ACT_RESTART && t > restart_a + 5000)
			T_EQ_INT(h, HEAL_HOLD_RESTART_LIMIT);
	}
	T_ASSERT(restart_a && restart_b);
	T_ASSERT(restart_b - restart_a >= 15 * MIN);
	T_ASSERT(restart_b - restart_a < 15 * MIN + 200);

	/* without a restart command the ladder stops after the IKE re-initiation */
	{
		struct heal_ladder_cfg c = LCFG;
		struct heal_ladder l;
		int acts = 0;

		c.has_restart = false;
		heal_ladder_init(&l, &c);
		for (int i = 0; i < 200; i++)
			acts += heal_ladder_check(&l, &g, &c, &FAULT, (uint64_t)i * 1000, &h) !=
			        HEAL_ACT_NONE;
		T_EQ_INT(acts, 4);
		T_EQ_INT(l.state, HEAL_ST_EXHAUSTED);
	}
}

static void test_names(void)
{
	T_EQ_STR(heal_action_name(HEAL_ACT_REINIT), "reinit_ike");
	T_EQ_STR(heal_action_name((enum heal_action)99), "none");
	T_EQ_STR(heal_state_name(HEAL_ST_EXHAUSTED), "exhausted");
	T_EQ_STR(heal_hold_name(HEAL_HOLD_RESTART_LIMIT), "restart_limit");
}

static int parse(const char *s, struct heal_webhook *w)
{
	return heal_webhook_parse(s, strlen(s), w);
}

static void test_webhook_vectors(void)
{
	static const struct {
		const char *body;
		int ret;
		uint32_t n, skipped;
		bool firing;
		const char *conn, *child, *alertname;
	} v[] = {
	    {"{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
	     "\"labels\":{\"alertname\":\"IPsecTunnelOneWay\",\"conn\":\"a-b\",\"child\":\"net\","
	     "\"severity\":\"critical\"},\"annotations\":{\"summary\":\"x\"}}]}",
	     0, 1, 0, true, "a-b", "net", "IPsecTunnelOneWay"},
	    {"{\"alerts\":[{\"status\":\"resolved\",\"labels\":{\"conn\":\"gw_1.x\"}}]}", 0, 1, 0,
	     false, "gw_1.x", "", ""},
	    {"{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"IPsecDaemonDown\"}}]"
	     "}",
	     0, 1, 0, true, "", "", "IPsecDaemonDown"},
	    /* hostile label values: the alert is skipped, the body accepted */
	    {"{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"conn\":\"a-b; rm -rf /\"}},"
	     "{\"status\":\"firing\",\"labels\":{\"conn\":\"$(reboot)\"}},"
	     "{\"status\":\"firing\",\"labels\":{\"conn\":\"a-b\",\"child\":\"`id`\"}},"
	     "{\"status\":\"firing\",\"labels\":{\"conn\":7}},"
	     "{\"status\":\"firing\",\"labels\":{\"conn\":\"ok\"}}]}",
	     0, 1, 4, true, "ok", "", ""},
	    {"{\"alerts\":[]}  \n", 0, 0, 0, false, NULL, NULL, NULL},
	    /* malformed */
	    {"", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"[]", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"alerts\":{}}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"status\":\"firing\"}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"version\":\"3\",\"alerts\":[]}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"version\":4,\"alerts\":[]}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"alerts\":[{\"status\":\"maybe\",\"labels\":{}}]}", -EBADMSG, 0, 0, false, NULL,
	     NULL, NULL},
	    {"{\"alerts\":[{\"status\":\"firing\"}]}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"alerts\":[1]}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"{\"alerts\":[]} {}", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	    {"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", -EBADMSG, 0, 0, false, NULL, NULL, NULL},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct heal_webhook w;
		int r = parse(v[i].body, &w);

		if (r != v[i].ret)
			test_fail(__FILE__, __LINE__, "vector %zu: %d, want %d", i, r, v[i].ret);
		T_EQ_INT(r, v[i].ret);
		if (r < 0)
			continue;
		T_EQ_INT(w.n_alerts, v[i].n);
		T_EQ_INT(w.skipped, v[i].skipped);
		if (v[i].n) {
			T_EQ_INT(w.alerts[0].firing, v[i].firing);
			T_EQ_STR(w.alerts[0].conn, v[i].conn);
			T_EQ_STR(w.alerts[0].child, v[i].child);
			T_EQ_STR(w.alerts[0].alertname, v[i].alertname);
		}
		heal_webhook_done(&w);
	}
}

static void test_webhook_limits(void)
{
	struct heal_webhook w;
	size_t n = HEAL_WEBHOOK_ALERTS_MAX + 1, cap = 64 + n * 48, len = 0;
	char *s = malloc(cap);

	T_ASSERT(s);
	len += (size_t)snprintf(s + len, cap - len, "{\"alerts\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
		                        "%s{\"status\":\"firing\",\"labels\":{}}", i ? "," : "");
	len += (size_t)snprintf(s + len, cap - len, "]}");
	T_EQ_INT(heal_webhook_parse(s, len, &w), -E2BIG);
	free(s);
	T_EQ_INT(heal_webhook_parse("{}", HEAL_WEBHOOK_BODY_MAX + 1, &w), -E2BIG);
	T_EQ_INT(heal_webhook_parse(NULL, 0, &w), -EBADMSG);
	/* a conn label longer than a name may be */
	T_EQ_INT(
	    parse("{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"conn\":"
	          "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}]}",
	          &w),
	    0);
	T_EQ_INT(w.n_alerts, 0);
	T_EQ_INT(w.skipped, 1);
	heal_webhook_done(&w);
	T_ASSERT(heal_name_valid("a-b", 3));
	T_ASSERT(!heal_name_valid("a b", 3));
	T_ASSERT(!heal_name_valid("", 0));
	T_ASSERT(!heal_name_valid("a/b", 3));
}

static int load_heal(const char *yaml, struct heal_config *hc, char *err, size_t errlen)
{
	struct config cfg;
	int r;

	if (config_parse(yaml, strlen(yaml), &cfg, err, errlen) < 0)
		return -100;
	r = heal_config_parse(&cfg.doc, cfg.heal, hc, err, errlen);
	config_done(&cfg);
	return r;
}

static void test_config(void)
{
	struct heal_config hc;
	char err[256] = "";

	T_EQ_INT(load_heal("heal:\n  allowlist: [a-b, gw2]\n  dry_run: true\n"
	                   "  check_interval: 2s\n  confirm_checks: 2\n  backoff_initial: 5s\n"
	                   "  backoff_max: 1m\n  restart_interval: 15m\n"
	                   "  restart_command: [/bin/systemctl, restart, strongswan]\n"
	                   "  audit_log: /tmp/a.jsonl\n  notify_url: http://127.0.0.1:9/x\n"
	                   "  token_file: /etc/t\n",
	                   &hc, err, sizeof(err)),
	         0);
	T_EQ_INT(hc.n_allow, 2);
	T_ASSERT(heal_config_allowed(&hc, "gw2"));
	T_ASSERT(!heal_config_allowed(&hc, "gw3"));
	T_ASSERT(hc.dry_run);
	T_EQ_INT(hc.check_interval_ms, 2000);
	T_EQ_INT(hc.restart_interval_ms, 15 * MIN);
	T_EQ_INT(hc.restart_argc, 3);
	T_EQ_STR(hc.restart_argv[2], "strongswan");
	T_ASSERT(hc.restart_argv[3] == NULL);
	T_EQ_STR(hc.listen, HEAL_DEFAULT_LISTEN);
	heal_config_done(&hc);

	T_EQ_INT(
	    load_heal("heal:\n  restart_command: [systemctl, restart]\n", &hc, err, sizeof(err)),
	    -EINVAL);
	T_CONTAINS(err, "absolute path");
	T_EQ_INT(load_heal("heal:\n  allowlist: [\"a b\"]\n", &hc, err, sizeof(err)), -EINVAL);
	T_EQ_INT(load_heal("heal:\n  dryrun: true\n", &hc, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "unknown key 'dryrun'");
	T_CONTAINS(err, "line 2: heal: "); /* the line of the offending value */
	T_EQ_INT(
	    load_heal("heal:\n  backoff_initial: 2m\n  backoff_max: 1m\n", &hc, err, sizeof(err)),
	    -EINVAL);
	T_EQ_INT(load_heal("heal:\n  notify_url: https://x/\n", &hc, err, sizeof(err)), -EINVAL);
	/* a token for the webhook and a web-config for TLS may go together */
	T_EQ_INT(load_heal("heal:\n  token_file: /a\n  web_config: /b\n", &hc, err, sizeof(err)),
	         0);
	T_EQ_STR(hc.token_file, "/a");
	T_EQ_STR(hc.web_config, "/b");
	heal_config_done(&hc);
}

/* A webhook token must be long enough not to be guessed over HTTP. */
static void test_token_length(void)
{
	char err[256] = "";

	T_EQ_INT(heal_config_check_token("", err, sizeof(err)), -EINVAL);
	T_EQ_INT(heal_config_check_token("x", err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "token_file");
	T_CONTAINS(err, "1 characters");
	T_CONTAINS(err, "at least 16");
	T_EQ_INT(heal_config_check_token("0123456789abcde", err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "15 characters");
	T_EQ_INT(heal_config_check_token("0123456789abcdef", err, sizeof(err)), 0);
	T_EQ_INT(heal_config_check_token("0123456789abcdef0123456789abcdef", err, sizeof(err)), 0);
}

/* heal_server_start refuses a short token and missing credentials before it binds anything. */
static void test_server_refuses_weak_setup(void)
{
	struct heal_server *s = NULL;
	char err[256] = "";

	T_EQ_INT(heal_server_start(NULL, "127.0.0.1:0", "short", NULL, err, sizeof(err), &s),
	         -EINVAL);
	T_CONTAINS(err, "at least 16");
	T_ASSERT(s == NULL);
	T_EQ_INT(heal_server_start(NULL, "127.0.0.1:0", NULL, NULL, err, sizeof(err), &s), -EINVAL);
	T_CONTAINS(err, "token_file or web_config");
	T_ASSERT(s == NULL);
}

/* A notification receiver on loopback: reads one request, answers 200. */
struct receiver {
	int lfd;
	char req[2048];
};

static void *receive_one(void *arg)
{
	struct receiver *r = arg;
	size_t got = 0;
	int fd = accept(r->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	/* HTTP/1.0 with a body: the sender half-closes nothing, so read until the body is in */
	while (got < sizeof(r->req) - 1 && !strstr(r->req, "}")) {
		ssize_t n = read(fd, r->req + got, sizeof(r->req) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		r->req[got] = '\0';
	}
	(void)!write(fd, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 38);
	close(fd);
	return NULL;
}

/* notify_url goes through the one URL parser: the request names its path and host. */
static void test_notify_post(void)
{
	struct receiver r = {0};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	char url[64], host[40];
	pthread_t t;

	r.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_ASSERT(r.lfd >= 0);
	T_ASSERT(bind(r.lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(r.lfd, 1) == 0);
	T_ASSERT(getsockname(r.lfd, (struct sockaddr *)&sin, &sl) == 0);
	snprintf(url, sizeof(url), "http://localhost:%u/hook?x=1", ntohs(sin.sin_port));
	snprintf(host, sizeof(host), "Host: localhost:%u\r\n", ntohs(sin.sin_port));
	T_ASSERT(pthread_create(&t, NULL, receive_one, &r) == 0);
	T_EQ_INT(heal_notify_post(url, "{\"a\":1}", 7), 0);
	pthread_join(t, NULL);
	close(r.lfd);
	T_ASSERT(strncmp(r.req, "POST /hook?x=1 HTTP/1.1\r\n", 25) == 0);
	T_CONTAINS(r.req, host);
	T_CONTAINS(r.req, "{\"a\":1}");
	T_EQ_INT(heal_notify_post("http://alertmanager.example/", "{}", 2), -EOPNOTSUPP);
	T_EQ_INT(heal_notify_post("http://127.0.0.1:0/", "{}", 2), -ERANGE);
	T_EQ_INT(heal_notify_post("http://127.0.0.1/a b", "{}", 2), -EINVAL);
}

TEST_MAIN("heal", TEST(test_ladder_climbs_and_stops),
          TEST(test_ladder_skips_initiate_when_child_up), TEST(test_ladder_brakes),
          TEST(test_restart_limit), TEST(test_names), TEST(test_webhook_vectors),
          TEST(test_webhook_limits), TEST(test_config), TEST(test_token_length),
          TEST(test_server_refuses_weak_setup), TEST(test_notify_post))
