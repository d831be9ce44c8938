/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the far end's ikewatch for `doctor --peer` (the I/O half of doctor_peer.c): one GET
 * of its /metrics through http_client, parsed by prom_parse, the CHILD SA paired with ours by
 * SPI looked up, and that SA's packet counters read. Whatever goes wrong (no answer, too slow,
 * 401, too big, not ikewatch, no SA with our SPIs) ends as a status in the facts, which the
 * checks turn into a finding: never a verdict built on a peer that could not be read.
 */
#ifndef IKEWATCH_DOCTOR_PEER_READ_H
#define IKEWATCH_DOCTOR_PEER_READ_H

#include "doctor/doctor_facts.h"
#include "doctor/doctor_peer.h"
#include "http/http_client.h"

#include <stdint.h>

/* An ikewatch exposition is far smaller; a peer that sends more is not one to trust. */
#define DOCTOR_PEER_BODY_MAX (16u * 1024u * 1024u)

struct doctor_peer_options {
	const char *url; /* NULL: no peer */
	struct http_client_opts http;
};

struct doctor_peer_reading {
	char conn[64], child[64];
	uint64_t in, out;           /* the paired SA's packets */
	struct peer_reflector refl; /* the far reflector's counts of pf->sender */
	struct peer_probes probes;  /* the peer's own probes through that SA */
};

/*
 * Read the peer once and find the CHILD SA whose SPIs pair with @spi_in/@spi_out (ours).
 * Returns DOCTOR_PEER_OK with @ret filled, or another status with @pf->error (and
 * @pf->http_status, @pf->version) set.
 */
enum doctor_peer_status doctor_peer_read(const struct doctor_peer_options *o, uint32_t spi_in,
                                         uint32_t spi_out, struct doctor_peer_facts *pf,
                                         struct doctor_peer_reading *ret);

/* One GET of the peer's /metrics into @body (initialised here; the caller frees it with
 * buf_done() whatever the result): DOCTOR_PEER_OK, or the transport's status with @pf->error
 * and @pf->http_status set. */
enum doctor_peer_status doctor_peer_fetch(const struct doctor_peer_options *o, struct buf *body,
                                          struct doctor_peer_facts *pf);

/* The judgement of one answer body of @len bytes (no I/O): the same statuses, from the text. */
enum doctor_peer_status doctor_peer_judge(const char *text, size_t len, uint32_t spi_in,
                                          uint32_t spi_out, struct doctor_peer_facts *pf,
                                          struct doctor_peer_reading *ret);

/* The same judgement of a scrape already parsed (or built from Prometheus' answers). */
enum doctor_peer_status doctor_peer_judge_scrape(const struct prom_scrape *s, uint32_t spi_in,
                                                 uint32_t spi_out, struct doctor_peer_facts *pf,
                                                 struct doctor_peer_reading *ret);

/* What an http_get() error (@r, with the answer's @status) means for the peer. */
enum doctor_peer_status doctor_peer_fetch_status(int r, long status);

/*
 * Two readings of the same pair, before and after the probe run, into @pf's deltas (conn,
 * child, in/out, the reflector's). DOCTOR_PEER_OK, or DOCTOR_PEER_REKEYED when the pair or its
 * counters changed under the run (then @pf->error says so).
 */
enum doctor_peer_status doctor_peer_delta(struct doctor_peer_facts *pf,
                                          const struct doctor_peer_reading *p0,
                                          const struct doctor_peer_reading *p1);

#endif
