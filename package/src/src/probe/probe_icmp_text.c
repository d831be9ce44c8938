// SPDX-License-Identifier: Apache-2.0
/*
 * ICMP errors in ping(8)'s words (probe_icmp_text.h); the texts are iputils' ping_common and
 * ping6 ones.
 */
#include "probe/probe_icmp_text.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <string.h>

static const char *const unreach4[] = {
    "Destination Net Unreachable",
    "Destination Host Unreachable",
    "Destination Protocol Unreachable",
    "Destination Port Unreachable",
    "Frag needed and DF set",
    "Source Route Failed",
    "Destination Net Unknown",
    "Destination Host Unknown",
    "Source Host Isolated",
    "Destination Net Prohibited",
    "Destination Host Prohibited",
    "Destination Net Unreachable for Type of Service",
    "Destination Host Unreachable for Type of Service",
    "Packet filtered",
    "Precedence Violation",
    "Precedence Cutoff",
};

static const char *const unreach6[] = {
    "No route",
    "Administratively prohibited",
    "Beyond scope of source address",
    "Address unreachable",
    "Port unreachable",
    "Source address failed ingress/egress policy",
    "Reject route to destination",
};

static const char *icmp4(const struct probe_event *ev, char *out, size_t len)
{
	if (ev->icmp_type == ICMP_DEST_UNREACH) {
		if (ev->icmp_code == ICMP_FRAG_NEEDED)
			snprintf(out, len, "Frag needed and DF set (mtu = %u)", ev->mtu);
		else if (ev->icmp_code < sizeof(unreach4) / sizeof(unreach4[0]))
			snprintf(out, len, "%s", unreach4[ev->icmp_code]);
		else
			snprintf(out, len, "Dest Unreachable, Bad Code: %u", ev->icmp_code);
	} else if (ev->icmp_type == ICMP_TIME_EXCEEDED) {
		snprintf(out, len, "%s",
		         ev->icmp_code == 0 ? "Time to live exceeded"
		                            : "Frag reassembly time exceeded");
	} else if (ev->icmp_type == ICMP_PARAMETERPROB) {
		snprintf(out, len, "Parameter problem");
	} else {
		snprintf(out, len, "Bad ICMP type: %u", ev->icmp_type);
	}
	return out;
}

static const char *icmp6(const struct probe_event *ev, char *out, size_t len)
{
	if (ev->icmp_type == ICMP6_DST_UNREACH) {
		if (ev->icmp_code < sizeof(unreach6) / sizeof(unreach6[0]))
			snprintf(out, len, "Destination unreachable: %s", unreach6[ev->icmp_code]);
		else
			snprintf(out, len, "Destination unreachable: Unknown code %u",
			         ev->icmp_code);
	} else if (ev->icmp_type == ICMP6_PACKET_TOO_BIG) {
		snprintf(out, len, "Packet too big: mtu=%u", ev->mtu);
	} else if (ev->icmp_type == ICMP6_TIME_EXCEEDED) {
		snprintf(out, len, "Time exceeded: %s",
		         ev->icmp_code == 0 ? "Hop limit" : "Defragmentation failure");
	} else if (ev->icmp_type == ICMP6_PARAM_PROB) {
		snprintf(out, len, "Parameter problem: code %u", ev->icmp_code);
	} else {
		snprintf(out, len, "Unknown icmp type: %u", ev->icmp_type);
	}
	return out;
}

const char *probe_icmp_words(const struct probe_event *ev, char *out, size_t len)
{
	if (ev->has_icmp)
		return ev->icmp6 ? icmp6(ev, out, len) : icmp4(ev, out, len);
	if (ev->kind == PROBE_EV_TOO_BIG)
		snprintf(out, len, "local error: message too long, mtu=%u", ev->mtu);
	else
		snprintf(out, len, "%s", ev->err ? strerror(-ev->err) : "unreachable");
	return out;
}

bool probe_event_port_unreachable(const struct probe_event *ev)
{
	if (ev->kind != PROBE_EV_UNREACH)
		return false;
	if (ev->has_icmp)
		return ev->icmp6 ? ev->icmp_type == ICMP6_DST_UNREACH &&
		                       ev->icmp_code == ICMP6_DST_UNREACH_NOPORT
		                 : ev->icmp_type == ICMP_DEST_UNREACH &&
		                       ev->icmp_code == ICMP_PORT_UNREACH;
	return ev->err == -ECONNREFUSED;
}
