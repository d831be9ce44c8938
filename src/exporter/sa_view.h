/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Groups a snapshot by connection and CHILD config, the way operators think of tunnels: every
 * loaded connection and child appears (configured-but-down ones with no SA), followed by SAs
 * whose connection is no longer loaded. For each it picks the SA that represents it: an up one
 * before a down one, then the newest. Metrics and `ikewatch status` both render from this.
 * Pointers refer into the snapshot, which must outlive the view.
 */
#ifndef IKEWATCH_SA_VIEW_H
#define IKEWATCH_SA_VIEW_H

#include "exporter/sa_snapshot.h"

struct sa_view_child {
	const char *name;
	bool configured;
	bool up;
	uint32_t n_sas;
	const struct snap_child *best;
	int64_t use_in, use_out; /* seconds since the last packet over all its SAs, or SNAP_NONE */
};

struct sa_view_conn {
	const char *name;
	const struct snap_conn *config; /* its list-conns entry, NULL when not loaded */
	const struct snap_ike *best;
	struct sa_view_child *children; /* in sa_view.children, n_children of them */
	uint32_t n_children;
	uint32_t n_ikes;
	bool configured;
	bool up;
};

/* One allocation for all connections' children (a scrape of ten thousand connections made ten
 * thousand small ones), each connection's in a run of its own, in the order they were found. */
struct sa_view {
	struct sa_view_conn *conns;
	uint32_t n_conns, cap_conns;
	struct sa_view_child *children;
	uint32_t n_children, cap_children;
};

int sa_view_build(const struct sa_snapshot *s, struct sa_view *ret);
void sa_view_done(struct sa_view *v);

#endif
