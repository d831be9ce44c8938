// SPDX-License-Identifier: Apache-2.0
/*
 * Reading a peer's exposition into a peer_view (see doctor_peer.h). Only the families doctor
 * reasons with are looked at; everything else the peer serves is ignored.
 */
#include "doctor/doctor_peer.h"

#include "common/num.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int peer_parse_spi(const char *text, uint32_t *ret)
{
	uint64_t v;
	size_t len;

	if (!text)
		return -EINVAL;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	len = strlen(text);
	if (len == 0 || len > 8 || num_parse_hex_u64(text, len, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

void peer_view_build(const struct prom_scrape *s, struct peer_view *v)
{
	v->is_ikewatch = false;
	v->version = NULL;
	v->ipsec_up = (struct peer_counter){0};
	v->n_children = 0;
	v->skipped = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct prom_parsed_sample *p = &s->samples[i];

		if (strcmp(p->name, "ikewatch_build_info") == 0) {
			v->is_ikewatch = true;
			v->version = prom_sample_label(p, "version");
		} else if (strcmp(p->name, "ipsec_up") == 0) {
			v->ipsec_up = (struct peer_counter){true, p->value};
		} else if (strcmp(p->name, "ipsec_child_sa_info") == 0) {
			struct peer_child c = {
			    .conn = prom_sample_label(p, "conn"),
			    .child = prom_sample_label(p, "child"),
			};

			if (!c.conn || !c.child || v->n_children == PEER_CHILDREN_MAX ||
			    peer_parse_spi(prom_sample_label(p, "spi_in"), &c.spi_in) < 0 ||
			    peer_parse_spi(prom_sample_label(p, "spi_out"), &c.spi_out) < 0) {
				v->skipped++;
				continue;
			}
			v->children[v->n_children++] = c;
		}
	}
}

const struct peer_child *peer_view_match(const struct peer_view *v, uint32_t our_spi_in,
                                         uint32_t our_spi_out)
{
	for (size_t i = 0; i < v->n_children; i++)
		if (v->children[i].spi_in == our_spi_out && v->children[i].spi_out == our_spi_in)
			return &v->children[i];
	return NULL;
}

static bool label_is(const struct prom_parsed_sample *p, const char *label, const char *value)
{
	const char *l;

	if (!label)
		return true;
	l = prom_sample_label(p, label);
	return l && strcmp(l, value) == 0;
}

struct peer_counter peer_sum(const struct prom_scrape *s, const char *name, const char *label1,
                             const char *value1, const char *label2, const char *value2)
{
	struct peer_counter c = {0};

	for (size_t i = 0; i < s->n; i++) {
		const struct prom_parsed_sample *p = &s->samples[i];

		if (strcmp(p->name, name) != 0 || !label_is(p, label1, value1) ||
		    !label_is(p, label2, value2))
			continue;
		c.known = true;
		c.v += p->value;
	}
	return c;
}

void peer_probes_read(const struct prom_scrape *s, const char *conn, const char *child,
                      struct peer_probes *ret)
{
	*ret = (struct peer_probes){0};
	for (size_t i = 0; i < s->n; i++) {
		const struct prom_parsed_sample *p = &s->samples[i];
		const char *t;

		if (strncmp(p->name, "ipsec_probe_", 12) != 0 || !label_is(p, "conn", conn) ||
		    !label_is(p, "child", child))
			continue;
		if (strcmp(p->name + 12, "sent_total") == 0) {
			ret->sent += p->value;
		} else if (strcmp(p->name + 12, "received_total") == 0) {
			ret->received += p->value;
		} else if (strcmp(p->name + 12, "success") == 0) {
			ret->known = true;
			ret->succeeding += p->value;
			ret->streams++;
			t = prom_sample_label(p, "target");
			if (t && !ret->target[0])
				snprintf(ret->target, sizeof(ret->target), "%s", t);
		}
	}
	/* a stream needs all three, as counts */
	if (!(ret->sent >= 0 && ret->sent <= 9.0e15 && ret->received >= 0 &&
	      ret->received <= 9.0e15 && ret->succeeding >= 0 && ret->succeeding <= ret->streams))
		*ret = (struct peer_probes){0};
}

/* A count as a counter holds it; NaN, negative or beyond exact doubles is no count. */
static bool count_ok(double v)
{
	return v >= 0 && v <= 9.0e15;
}

void peer_reflector_read(const struct prom_scrape *s, const char *sender,
                         struct peer_reflector *ret)
{
	const char *fam = "ipsec_reflector_sender_packets_total";
	struct peer_counter row, refl, total;

	*ret = (struct peer_reflector){0};
	if (!sender)
		return;
	total = peer_sum(s, "ipsec_reflector_packets_total", NULL, NULL, NULL, NULL);
	row = peer_sum(s, fam, "sender", sender, NULL, NULL);
	refl = peer_sum(s, fam, "sender", sender, "result", "reflected");
	if (!total.known || !count_ok(total.v))
		return;
	ret->total = total.v;
	if (!row.known) {
		ret->state = PEER_REFL_NO_ROW;
		return;
	}
	if (!count_ok(row.v) || (refl.known && !count_ok(refl.v)))
		return;
	ret->state = PEER_REFL_ROW;
	ret->rx = row.v;
	ret->reflected = refl.known ? refl.v : 0;
}

bool peer_reflector_delta(const struct peer_reflector *before, const struct peer_reflector *after,
                          uint64_t *ret_rx, uint64_t *ret_reflected)
{
	double rx0 = 0, refl0 = 0;

	if (before->state == PEER_REFL_NONE || after->state == PEER_REFL_NONE ||
	    after->total < before->total)
		return false; /* no reflector, or it restarted */
	if (after->state == PEER_REFL_NO_ROW) {
		/* nothing of ours reflected; none received only if nobody's packet arrived */
		if (after->total != before->total)
			return false;
		*ret_rx = *ret_reflected = 0;
		return true;
	}
	if (before->state == PEER_REFL_ROW) {
		rx0 = before->rx;
		refl0 = before->reflected;
	}
	/* a row that appeared during the run holds everything of ours since its first packet */
	if (after->rx < rx0 || after->reflected < refl0)
		return false;
	*ret_rx = (uint64_t)(after->rx - rx0);
	*ret_reflected = (uint64_t)(after->reflected - refl0);
	return true;
}
