// SPDX-License-Identifier: Apache-2.0
/*
 * Parsers of whack's text (see lsw_parse.h). Every line is cut into spans bounded by its length;
 * numbers go through num.h; a line that does not have the shape a rule expects is skipped.
 *
 * Shapes (Libreswan 4.10 as recorded in tests/fixtures/libreswan/, and 5.x without the prefix):
 *   000 pluto_version=4.10, pluto_vendorid=OE-Libreswan-4.10, audit-log=yes
 *   000 "a-b": 203.0.113.0/25===192.0.2.1[@gw-a.lab]...198.51.100.1[@gw-b.lab]===203.0.113.128/25;
 * unrouted; ... 000 "a-b":   ike_life: 28800s; ipsec_life: 28800s; ... 000 "a-b":   our idtype:
 * ID_FQDN; our id=@gw-a.lab; their idtype: ID_FQDN; their id=@gw-b.lab 000 "a-b":   policy:
 * IKEv2+PSK+ENCRYPT+TUNNEL+... 000 "a-b":   IKEv2 algorithm newest:
 * AES_CBC_128-HMAC_SHA2_256-MODP2048 000 "a-b":   ESP algorithm newest:
 * AES_CBC_128-HMAC_SHA2_256_128; pfsgroup=<Phase1> 000 #4: "a-b":4500 STATE_V2_ESTABLISHED_IKE_SA
 * (established IKE SA); REKEY in 28146s; REPLACE in 28794s; newest; idle; #2: "a-b":4500
 * ESTABLISHED_CHILD_SA (established Child SA); REKEY in 27946s; REPLACE in 28800s; newest; eroute
 * owner; IKE SA #1; idle; #2: "a-b" esp.c0ffee01@198.51.100.1 esp.2c0ffee0@192.0.2.1
 * tun.0@198.51.100.1 tun.0@192.0.2.1 Traffic: ESPin=0B ESPout=0B ESPmax=2^63B 006 #2: "a-b",
 * type=ESP, add_time=1764994000, inBytes=168, outBytes=168, maxBytes=2^63B, id='@gw-b.lab'
 */
#include "libreswan/lsw_parse.h"

#include "common/array.h"
#include "common/limits.h"
#include "common/num.h"
#include "libreswan/lsw_proposals.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct span {
	const char *p;
	size_t len;
};

/* One line at a time: *pos advances past the newline. false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos, struct span *ret)
{
	const char *p, *nl;
	size_t n;

	if (*pos >= len)
		return false;
	p = text + *pos;
	nl = memchr(p, '\n', len - *pos);
	n = nl ? (size_t)(nl - p) : len - *pos;
	*pos += n + (nl ? 1 : 0);
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	/* whack's numeric prefix of 4.x ("000 ", "006 ") */
	if (n >= 4 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
	    p[2] <= '9' && p[3] == ' ') {
		p += 4;
		n -= 4;
	}
	if (n > LOGLINE_MAX)
		n = LOGLINE_MAX;
	ret->p = p;
	ret->len = n;
	return true;
}

static const char *find(struct span l, const char *lit)
{
	size_t n = strlen(lit);

	return l.p && l.len >= n ? memmem(l.p, l.len, lit, n) : NULL;
}

static const char *span_end(struct span l)
{
	return l.p + l.len;
}

/* The bytes from @p up to (not including) the first of @stops, or the end of @l. */
static struct span until(struct span l, const char *p, const char *stops)
{
	const char *e = span_end(l), *q = p;
	size_t n = strlen(stops);

	/* memchr, not strchr: a NUL in the input is a byte like any other, not a stop */
	while (q < e && !memchr(stops, *q, n))
		q++;
	return (struct span){p, (size_t)(q - p)};
}

static const char *dup(struct sa_snapshot *s, struct span v)
{
	size_t n = v.len > LABEL_VALUE_MAX ? LABEL_VALUE_MAX : v.len;
	const char *r = arena_strndup(&s->arena, v.p ? v.p : "", v.p ? n : 0);

	return r ? r : "";
}

/* The unsigned number right after the literal @lit in @l ("REKEY in 28146s"). */
static int num_after(struct span l, const char *lit, uint64_t *ret)
{
	const char *p = find(l, lit);
	struct span d;

	if (!p)
		return -ENOENT;
	p += strlen(lit);
	d = until(l, p, "s;, ");
	return num_parse_u64(d.p, d.len, INT64_MAX, ret);
}

