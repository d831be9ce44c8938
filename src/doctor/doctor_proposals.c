// SPDX-License-Identifier: Apache-2.0
/*
 * Both ends' configured proposals for the next rekey (contract in doctor_proposals.h): gathered
 * once per doctor run (our swanctl.conf, one GET of the peer), compared per CHILD SA paired by
 * SPI and for its IKE SA by doctor_foresee's comparison.
 */
#include "doctor/doctor_proposals.h"

#include "common/array.h"
#include "doctor/doctor_facts.h"
#include "doctor/doctor_foresee.h"
#include "doctor/doctor_peer.h"
#include "doctor/doctor_report.h"
#include "prom/prom_parse.h"
#include "swanctl/swanctl_file.h"
#include "swanctl/swanctl_proposal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_label(char *dst, size_t cap, const char *s)
{
	doctor_copy(dst, cap, s, s ? strlen(s) : 0);
}

static void add_row(struct doctor_proposal_facts *pf, const struct prom_parsed_sample *p)
{
	const char *conn = prom_sample_label(p, "conn"), *child = prom_sample_label(p, "child");
	const char *x = prom_sample_label(p, "exchange"),
	           *props = prom_sample_label(p, "proposals");
	struct doctor_peer_proposals *row;

	if (!conn || !child || !x || !props || (strcmp(x, "ike") != 0 && strcmp(x, "child") != 0))
		return;
	if (ARRAY_GROW(pf->rows, pf->n_rows, pf->cap_rows, 16, DOCTOR_PEER_PROPOSALS_MAX) < 0)
		return;
	row = &pf->rows[pf->n_rows++];
	copy_label(row->conn, sizeof(row->conn), conn);
	copy_label(row->child, sizeof(row->child), child);
	copy_label(row->proposals, sizeof(row->proposals), props);
	row->ike = strcmp(x, "ike") == 0;
}

static void add_sa(struct doctor_proposal_facts *pf, const struct prom_parsed_sample *p)
{
	const char *conn = prom_sample_label(p, "conn"), *child = prom_sample_label(p, "child");
	struct doctor_peer_sa sa;

	if (!conn || !child || peer_parse_spi(prom_sample_label(p, "spi_in"), &sa.spi_in) < 0 ||
	    peer_parse_spi(prom_sample_label(p, "spi_out"), &sa.spi_out) < 0)
		return;
	copy_label(sa.conn, sizeof(sa.conn), conn);
	copy_label(sa.child, sizeof(sa.child), child);
	if (ARRAY_GROW(pf->sas, pf->n_sas, pf->cap_sas, 16, PEER_CHILDREN_MAX) < 0)
		return;
	pf->sas[pf->n_sas++] = sa;
}

enum doctor_peer_status doctor_proposals_judge_peer(const char *text, size_t len,
                                                    struct doctor_proposal_facts *pf)
{
	struct prom_scrape s;
	const char *why = NULL;
	bool ikewatch = false;
	size_t line = 0;
	int r;

	pf->n_rows = pf->n_sas = 0;
	pf->peer_charon_up = -1;
	prom_scrape_init(&s);
	r = prom_parse(&s, text, len, &line, &why);
	if (r < 0) {
		snprintf(pf->peer_error, sizeof(pf->peer_error),
		         "not a Prometheus exposition: line %zu: %s", line,
		         why ? why : strerror(-r));
		prom_scrape_done(&s);
		return r == -E2BIG ? DOCTOR_PEER_OVERSIZED : DOCTOR_PEER_MALFORMED;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct prom_parsed_sample *p = &s.samples[i];

		if (strcmp(p->name, "ikewatch_build_info") == 0)
			ikewatch = true;
		else if (strcmp(p->name, "ipsec_conn_proposals_info") == 0)
			add_row(pf, p);
		else if (strcmp(p->name, "ipsec_child_sa_info") == 0)
			add_sa(pf, p);
		else if (strcmp(p->name, "ipsec_up") == 0 && (p->value == 0 || p->value == 1))
			pf->peer_charon_up = (int)p->value;
	}
	prom_scrape_done(&s);
	if (!ikewatch) {
		snprintf(pf->peer_error, sizeof(pf->peer_error),
		         "no ikewatch_build_info: not ikewatch");
		pf->n_rows = pf->n_sas = 0;
		pf->peer_charon_up = -1;
		return DOCTOR_PEER_NOT_IKEWATCH;
	}
	return DOCTOR_PEER_OK;
}

