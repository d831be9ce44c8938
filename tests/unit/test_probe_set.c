// SPDX-License-Identifier: Apache-2.0
/*
 * The `probes:` and `reflector:` configuration sections, and a probe set running against a
 * reflector service on loopback: counters move, the CHILD SA check says in-tunnel when the
 * (fake) SA counters advance and not when the SA is unknown, and the metrics render with the
 * fixed names and labels.
 */
#include "test.h"

#include "common/buf.h"
#include "probe/probe_set.h"
#include "probe/reflect_service.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <yaml.h>

static yaml_document_t doc;

static yaml_node_t *load(const char *text)
{
	yaml_parser_t p;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, &doc)) {
		yaml_parser_delete(&p);
		return NULL;
	}
	yaml_parser_delete(&p);
	return yaml_document_get_root_node(&doc);
}

static int parse(const char *text, struct probe_config **ret, char *err, size_t n)
{
	yaml_node_t *root = load(text);
	int e = root ? probe_config_parse(&doc, root, ret, err, n) : -EINVAL;

	yaml_document_delete(&doc);
	return e;
}

static void config_good_and_bad(void)
{
	struct probe_config *c = NULL;
	char err[256] = "";

	T_EQ_INT(
	    parse("- target: 203.0.113.130\n  conn: a-b\n  child: net\n  interval: 200ms\n"
	          "  size: 100\n  dscp: 46\n  source: 203.0.113.1\n  mtu: {min: 1200, max: 1500}\n"
	          "- {target: 203.0.113.131, module: icmp}\n",
	          &c, err, sizeof(err)),
	    0);
	T_EQ_INT(c->n, 2);
	T_EQ_STR(c->targets[0].conn, "a-b");
	T_ASSERT(c->targets[0].interval_ns == 200000000ull);
	T_EQ_INT(c->targets[0].t.size, 100);
	T_EQ_INT(c->targets[0].t.dscp, 46);
	T_ASSERT(c->targets[0].mtu_enabled && c->targets[0].mtu_min == 1200);
	T_EQ_INT(c->targets[1].t.module, PROBE_MOD_ICMP);
	T_EQ_INT(c->targets[1].far_end, PROBE_FAR_STATELESS);
	probe_config_free(c);

	T_EQ_INT(parse("- {target: 203.0.113.130, colour: red}\n", &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "unknown key 'colour'");
	T_CONTAINS(err, "line 1");
	T_EQ_INT(parse("- {target: gateway.example}\n", &c, err, sizeof(err)), -EINVAL);
	T_EQ_INT(parse("- {target: 203.0.113.130, interval: 1ms}\n", &c, err, sizeof(err)),
	         -EINVAL);
	T_EQ_INT(parse("- {target: 203.0.113.130, size: 20}\n", &c, err, sizeof(err)), -EINVAL);
	T_EQ_INT(parse("- {target: 203.0.113.130, module: tcp}\n", &c, err, sizeof(err)), -EINVAL);
	T_EQ_INT(parse("- {target: 203.0.113.130, child: net}\n", &c, err, sizeof(err)), -EINVAL);
	T_EQ_INT(parse("- {target: 203.0.113.130, hmac_key_file: /nonexistent/key}\n", &c, err,
	               sizeof(err)),
	         -EINVAL);
	T_EQ_INT(parse("target: 203.0.113.130\n", &c, err, sizeof(err)), -EINVAL);
}

static uint64_t fake_packets, tight_packets;

static int child_packets(void *ctx, const char *conn, const char *child, uint64_t *out,
                         uint64_t *in)
{
	(void)ctx;
	(void)child;
	if (strcmp(conn, "shared") == 0) {
		/* two targets of 15 probes per window query twice per window: +20 per window is
		 * more than either target's probes but less than their sum */
		tight_packets += 10;
		*out = *in = tight_packets;
		return 0;
	}
	if (strcmp(conn, "a-b") != 0)
		return -ENOENT;
	/* the SA carries our probes and more */
	fake_packets += 1000;
	*out = *in = fake_packets;
	return 0;
}

static int find_child(void *ctx, const struct sockaddr *target, char *conn, size_t cl, char *child,
                      size_t chl)
{
	(void)ctx;
	(void)target;
	snprintf(conn, cl, "found");
	snprintf(child, chl, "kid");
	return 0;
}

static void probe_set_against_reflector(void)
{
	char text[1024], err[256] = "";
	struct reflect_config *rc = NULL;
	struct reflect_service *rs = NULL;
	struct probe_config *pc = NULL;
	struct probe_set *ps = NULL;
	struct probe_child_ops ops = {.child_packets = child_packets, .find_child = find_child};
	struct prom_writer w;
	struct buf b;
	unsigned port = 20000 + (unsigned)getpid() % 20000;
	yaml_node_t *root;

	snprintf(text, sizeof(text), "listen: 127.0.0.1:%u\n", port);
	root = load(text);
	T_ASSERT(root);
	T_EQ_INT(reflect_config_parse(&doc, root, &rc, err, sizeof(err)), 0);
	yaml_document_delete(&doc);
	T_EQ_INT(reflect_service_start(rc, &rs), 0);

	snprintf(text, sizeof(text),
	         "- {target: 127.0.0.1, port: %u, conn: a-b, child: net, interval: 20ms,"
	         " timeout: 150ms, window: 300ms, reflector: stateful}\n"
	         "- {target: 127.0.0.1, port: %u, conn: gone, interval: 20ms, window: 300ms}\n"
	         "- {target: 127.0.0.1, port: %u, interval: 20ms, window: 300ms}\n"
	         "- {target: 127.0.0.2, port: %u, conn: shared, interval: 20ms, window: 300ms}\n"
	         "- {target: 127.0.0.3, port: %u, conn: shared, interval: 20ms, window: 300ms}\n",
	         port, port, port, port, port);
	T_EQ_INT(parse(text, &pc, err, sizeof(err)), 0);
	T_EQ_INT(probe_set_start(pc, &ops, &ps), 0);
	poll(NULL, 0, 800);

	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	probe_set_write_metrics(ps, &w);
	reflect_service_write_metrics(rs, &w);
	T_EQ_INT(b.err, 0);
	T_EQ_INT(w.dropped, 0);
	T_CONTAINS(b.data, "# TYPE ipsec_probe_rtt_seconds histogram");
	T_CONTAINS(b.data, "ipsec_probe_in_tunnel{target=\"127.0.0.1\",conn=\"a-b\",child=\"net\","
	                   "module=\"stamp\"} 1");
	T_CONTAINS(b.data,
	           "ipsec_probe_in_tunnel{target=\"127.0.0.1\",conn=\"gone\",child=\"gone\","
	           "module=\"stamp\"} 0");
	/* a CHILD SA must carry the probes of all targets that claim it */
	T_CONTAINS(b.data, "ipsec_probe_in_tunnel{target=\"127.0.0.2\",conn=\"shared\","
	                   "child=\"shared\",module=\"stamp\"} 0");
	T_CONTAINS(b.data, "ipsec_probe_in_tunnel{target=\"127.0.0.3\",conn=\"shared\","
	                   "child=\"shared\",module=\"stamp\"} 0");
	/* no conn configured: found by traffic selector */
	T_CONTAINS(b.data, "conn=\"found\",child=\"kid\"");
	T_CONTAINS(b.data, "ipsec_probe_success{target=\"127.0.0.1\",conn=\"a-b\",child=\"net\","
	                   "module=\"stamp\"} 1");
	T_CONTAINS(b.data, "ipsec_probe_lost_total{target=\"127.0.0.1\",conn=\"a-b\",child=\"net\","
	                   "module=\"stamp\",direction=\"forward\"} 0");
	T_CONTAINS(b.data, "ipsec_probe_rtt_seconds_bucket{target=\"127.0.0.1\",conn=\"a-b\","
	                   "child=\"net\",module=\"stamp\",le=\"+Inf\"}");
	T_CONTAINS(b.data, "ipsec_reflector_packets_total{result=\"reflected\"}");
	T_NOT_CONTAINS(b.data, "ipsec_reflector_packets_total{result=\"reflected\"} 0\n");
	T_NOT_CONTAINS(b.data, "ipsec_probe_sent_total{target=\"127.0.0.1\",conn=\"a-b\","
	                       "child=\"net\",module=\"stamp\"} 0\n");
	if (getenv("PROBE_SET_DUMP"))
		fputs(b.data, stdout);
	buf_done(&b);
	probe_set_free(ps);
	probe_config_free(pc);
	reflect_service_free(rs);
	reflect_config_free(rc);
}

static void reflector_config_errors(void)
{
	struct reflect_config *rc = NULL;
	char err[256] = "";
	yaml_node_t *root;

	root = load("listen: 127.0.0.1:862\nallow: [203.0.113.0/24, 198.51.100.7]\nrate: 50\n"
	            "ipsec_only: yes\n");
	T_EQ_INT(reflect_config_parse(&doc, root, &rc, err, sizeof(err)), 0);
	yaml_document_delete(&doc);
	reflect_config_free(rc);
	root = load("listen: 127.0.0.1:862\nallow: [203.0.113.1/24]\n");
	T_EQ_INT(reflect_config_parse(&doc, root, &rc, err, sizeof(err)), -EINVAL);
	yaml_document_delete(&doc);
	T_CONTAINS(err, "allow");
	root = load("lisen: 127.0.0.1\n");
	T_EQ_INT(reflect_config_parse(&doc, root, &rc, err, sizeof(err)), -EINVAL);
	yaml_document_delete(&doc);
	T_CONTAINS(err, "unknown key 'lisen'");
	/* threads: 1 to REFLECT_THREADS_MAX */
	root = load("threads: 4\n");
	T_EQ_INT(reflect_config_parse(&doc, root, &rc, err, sizeof(err)), 0);
	yaml_document_delete(&doc);
	reflect_config_free(rc);
	for (const char *const *bad =
	         (const char *const[]){"threads: 0\n", "threads: 65\n", "threads: two\n",
	                               "threads: -1\n", NULL};
	     *bad; bad++) {
		err[0] = '\0';
		root = load(*bad);
		T_EQ_INT(reflect_config_parse(&doc, root, &rc, err, sizeof(err)), -EINVAL);
		yaml_document_delete(&doc);
		T_CONTAINS(err, "threads: 1..64 expected");
	}
}

TEST_MAIN("probe_set", TEST(config_good_and_bad), TEST(probe_set_against_reflector),
          TEST(reflector_config_errors))