/* "\"name\"" at the start of @l (after @skip bytes): the name, *ret_after past the quote. */
static int quoted_name(struct span l, size_t skip, struct span *ret, const char **ret_after)
{
	const char *p = l.p + skip, *e = span_end(l), *q;

	if (skip >= l.len || *p != '"')
		return -EBADMSG;
	q = memchr(p + 1, '"', (size_t)(e - p - 1));
	if (!q || q == p + 1)
		return -EBADMSG;
	*ret = (struct span){p + 1, (size_t)(q - p - 1)};
	*ret_after = q + 1;
	return 0;
}

/* "#N: " at the start of @l: N, and the offset after ": ". */
static int state_serial(struct span l, uint64_t *ret, size_t *ret_off)
{
	size_t i = 1;

	if (l.len < 4 || l.p[0] != '#')
		return -EBADMSG;
	while (i < l.len && l.p[i] >= '0' && l.p[i] <= '9')
		i++;
	if (i == 1 || i + 1 >= l.len || l.p[i] != ':' || l.p[i + 1] != ' ')
		return -EBADMSG;
	if (num_parse_u64(l.p + 1, i - 1, UINT32_MAX, ret) < 0)
		return -EBADMSG;
	*ret_off = i + 2;
	return 0;
}

/* What pluto's --status says about one connection beyond what snap_conn holds. */
struct conn_extra {
	struct span name, local_host, remote_host, local_ts, remote_ts, local_id, remote_id;
	struct span ike_alg, esp_alg, version;
	uint64_t ike_life, ipsec_life;
	uint32_t snap; /* its index in s->conns, UINT32_MAX when dropped there */
};

struct parse {
	struct sa_snapshot *s;
	struct conn_extra *conns;
	size_t n_conns, cap_conns;
};

static struct conn_extra *conn_find(struct parse *ps, struct span name)
{
	for (size_t i = ps->n_conns; i-- > 0;)
		if (ps->conns[i].name.len == name.len &&
		    memcmp(ps->conns[i].name.p, name.p, name.len) == 0)
			return &ps->conns[i];
	return NULL;
}

/* The main line of a connection: "LOCAL_TS===LOCAL[ID]...REMOTE[ID]===REMOTE_TS; ...". */
static int conn_main(struct parse *ps, struct span name, struct span rest)
{
	struct span body = until(rest, rest.p, ";");
	const char *dots = find(body, "..."), *eq;
	struct conn_extra *x;
	struct snap_conn *c;
	struct span left, right;

	if (!dots)
		return 0;
	if (ARRAY_GROW(ps->conns, ps->n_conns, ps->cap_conns, 16, EXPORT_CONNS_MAX) < 0)
		return ps->n_conns >= EXPORT_CONNS_MAX ? 0 : -ENOMEM;
	x = &ps->conns[ps->n_conns++];
	memset(x, 0, sizeof(*x));
	x->name = name;
	x->snap = UINT32_MAX;
	left = (struct span){body.p, (size_t)(dots - body.p)};
	right = (struct span){dots + 3, (size_t)(span_end(body) - dots - 3)};
	/* left: [TS===]HOST[<ID>][---NEXTHOP] */
	eq = find(left, "===");
	if (eq) {
		x->local_ts = (struct span){left.p, (size_t)(eq - left.p)};
		left = (struct span){eq + 3, (size_t)(span_end(left) - eq - 3)};
	}
	x->local_host = until(left, left.p, "[<-:");
	/* right: [NEXTHOP---]HOST[<ID>][===TS] */
	eq = find(right, "---");
	if (eq)
		right = (struct span){eq + 3, (size_t)(span_end(right) - eq - 3)};
	x->remote_host = until(right, right.p, "[<=:");
	eq = find(right, "===");
	if (eq)
		x->remote_ts = (struct span){eq + 3, (size_t)(span_end(right) - eq - 3)};
	c = NULL;
	if (array_reserve_u32((void **)&ps->s->conns, sizeof(*ps->s->conns), ps->s->n_conns, 1,
	                      &ps->s->cap_conns, 16, EXPORT_CONNS_MAX) == 0)
		c = &ps->s->conns[ps->s->n_conns++];
	if (!c) {
		ps->s->dropped++;
		return 0;
	}
	memset(c, 0, sizeof(*c));
	x->snap = ps->s->n_conns - 1;
	c->name = dup(ps->s, name);
	c->version = "IKEv2";
	c->remote_addrs = dup(ps->s, x->remote_host);
	c->rekey_time = SNAP_NONE;
	/* pluto's connection is one IKE SA config and one CHILD SA config under the same name */
	c->children = arena_alloc(&ps->s->arena, sizeof(*c->children));
	c->children_remote_ts = arena_alloc(&ps->s->arena, sizeof(*c->children_remote_ts));
	c->children_rekey_time = arena_alloc(&ps->s->arena, sizeof(*c->children_rekey_time));
	if (!c->children || !c->children_remote_ts || !c->children_rekey_time)
		return -ENOMEM;
	c->children[0] = c->name;
	c->children_remote_ts[0] = dup(ps->s, x->remote_ts.p ? x->remote_ts : x->remote_host);
	c->children_rekey_time[0] = SNAP_NONE;
	c->n_children = 1;
	return 0;
}

