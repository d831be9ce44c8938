// SPDX-License-Identifier: Apache-2.0
/*
 * The MTU search as a state machine over reported outcomes (no I/O): min first, then max, then
 * bisection between the largest size that passed and the smallest that did not.
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

void probe_mtu_search_report(struct probe_mtu_search *s, enum probe_mtu_outcome o, uint32_t mtu)
{
	if (s->done)
		return;
	switch (o) {
	case PROBE_MTU_PASSED:
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
		if (s->lo == 0) {
			s->done = true; /* the smallest probe does not pass: the path is down */
			return;
		}
		s->timed_out = true;
		s->hi = s->cur;
		break;
	}
	if (!s->done)
		pick(s);
}

void probe_mtu_search_result(const struct probe_mtu_search *s, struct probe_mtu_result *ret)
{
	ret->path_mtu = s->lo;
	ret->icmp_seen = s->icmp_seen;
	ret->blackhole = s->lo > 0 && s->timed_out && !s->icmp_seen;
}
