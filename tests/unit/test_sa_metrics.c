// SPDX-License-Identifier: Apache-2.0
/*
 * The tunnel metrics (src/exporter/sa_metrics.c) rendered from recorded list-conns/list-sas
 * events: the expected series for a loaded-and-up and a loaded-but-down connection, volatile
 * ids (SPIs, unique ids, reqids) confined to the _info series, de-duplicated _info label sets,
 * redaction of peer identities, certificate expiry, and the whole document accepted by
 * `promtool check metrics` (promtool is required: without it this suite fails, it does not
 * skip; Debian package "prometheus").
 */
#include "test.h"

#include "fixture.h"
#include "exporter/sa_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define NOW 1700000000.75

static int add_fixture(struct sa_snapshot *s, const char *name, char kind)
{
	struct vici_msg m = {0};
	uint8_t *pkt;
	int err;

	if ((err = fixture_decode(name, &m, &pkt)) < 0)
		return err;
	err = kind == 's' ? sa_snapshot_add_ike(s, &m) : sa_snapshot_add_conn(s, &m);
	vici_msg_done(&m);
	free(pkt);
	return err;
}

/* Render @sas (list-sa event recordings, NULL-terminated) on top of list-conns of gateway A;
 * the caller frees the text. */
static char *render(const char *const *sas, const struct sa_metrics_opts *opts,
                    uint64_t *ret_dropped)
{
	struct sa_snapshot s;
	struct sa_view v;
	struct sa_counters *ctr = sa_counters_new();
	struct prom_writer w;
	struct buf out;
	char *text = NULL;
	size_t len;

	sa_snapshot_init(&s);
	s.now = NOW;
	buf_init(&out, 1 << 20);
	prom_writer_init(&w, &out);
	if (!ctr || add_fixture(&s, "list-conns.a.0004.rx-event.bin", 'c') < 0 ||
	    add_fixture(&s, "list-conns.a.0005.rx-event.bin", 'c') < 0)
		goto out;
	for (size_t i = 0; sas[i]; i++)
		if (add_fixture(&s, sas[i], 's') < 0)
			goto out;
	if (sa_view_build(&s, &v) < 0)
		goto out;
	if (sa_counters_update(ctr, &s) == 0 &&
	    sa_metrics_write(&w, &s, &v, ctr, opts, ret_dropped) == 0 && out.err == 0 &&
	    w.dropped == 0)
		text = buf_steal(&out, &len);
	sa_view_done(&v);
out:
	buf_done(&out);
	sa_counters_free(ctr);
	sa_snapshot_done(&s);
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Lines of @text that are not comments and not an _info series must not contain @needle. */
static bool only_in_info(const char *text, const char *needle)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool info = strncmp(line, "ipsec_child_sa_info{", 20) == 0 ||
		            strncmp(line, "ipsec_ike_sa_info{", 18) == 0;

		if (!info && memmem(line, len, needle, strlen(needle))) {
			test_fail(__FILE__, __LINE__, "\"%s\" outside _info: %.*s", needle,
			          (int)len, line);
			return false;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return true;
}

static int promtool_check(const char *text, bool quiet)
{
	char path[] = "/tmp/ikewatch-test-metrics-XXXXXX", cmd[256];
	int fd = mkstemp(path), rc;
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s%s", path,
	         quiet ? " >/dev/null 2>&1" : "");
	rc = system(cmd);
	unlink(path);
	return rc;
}

static const char *const established[] = {"list-sas.established.a.0004.rx-event.bin", NULL};

/* Every ipsec_ike_sa_state series reads 1, and no connection has two (the state set's zeros
 * are not written). */
static bool state_series_read_one(const char *t)
{
	static const char key[] = "\nipsec_ike_sa_state{";
	const char *prev_conn = NULL;
	size_t prev_len = 0;

	for (const char *p = strstr(t, key); p; p = strstr(p + 1, key)) {
		const char *conn = p + sizeof(key) - 1, *eol = strchr(conn, '\n');
		const char *comma = strstr(conn, "\",state=\"");

		if (!eol || !comma || comma > eol || eol - conn < 4 ||
		    memcmp(eol - 4, "\"} 1", 4) != 0)
			return false;
		if (prev_conn && prev_len == (size_t)(comma - conn) &&
		    memcmp(prev_conn, conn, prev_len) == 0)
			return false;
		prev_conn = conn;
		prev_len = (size_t)(comma - conn);
	}
	return true;
}

