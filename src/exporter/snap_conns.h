/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loaded connections (list-conns) decoded once, not at every scrape. charon answers
 * list-conns with one event per connection, and the configuration rarely changes between
 * scrapes: an event whose bytes are those of an event of the last complete answer is not
 * decoded again, its connection is taken from that answer. The decoded connections live in a
 * table of their own (struct snap_conns), held by reference by every snapshot that shows them
 * (sa_snapshot.h ->conn_table) and by the reader, so that the published generations and the
 * snapshot being read share one copy; a table never changes once complete, and an answer that
 * differs anywhere gets a new one (the unchanged connections copied over, the others decoded).
 *
 * Events are recognised by their length and a 64-bit hash (XXH64 with a seed chosen per
 * reader), not by keeping their bytes: 16 bytes per connection instead of the ~500 of an event.
 * Two different events of the same length would have to hash alike for a change to be missed
 * (a chance of 2^-64 per changed event). An event is looked for at its own position first (an
 * unchanged configuration), then among all of the last answer's events (connections added,
 * removed or reordered shift the rest).
 *
 * Use: snap_conns_begin(), snap_conns_event() for each streamed list-conn event (a
 * vici_raw_cb), snap_conns_end() once the answer is complete. A read that fails before its end
 * leaves nothing behind: the next begin drops what it built, and the last complete answer stays
 * the one compared against. Not thread-safe (the collector's ->lock); tables are shared freely.
 */
#ifndef IKEWATCH_SNAP_CONNS_H
#define IKEWATCH_SNAP_CONNS_H

#include "exporter/sa_snapshot.h"
#include "vici/vici_msg.h"

#include <stddef.h>
#include <stdint.h>

struct snap_conns;
void snap_conns_unref(struct snap_conns *t);

struct snap_conns_reader {
	struct snap_conns *last;  /* the last complete answer; NULL: none (decode all) */
	struct snap_conns *fresh; /* this answer, once it differs from ->last */
	uint32_t n_ev;            /* events of this answer so far */
	uint64_t seed;
	struct vici_msg msg; /* decode space */
	/* ->last's events by hash (index + 1, 0 empty), built at the first event out of place */
	uint32_t *ix;
	uint32_t ix_mask;
	const struct snap_conns *ix_of;
	/* the connections of this answer that were decoded (not taken from ->last) */
	uint32_t *decoded;
	uint32_t n_decoded, cap_decoded;
};

void snap_conns_reader_init(struct snap_conns_reader *r);
void snap_conns_reader_done(struct snap_conns_reader *r);
/* Decode the next answer whole, as if it were the first (its connections all count as
 * decoded, see snap_conns_decoded()). */
void snap_conns_reader_forget(struct snap_conns_reader *r);

void snap_conns_begin(struct snap_conns_reader *r);
/* One list-conn event (@pkt as vici_conn_recv_raw() gives it). 0, -EBADMSG, -E2BIG or
 * -ENOMEM; @ctx is the reader. */
int snap_conns_event(void *ctx, const uint8_t *pkt, size_t len);
/* The answer is complete: its table becomes the one compared against, and @into (reset, with
 * no connections of its own) shows it. 0 or -ENOMEM (then @into shows none). */
int snap_conns_end(struct snap_conns_reader *r, struct sa_snapshot *into);

/* After snap_conns_end(): the indexes into @into->conns of the connections that were decoded
 * in this answer, i.e. new or changed since the last one, in order. */
static inline const uint32_t *snap_conns_decoded(const struct snap_conns_reader *r, uint32_t *ret_n)
{
	*ret_n = r->n_decoded;
	return r->decoded;
}

#endif
