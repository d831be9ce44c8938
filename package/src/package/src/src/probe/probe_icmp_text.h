/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an ICMP error about a probe says, in the words of ping(8) (iputils), so that an
 * operator reads "Destination Net Unreachable" from the router that said it, not a bare
 * strerror() attributed to the target. Pure.
 */
#ifndef IKEWATCH_PROBE_ICMP_TEXT_H
#define IKEWATCH_PROBE_ICMP_TEXT_H

#include "probe/probe_sess.h"

#include <stdbool.h>
#include <stddef.h>

/* The description of @ev (an UNREACH or TOO_BIG event) into @out; returns @out. */
const char *probe_icmp_words(const struct probe_event *ev, char *out, size_t len);
/* The far end's port is closed (ICMP port unreachable, or ECONNREFUSED). */
bool probe_event_port_unreachable(const struct probe_event *ev);

#endif
