// SPDX-License-Identifier: Apache-2.0
/*
 * The MTU search as a state machine over reported outcomes (no I/O): min first, then max, then
 * bisection between the largest size that passed and the smallest that did not. A size whose
 * tries all time out is confirmed (last good size, then the size again) before it counts as too
 * big; see probe_mtu.h.
 */
#include "probe/probe_mtu.h"

static void pick(struct probe_mtu_search *s)
{
	s->tries = 0;
	if (s->lo == 0) {
		s->cur = s->min;
	} else if (s->hi > s->max) {
		s->cur = s->max;
	} else if (s->hi - s->lo <= 1) {
		s->done = true;
		s->cur = 0;
	} else {
		s->cur = s->lo + (s->hi - s->lo) / 2;
	}
}

void probe_mtu_search_init(struct probe_mtu_search *s, uint32_t min, uint32_t max, uint32_t retries)
{
	*s = (struct probe_mtu_search){
	    .min = min, .max = max < min ? min : max, .retries = retries ? retries : 1};
	s->hi = s->max + 1;
	pick(s);
}

uint32_t probe_mtu_search_next(const struct probe_mtu_search *s)
{
	return s->done ? 0 : s->cur;
}

/* The search cannot go on without taking a loss for "too big". */
static void give_up(struct probe_mtu_search *s)
{
	s->inconclusive = true;
	s->done = true;
	s->cur = 0;
}

/* All tries at s->cur timed out. */
static void size_timed_out(struct probe_mtu_search *s)
{
	if (s->lo == 0 || s->lossy) {
		/* the smallest size never passed (path down or lossy), or this path loses
		 * probes of sizes that pass: the timeouts say nothing about the size */
		give_up(s);
		return;
	}
	s->suspect = s->cur;
	s->phase = PROBE_MTU_CONFIRM_LO;
	s->cur = s->lo;
	s->tries = 0;
}

void probe_mtu_search_report(struct probe_mtu_search *s, enum probe_mtu_outcome o, uint32_t mtu)
{
	if (s->done)
		return;
	if (s->phase == PROBE_MTU_CONFIRM_LO) {
		/* the last size that passed, probed right after the suspect died */
		if (o == PROBE_MTU_PASSED) {
			s->phase = PROBE_MTU_RECHECK;
			s->cur = s->suspect;
			s->tries = 0;
		} else {
			s->lossy = s->lossy || o == PROBE_MTU_TIMEOUT;
			give_up(s);
		}
		return;
	}
	if (s->phase == PROBE_MTU_RECHECK) {
		s->phase = PROBE_MTU_SEARCH;
		if (o == PROBE_MTU_TIMEOUT) {
			/* dead after retries, with the path up around it: too big */
			s->timed_out = true;
			s->hi = s->cur;
			pick(s);
			return;
		}
		if (o == PROBE_MTU_PASSED)
			s->lossy = true; /* its earlier timeouts were loss */
	}
	switch (o) {
	case PROBE_MTU_PASSED:
		if (s->tries > 0)
			s->lossy = true;
		s->lo = s->cur;
		/* the size an ICMP error named passes: that is the path MTU, no need to bisect */
		if (s->cur == s->hint)
			s->hi = s->cur + 1;
		if (s->cur == s->max)
			s->done = true;
		break;
	case PROBE_MTU_TOO_BIG:
		s->icmp_seen = s->icmp_seen || mtu > 0;
		if (s->lo == 0 && s->cur == s->min) {
			s->done = true; /* even the smallest is too big: nothing to search */
			return;
		}
		s->hi = s->cur;
		/* the error names the MTU: try exactly that next (RFC 1191 section 4) */
		if (mtu > s->lo && mtu < s->hi) {
			s->cur = s->hint = mtu;
			s->tries = 0;
			return;
		}
		break;
	case PROBE_MTU_TIMEOUT:
		if (++s->tries < s->retries)
			return; /* same size again: one loss is not a verdict */
		size_timed_out(s);
		return;
	}
	if (!s->done)
		pick(s);
}

void probe_mtu_search_result(const struct probe_mtu_search *s, struct probe_mtu_result *ret)
{
	ret->path_mtu = s->lo;
	ret->icmp_seen = s->icmp_seen;
	ret->inconclusive = s->inconclusive;
	ret->blackhole = s->lo > 0 && s->timed_out && !s->icmp_seen && !s->inconclusive;
}
