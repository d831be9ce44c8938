/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which IPsec daemon serve, status and textfile read: charon over VICI (the default), or
 * Libreswan's pluto through whack (docs/libreswan.md). pluto is chosen by --libreswan.ctl, or
 * found when charon's VICI socket is absent and pluto's control socket is present.
 */
#ifndef IKEWATCH_DAEMON_SOURCE_H
#define IKEWATCH_DAEMON_SOURCE_H

#include "cmd/charon_opts.h"
#include "events/events_service.h"
#include "libreswan/lsw_source.h"

extern const struct opt daemon_opts[];

/* *ret_src: NULL (charon over VICI) or pluto's source, whose owner *ret_lsw the caller frees
 * with lsw_source_free() after the collector. 0, or 1 after printing why (out of memory). */
int daemon_source_open(const struct cmd *c, const struct charon_flags *f, const struct config *cfg,
                       const struct collector_source **ret_src, struct lsw_source **ret_lsw);

/* pluto has no VICI: with @src, the VICI event stream is off and a VICI log source becomes none
 * (with a warning that names events.log_source file or journal). */
void daemon_source_events(const struct collector_source *src, struct events_config *ec);

#endif