static const struct doctor_proposal_words charon_words = {
    NULL, {"proposals", "esp_proposals", "ah_proposals"}, "swanctl --load-conns", false};

/* The words of @pf: charon's unless a daemon gave its own. */
static const struct doctor_proposal_words *words_of(const struct doctor_proposal_facts *pf)
{
	return pf->words.reload ? &pf->words : &charon_words;
}

/* The peer's lists and SAs, with --peer. */
static void read_peer(struct doctor_proposal_facts *pf, const struct doctor_peer_options *peer)
{
	if (peer && peer->url) {
		struct doctor_peer_facts tmp = {0};
		struct buf body;

		copy_label(pf->peer_url, sizeof(pf->peer_url), peer->url);
		pf->peer = doctor_peer_fetch(peer, &body, &tmp);
		if (pf->peer == DOCTOR_PEER_OK)
			pf->peer =
			    doctor_proposals_judge_peer(body.data ? body.data : "", body.len, pf);
		else
			copy_label(pf->peer_error, sizeof(pf->peer_error), tmp.error);
		buf_done(&body);
	}
}

struct doctor_proposal_facts *doctor_proposals_gather(const char *swanctl_conf,
                                                      const struct doctor_peer_options *peer)
{
	struct doctor_proposal_facts *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->peer_charon_up = -1;
	copy_label(pf->path, sizeof(pf->path), swanctl_conf ? swanctl_conf : SWANCTL_DEFAULT_CONF);
	pf->ours_read =
	    swanctl_file_load(pf->path, &pf->ours, pf->ours_error, sizeof(pf->ours_error)) == 0;
	read_peer(pf, peer);
	return pf;
}

struct doctor_proposal_facts *doctor_proposals_gather_daemon(
    int (*load)(void *ctx, struct swanctl_conf *ret, char *why, size_t why_len), void *ctx,
    const struct doctor_proposal_words *words, const struct doctor_peer_options *peer)
{
	struct doctor_proposal_facts *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->peer_charon_up = -1;
	pf->words = *words;
	copy_label(pf->path, sizeof(pf->path), words->from ? words->from : "");
	pf->ours_read = load(ctx, &pf->ours, pf->ours_error, sizeof(pf->ours_error)) == 0;
	read_peer(pf, peer);
	return pf;
}

void doctor_proposal_facts_free(struct doctor_proposal_facts *pf)
{
	if (!pf)
		return;
	if (pf->ours_read)
		swanctl_conf_done(&pf->ours);
	free(pf->rows);
	free(pf->sas);
	free(pf);
}

static const struct swanctl_conn *our_conn(const struct doctor_proposal_facts *pf, const char *name)
{
	for (size_t i = 0; i < pf->ours.n_conns; i++)
		if (strcmp(pf->ours.conns[i].name, name) == 0)
			return &pf->ours.conns[i];
	return NULL;
}

static const struct swanctl_child *our_child(const struct swanctl_conn *oc, const char *name)
{
	for (size_t i = 0; oc && i < oc->n_children; i++)
		if (strcmp(oc->children[i].name, name) == 0)
			return &oc->children[i];
	return NULL;
}

/* The peer's CHILD SA whose SPIs are ours reversed (see peer_view_match()). */
static const struct doctor_peer_sa *peer_pair(const struct doctor_proposal_facts *pf,
                                              const struct doctor_child_facts *ch)
{
	if (!ch->spis)
		return NULL;
	for (size_t i = 0; i < pf->n_sas; i++)
		if (pf->sas[i].spi_in == ch->spi_out && pf->sas[i].spi_out == ch->spi_in)
			return &pf->sas[i];
	return NULL;
}

static const struct doctor_peer_proposals *peer_row(const struct doctor_proposal_facts *pf,
                                                    const char *conn, const char *child, bool ike)
{
	for (size_t i = 0; i < pf->n_rows; i++)
		if (pf->rows[i].ike == ike && strcmp(pf->rows[i].conn, conn) == 0 &&
		    (ike || strcmp(pf->rows[i].child, child) == 0))
			return &pf->rows[i];
	return NULL;
}

/* One exchange of one SA, both ends known (or not): what to foresee. */
struct cmp {
	enum foresee_exchange x;
	const char *conn, *subject; /* "a-b/net", "a-b" */
	const char *what;           /* "CHILD rekey", "IKE rekey", "IKE reauthentication" */
	const char *key;            /* "esp_proposals", "proposals" */
	int64_t due;                /* seconds until the exchange, SNAP_NONE unknown */
	const char *ours;           /* our list, "default" when not configured */
	const struct doctor_peer_sa *pair;
	const struct doctor_peer_proposals *theirs; /* NULL: the peer exports none */
};