static bool retx_fields(struct span rest, struct sa_retx_timing *ret);

/* The indented detail lines of a connection. */
static void conn_detail(struct parse *ps, struct span name, struct span rest)
{
	struct conn_extra *x = conn_find(ps, name);
	const char *p;

	if (!x)
		return;
	/* its retransmission schedule, for peer_silent (exporter/sa_foresee.h) */
	if (x->snap != UINT32_MAX && find(rest, "retransmit-interval:"))
		(void)retx_fields(rest, &ps->s->conns[x->snap].retx);
	(void)num_after(rest, "ike_life: ", &x->ike_life);
	(void)num_after(rest, "ipsec_life: ", &x->ipsec_life);
	if ((p = find(rest, "our id=")))
		x->local_id = until(rest, p + 7, ";");
	if ((p = find(rest, "their id=")))
		x->remote_id = until(rest, p + 9, ";");
	if ((p = find(rest, "policy: IKEv1")))
		x->version = (struct span){"IKEv1", 5};
	else if ((p = find(rest, "policy: IKEv2")))
		x->version = (struct span){"IKEv2", 5};
	if ((p = find(rest, "IKEv2 algorithm newest: ")))
		x->ike_alg = until(rest, p + 24, "; ");
	else if ((p = find(rest, "IKE algorithm newest: ")))
		x->ike_alg = until(rest, p + 22, "; ");
	if ((p = find(rest, "ESP algorithm newest: ")))
		x->esp_alg = until(rest, p + 22, "; ");
}

/* "A-B-C" -> the @i-th part ("" when absent). */
static struct span alg_part(struct span alg, unsigned i)
{
	const char *p = alg.p, *e;

	if (!p)
		return (struct span){NULL, 0};
	e = span_end(alg);
	for (; i; i--) {
		p = memchr(p, '-', (size_t)(e - p));
		if (!p)
			return (struct span){NULL, 0};
		p++;
	}
	return until(alg, p, "-");
}

/* The state name after the connection's "name"[inst] [addr]:port: the first token followed
 * by " (", with its 4.x prefix removed. */
static int state_name(struct span l, const char *after_quote, struct span *ret,
                      const char **ret_rest)
{
	const char *e = span_end(l), *p = after_quote;

	while (p < e) {
		struct span tok;

		while (p < e && *p == ' ')
			p++;
		tok = until(l, p, " ");
		if (tok.len && span_end(tok) + 1 < e && span_end(tok)[1] == '(') {
			const char *t = tok.p;
			size_t n = tok.len;

			if (n > 9 && memcmp(t, "STATE_V2_", 9) == 0)
				t += 9, n -= 9;
			else if (n > 6 && memcmp(t, "STATE_", 6) == 0)
				t += 6, n -= 6;
			*ret = (struct span){t, n};
			*ret_rest = span_end(tok);
			return 0;
		}
		p = tok.len ? span_end(tok) : p + 1;
	}
	return -EBADMSG;
}

static bool span_is(struct span a, const char *lit)
{
	return a.len == strlen(lit) && memcmp(a.p, lit, a.len) == 0;
}

static bool span_has(struct span a, const char *lit)
{
	return find(a, lit) != NULL;
}

