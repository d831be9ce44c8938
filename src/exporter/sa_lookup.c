// SPDX-License-Identifier: Apache-2.0
/*
 * Lookups over a snapshot for the probes (see sa_lookup.h).
 */
#include "exporter/sa_lookup.h"

#include "exporter/ts_match.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int found(const char *conn, const char *child, char *ret_conn, size_t conn_len,
                 char *ret_child, size_t child_len)
{
	snprintf(ret_conn, conn_len, "%s", conn);
	snprintf(ret_child, child_len, "%s", child);
	return 0;
}

int sa_lookup_find_child(const struct sa_snapshot *s, const struct sockaddr *target, char *ret_conn,
                         size_t conn_len, char *ret_child, size_t child_len)
{
	for (uint32_t i = 0; i < s->n_ikes; i++) {
		const struct snap_ike *ike = &s->ikes[i];

		for (uint32_t j = 0; j < ike->n_children; j++)
			if (snap_child_state_up(ike->children[j].state) &&
			    ts_list_contains(ike->children[j].remote_ts, target))
				return found(ike->conn, ike->children[j].name, ret_conn, conn_len,
				             ret_child, child_len);
	}
	/* not up now: the configured remote traffic selectors still say which tunnel it is */
	for (uint32_t i = 0; i < s->n_conns; i++) {
		const struct snap_conn *sc = &s->conns[i];

		for (uint32_t j = 0; j < sc->n_children; j++)
			if (ts_list_contains(sc->children_remote_ts[j], target))
				return found(sc->name, sc->children[j], ret_conn, conn_len,
				             ret_child, child_len);
	}
	return -ENOENT;
}

int sa_lookup_source_in_local_ts(const struct sa_snapshot *s, const char *conn, const char *child,
                                 const struct sockaddr *source)
{
	for (uint32_t i = 0; i < s->n_ikes; i++) {
		const struct snap_ike *ike = &s->ikes[i];

		if (strcmp(ike->conn, conn) != 0)
			continue;
		for (uint32_t j = 0; j < ike->n_children; j++)
			if (strcmp(ike->children[j].name, child) == 0 &&
			    ike->children[j].local_ts[0])
				return ts_list_contains(ike->children[j].local_ts, source) ? 1 : 0;
	}
	return -ENOENT;
}

static bool lists_conn(const struct sa_snapshot *s, uint32_t upto, const char *conn)
{
	for (uint32_t i = 0; i < upto; i++)
		if (strcmp(s->ikes[i].conn, conn) == 0)
			return true;
	return false;
}

size_t sa_lookup_missing_conns(const struct sa_snapshot *prev, const struct sa_snapshot *cur,
                               const char **ret, size_t cap)
{
	size_t n = 0;

	/* quadratic at worst; in the common case of an unchanged order each listed SA is found
	 * at once */
	for (uint32_t i = 0; i < prev->n_ikes; i++) {
		const char *conn = prev->ikes[i].conn;

		if ((i < cur->n_ikes && strcmp(cur->ikes[i].conn, conn) == 0) ||
		    lists_conn(cur, cur->n_ikes, conn) || lists_conn(prev, i, conn))
			continue;
		if (n < cap)
			ret[n] = conn;
		n++;
	}
	return n;
}

uint32_t sa_lookup_child_newest(const struct sa_snapshot *s, const char *conn, const char *child)
{
	uint32_t id = 0;

	for (uint32_t i = 0; i < s->n_ikes; i++)
		for (uint32_t j = 0; j < s->ikes[i].n_children; j++)
			if (strcmp(s->ikes[i].conn, conn) == 0 &&
			    strcmp(s->ikes[i].children[j].name, child) == 0 &&
			    s->ikes[i].children[j].uniqueid > id)
				id = s->ikes[i].children[j].uniqueid;
	return id;
}

bool sa_lookup_has_child(const struct sa_snapshot *s, const char *conn, const char *child)
{
	for (uint32_t i = 0; i < s->n_ikes; i++)
		for (uint32_t j = 0; j < s->ikes[i].n_children; j++)
			if (strcmp(s->ikes[i].conn, conn) == 0 &&
			    strcmp(s->ikes[i].children[j].name, child) == 0)
				return true;
	return false;
}
