// SPDX-License-Identifier: Apache-2.0
/*
 * The source-address check of ping and mtu (source_check.h), through the collector's lookups.
 */
#include "cmd/source_check.h"

#include "build_config.h"
#include "common/log.h"
#include "exporter/collector.h"
#include "stamp/stamp_addr.h"

#include <stdio.h>

/* A probe command should not wait long for charon just to give a warning. */
#define SOURCE_CHECK_TIMEOUT_MS 1000

const struct opt source_check_opts[] = {
    {OPT_VICI_SOCKET, 0, "vici.socket", OPT_T_PATH, "PATH",
     "charon's VICI socket, asked whether -I is inside the\n"
     "CHILD SA's local traffic selector (default " IKEWATCH_DEFAULT_VICI_SOCKET ")"},
    {OPT_END},
};

void source_check_warn(const struct cmd *c, const char *vici_socket, const struct probe_target *t)
{
	char conn[128], child[128], src[64];
	struct collector *col;

	if (!t->has_source)
		return;
	/* charon not answering is no news here: keep the collector's own log lines quiet */
	log_setup(LOG_LEVEL_ERR);
	col = collector_new(&(struct collector_config){
	    .vici_socket = vici_socket ? vici_socket : IKEWATCH_DEFAULT_VICI_SOCKET,
	    .vici_timeout_ms = SOURCE_CHECK_TIMEOUT_MS,
	    .cert_interval_s = 3600});
	if (!col)
		return;
	if (collector_find_child(col, (const struct sockaddr *)&t->addr, conn, sizeof(conn), child,
	                         sizeof(child)) == 0 &&
	    collector_source_in_local_ts(col, conn, child, (const struct sockaddr *)&t->source) ==
	        0) {
		stamp_addr_format((const struct sockaddr *)&t->source, src, sizeof(src));
		fprintf(
		    stderr,
		    "ikewatch %s: warning: -I %s is outside the local traffic selector of %s/%s: "
		    "probes will not cross the tunnel\n",
		    c->name, src, conn, child);
	}
	collector_free(col);
}