/* pluto's state -> charon's word where the meaning is the same. */
static const char *ike_state_word(struct sa_snapshot *s, struct span st)
{
	if (span_has(st, "ESTABLISHED_IKE_SA") || span_is(st, "MAIN_I4") ||
	    span_is(st, "MAIN_R3") || span_is(st, "AGGR_I2") || span_is(st, "AGGR_R2"))
		return "ESTABLISHED";
	if (span_has(st, "PARENT_") || span_has(st, "IKE_SA_INIT") || span_has(st, "IKE_AUTH") ||
	    span_has(st, "MAIN_") || span_has(st, "AGGR_") || span_has(st, "INTERMEDIATE"))
		return "CONNECTING";
	return dup(s, st);
}

static bool is_child_state(struct span st)
{
	return span_has(st, "CHILD") || span_has(st, "QUICK_") || span_has(st, "IPSEC");
}

struct pending_child {
	uint32_t ike;
	struct snap_child c;
};

static int state_line(struct parse *ps, struct span l, struct pending_child **kids, size_t *n_kids,
                      size_t *cap_kids)
{
	struct sa_snapshot *s = ps->s;
	struct span name, st;
	const char *after, *rest_p;
	struct conn_extra *x;
	uint64_t serial, rekey, replace, parent;
	size_t off;
	bool has_rekey, has_replace;

	if (state_serial(l, &serial, &off) < 0 || quoted_name(l, off, &name, &after) < 0 ||
	    state_name(l, after, &st, &rest_p) < 0)
		return 0;
	struct span rest = {rest_p, (size_t)(span_end(l) - rest_p)};
	x = conn_find(ps, name);
	has_rekey = num_after(rest, "REKEY in ", &rekey) == 0;
	has_replace = num_after(rest, "REPLACE in ", &replace) == 0;
	if (is_child_state(st)) {
		struct pending_child *k;

		if (num_after(rest, "IKE SA #", &parent) < 0 &&
		    num_after(rest, "ISAKMP SA #", &parent) < 0)
			return 0;
		if (ARRAY_GROW(*kids, *n_kids, *cap_kids, 16, EXPORT_CHILDREN_MAX) < 0) {
			if (*n_kids >= EXPORT_CHILDREN_MAX) {
				s->dropped++;
				return 0;
			}
			return -ENOMEM;
		}
		k = &(*kids)[(*n_kids)++];
		memset(k, 0, sizeof(*k));
		k->ike = (uint32_t)parent;
		k->c.name = dup(s, name);
		k->c.uniqueid = (uint32_t)serial;
		k->c.state = span_has(st, "ESTABLISHED") || span_is(st, "QUICK_I2") ||
		                     span_is(st, "QUICK_R2")
		                 ? "INSTALLED"
		                 : dup(s, st);
		k->c.mode =
		    span_has(rest, "tunnel") || !x || x->local_ts.p ? "TUNNEL" : "TRANSPORT";
		k->c.protocol = "ESP";
		k->c.spi_in = k->c.spi_out = "";
		k->c.encr = x ? dup(s, alg_part(x->esp_alg, 0)) : "";
		k->c.integ = x ? dup(s, alg_part(x->esp_alg, 1)) : "";
		k->c.dh_group = x ? dup(s, alg_part(x->esp_alg, 2)) : "";
		k->c.local_ts = x ? dup(s, x->local_ts.p ? x->local_ts : x->local_host) : "";
		k->c.remote_ts = x ? dup(s, x->remote_ts.p ? x->remote_ts : x->remote_host) : "";
		k->c.use_in = k->c.use_out = SNAP_NONE;
		k->c.rekey_time = has_rekey ? (int64_t)rekey : SNAP_NONE;
		k->c.life_time = has_replace ? (int64_t)replace : SNAP_NONE;
		/* until --trafficstatus says when it was added: lifetime minus time to expiry */
		k->c.install_time = x && x->ipsec_life && has_replace && x->ipsec_life >= replace
		                        ? (int64_t)(x->ipsec_life - replace)
		                        : SNAP_NONE;
		if (!k->c.name[0] || !k->c.state[0])
			return -ENOMEM;
		return 0;
	}
	struct snap_ike *ike = NULL;

	if (array_reserve_u32((void **)&s->ikes, sizeof(*s->ikes), s->n_ikes, 1, &s->cap_ikes, 16,
	                      EXPORT_CHILDREN_MAX) == 0)
		ike = &s->ikes[s->n_ikes++];
	if (!ike) {
		s->dropped++;
		return 0;
	}
	memset(ike, 0, sizeof(*ike));
	ike->conn = dup(s, name);
	ike->uniqueid = (uint32_t)serial;
	ike->state = ike_state_word(s, st);
	ike->version = x && x->version.p ? dup(s, x->version) : "IKEv2";
	ike->local_host = x ? dup(s, x->local_host) : "";
	ike->remote_host = x ? dup(s, x->remote_host) : "";
	ike->local_id = x ? dup(s, x->local_id) : "";
	ike->remote_id = x ? dup(s, x->remote_id) : "";
	ike->encr = x ? dup(s, alg_part(x->ike_alg, 0)) : "";
	ike->integ = ike->prf = x ? dup(s, alg_part(x->ike_alg, 1)) : "";
	ike->dh_group = x ? dup(s, alg_part(x->ike_alg, 2)) : "";
	ike->nat = "none";
	/* pluto shows no age: an IKE SA is replaced ike_life after it was established */
	ike->established = x && x->ike_life && has_replace && x->ike_life >= replace &&
	                           strcmp(ike->state, "ESTABLISHED") == 0
	                       ? (int64_t)(x->ike_life - replace)
	                       : SNAP_NONE;
	ike->rekey_time = has_rekey ? (int64_t)rekey : SNAP_NONE;
	ike->reauth_time = SNAP_NONE;
	return 0;
}

