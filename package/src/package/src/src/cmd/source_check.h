/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A probe with a source address outside the local traffic selector of the CHILD SA that
 * carries its target does not cross the tunnel: the kernel's policy does not match it. ping
 * and mtu ask charon (when it answers) which CHILD SA that is and warn on stderr, once.
 */
#ifndef IKEWATCH_SOURCE_CHECK_H
#define IKEWATCH_SOURCE_CHECK_H

#include "cmd/cmd.h"
#include "probe/probe_sess.h"

/* --vici.socket for ping and mtu: where to ask */
extern const struct opt source_check_opts[];

/* Warn "ikewatch CMD: warning: -I ADDR is outside ..." when charon says so; silent when charon
 * does not answer or knows no CHILD SA for the target. */
void source_check_warn(const struct cmd *c, const char *vici_socket, const struct probe_target *t);

#endif
