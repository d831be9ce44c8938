// SPDX-License-Identifier: Apache-2.0
/*
 * One reading of a peer's ikewatch. The body is outside input: capped by the client, parsed by
 * the bounded prom_parse, and only names and numbers are taken from it (copied, bounded).
 */
#include "doctor/doctor_peer_read.h"

#include "doctor/doctor_peer.h"
#include "prom/prom_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum doctor_peer_status doctor_peer_fetch_status(int r, long status)
{
	switch (r) {
	case -ETIMEDOUT:
		return DOCTOR_PEER_TIMEOUT;
	case -E2BIG:
		return DOCTOR_PEER_OVERSIZED;
	case -EACCES:
		return DOCTOR_PEER_AUTH;
	case -EPROTO:
		if (status == 401 || status == 403)
			return DOCTOR_PEER_AUTH;
		return status > 0 ? DOCTOR_PEER_HTTP : DOCTOR_PEER_MALFORMED;
	default:
		return DOCTOR_PEER_UNREACHABLE;
	}
}

/* A counter of the paired SA; a value that is not a count is as good as none. */
static bool counter(const struct prom_scrape *s, const char *name, const char *conn,
                    const char *child, uint64_t *ret)
{
	struct peer_counter c = peer_sum(s, name, "conn", conn, "child", child);

	if (!c.known || !(c.v >= 0) || c.v > 9.0e15)
		return false;
	*ret = (uint64_t)c.v;
	return true;
}

enum doctor_peer_status doctor_peer_judge_scrape(const struct prom_scrape *s, uint32_t spi_in,
                                                 uint32_t spi_out, struct doctor_peer_facts *pf,
                                                 struct doctor_peer_reading *ret)
{
	struct peer_view *v = calloc(1, sizeof(*v));
	const struct peer_child *pc;
	enum doctor_peer_status st;

	if (!v) {
		doctor_copy(pf->error, sizeof(pf->error), "out of memory", 13);
		return DOCTOR_PEER_MALFORMED;
	}
	peer_view_build(s, v);
	if (!v->is_ikewatch) {
		snprintf(pf->error, sizeof(pf->error),
		         "%zu samples, none of them ikewatch_build_info", s->n);
		st = DOCTOR_PEER_NOT_IKEWATCH;
		goto out;
	}
	if (v->version)
		doctor_copy(pf->version, sizeof(pf->version), v->version, strlen(v->version));
	pc = peer_view_match(v, spi_in, spi_out);
	if (!pc) {
		snprintf(pf->error, sizeof(pf->error),
		         "it has %zu CHILD SAs, none with SPIs in 0x%08x/out 0x%08x (ours "
		         "reversed)",
		         v->n_children, spi_out, spi_in);
		st = DOCTOR_PEER_NO_MATCH;
		goto out;
	}
	doctor_copy(ret->conn, sizeof(ret->conn), pc->conn, strlen(pc->conn));
	doctor_copy(ret->child, sizeof(ret->child), pc->child, strlen(pc->child));
	if (!counter(s, "ipsec_child_sa_packets_in_total", pc->conn, pc->child, &ret->in) ||
	    !counter(s, "ipsec_child_sa_packets_out_total", pc->conn, pc->child, &ret->out)) {
		snprintf(pf->error, sizeof(pf->error),
		         "its CHILD SA %s/%s has no ipsec_child_sa_packets_{in,out}_total",
		         pc->conn, pc->child);
		st = DOCTOR_PEER_NO_COUNTERS;
		goto out;
	}
	peer_reflector_read(s, pf->sender[0] ? pf->sender : NULL, &ret->refl);
	peer_probes_read(s, pc->conn, pc->child, &ret->probes);
	st = DOCTOR_PEER_OK;
out:
	free(v);
	return st;
}