/* One "PROTO.SPI@ADDR" token ("PROTO:SPI@ADDR" when ADDR is IPv6): its protocol word and hex
 * SPI. false for anything else (the instance's address, "Traffic:", "ESPin=0B", ...). */
static bool said(struct span tok, struct span *ret_proto, struct span *ret_spi)
{
	const char *at = memchr(tok.p, '@', tok.len), *p = tok.p;

	if (!at)
		return false;
	while (p < at && *p >= 'a' && *p <= 'z')
		p++;
	if (p == tok.p || p == at || (*p != '.' && *p != ':'))
		return false;
	*ret_proto = (struct span){tok.p, (size_t)(p - tok.p)};
	*ret_spi = (struct span){p + 1, (size_t)(at - p - 1)};
	if (ret_spi->len == 0 || ret_spi->len > 8)
		return false;
	for (size_t i = 0; i < ret_spi->len; i++)
		if (!memchr("0123456789abcdefABCDEF", ret_spi->p[i], 22))
			return false;
	return true;
}

/* "#N: "name"[inst] [used Ss ago;] SAID SAID ... Traffic: ...": the SPIs of a CHILD state
 * listed before. Per protocol of the SA bundle (ah, esp, comp; then tun in tunnel mode) pluto
 * prints the outbound SA (at the peer's address), then the inbound one (at ours); the CHILD
 * SA's SPIs are its ESP pair, or its AH pair when it has no ESP. "used Ss ago" is the last
 * outbound traffic pluto noticed. */
static void spi_line(struct sa_snapshot *s, struct pending_child *kids, size_t n_kids,
                     struct span l)
{
	struct span name, esp[2] = {{0}}, ah[2] = {{0}}, rest;
	unsigned n_esp = 0, n_ah = 0;
	const char *after, *e = span_end(l), *p, *first_said = NULL;
	struct snap_child *c = NULL;
	uint64_t serial, used;
	size_t off;

	if (state_serial(l, &serial, &off) < 0 || quoted_name(l, off, &name, &after) < 0)
		return;
	for (size_t i = 0; i < n_kids && !c; i++)
		if (kids[i].c.uniqueid == serial)
			c = &kids[i].c;
	if (!c)
		return;
	rest = (struct span){after, (size_t)(e - after)};
	for (p = after; p < e;) {
		struct span tok = until(rest, p, " "), proto, spi;

		if (tok.len == 8 && memcmp(tok.p, "Traffic:", 8) == 0)
			break;
		if (tok.len && said(tok, &proto, &spi)) {
			if (!first_said)
				first_said = tok.p;
			if (span_is(proto, "esp") && n_esp < 2)
				esp[n_esp++] = spi;
			else if (span_is(proto, "ah") && n_ah < 2)
				ah[n_ah++] = spi;
		}
		p = span_end(tok) + (span_end(tok) < e);
	}
	if (n_esp < 2 && n_ah == 2) {
		esp[0] = ah[0];
		esp[1] = ah[1];
		n_esp = 2;
		c->protocol = "AH";
	}
	if (n_esp == 2) {
		c->spi_out = dup(s, esp[0]);
		c->spi_in = dup(s, esp[1]);
	}
	/* before the SAIDs only: the line ends with "username=..." of XAUTH, the peer's word */
	if (first_said &&
	    num_after((struct span){after, (size_t)(first_said - after)}, " used ", &used) == 0)
		c->use_out = (int64_t)used;
}