static void established_series(void)
{
	uint64_t dropped = 99;
	char *t = render(established, NULL, &dropped);

	T_ASSERT(t);
	T_EQ_INT(dropped, 0);
	T_CONTAINS(t, "# TYPE ipsec_ike_sa_up gauge\n");
	T_CONTAINS(t, "\nipsec_ike_sa_up{conn=\"a-b\"} 1\n");
	T_CONTAINS(t, "\nipsec_ike_sa_up{conn=\"a-c\"} 0\n");
	T_CONTAINS(t, "\nipsec_ike_sas{conn=\"a-b\"} 1\n");
	T_CONTAINS(t, "\nipsec_ike_sas{conn=\"a-c\"} 0\n");
	/* configured rekey intervals from list-conns (rekey_time) */
	T_CONTAINS(t, "\nipsec_ike_sa_rekey_config_seconds{conn=\"a-b\"} 14400\n");
	T_CONTAINS(t, "\nipsec_child_sa_rekey_config_seconds{conn=\"a-b\",child=\"net\"} 3600\n");
	T_CONTAINS(t, "\nipsec_ike_sa_state{conn=\"a-b\",state=\"ESTABLISHED\"} 1\n");
	/* one series, for the current state; none for a connection without an SA (a-c, whose
	 * ipsec_ike_sa_up and ipsec_ike_sas read 0 above) */
	T_NOT_CONTAINS(t, "\nipsec_ike_sa_state{conn=\"a-b\",state=\"CONNECTING\"}");
	T_NOT_CONTAINS(t, "\nipsec_ike_sa_state{conn=\"a-c\",");
	T_ASSERT(state_series_read_one(t));
	/* established 3 s before the scrape, rekey in 13101 s (whole seconds of NOW) */
	T_CONTAINS(t, "\nipsec_ike_sa_established_timestamp_seconds{conn=\"a-b\"} 1699999997\n");
	T_CONTAINS(t, "\nipsec_ike_sa_rekey_timestamp_seconds{conn=\"a-b\"} 1700013101\n");
	T_NOT_CONTAINS(t, "ipsec_ike_sa_established_timestamp_seconds{conn=\"a-c\"}");
	T_NOT_CONTAINS(t, "ipsec_ike_sa_reauth_timestamp_seconds{");

	T_CONTAINS(t, "\nipsec_child_sa_up{conn=\"a-b\",child=\"net\"} 1\n");
	T_CONTAINS(t, "\nipsec_child_sa_up{conn=\"a-c\",child=\"c-net\"} 0\n");
	T_CONTAINS(t, "# TYPE ipsec_child_sa_bytes_in_total counter\n");
	T_CONTAINS(t, "\nipsec_child_sa_bytes_in_total{conn=\"a-b\",child=\"net\"} 672\n");
	T_CONTAINS(t, "\nipsec_child_sa_bytes_out_total{conn=\"a-b\",child=\"net\"} 672\n");
	T_CONTAINS(t, "\nipsec_child_sa_packets_in_total{conn=\"a-b\",child=\"net\"} 8\n");
	T_CONTAINS(t, "\nipsec_child_sa_bytes_in_total{conn=\"a-c\",child=\"c-net\"} 0\n");
	T_CONTAINS(t, "\nipsec_child_sa_last_in_timestamp_seconds{conn=\"a-b\",child=\"net\"} "
	              "1699999999\n");
	T_CONTAINS(t, "\nipsec_child_sa_installed_timestamp_seconds{conn=\"a-b\",child=\"net\"} "
	              "1699999997\n");
	T_CONTAINS(t, "\nipsec_child_sa_rekey_timestamp_seconds{conn=\"a-b\",child=\"net\"} "
	              "1700003328\n");
	T_CONTAINS(t, "\nipsec_child_sa_expire_timestamp_seconds{conn=\"a-b\",child=\"net\"} "
	              "1700003957\n");
	T_NOT_CONTAINS(t, "ipsec_child_sa_last_in_timestamp_seconds{conn=\"a-c\"");

	T_CONTAINS(t, "\nipsec_ike_sa_info{conn=\"a-b\",local_host=\"192.0.2.1\","
	              "remote_host=\"198.51.100.1\",local_id=\"gw-a.lab\",remote_id=\"gw-b.lab\","
	              "version=\"2\",encr=\"AES_CBC-128\",integ=\"HMAC_SHA2_256_128\","
	              "prf=\"PRF_HMAC_SHA2_256\",dh_group=\"MODP_2048\",nat=\"remote\"} 1\n");
	T_CONTAINS(t, "\nipsec_child_sa_info{conn=\"a-b\",child=\"net\",spi_in=\"d0efa7ae\","
	              "spi_out=\"75ffcd80\",mode=\"TUNNEL\",protocol=\"ESP\",encap=\"yes\","
	              "encr=\"AES_CBC-128\",integ=\"HMAC_SHA2_256_128\","
	              "local_ts=\"203.0.113.0/25\",remote_ts=\"203.0.113.128/25\"} 1\n");

	/* volatile identifiers only in the _info series; unique ids and reqids nowhere */
	T_ASSERT(only_in_info(t, "d0efa7ae"));
	T_ASSERT(only_in_info(t, "75ffcd80"));
	T_ASSERT(only_in_info(t, "spi_in"));
	T_ASSERT(only_in_info(t, "spi_out"));
	T_NOT_CONTAINS(t, "00504b37e4fd84da"); /* IKE SPIs */
	T_NOT_CONTAINS(t, "uniqueid");
	T_NOT_CONTAINS(t, "reqid");
	free(t);
}

