// SPDX-License-Identifier: Apache-2.0
/*
 * Reading a peer's exposition (src/doctor/doctor_peer.c) on the /metrics of both gateways of
 * the lab, recorded at the same moment (tests/fixtures/metrics/lab_[ab].prom): A's CHILD SA
 * finds B's by SPI and B's finds A's, half matches do not count, SPIs parse as swanctl writes
 * them, and an exposition that is not ikewatch's is told apart.
 */
#include "test.h"

#include "fixture.h"

#include "doctor/doctor_peer.h"

#include <errno.h>
#include <stdlib.h>

static int load(const char *name, struct prom_scrape *s)
{
	uint8_t *text;
	size_t len;
	int r;

	prom_scrape_init(s);
	r = fixture_load(name, &text, &len);
	if (r < 0)
		return r;
	r = prom_parse(s, (const char *)text, len, NULL, NULL);
	free(text);
	return r;
}

static void both_ends_pair_by_spi(void)
{
	struct prom_scrape a, b;
	struct peer_view *va = calloc(1, sizeof(*va)), *vb = calloc(1, sizeof(*vb));
	const struct peer_child *ca, *cb;
	struct peer_counter n;

	T_ASSERT(va && vb);
	T_EQ_INT(load("../metrics/lab_a.prom", &a), 0);
	T_EQ_INT(load("../metrics/lab_b.prom", &b), 0);
	peer_view_build(&a, va);
	peer_view_build(&b, vb);
	T_ASSERT(va->is_ikewatch && vb->is_ikewatch);
	T_ASSERT(va->ipsec_up.known && va->ipsec_up.v == 1);
	T_EQ_INT(va->n_children, 1);
	T_EQ_INT(vb->n_children, 1);
	/* A's SA seen from B, and the reverse */
	ca = &va->children[0];
	cb = peer_view_match(vb, ca->spi_in, ca->spi_out);
	T_ASSERT(cb != NULL);
	T_EQ_STR(cb->conn, "a-b");
	T_EQ_STR(cb->child, "net");
	T_ASSERT(peer_view_match(va, cb->spi_in, cb->spi_out) == ca);
	/* a half match is another SA */
	T_ASSERT(peer_view_match(vb, ca->spi_in, ca->spi_in) == NULL);
	T_ASSERT(peer_view_match(vb, ca->spi_out, ca->spi_in) == NULL);
	/* counters of the paired SA, by the peer's own names */
	n = peer_sum(&b, "ipsec_child_sa_packets_in_total", "conn", cb->conn, "child", cb->child);
	T_ASSERT(n.known && n.v == 5);
	n = peer_sum(&a, "ipsec_child_sa_packets_out_total", "conn", "a-b", NULL, NULL);
	T_ASSERT(n.known && n.v == 5);
	n = peer_sum(&a, "ipsec_child_sa_packets_out_total", "conn", "nope", NULL, NULL);
	T_ASSERT(!n.known);
	prom_scrape_done(&a);
	prom_scrape_done(&b);
	free(va);
	free(vb);
}

static void not_ikewatch_and_bad_spis(void)
{
	static const char doc[] =
	    "# TYPE node_load1 gauge\nnode_load1 0.5\n"
	    "ipsec_child_sa_info{conn=\"x\",child=\"y\",spi_in=\"zz\",spi_out=\"01\"} 1\n"
	    "ipsec_child_sa_info{conn=\"x\",spi_in=\"01\",spi_out=\"02\"} 1\n"
	    "ipsec_child_sa_info{conn=\"x\",child=\"y\",spi_in=\"0x0A\",spi_out=\"c0ffee01\"} 1\n";
	struct prom_scrape s;
	struct peer_view *v = calloc(1, sizeof(*v));

	T_ASSERT(v);
	prom_scrape_init(&s);
	T_EQ_INT(prom_parse(&s, doc, strlen(doc), NULL, NULL), 0);
	peer_view_build(&s, v);
	T_ASSERT(!v->is_ikewatch);
	T_ASSERT(!v->ipsec_up.known);
	T_EQ_INT(v->n_children, 1);
	T_EQ_INT(v->skipped, 2);
	T_EQ_INT(v->children[0].spi_in, 0x0a);
	T_EQ_INT(v->children[0].spi_out, 0xc0ffee01);
	prom_scrape_done(&s);
	free(v);
}

static void spi_text(void)
{
	static const struct {
		const char *text;
		int r;
		uint32_t v;
	} vec[] = {
	    {"dc108123", 0, 0xdc108123},
	    {"0fb08200", 0, 0x0fb08200},
	    {"0xC1A2B3C4", 0, 0xc1a2b3c4},
	    {"1", 0, 1},
	    {"", -EINVAL, 0},
	    {"0x", -EINVAL, 0},
	    {"123456789", -EINVAL, 0},
	    {"12 34", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    {"g0000000", -EINVAL, 0},
	};

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint32_t v = 0;
		int r = peer_parse_spi(vec[i].text, &v);

		if (r != vec[i].r || (r == 0 && v != vec[i].v)) {
			test_fail(__FILE__, __LINE__, "spi \"%s\": r=%d v=%x", vec[i].text, r, v);
			return;
		}
	}
	T_EQ_INT(peer_parse_spi(NULL, &(uint32_t){0}), -EINVAL);
}

TEST_MAIN("doctor_peer", TEST(both_ends_pair_by_spi), TEST(not_ikewatch_and_bad_spis),
          TEST(spi_text))