/* The value of "@key" up to ", " in @l into @out; nothing when absent or too long. A key is
 * only taken where it starts the line's text or follows ", " (not inside another key). */
static void take_field(struct span l, const char *key, char *out, size_t cap)
{
	const char *p = find(l, key);
	struct span v;

	if (!p || (p > l.p && p[-1] != ' '))
		return;
	v = until(l, p + strlen(key), ", ");
	if (v.len == 0 || v.len >= cap || memchr(v.p, '\0', v.len))
		return;
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
}

int lsw_parse_status(struct sa_snapshot *s, const char *text, size_t len, struct lsw_info *info)
{
	struct parse ps = {.s = s};
	struct pending_child *kids = NULL;
	size_t n_kids = 0, cap_kids = 0, pos = 0;
	struct span l;
	int err = 0;

	if (info)
		info->version[0] = info->configfile[0] = info->ipsecdir[0] = '\0';
	if (!text)
		len = 0;
	/* pass 1: the daemon and its connections (listed before the states) */
	while (err == 0 && next_line(text, len, &pos, &l)) {
		struct span name, rest;
		const char *after, *p;

		if (info && find(l, "configfile=")) {
			take_field(l, "configfile=", info->configfile, sizeof(info->configfile));
			take_field(l, "ipsecdir=", info->ipsecdir, sizeof(info->ipsecdir));
			continue;
		}
		if (info && (p = find(l, "pluto_version="))) {
			struct span v = until(l, p + 14, ", ");

			if (v.len < sizeof(info->version)) {
				memcpy(info->version, v.p, v.len);
				info->version[v.len] = '\0';
			}
			continue;
		}
		if (quoted_name(l, 0, &name, &after) < 0)
			continue;
		/* "name"[inst] ...: instances of a template share the template's settings */
		if (after >= span_end(l) || *after != ':')
			continue;
		rest = (struct span){after + 1, (size_t)(span_end(l) - after - 1)};
		if (rest.len >= 3 && memcmp(rest.p, "   ", 3) == 0)
			conn_detail(&ps, name, rest);
		else if (rest.len >= 2 && rest.p[0] == ' ' && rest.p[1] != ' ' &&
		         !conn_find(&ps, name))
			err = conn_main(&ps, name, (struct span){rest.p + 1, rest.len - 1});
	}
	/* pass 2: the states, after every connection's details are known */
	pos = 0;
	while (err == 0 && next_line(text, len, &pos, &l))
		if (l.len && l.p[0] == '#')
			err = state_line(&ps, l, &kids, &n_kids, &cap_kids);
	pos = 0;
	while (err == 0 && n_kids && next_line(text, len, &pos, &l))
		if (l.len && l.p[0] == '#')
			spi_line(s, kids, n_kids, l);
	/* CHILD SAs under their IKE SA; one whose IKE SA is not listed is not shown */
	for (uint32_t i = 0; err == 0 && i < s->n_ikes; i++) {
		struct snap_ike *ike = &s->ikes[i];
		uint32_t n = 0;

		for (size_t k = 0; k < n_kids; k++)
			n += kids[k].ike == ike->uniqueid;
		if (!n)
			continue;
		ike->children = arena_alloc(&s->arena, n * sizeof(*ike->children));
		if (!ike->children) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < n_kids; k++)
			if (kids[k].ike == ike->uniqueid)
				ike->children[ike->n_children++] = kids[k].c;
	}
	free(kids);
	free(ps.conns);
	return err;
}

