/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Libreswan's pluto in the log line classifier (log_classify.h): the same struct log_class out of
 * pluto's lines, so that the event counters count the same failures, retransmits and lifecycle
 * events for both daemons. Shapes:
 *   pluto log file   "Dec  6 05:00:14.608680: \"a-b\" #9: authentication failed: ..."
 *   syslog           "Dec  6 05:00:14 gw pluto[812]: \"a-b\" #9: authentication failed: ..."
 *   journal MESSAGE  "\"a-b\" #9: authentication failed: ..."
 *   an instance      "\"any\"[2] 192.1.3.33 #4: ...";  an error "ERROR: \"a-b\" #2: ..."
 * The connection name is the quoted name (with "[N]" when pluto gives it); ike_id is the state
 * number. Message texts are Libreswan 4.10's (tests/fixtures/libreswan/pluto.log) and 5.x's where
 * they differ.
 */
#ifndef IKEWATCH_LOG_CLASSIFY_PLUTO_H
#define IKEWATCH_LOG_CLASSIFY_PLUTO_H

#include "logs/log_classify.h"

/* 1 and *c filled if @line (at most LOGLINE_MAX bytes, no newline) is a pluto line with a
 * connection and a state number; else 0 and *c untouched. */
int log_classify_pluto(const char *line, size_t len, struct log_class *c);

#endif
