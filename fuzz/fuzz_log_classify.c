// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the charon log classifier. The input is split at newlines and each piece
 * goes through both entry points: as a full line (filelog/syslog shape) and as a bare message
 * with the first three bytes as the group (VICI `log` events, journal fields). Checks that every
 * span in the result lies inside the input, that enum fields stay in range and that a
 * retransmit's announced wait is a sane number.
 */
#include "logs/log_classify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(const struct log_span *s, const char *base, size_t len)
{
	if (s->p && (s->p < base || s->p + s->len > base + len))
		abort();
}

static void check(const struct log_class *c, const char *base, size_t len)
{
	check_span(&c->conn, base, len);
	check_span(&c->child, base, len);
	check_span(&c->msg, base, len);
	if ((unsigned)c->failure >= LOG_FAIL_COUNT || (unsigned)c->event >= LOG_EV_COUNT ||
	    (unsigned)c->exchange >= LOG_EXCH_COUNT)
		abort();
	if (c->cat == LOG_CAT_FAILURE && !log_failure_name(c->failure)[0])
		abort();
	/* a retransmit's announced wait: a number of seconds in range, or 0, never NaN */
	if (!(c->wait_s >= 0 && c->wait_s <= 86400) || (c->wait_s && c->cat != LOG_CAT_RETRANSMIT))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct log_class c;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (log_classify_line(p, len, &c) == 0)
			check(&c, p, len);
		if (len >= 3 && log_classify_msg(p, 3, p + 3, len - 3, NULL, 0, &c) == 0)
			check(&c, p, len);
		p += len + 1;
	}
	return 0;
}