void lsw_parse_traffic(struct sa_snapshot *s, const char *text, size_t len)
{
	size_t pos = 0;
	struct span l;

	if (!text)
		len = 0;
	while (next_line(text, len, &pos, &l)) {
		uint64_t serial, v;
		size_t off;

		if (state_serial(l, &serial, &off) < 0 || !find(l, "type="))
			continue;
		for (uint32_t i = 0; i < s->n_ikes; i++)
			for (uint32_t j = 0; j < s->ikes[i].n_children; j++) {
				struct snap_child *c = &s->ikes[i].children[j];

				if (c->uniqueid != serial)
					continue;
				if (num_after(l, "inBytes=", &v) == 0)
					c->totals.bytes_in = v;
				if (num_after(l, "outBytes=", &v) == 0)
					c->totals.bytes_out = v;
				/* add_time is seconds since the epoch */
				if (num_after(l, "add_time=", &v) == 0 && v > 0 &&
				    (double)v <= s->now)
					c->install_time = (int64_t)(s->now - (double)v);
			}
	}
}

/* "KEY: 500ms" / "KEY:60s" in @l: seconds, > 0. */
static int duration_after(struct span l, const char *key, double *ret)
{
	const char *p = find(l, key), *e = span_end(l);
	struct span d;
	uint64_t v;

	if (!p)
		return -ENOENT;
	p += strlen(key);
	while (p < e && *p == ' ')
		p++;
	d = until(l, p, "ms;, ");
	if (num_parse_u64(d.p, d.len, 1000000000, &v) < 0 || v == 0)
		return -EBADMSG;
	p = span_end(d);
	if (e - p >= 2 && p[0] == 'm' && p[1] == 's')
		*ret = (double)v / 1000.0;
	else if (p < e && *p == 's')
		*ret = (double)v;
	else
		return -EBADMSG;
	return 0;
}

/* "retransmit-interval: 500ms; retransmit-timeout: 60s;" of @rest into *ret, which starts as
 * pluto's defaults (what is absent or malformed keeps them); true when both were read. */
static bool retx_fields(struct span rest, struct sa_retx_timing *ret)
{
	bool interval = false, timeout = false;
	double v;

	*ret = SA_RETX_TIMING_PLUTO;
	if (duration_after(rest, "retransmit-interval:", &v) == 0) {
		ret->timeout = v;
		interval = true;
	}
	if (duration_after(rest, "retransmit-timeout:", &v) == 0) {
		ret->limit = v;
		timeout = true;
	}
	ret->configured = interval && timeout;
	return ret->configured;
}

int lsw_parse_retx(const char *text, size_t len, const char *conn, struct sa_retx_timing *ret)
{
	size_t pos = 0, n = strlen(conn);
	struct span l;

	*ret = SA_RETX_TIMING_PLUTO;
	if (!text)
		len = 0;
	while (next_line(text, len, &pos, &l)) {
		struct span name;
		const char *after;

		if (quoted_name(l, 0, &name, &after) < 0 || name.len != n ||
		    memcmp(name.p, conn, n) != 0 || after >= span_end(l) || *after != ':' ||
		    !find(l, "retransmit-interval:"))
			continue;
		(void)retx_fields((struct span){after, (size_t)(span_end(l) - after)}, ret);
		return 0;
	}
	return -ENOENT;
}

/* One connection's configured lists, as --status shows them. */
struct conf_lists {
	struct span name, ike, esp, ah;
	bool pfs;
};

/* @list converted (lsw_proposals.h), NULL when absent or not convertible; -ENOMEM. */
static int converted(bool ike, struct span list, const char *pfs_groups, char **ret)
{
	char out[SWANCTL_VALUE_MAX];

	*ret = NULL;
	if (!list.p ||
	    lsw_proposals_to_charon(ike, list.p, list.len, pfs_groups, out, sizeof(out)) < 0)
		return 0;
	return (*ret = strdup(out)) ? 0 : -ENOMEM;
}