static void rekeyed_child_counts_once(void)
{
	static const char *const deleted[] = {"list-sas.child-deleted.a.0004.rx-event.bin", NULL};
	uint64_t dropped;
	char *t = render(deleted, NULL, &dropped);

	T_ASSERT(t);
	/* the DELETED SA's 672 bytes plus the new one's 0, once */
	T_CONTAINS(t, "\nipsec_child_sa_bytes_in_total{conn=\"a-b\",child=\"net\"} 672\n");
	T_CONTAINS(t, "\nipsec_child_sa_up{conn=\"a-b\",child=\"net\"} 1\n");
	/* both SAs' _info series (different SPIs), but one _up series per CHILD config */
	T_EQ_INT(count(t, "\nipsec_child_sa_info{"), 2);
	T_EQ_INT(count(t, "\nipsec_child_sa_up{conn=\"a-b\""), 1);
	/* timestamps are the INSTALLED SA's */
	T_CONTAINS(t, "\nipsec_child_sa_rekey_timestamp_seconds{conn=\"a-b\",child=\"net\"} "
	              "1700003242\n");
	T_EQ_INT(promtool_check(t, false), 0);
	free(t);
}

static void info_series_deduplicated(void)
{
	/* the same IKE SA listed twice: identical _info label sets are written once */
	static const char *const twice[] = {"list-sas.established.a.0004.rx-event.bin",
	                                    "list-sas.established.a.0004.rx-event.bin", NULL};
	uint64_t dropped;
	char *t = render(twice, NULL, &dropped);

	T_ASSERT(t);
	T_EQ_INT(count(t, "\nipsec_ike_sa_info{"), 1);
	T_EQ_INT(count(t, "\nipsec_child_sa_info{"), 1);
	T_CONTAINS(t, "\nipsec_ike_sas{conn=\"a-b\"} 2\n");
	T_EQ_INT(count(t, "\nipsec_ike_sa_up{conn=\"a-b\"}"), 1);
	/* promtool rejects duplicate series, so this also proves the _up families are unique */
	T_EQ_INT(promtool_check(t, false), 0);
	free(t);
}

