// SPDX-License-Identifier: Apache-2.0
/*
 * Storage for the doctor's facts: bounded arrays of connections and certificates, so that a
 * daemon with thousands of connections cannot make the doctor grow without limit.
 */
#include "doctor/doctor_facts.h"

#include "common/array.h"
#include "doctor/doctor_proposals.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void doctor_facts_init(struct doctor_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->anon.last_fail = -1;
	f->anon.last_req_time = f->anon.retx_silent_s = -1;
	f->retx = SA_RETX_TIMING_DEFAULT;
	doctor_copy(f->daemon_name, sizeof(f->daemon_name), "charon", 6);
}

void doctor_facts_done(struct doctor_facts *f)
{
	free(f->conns);
	free(f->certs);
	doctor_proposal_facts_free(f->proposals);
	memset(f, 0, sizeof(*f));
}

void doctor_copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (!src)
		len = 0;
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

struct doctor_conn_facts *doctor_facts_find(struct doctor_facts *f, const char *name)
{
	for (uint32_t i = 0; i < f->n_conns; i++)
		if (strcmp(f->conns[i].name, name) == 0)
			return &f->conns[i];
	return NULL;
}

struct doctor_conn_facts *doctor_facts_conn(struct doctor_facts *f, const char *name, size_t len)
{
	struct doctor_conn_facts *c;
	char key[64];

	if (len == 0 || len >= sizeof(key))
		return NULL;
	doctor_copy(key, sizeof(key), name, len);
	c = doctor_facts_find(f, key);
	if (c)
		return c;
	if (ARRAY_GROW(f->conns, f->n_conns, f->cap_conns, 8, DOCTOR_CONNS_MAX) < 0)
		return NULL;
	c = &f->conns[f->n_conns++];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, key, strlen(key) + 1);
	c->established = c->rekey_time = c->reauth_time = SNAP_NONE;
	c->cfg_rekey_time = c->cfg_reauth_time = c->cfg_dpd_delay = SNAP_NONE;
	c->log.last_fail = -1;
	c->log.last_req_time = c->log.retx_silent_s = -1;
	c->retx = f->retx; /* the daemon's, until its own are read */
	return c;
}

struct doctor_child_facts *doctor_conn_child(struct doctor_conn_facts *c, const char *name)
{
	struct doctor_child_facts *ch;

	for (uint32_t i = 0; i < c->n_children; i++)
		if (strcmp(c->children[i].name, name) == 0)
			return &c->children[i];
	if (c->n_children >= DOCTOR_CHILDREN_MAX || strlen(name) >= sizeof(ch->name))
		return NULL;
	ch = &c->children[c->n_children++];
	memset(ch, 0, sizeof(*ch));
	memcpy(ch->name, name, strlen(name) + 1);
	ch->rekey_time = ch->life_time = ch->use_in = ch->use_out = ch->cfg_rekey_time = SNAP_NONE;
	return ch;
}

int doctor_facts_add_cert(struct doctor_facts *f, const char *subject, int64_t not_before,
                          int64_t not_after)
{
	struct doctor_cert_facts *c;
	int r;

	r = ARRAY_GROW(f->certs, f->n_certs, f->cap_certs, 8, EXPORT_CERTS_MAX);
	if (r < 0)
		return r == -E2BIG ? -ENOSPC : r;
	c = &f->certs[f->n_certs++];
	doctor_copy(c->subject, sizeof(c->subject), subject, subject ? strlen(subject) : 0);
	c->not_before = not_before;
	c->not_after = not_after;
	return 0;
}
