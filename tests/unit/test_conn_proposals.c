// SPDX-License-Identifier: Apache-2.0
/*
 * The configured proposals as metrics (src/exporter/conn_proposals.c): one info series per
 * connection and CHILD config, "default" when none is configured, the folded algorithms per
 * transform (ke="none" without PFS), nothing for default lists, and a secret of the same
 * swanctl.conf in no line of the output.
 */
#include "test.h"

#include "common/buf.h"
#include "exporter/conn_proposals.h"
#include "swanctl/swanctl_conf.h"

#include <string.h>

#define SECRET "Sup3rS3cretPSK"

static const char conf[] =
    "connections {\n"
    " a-b { proposals = aes128-sha2_256-modp3072\n"
    "  local { auth = psk }\n"
    "  children { net { esp_proposals = aes128-sha256-modp3072, aes256gcm16\n }\n"
    "   plain { }\n"
    "   both { esp_proposals = aes128-sha1\n ah_proposals = sha256 } } }\n"
    " dflt { proposals = default,aes128-sha256-modp2048 }\n"
    "}\n"
    "secrets { ike-a { secret = " SECRET " } }\n";

static void render(struct buf *b, const struct swanctl_conf *c)
{
	struct prom_writer w;

	buf_init(b, 1 << 20);
	prom_writer_init(&w, b);
	conn_proposals_write(&w, c);
}

static void families(void)
{
	struct swanctl_conf c;
	struct buf b;
	char err[200];

	T_EQ_INT(swanctl_conf_parse(conf, strlen(conf), &c, err, sizeof(err)), 0);
	render(&b, &c);
	T_EQ_INT(b.err, 0);
	T_CONTAINS(b.data, "ipsec_conn_proposals_info{conn=\"a-b\",child=\"\",exchange=\"ike\","
	                   "proposals=\"aes128-sha2_256-modp3072\"} 1\n");
	T_CONTAINS(b.data,
	           "ipsec_conn_proposals_info{conn=\"a-b\",child=\"net\",exchange=\"child\","
	           "proposals=\"aes128-sha256-modp3072, aes256gcm16\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposals_info{conn=\"a-b\",child=\"plain\","
	                   "exchange=\"child\",proposals=\"default\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposals_info{conn=\"a-b\",child=\"both\","
	                   "exchange=\"child\",proposals=\"aes128-sha1,sha256\"} 1\n");
	/* folded, and completed as charon does: the PRF of sha256, no PFS, no ESN */
	T_CONTAINS(b.data, "ipsec_conn_proposal_algorithm_info{conn=\"a-b\",child=\"\","
	                   "exchange=\"ike\",transform=\"integ\",algorithm=\"sha256\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposal_algorithm_info{conn=\"a-b\",child=\"\","
	                   "exchange=\"ike\",transform=\"prf\",algorithm=\"prfsha256\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposal_algorithm_info{conn=\"a-b\",child=\"net\","
	                   "exchange=\"child\",transform=\"ke\",algorithm=\"modp3072\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposal_algorithm_info{conn=\"a-b\",child=\"net\","
	                   "exchange=\"child\",transform=\"ke\",algorithm=\"none\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposal_algorithm_info{conn=\"a-b\",child=\"net\","
	                   "exchange=\"child\",transform=\"encr\",algorithm=\"aes256gcm16\"} 1\n");
	T_CONTAINS(b.data, "ipsec_conn_proposal_algorithm_info{conn=\"a-b\",child=\"net\","
	                   "exchange=\"child\",transform=\"esn\",algorithm=\"noesn\"} 1\n");
	/* the union: modp3072 once for net, no PRF for a CHILD */
	{
		const char *first =
		    strstr(b.data, "child=\"net\",exchange=\"child\",transform=\"ke\","
		                   "algorithm=\"modp3072\"");

		T_ASSERT(first != NULL);
		T_ASSERT(strstr(first + 1, "child=\"net\",exchange=\"child\",transform=\"ke\","
		                           "algorithm=\"modp3072\"") == NULL);
	}
	T_NOT_CONTAINS(b.data, "exchange=\"child\",transform=\"prf\"");
	/* nothing per algorithm for default lists */
	T_NOT_CONTAINS(b.data, "child=\"plain\",exchange=\"child\",transform");
	T_NOT_CONTAINS(b.data, "conn=\"dflt\",child=\"\",exchange=\"ike\",transform");
	T_CONTAINS(b.data, "conn=\"dflt\",child=\"\",exchange=\"ike\","
	                   "proposals=\"default,aes128-sha256-modp2048\"} 1\n");
	/* no secret, and nothing of the secrets section */
	T_NOT_CONTAINS(b.data, SECRET);
	T_NOT_CONTAINS(b.data, "ike-a");
	buf_done(&b);
	swanctl_conf_done(&c);
}

/* Without a file: the families' metadata only. */
static void no_file(void)
{
	struct buf b;

	render(&b, NULL);
	T_EQ_INT(b.err, 0);
	T_CONTAINS(b.data, "# TYPE ipsec_conn_proposals_info gauge\n");
	T_CONTAINS(b.data, "# TYPE ipsec_conn_proposal_algorithm_info gauge\n");
	T_NOT_CONTAINS(b.data, "ipsec_conn_proposals_info{");
	buf_done(&b);
}

TEST_MAIN("conn_proposals", TEST(families), TEST(no_file))