static void compare(struct doctor_report *r, const struct doctor_proposal_facts *pf,
                    const struct cmp *k)
{
	struct foresee_result res;
	struct doctor_finding *d;
	char when[48] = "";

	if (!k->theirs) {
		d = doctor_add(r, "proposals_unknown", k->conn, DOCTOR_SEV_INFO, 1,
		               "the peer's proposals for %s are unknown: its ikewatch exports no "
		               "ipsec_conn_proposals_info for %s%s%s",
		               k->subject, k->pair ? k->pair->conn : "", k->pair ? "/" : "",
		               k->pair && k->x == FORESEE_CHILD_REKEY ? k->pair->child : "");
		doctor_evidence(d, "our %s (%s): %s", k->key, pf->path, k->ours);
		doctor_next(d, "on the peer: give ikewatch read access to the swanctl.conf charon "
		               "loads (vici.swanctl_conf), see docs/metrics.md");
		return;
	}
	foresee_proposals(k->x, k->ours, k->theirs->proposals, &res);
	/* the exposition cuts label values at LABEL_VALUE_MAX: a list that long may miss a
	 * proposal, and a missing one must never read as a mismatch */
	if (res.verdict == FORESEE_FAIL && strlen(k->theirs->proposals) >= LABEL_VALUE_MAX) {
		res.verdict = FORESEE_UNKNOWN;
		snprintf(
		    res.reason, sizeof(res.reason),
		    "the peer's list is %d bytes long, as long as a label value may be: it may "
		    "have been cut",
		    LABEL_VALUE_MAX);
	}
	if (res.verdict == FORESEE_AGREE)
		return;
	if (res.verdict == FORESEE_UNKNOWN) {
		d = doctor_add(r, "proposals_unknown", k->conn, DOCTOR_SEV_INFO, 1,
		               "cannot foresee whether the next %s of %s agrees: %s", k->what,
		               k->subject, res.reason);
		doctor_evidence(d, "our %s (%s): %s", k->key, pf->path, k->ours);
		doctor_evidence(d, "the peer's (%s, its %s): %s", pf->peer_url, k->theirs->conn,
		                k->theirs->proposals);
		return;
	}
	if (k->due != SNAP_NONE && k->due > 0)
		snprintf(when, sizeof(when), " in %" PRId64 " s", k->due);
	else if (k->due != SNAP_NONE)
		snprintf(when, sizeof(when), " (due now)");
	d = doctor_add(r, "rekey_will_fail", k->conn, DOCTOR_SEV_WARN, 65,
	               "the next %s of %s%s will fail: %s", k->what, k->subject, when, res.reason);
	doctor_evidence(d, "our %s (%s): %s", k->key, pf->path, k->ours);
	doctor_evidence(d, "the peer's (%s, its %s%s%s): %s", pf->peer_url, k->theirs->conn,
	                k->x == FORESEE_CHILD_REKEY ? "/" : "",
	                k->x == FORESEE_CHILD_REKEY ? k->theirs->child : "", k->theirs->proposals);
	if (k->x == FORESEE_CHILD_REKEY && res.transform == PROPOSAL_T_KE)
		doctor_evidence(d,
		                "a CHILD SA set up with its IKE SA ran no key exchange (RFC 7296 "
		                "1.2): the PFS groups meet first at this rekey, which the peer "
		                "answers with NO_PROPOSAL_CHOSEN");
	if (k->due != SNAP_NONE)
		doctor_evidence(d, "list-sas: %s due in %" PRId64 " s", k->what, k->due);
	doctor_next(d, "make %s of %s share a %s on both ends, then %s%s%s", k->key, k->subject,
	            proposal_transform_name(res.transform), words_of(pf)->reload,
	            words_of(pf)->reload_conn ? " " : "", words_of(pf)->reload_conn ? k->conn : "");
}

