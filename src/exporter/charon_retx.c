// SPDX-License-Identifier: Apache-2.0
/*
 * charon's retransmission timing from strongswan.conf (contract in charon_retx.h).
 */
#include "exporter/charon_retx.h"

#include "common/num.h"
#include "swanctl/swanctl_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int charon_retx_load(const char *path, struct sa_retx_timing *ret, char *err, size_t errlen)
{
	struct swanctl_conf c;
	double v[3];
	bool set[3] = {false};
	int e;

	*ret = SA_RETX_TIMING_DEFAULT;
	e = swanctl_file_load(path ? path : CHARON_DEFAULT_STRONGSWAN_CONF, &c, err, errlen);
	if (e < 0)
		return e;
	/* charon reads these as a double, a double and an int; out-of-range values are ignored */
	set[0] = c.retransmit[0] && num_parse_double(c.retransmit[0], strlen(c.retransmit[0]),
	                                             0.001, 3600, &v[0]) == 0;
	set[1] = c.retransmit[1] &&
	         num_parse_double(c.retransmit[1], strlen(c.retransmit[1]), 1, 10, &v[1]) == 0;
	set[2] = c.retransmit[2] &&
	         num_parse_double(c.retransmit[2], strlen(c.retransmit[2]), 0, 100, &v[2]) == 0;
	if (set[0])
		ret->timeout = v[0];
	if (set[1])
		ret->base = v[1];
	if (set[2])
		ret->tries = (unsigned)v[2];
	ret->configured = set[0] || set[1] || set[2];
	swanctl_conf_done(&c);
	return 0;
}

void charon_retx_describe(const struct sa_retx_timing *t, char *out, size_t cap)
{
	/* the one description of a retransmission schedule, pluto's too (ipsec.conf's words) */
	if (t->model == SA_RETX_PLUTO) {
		snprintf(out, cap, "retransmit-interval %g ms, retransmit-timeout %g s (%s)",
		         t->timeout * 1000, t->limit,
		         t->configured ? "whack --status" : "pluto's defaults");
		return;
	}
	snprintf(out, cap, "retransmit_timeout %g s, base %g, %u tries (%s)", t->timeout, t->base,
	         t->tries, t->configured ? "strongswan.conf" : "charon's defaults");
}
