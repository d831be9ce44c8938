/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Libreswan's pluto as a source of the collector (collector.h, struct collector_source): each
 * read runs `whack --ctlsocket CTL --status`, `--trafficstatus` and `--globalstatus` through
 * diag_exec() (posix_spawn with an argv, never a shell; a deadline; a size cap), parses them
 * (lsw_parse.h), completes the CHILD SAs' packet counters from the kernel's SAs with the same
 * SPIs (an XFRM dump, exporter/xfrm_join.h), and renders the --globalstatus counters as
 * libreswan_* metrics.
 *
 * Why whack and not pluto's control socket: the socket carries struct whack_message, a C struct
 * copied byte for byte whose layout and magic number change with every Libreswan release (4.x
 * and 5.x differ, and the magic refuses a whack of another build); whack's text output is what
 * Libreswan documents and keeps across 4.x (Debian 12, RHEL 9) and 5.x (Fedora).
 */
#ifndef IKEWATCH_LSW_SOURCE_H
#define IKEWATCH_LSW_SOURCE_H

#include "exporter/collector.h"

/* Debian, Fedora and RHEL install whack here; the control socket is pluto's default. */
#define LSW_DEFAULT_WHACK "/usr/libexec/ipsec/whack"
#define LSW_DEFAULT_CTL "/run/pluto/pluto.ctl"
/* whack's answer for thousands of states stays far below this. */
#define LSW_OUTPUT_MAX (32u * 1024u * 1024u)

struct lsw_source;

/* @whack NULL: LSW_DEFAULT_WHACK. NULL on -ENOMEM. */
struct lsw_source *lsw_source_new(const char *ctl, const char *whack, unsigned timeout_ms);
void lsw_source_free(struct lsw_source *l);
/* For collector_config.source; lives as long as @l. */
const struct collector_source *lsw_source_collector(struct lsw_source *l);
/* pluto's control socket as given to lsw_source_new(). */
const char *lsw_source_ctl(const struct lsw_source *l);

struct diag_exec_result;
/* `whack --ctlsocket CTL @what` (e.g. "--globalstatus"), bounded as every read: 0 with *ret
 * to release with diag_exec_result_done(), or -errno with one line in @why (whack's own
 * message when it exited non-zero: -ECONNREFUSED; -ETIMEDOUT). */
int lsw_source_whack(struct lsw_source *l, const char *what, struct diag_exec_result *ret,
                     char *why, size_t why_len);

#endif