int lsw_parse_proposals(const char *text, size_t len, struct swanctl_conf *ret)
{
	struct conf_lists *cl = NULL;
	size_t n = 0, cap = 0, pos = 0;
	struct span l;
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	if (!text)
		len = 0;
	while (err == 0 && next_line(text, len, &pos, &l)) {
		struct span name, rest;
		const char *after, *p;
		struct conf_lists *c = NULL;

		/* a name swanctl.conf could not hold either (SWANCTL_NAME_MAX) is not compared */
		if (quoted_name(l, 0, &name, &after) < 0 || after >= span_end(l) || *after != ':' ||
		    name.len >= SWANCTL_NAME_MAX || memchr(name.p, '\0', name.len))
			continue;
		rest = (struct span){after + 1, (size_t)(span_end(l) - after - 1)};
		for (size_t i = 0; i < n && !c; i++)
			if (cl[i].name.len == name.len &&
			    memcmp(cl[i].name.p, name.p, name.len) == 0)
				c = &cl[i];
		if (!c) {
			if (ARRAY_GROW(cl, n, cap, 16, SWANCTL_CONNS_MAX) < 0) {
				err = n >= SWANCTL_CONNS_MAX ? 0 : -ENOMEM;
				break;
			}
			c = &cl[n++];
			memset(c, 0, sizeof(*c));
			c->name = name;
		}
		if ((p = find(rest, "IKE algorithms: ")))
			c->ike = until(rest, p + 16, ";");
		else if ((p = find(rest, "ESP algorithms: ")))
			c->esp = until(rest, p + 16, ";");
		else if ((p = find(rest, "AH algorithms: ")))
			c->ah = until(rest, p + 15, ";");
		else if ((p = find(rest, "policy: ")))
			c->pfs = find(until(rest, p, ";"), "+PFS") != NULL;
	}
	if (err == 0 && n && !(ret->conns = calloc(n, sizeof(*ret->conns))))
		err = -ENOMEM;
	for (size_t i = 0; err == 0 && i < n; i++) {
		struct swanctl_conn *sc = &ret->conns[ret->n_conns++];
		char groups[256] = "";

		/* pfs=yes: a CHILD rekey without its own group uses the IKE SA's */
		if (cl[i].pfs && cl[i].ike.p)
			(void)lsw_proposals_groups(cl[i].ike.p, cl[i].ike.len, groups,
			                           sizeof(groups));
		if (!(sc->name = strndup(cl[i].name.p, cl[i].name.len)) ||
		    !(sc->children = calloc(1, sizeof(*sc->children))) ||
		    !(sc->children[0].name = strdup(sc->name))) {
			err = -ENOMEM;
			break;
		}
		sc->n_children = 1;
		if ((err = converted(true, cl[i].ike, NULL, &sc->proposals)) < 0 ||
		    (err = converted(false, cl[i].esp, groups, &sc->children[0].esp)) < 0 ||
		    (err = converted(false, cl[i].ah, groups, &sc->children[0].ah)) < 0)
			break;
	}
	free(cl);
	if (err < 0)
		swanctl_conf_done(ret);
	return err;
}

void lsw_global_init(struct lsw_global *g)
{
	memset(g, 0, sizeof(*g));
	arena_init(&g->arena);
}

void lsw_global_reset(struct lsw_global *g)
{
	arena_reset(&g->arena);
	g->n = 0;
}

void lsw_global_done(struct lsw_global *g)
{
	arena_done(&g->arena);
	free(g->counters);
	memset(g, 0, sizeof(*g));
}

int lsw_parse_global(struct lsw_global *g, const char *text, size_t len)
{
	size_t pos = 0;
	struct span l;

	if (!text)
		len = 0;
	while (next_line(text, len, &pos, &l)) {
		const char *eq = memchr(l.p, '=', l.len);
		uint64_t v;
		char *name;

		if (!eq || eq == l.p || (size_t)(eq - l.p) > LABEL_VALUE_MAX ||
		    memchr(l.p, ' ', (size_t)(eq - l.p)) ||
		    num_parse_u64(eq + 1, (size_t)(span_end(l) - eq - 1), UINT64_MAX, &v) < 0)
			continue;
		if (g->n >= LSW_GLOBAL_MAX)
			return 0;
		if (ARRAY_GROW(g->counters, g->n, g->cap, 64, LSW_GLOBAL_MAX) < 0)
			return -ENOMEM;
		name = arena_strndup(&g->arena, l.p, (size_t)(eq - l.p));
		if (!name)
			return -ENOMEM;
		g->counters[g->n].name = name;
		g->counters[g->n++].value = v;
	}
	return 0;
}

int lsw_global_get(const struct lsw_global *g, const char *name, uint64_t *ret)
{
	for (uint32_t i = 0; i < g->n; i++)
		if (strcmp(g->counters[i].name, name) == 0) {
			*ret = g->counters[i].value;
			return 0;
		}
	return -ENOENT;
}