enum doctor_peer_status doctor_peer_judge(const char *text, size_t len, uint32_t spi_in,
                                          uint32_t spi_out, struct doctor_peer_facts *pf,
                                          struct doctor_peer_reading *ret)
{
	struct prom_scrape s;
	enum doctor_peer_status st;
	const char *why = NULL;
	size_t line = 0;
	int r;

	prom_scrape_init(&s);
	r = prom_parse(&s, text, len, &line, &why);
	if (r < 0) {
		snprintf(pf->error, sizeof(pf->error), "not a Prometheus exposition: line %zu: %s",
		         line, why ? why : strerror(-r));
		st = r == -E2BIG ? DOCTOR_PEER_OVERSIZED : DOCTOR_PEER_MALFORMED;
	} else {
		st = doctor_peer_judge_scrape(&s, spi_in, spi_out, pf, ret);
	}
	prom_scrape_done(&s);
	return st;
}

enum doctor_peer_status doctor_peer_delta(struct doctor_peer_facts *pf,
                                          const struct doctor_peer_reading *p0,
                                          const struct doctor_peer_reading *p1)
{
	if (strcmp(p0->conn, p1->conn) != 0 || strcmp(p0->child, p1->child) != 0 ||
	    p1->in < p0->in || p1->out < p0->out) {
		snprintf(pf->error, sizeof(pf->error), "its counters went back during the run");
		return DOCTOR_PEER_REKEYED;
	}
	doctor_copy(pf->conn, sizeof(pf->conn), p1->conn, strlen(p1->conn));
	doctor_copy(pf->child, sizeof(pf->child), p1->child, strlen(p1->child));
	pf->in_delta = p1->in - p0->in;
	pf->out_delta = p1->out - p0->out;
	pf->reflector_known =
	    peer_reflector_delta(&p0->refl, &p1->refl, &pf->reflector_delta, &pf->reflected_delta);
	/* the peer's probes: only when both readings have them and they did not go back (a
	 * restarted peer starts its counters again) */
	pf->probes_known = p0->probes.known && p1->probes.known &&
	                   p1->probes.sent >= p0->probes.sent &&
	                   p1->probes.received >= p0->probes.received;
	if (pf->probes_known) {
		pf->probes_sent_delta = (uint64_t)(p1->probes.sent - p0->probes.sent);
		pf->probes_received_delta = (uint64_t)(p1->probes.received - p0->probes.received);
		pf->probe_streams = (uint32_t)p1->probes.streams;
		pf->probe_streams_succeeding = (uint32_t)p1->probes.succeeding;
		doctor_copy(pf->probe_target, sizeof(pf->probe_target), p1->probes.target,
		            strlen(p1->probes.target));
	}
	return DOCTOR_PEER_OK;
}

enum doctor_peer_status doctor_peer_fetch(const struct doctor_peer_options *o, struct buf *body,
                                          struct doctor_peer_facts *pf)
{
	struct http_client_opts h = o->http;
	char err[HTTP_CLIENT_ERR_MAX] = "";
	long status = 0;
	int r;

	h.max_body = DOCTOR_PEER_BODY_MAX;
	h.accept = "text/plain;version=0.0.4";
	buf_init(body, DOCTOR_PEER_BODY_MAX + 1);
	r = http_get(o->url, &h, body, &status, err);
	if (r == 0)
		return DOCTOR_PEER_OK;
	pf->http_status = status;
	doctor_copy(pf->error, sizeof(pf->error), err, strlen(err));
	return doctor_peer_fetch_status(r, status);
}

enum doctor_peer_status doctor_peer_read(const struct doctor_peer_options *o, uint32_t spi_in,
                                         uint32_t spi_out, struct doctor_peer_facts *pf,
                                         struct doctor_peer_reading *ret)
{
	struct buf body;
	enum doctor_peer_status st = doctor_peer_fetch(o, &body, pf);

	if (st == DOCTOR_PEER_OK)
		st = doctor_peer_judge(body.data ? body.data : "", body.len, spi_in, spi_out, pf,
		                       ret);
	buf_done(&body);
	return st;
}