/* Without a peer: what this end alone can say about a CHILD SA's next rekey. */
static void one_end(struct doctor_report *r, const struct doctor_proposal_facts *pf,
                    const struct doctor_conn_facts *c, const char *child, const char *ours)
{
	struct proposal_list *l = malloc(sizeof(*l));
	struct doctor_finding *d;
	char why[160], groups[160];

	if (!l)
		return;
	if (proposal_list_parse(PROPOSAL_CHILD, ours, l, "our", why, sizeof(why)) == 0) {
		proposal_list_join(l, PROPOSAL_T_KE, groups, sizeof(groups));
		d = doctor_add(r, "proposals_one_end", c->name, DOCTOR_SEV_INFO, 1,
		               "our PFS groups for %s/%s are %s; the peer's are unknown: run with "
		               "--peer",
		               c->name, child, groups);
		doctor_evidence(d, "our %s (%s): %s", words_of(pf)->key[1], pf->path, ours);
		doctor_evidence(d, "a PFS group mismatch shows only at the first CHILD rekey, "
		                   "which one end cannot foresee");
		doctor_next(d, "ikewatch doctor %s --peer http://<peer>:9917/metrics", c->name);
	}
	free(l);
}

static int64_t next_ike(const struct doctor_conn_facts *c, const char **ret_what)
{
	*ret_what = "IKE rekey";
	if (c->reauth_time != SNAP_NONE &&
	    (c->rekey_time == SNAP_NONE || c->reauth_time < c->rekey_time)) {
		*ret_what = "IKE reauthentication";
		return c->reauth_time;
	}
	return c->rekey_time;
}

void doctor_proposals_findings(struct doctor_report *r, const struct doctor_facts *f,
                               const struct doctor_conn_facts *c)
{
	const struct doctor_proposal_facts *pf = f->proposals;
	const struct doctor_peer_sa *any_pair = NULL;
	const struct swanctl_conn *oc;
	struct doctor_finding *d;
	char buf[2 * SWANCTL_VALUE_MAX + 2], subject[160];

	if (!pf)
		return;
	if (!pf->ours_read) {
		if (!doctor_find(r, "proposals_unreadable", "")) {
			d = doctor_add(r, "proposals_unreadable", "", DOCTOR_SEV_INFO, 1,
			               "our configured proposals are unknown: rekey proposals not "
			               "compared");
			doctor_evidence(d, "%s", pf->ours_error);
			doctor_next(d,
			            "set vici.swanctl_conf in --config to the swanctl.conf charon "
			            "loads");
		}
		return;
	}
	if (pf->peer != DOCTOR_PEER_NONE && pf->peer != DOCTOR_PEER_OK) {
		d = doctor_add(r, "proposals_unknown", c->name, DOCTOR_SEV_INFO, 1,
		               "the peer's proposals for %s are unknown: %s could not be read",
		               c->name, pf->peer_url);
		doctor_evidence(d, "%s", pf->peer_error);
		return;
	}
	oc = our_conn(pf, c->name);
	if (!oc)
		return; /* loaded from elsewhere than the file we read: nothing to compare */
	for (uint32_t i = 0; i < c->n_children; i++) {
		const struct doctor_child_facts *ch = &c->children[i];
		const struct swanctl_child *oh = our_child(oc, ch->name);
		const char *ours;

		if (!ch->up || !oh)
			continue;
		ours = swanctl_child_proposals(oh, buf, sizeof(buf));
		if (pf->peer == DOCTOR_PEER_NONE) {
			if (ours)
				one_end(r, pf, c, ch->name, ours);
			continue;
		}
		snprintf(subject, sizeof(subject), "%s/%s", c->name, ch->name);
		{
			const struct doctor_peer_sa *pair = peer_pair(pf, ch);

			if (!pair) {
				d = doctor_add(
				    r, "proposals_unknown", c->name, DOCTOR_SEV_INFO, 1,
				    "the peer's proposals for %s are unknown: none of its "
				    "CHILD SAs has our SPIs",
				    subject);
				if (ch->spis)
					doctor_evidence(
					    d, "ours: in 0x%08x, out 0x%08x; the peer has %zu",
					    ch->spi_in, ch->spi_out, pf->n_sas);
				continue;
			}
			any_pair = pair;
			compare(r, pf,
			        &(struct cmp){FORESEE_CHILD_REKEY, c->name, subject, "CHILD rekey",
			                      words_of(pf)->key[oh->ah && !oh->esp ? 2 : 1],
			                      ch->rekey_time, ours ? ours : "default", pair,
			                      peer_row(pf, pair->conn, pair->child, false)});
		}
	}
	if (any_pair) {
		const char *what;
		int64_t due = next_ike(c, &what);

		compare(r, pf,
		        &(struct cmp){FORESEE_IKE_REKEY, c->name, c->name, what,
		                      words_of(pf)->key[0], due,
		                      oc->proposals ? oc->proposals : "default", any_pair,
		                      peer_row(pf, any_pair->conn, "", true)});
	}
}
