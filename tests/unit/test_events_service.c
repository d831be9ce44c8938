// SPDX-License-Identifier: Apache-2.0
/*
 * The events module as serve runs it (src/events/events_service.c): the `events:` config
 * section (vectors and malformed input), and a running service that follows a log file while
 * its VICI event stream has no charon to talk to: failures from the file are counted, lifecycle
 * events too (stream off), the position survives a restart, and stopping is prompt.
 */
#include "test.h"

#include "common/buf.h"
#include "events/events_service.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

static int parse(const char *text, struct events_config *ret, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *node = NULL;
	int r;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, &doc)) {
		yaml_parser_delete(&p);
		return -EBADMSG;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);

			if (k->type == YAML_SCALAR_NODE &&
			    strcmp((char *)k->data.scalar.value, "events") == 0)
				node = yaml_document_get_node(&doc, pr->value);
		}
	r = events_config_parse(&doc, node, ret, err, errlen);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return r;
}

static void config_vectors(void)
{
	struct events_config c;
	char err[256] = "";

	T_EQ_INT(parse("web: {}\n", &c, err, sizeof(err)), 0);
	T_ASSERT(c.stream);
	T_EQ_INT(c.log_source, EVENTS_LOG_VICI);
	events_config_done(&c);
	T_EQ_INT(parse("events: {}\n", &c, err, sizeof(err)), 0);
	T_EQ_INT(c.log_source, EVENTS_LOG_VICI);
	events_config_done(&c);
	T_EQ_INT(
	    parse("events:\n  stream: false\n  log_source: file\n  log_file: /var/log/charon.log\n"
	          "  state_file: /var/lib/ikewatch/ev.state\n  from_start: yes\n",
	          &c, err, sizeof(err)),
	    0);
	T_ASSERT(!c.stream && c.from_start);
	T_EQ_INT(c.log_source, EVENTS_LOG_FILE);
	T_EQ_STR(c.log_file, "/var/log/charon.log");
	T_EQ_STR(c.state_file, "/var/lib/ikewatch/ev.state");
	events_config_done(&c);
	T_EQ_INT(parse("events:\n  log_source: journal\n", &c, err, sizeof(err)), 0);
	T_EQ_INT(c.log_source, EVENTS_LOG_JOURNAL);
	events_config_done(&c);
}

static void config_malformed(void)
{
	static const char *const bad[] = {
	    "events: [1, 2]\n",
	    "events:\n  log_source: syslog\n",
	    "events:\n  stream: maybe\n",
	    "events:\n  log_source: file\n",
	    "events:\n  log_file: ''\n",
	    "events:\n  colour: blue\n",
	    "events:\n  stream: [true]\n",
	};
	struct events_config c;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		T_EQ_INT(parse(bad[i], &c, err, sizeof(err)), -EINVAL);
		T_ASSERT(strstr(err, "events"));
	}
	T_EQ_INT(parse("events:\n  log_source: syslog\n", &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "line 2");
	T_CONTAINS(err, "syslog");
}

static char *render(struct events_service *s)
{
	struct buf b;
	struct prom_writer w;

	buf_init(&b, 1u << 20);
	prom_writer_init(&w, &b);
	events_service_write_metrics(s, &w);
	return buf_steal(&b, NULL);
}

static bool wait_contains(struct events_service *s, const char *needle, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		char *m = render(s);
		bool ok = m && strstr(m, needle);
		struct timespec ts = {0, 20 * 1000000L};

		free(m);
		if (ok)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static void service_follows_file(void)
{
	char dir[] = "/tmp/iw-test-evsvc.XXXXXX", log[128], state[128], cmd[160];
	struct events_config c;
	struct events_service *s;
	struct timespec t0, t1;
	char *m;
	int err = 0;

	T_ASSERT(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/charon.log", dir);
	snprintf(state, sizeof(state), "%s/ev.state", dir);
	append(log,
	       "Nov 23 07:40:01 11[IKE] <a-b|1> received AUTHENTICATION_FAILED notify error\n");
	events_config_defaults(&c);
	T_EQ_INT(events_config_set(&c, "stream", "false", NULL, 0), 0);
	T_EQ_INT(events_config_set(&c, "log_source", "file", NULL, 0), 0);
	T_EQ_INT(events_config_set(&c, "log_file", log, NULL, 0), 0);
	T_EQ_INT(events_config_set(&c, "state_file", state, NULL, 0), 0);
	s = events_service_start(&c, "/nonexistent-iw/charon.vici", NULL, &err);
	T_ASSERT(s);
	/* history is not news */
	append(log, "Nov 23 07:40:02 11[IKE] <a-b|1> IKE_SA a-b[1] established between "
	            "192.0.2.1[a]...198.51.100.1[b]\n"
	            "Nov 23 07:40:02 11[ENC] <a-b|1> generating INFORMATIONAL request 2 [ ]\n"
	            "Nov 23 07:40:02 11[IKE] <a-b|1> retransmit 1 of request with message ID 2\n"
	            "Nov 23 07:40:03 11[IKE] <a-b|1> giving up after 3 retransmits\n");
	T_ASSERT(
	    wait_contains(s, "ipsec_failures_total{conn=\"a-b\",kind=\"dpd_timeout\"} 1\n", 3000));
	m = render(s);
	T_NOT_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"auth_failed\"} ");
	T_CONTAINS(m, "ipsec_ike_sa_events_total{conn=\"a-b\",event=\"established\"} 1\n");
	T_NOT_CONTAINS(m, "ikewatch_event_stream_up");
	free(m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	events_service_stop(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_ASSERT((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1500);

	/* restarted: nothing counted twice, new lines counted */
	append(log, "Nov 23 07:40:04 11[IKE] <a-b|2> received NO_PROPOSAL_CHOSEN notify error\n");
	s = events_service_start(&c, "/nonexistent-iw/charon.vici", NULL, &err);
	T_ASSERT(s);
	T_ASSERT(wait_contains(s, "kind=\"no_proposal\"} 1\n", 3000));
	m = render(s);
	T_NOT_CONTAINS(m, "ipsec_failures_total{conn=\"a-b\",kind=\"dpd_timeout\"} ");
	free(m);
	events_service_stop(s);
	events_service_stop(NULL);
	events_config_done(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_EQ_INT(system(cmd), 0);
}

/* The default configuration: an event stream (with log events) and nothing else. */
static void service_default_stream(void)
{
	struct events_config c;
	struct events_service *s;
	char *m;
	int err = 0;

	events_config_defaults(&c);
	s = events_service_start(&c, "/nonexistent-iw/charon.vici", NULL, &err);
	T_ASSERT(s);
	T_ASSERT(events_service_counters(s) != NULL);
	m = render(s);
	T_CONTAINS(m, "ikewatch_event_stream_up 0\n");
	T_CONTAINS(m, "ikewatch_vici_events_total{event=\"log\"} 0\n");
	free(m);
	events_service_stop(s);
	/* a file source whose file cannot be opened yet still starts (it may appear later) */
	T_EQ_INT(events_config_set(&c, "log_source", "file", NULL, 0), 0);
	T_EQ_INT(events_config_set(&c, "log_file", "/nonexistent-iw/charon.log", NULL, 0), 0);
	s = events_service_start(&c, "/nonexistent-iw/charon.vici", NULL, &err);
	T_ASSERT(s);
	events_service_stop(s);
	events_config_done(&c);
}

TEST_MAIN("events_service", TEST(config_vectors), TEST(config_malformed),
          TEST(service_follows_file), TEST(service_default_stream))