static void redaction(void)
{
	struct sa_metrics_opts o = {.redact_ids = true};
	uint64_t dropped;
	char *t = render(established, &o, &dropped), *again;
	const char *rid, *rhost;

	T_ASSERT(t);
	T_NOT_CONTAINS(t, "gw-b.lab");
	T_NOT_CONTAINS(t, "198.51.100.1\"");
	rid = strstr(t, "remote_id=\"h:");
	rhost = strstr(t, "remote_host=\"h:");
	T_ASSERT(rid && rhost);
	/* a stable hash: the same peer is the same series at every scrape */
	again = render(established, &o, &dropped);
	T_ASSERT(again);
	T_EQ_STR(t, again);
	/* and the rest is unchanged */
	T_CONTAINS(t, "\nipsec_ike_sa_up{conn=\"a-b\"} 1\n");
	T_CONTAINS(t, "local_host=\"192.0.2.1\"");
	T_EQ_INT(promtool_check(t, false), 0);
	free(again);
	free(t);
}

static void certificates(void)
{
	struct sa_snapshot s;
	struct prom_writer w;
	struct buf out;
	struct snap_cert c[] = {
	    {.subject = "CN=gw-a.lab,O=ikewatch test",
	     .serial = "0123456789ab",
	     .not_after = 1900000000},
	    {.subject = "CN=gw-a.lab,O=ikewatch test",
	     .serial = "0123456789ab",
	     .not_after = 1900000000}, /* the same certificate loaded twice */
	    {.subject = "CN=\"quoted\"\\ca", .serial = "02", .not_after = 1800000000},
	    {.subject = "", .serial = "", .not_after = SNAP_NONE}, /* unreadable */
	};

	sa_snapshot_init(&s);
	s.certs = c;
	s.n_certs = 4;
	buf_init(&out, 1 << 16);
	prom_writer_init(&w, &out);
	sa_metrics_write_certs(&w, &s);
	T_EQ_INT(out.err, 0);
	T_CONTAINS(out.data, "# TYPE ipsec_cert_not_after_timestamp_seconds gauge\n");
	T_CONTAINS(out.data, "\nipsec_cert_not_after_timestamp_seconds{subject=\"CN=gw-a.lab,"
	                     "O=ikewatch test\",serial=\"0123456789ab\"} 1900000000\n");
	T_CONTAINS(out.data, "\nipsec_cert_not_after_timestamp_seconds{subject=\"CN=\\\"quoted\\\""
	                     "\\\\ca\",serial=\"02\"} 1800000000\n");
	T_EQ_INT(count(out.data, "\nipsec_cert_not_after_timestamp_seconds{"), 2);
	T_EQ_INT(promtool_check(out.data, false), 0);
	buf_done(&out);
	s.certs = NULL;
	s.n_certs = 0;
	sa_snapshot_done(&s);
}

static void promtool_accepts_everything(void)
{
	static const char *const all[] = {"list-sas.two-ike-connecting.a.0004.rx-event.bin",
	                                  "list-sas.two-ike-connecting.a.0005.rx-event.bin",
	                                  "list-sas.pfs-rekey-failed.a.0004.rx-event.bin",
	                                  "list-sas.after-ike-rekey.a.0004.rx-event.bin", NULL};
	uint64_t dropped;
	char *t;

	T_EQ_INT(system("command -v promtool >/dev/null"), 0); /* package "prometheus" */
	t = render(established, NULL, &dropped);
	T_ASSERT(t);
	T_EQ_INT(promtool_check(t, false), 0);
	free(t);
	t = render(all, NULL, &dropped);
	T_ASSERT(t);
	T_CONTAINS(t, "\nipsec_ike_sa_state{conn=\"a-c\",state=\"CONNECTING\"} 1\n");
	T_NOT_CONTAINS(t, "\nipsec_ike_sa_state{conn=\"a-c\",state=\"ESTABLISHED\"}");
	T_ASSERT(state_series_read_one(t));
	T_CONTAINS(t, "\nipsec_ike_sa_up{conn=\"a-c\"} 0\n");
	T_EQ_INT(promtool_check(t, false), 0);
	free(t);
	/* and promtool can say no: the same check fails on a broken document */
	T_ASSERT(promtool_check("ipsec_ike_sa_up{conn=\"a-b\" 1\n", true) != 0);
}

TEST_MAIN("sa_metrics", TEST(established_series), TEST(rekeyed_child_counts_once),
          TEST(info_series_deduplicated), TEST(redaction), TEST(certificates),
          TEST(promtool_accepts_everything))
