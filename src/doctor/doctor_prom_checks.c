// SPDX-License-Identifier: Apache-2.0
/*
 * Why a Prometheus could not be used (see doctor_prom_checks.h). Scores as the peer_* ones:
 * below every fault, above the facts, so that it is read next to the verdict it weakens.
 */
#include "doctor/doctor_prom_checks.h"

#define SCORE 35

struct doctor_finding *doctor_prom_finding(struct doctor_report *r,
                                           const struct doctor_peer_facts *p,
                                           const struct doctor_conn_facts *c, const char *peer_name)
{
	const enum doctor_severity w = DOCTOR_SEV_WARN;
	struct doctor_finding *x;

	switch (p->status) {
	case DOCTOR_PEER_UNREACHABLE:
		return doctor_add(r, "prometheus_unreachable", c->name, w, SCORE,
		                  "Prometheus at %s could not be reached", p->url);
	case DOCTOR_PEER_TIMEOUT:
		return doctor_add(r, "prometheus_timeout", c->name, w, SCORE,
		                  "Prometheus at %s did not answer within the timeout", p->url);
	case DOCTOR_PEER_AUTH:
		return doctor_add(
		    r, "prometheus_auth", c->name, w, SCORE,
		    "Prometheus at %s refused us (HTTP %ld): check --prometheus.user, "
		    "--prometheus.password-file and the TLS files",
		    p->url, p->http_status);
	case DOCTOR_PEER_HTTP:
		return doctor_add(r, "prometheus_http", c->name, w, SCORE,
		                  "Prometheus at %s answered HTTP %ld", p->url, p->http_status);
	case DOCTOR_PEER_OVERSIZED:
		return doctor_add(r, "prometheus_oversized", c->name, w, SCORE,
		                  "the answer of Prometheus at %s is too large: not read", p->url);
	case DOCTOR_PEER_MALFORMED:
		return doctor_add(r, "prometheus_malformed", c->name, w, SCORE,
		                  "%s does not answer as Prometheus' HTTP API", p->url);
	case DOCTOR_PEER_API_ERROR:
		return doctor_add(r, "prometheus_error", c->name, w, SCORE,
		                  "Prometheus at %s answered our query with an error", p->url);
	case DOCTOR_PEER_NOT_IKEWATCH:
		return doctor_add(r, "prometheus_not_ikewatch", c->name, w, SCORE,
		                  "the target %s that holds %s's end in Prometheus is not an "
		                  "ikewatch (no ikewatch_build_info): its counters are not used",
		                  p->peer_target, peer_name);
	case DOCTOR_PEER_NO_SELF:
		x = doctor_add(r, "prometheus_no_self", c->name, w, SCORE,
		               "Prometheus at %s has no series of this gateway's CHILD SA: both "
		               "ends' counters cannot be compared",
		               p->url);
		doctor_next(x, "is this gateway's ikewatch scraped by it? name its target with "
		               "--prometheus.instance");
		return x;
	case DOCTOR_PEER_NO_MATCH:
		x = doctor_add(r, "prometheus_no_peer", c->name, w, SCORE + 1,
		               "Prometheus at %s has no series of %s's end of our CHILD SA (paired "
		               "by SPI): %s's ikewatch is not scraped, or the series there are "
		               "another gateway's",
		               p->url, peer_name, peer_name);
		doctor_next(x, "check that Prometheus scrapes %s's ikewatch", peer_name);
		doctor_next(x, "compare swanctl --list-sas on both gateways (SPIs in/out)");
		return x;
	case DOCTOR_PEER_NO_COUNTERS:
		return doctor_add(r, "prometheus_no_counters", c->name, w, SCORE,
		                  "Prometheus at %s pairs %s with our CHILD SA but holds no packet "
		                  "counters for it",
		                  p->url, p->peer_target);
	case DOCTOR_PEER_REKEYED:
		return doctor_add(r, "prometheus_sa_changed", c->name, DOCTOR_SEV_INFO, 20,
		                  "the paired CHILD SA changed during the probe run (a rekey?): "
		                  "Prometheus' counters are not used; run doctor again");
	case DOCTOR_PEER_STALE:
		x = doctor_add(r, "prometheus_stale", c->name, w, SCORE,
		               "Prometheus at %s has no scrape of both ends around the probe run: "
		               "its counters are not used",
		               p->url);
		doctor_next(x, "a longer --prometheus.wait (at least the scrape interval)");
		return x;
	default:
		return NULL;
	}
}
