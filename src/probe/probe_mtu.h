/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path MTU search by DF probes (in the spirit of RFC 4821 packetization-layer PMTUD, with the
 * probes being STAMP or UDP echo packets answered at the same size). Sizes are whole IP
 * packets. The search first checks that the smallest size passes, then the largest, then
 * bisects; an ICMP "fragmentation needed" / "packet too big" narrows it at once to the MTU it
 * names. Each size gets several tries before it counts as dead. A black hole is reported when
 * large probes died, small ones passed and no ICMP error ever came back: the signature of a
 * tunnel whose MTU is clamped where ICMP is filtered.
 *
 * A lost probe is never taken as "too big" on its own: a size whose tries all time out is
 * suspect, the last size that passed is probed again (the path is still up), then the suspect
 * once more; only if that fails too is the size dead. A search that saw a probe lost at a size
 * that passes (the path loses packets whatever their size) cannot tell loss from size: it ends
 * inconclusive, and so does one whose smallest size never passed. The caller then keeps its
 * last good result instead of reporting a smaller MTU.
 *
 * probe_mtu_search_* are pure; probe_mtu_run() drives them over a probe session.
 */
#ifndef IKEWATCH_PROBE_MTU_H
#define IKEWATCH_PROBE_MTU_H

#include "probe/probe_sess.h"

#include <stdbool.h>
#include <stdint.h>

enum probe_mtu_outcome {
	PROBE_MTU_PASSED,
	PROBE_MTU_TOO_BIG, /* an ICMP error (or the local stack) said so */
	PROBE_MTU_TIMEOUT,
};

struct probe_mtu_search {
	uint32_t min, max, retries;
	uint32_t lo;      /* largest size that passed (0: none yet) */
	uint32_t hi;      /* smallest size known not to pass (max + 1: none) */
	uint32_t cur;     /* size under test */
	uint32_t tries;   /* timeouts at cur so far */
	uint32_t hint;    /* the MTU the last ICMP error named */
	uint32_t suspect; /* a size whose tries all timed out, being confirmed */
	enum { PROBE_MTU_SEARCH, PROBE_MTU_CONFIRM_LO, PROBE_MTU_RECHECK } phase;
	bool icmp_seen;    /* any "too big" came back */
	bool timed_out;    /* a size was confirmed dead by timeouts */
	bool lossy;        /* a probe was lost at a size that passes */
	bool inconclusive; /* the search could not tell loss from size */
	bool done;
};

struct probe_mtu_result {
	uint32_t path_mtu; /* 0 when even the smallest size did not pass */
	bool blackhole;
	bool icmp_seen;
	bool inconclusive; /* loss, not size, ended the search: keep the last good result */
	uint32_t probes;
};

void probe_mtu_search_init(struct probe_mtu_search *s, uint32_t min, uint32_t max,
                           uint32_t retries);
/* The size to try next, or 0 when the search is over. */
uint32_t probe_mtu_search_next(const struct probe_mtu_search *s);
/* What happened to the probe of size probe_mtu_search_next(); @mtu from the ICMP error or 0. */
void probe_mtu_search_report(struct probe_mtu_search *s, enum probe_mtu_outcome o, uint32_t mtu);
void probe_mtu_search_result(const struct probe_mtu_search *s, struct probe_mtu_result *ret);

/* Called after each probe: size tried and its outcome (for `ikewatch mtu` to show progress). */
typedef void (*probe_mtu_progress_fn)(void *ctx, uint32_t size, enum probe_mtu_outcome o,
                                      uint32_t icmp_mtu);

/*
 * Run a search to @t (module STAMP or UDP or ICMP; DF is set here) with @timeout_ns per try.
 * 0 and *ret, or -errno when the session could not be opened.
 */
int probe_mtu_run(const struct probe_target *t, uint32_t min, uint32_t max, uint32_t retries,
                  uint64_t timeout_ns, probe_mtu_progress_fn progress, void *ctx, const int *stop,
                  struct probe_mtu_result *ret);

#endif
