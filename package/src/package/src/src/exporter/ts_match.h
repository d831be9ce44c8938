/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Does a traffic selector list, as VICI prints it ("203.0.113.128/25,2001:db8::/64[udp/862]",
 * "10.0.0.1..10.0.0.9"), contain an address? Used to find the CHILD SA a probe target is behind.
 * Protocol/port restrictions in brackets are ignored: they narrow, and a probe that does not
 * match them is the operator's configuration to fix, not ours to hide.
 */
#ifndef IKEWATCH_TS_MATCH_H
#define IKEWATCH_TS_MATCH_H

#include <stdbool.h>
#include <sys/socket.h>

bool ts_list_contains(const char *ts_list, const struct sockaddr *addr);

#endif
