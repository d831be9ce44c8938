// SPDX-License-Identifier: Apache-2.0
/*
 * swanctl.conf's settings grammar, kept to the proposals (contract in swanctl_conf.h). One
 * hand-written scanner per file feeds one grammar state that lives in the parser, so an include
 * continues the statement and the section it stands in, as the flex/bison pair of charon does
 * (there the lexer switches buffers under the same parser). Values are scanned whether or not
 * they are kept; only the three proposal keys are ever copied.
 */
#include "swanctl/swanctl_conf.h"

#include "common/array.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A CHILD or connection section as met, with its references until they are resolved. */
struct p_child {
	struct swanctl_child c;
	char *refs[SWANCTL_REFS_MAX];
	unsigned n_refs;
};

struct p_conn {
	char *name;
	char *proposals;
	struct p_child *ch;
	size_t n_ch, cap_ch;
	char *refs[SWANCTL_REFS_MAX];
	unsigned n_refs;
};

/* What an open section is to us. */
enum p_sec {
	SEC_OTHER,       /* anything we skip, and everything under it */
	SEC_CONNECTIONS, /* connections */
	SEC_CONN,        /* connections.<conn> */
	SEC_CHILDREN,    /* connections.<conn>.children */
	SEC_CHILD,       /* connections.<conn>.children.<child> */
	SEC_CHARON,      /* charon (strongswan.conf) */
};

/* The settings of section charon that are kept (swanctl_conf.retransmit[]). */
static const char *const charon_keys[3] = {"retransmit_timeout", "retransmit_base",
                                           "retransmit_tries"};

enum p_state {
	ST_STMT,      /* at the start of a statement */
	ST_NAME,      /* after a NAME: '{', '=', ':' or a newline then '{' */
	ST_NAME_NL,   /* after NAME newline: '{' */
	ST_REFS,      /* after ':' or ',': a reference */
	ST_REFS_NAME, /* after a reference: ',' or '{' */
};

struct swanctl_parser {
	swanctl_include_fn include;
	void *ctx;
	enum p_sec sec[SWANCTL_NEST_MAX + 1];
	size_t sec_conn[SWANCTL_NEST_MAX + 1]; /* index of the conn for SEC_CONN.. */
	size_t sec_child[SWANCTL_NEST_MAX + 1];
	unsigned depth; /* open sections; sec[0] is the top level */
	enum p_state st;
	char name[SWANCTL_NAME_MAX];
	bool name_long; /* the pending NAME did not fit: fine unless we keep it */
	char *refs[SWANCTL_REFS_MAX];
	unsigned n_refs;
	unsigned files, feeding;
	bool spent;
	struct p_conn *conns;
	size_t n_conns, cap_conns, n_children;
	char *retransmit[3];
};

/* One file's scan. */
struct p_scan {
	struct swanctl_parser *p;
	const char *name, *s, *end;
	unsigned line;
	char *err;
	size_t errlen;
};

static int fail(struct p_scan *sc, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct p_scan *sc, int e, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(sc->err, sc->errlen, "%s:%u: %s", sc->name, sc->line, what);
	sc->p->spent = true;
	return e;
}

struct swanctl_parser *swanctl_parser_new(swanctl_include_fn include, void *ctx)
{
	struct swanctl_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->include = include;
	p->ctx = ctx;
	return p;
}

static void free_refs(char **refs, unsigned *n)
{
	for (unsigned i = 0; i < *n; i++)
		free(refs[i]);
	*n = 0;
}

static void free_conns(struct p_conn *conns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < conns[i].n_ch; j++) {
			free(conns[i].ch[j].c.name);
			free(conns[i].ch[j].c.esp);
			free(conns[i].ch[j].c.ah);
			free_refs(conns[i].ch[j].refs, &conns[i].ch[j].n_refs);
		}
		free(conns[i].ch);
		free(conns[i].name);
		free(conns[i].proposals);
		free_refs(conns[i].refs, &conns[i].n_refs);
	}
	free(conns);
}

void swanctl_parser_free(struct swanctl_parser *p)
{
	if (!p)
		return;
	free_refs(p->refs, &p->n_refs);
	free_conns(p->conns, p->n_conns);
	for (int i = 0; i < 3; i++)
		free(p->retransmit[i]);
	free(p);
}

static bool is_name_char(char c)
{
	return !strchr("#{}=:,\"\r\n\t ", c) && c != '\0';
}

static struct p_conn *find_conn(struct swanctl_parser *p, const char *name, size_t *ret_i)
{
	for (size_t i = 0; i < p->n_conns; i++) {
		if (strcmp(p->conns[i].name, name) == 0) {
			if (ret_i)
				*ret_i = i;
			return &p->conns[i];
		}
	}
	return NULL;
}

static struct p_child *find_child(struct p_conn *c, const char *name, size_t *ret_i)
{
	for (size_t i = 0; i < c->n_ch; i++) {
		if (strcmp(c->ch[i].c.name, name) == 0) {
			if (ret_i)
				*ret_i = i;
			return &c->ch[i];
		}
	}
	return NULL;
}

/* Adopt the pending references into @refs (a section met twice collects both lists). */
static int take_refs(struct p_scan *sc, char **refs, unsigned *n)
{
	struct swanctl_parser *p = sc->p;

	for (unsigned i = 0; i < p->n_refs; i++) {
		if (*n >= SWANCTL_REFS_MAX)
			return fail(sc, -E2BIG, "more than %d section references",
			            SWANCTL_REFS_MAX);
		refs[(*n)++] = p->refs[i];
		p->refs[i] = NULL;
	}
	p->n_refs = 0;
	return 0;
}

/* Open the section named p->name with the pending references. */
static int push(struct p_scan *sc)
{
	struct swanctl_parser *p = sc->p;
	enum p_sec up = p->sec[p->depth], now = SEC_OTHER;
	size_t ci = p->sec_conn[p->depth], hi = 0;
	int err = 0;

	if (p->depth >= SWANCTL_NEST_MAX)
		return fail(sc, -E2BIG, "sections nested deeper than %d", SWANCTL_NEST_MAX);
	if ((up == SEC_CONNECTIONS || up == SEC_CHILDREN) && p->name_long)
		return fail(sc, -E2BIG, "a section name longer than %d bytes",
		            SWANCTL_NAME_MAX - 1);
	if (p->depth == 0 && strcmp(p->name, "connections") == 0) {
		now = SEC_CONNECTIONS;
	} else if (p->depth == 0 && strcmp(p->name, "charon") == 0) {
		now = SEC_CHARON;
	} else if (up == SEC_CONNECTIONS) {
		struct p_conn *c = find_conn(p, p->name, &ci);

		if (!c) {
			err = ARRAY_GROW(p->conns, p->n_conns, p->cap_conns, 8, SWANCTL_CONNS_MAX);
			if (err == -E2BIG)
				return fail(sc, err, "more than %d connections", SWANCTL_CONNS_MAX);
			if (err < 0)
				return fail(sc, err, "out of memory");
			ci = p->n_conns;
			c = &p->conns[ci];
			memset(c, 0, sizeof(*c));
			c->name = strdup(p->name);
			if (!c->name)
				return fail(sc, -ENOMEM, "out of memory");
			p->n_conns++;
		}
		err = take_refs(sc, c->refs, &c->n_refs);
		now = SEC_CONN;
	} else if (up == SEC_CONN && strcmp(p->name, "children") == 0) {
		now = SEC_CHILDREN;
	} else if (up == SEC_CHILDREN) {
		struct p_conn *c = &p->conns[ci];
		struct p_child *h = find_child(c, p->name, &hi);

		if (!h) {
			if (p->n_children >= SWANCTL_CHILDREN_MAX)
				return fail(sc, -E2BIG, "more than %d CHILD configs",
				            SWANCTL_CHILDREN_MAX);
			err = ARRAY_GROW(c->ch, c->n_ch, c->cap_ch, 4, SWANCTL_CHILDREN_MAX);
			if (err < 0)
				return fail(sc, err, "out of memory");
			hi = c->n_ch;
			h = &c->ch[hi];
			memset(h, 0, sizeof(*h));
			h->c.name = strdup(p->name);
			if (!h->c.name)
				return fail(sc, -ENOMEM, "out of memory");
			c->n_ch++;
			p->n_children++;
		}
		err = take_refs(sc, h->refs, &h->n_refs);
		now = SEC_CHILD;
	}
	if (err < 0)
		return err;
	free_refs(p->refs, &p->n_refs); /* references of a section we skip */
	p->depth++;
	p->sec[p->depth] = now;
	p->sec_conn[p->depth] = ci;
	p->sec_child[p->depth] = hi;
	return 0;
}

/* Where a setting named p->name in the current section is kept, or NULL: skipped. */
static char **setting_slot(struct swanctl_parser *p)
{
	unsigned d = p->depth;

	if (p->name_long)
		return NULL;
	for (int i = 0; i < 3 && p->sec[d] == SEC_CHARON; i++)
		if (strcmp(p->name, charon_keys[i]) == 0)
			return &p->retransmit[i];
	if (p->sec[d] == SEC_CONN && strcmp(p->name, "proposals") == 0)
		return &p->conns[p->sec_conn[d]].proposals;
	if (p->sec[d] == SEC_CHILD) {
		struct p_child *h = &p->conns[p->sec_conn[d]].ch[p->sec_child[d]];

		if (strcmp(p->name, "esp_proposals") == 0)
			return &h->c.esp;
		if (strcmp(p->name, "ah_proposals") == 0)
			return &h->c.ah;
	}
	return NULL;
}

/* Append @n bytes to the kept value (when @out). */
static int put(struct p_scan *sc, char *out, size_t *len, const char *s, size_t n)
{
	if (!out)
		return 0;
	if (*len + n >= SWANCTL_VALUE_MAX)
		return fail(sc, -E2BIG, "a proposal list longer than %d bytes",
		            SWANCTL_VALUE_MAX - 1);
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* A "..." string from the opening quote at sc->s; appended to @out when kept. */
static int scan_string(struct p_scan *sc, char *out, size_t *len)
{
	sc->s++;
	while (sc->s < sc->end) {
		char c = *sc->s++;
		int err = 0;

		if (c == '"')
			return 0;
		if (c == '\r')
			continue;
		if (c == '\n') {
			sc->line++;
			err = put(sc, out, len, "\n", 1);
		} else if (c == '\\') {
			if (sc->s >= sc->end)
				break;
			c = *sc->s++;
			if (c == '\r' && sc->s < sc->end && *sc->s == '\n')
				c = *sc->s++;
			if (c == '\n') {
				sc->line++; /* an escaped end of line joins the lines */
				continue;
			}
			c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
			err = put(sc, out, len, &c, 1);
		} else {
			err = put(sc, out, len, &c, 1);
		}
		if (err < 0)
			return err;
	}
	return fail(sc, -EINVAL, "unterminated string");
}

/* The value after '=': words and strings up to a newline, '#' or '}' (left for the caller),
 * joined by one space. Kept in *@slot (NULL for an empty value) when @slot is set. */
static int scan_value(struct p_scan *sc, char **slot)
{
	char *out = NULL;
	size_t len = 0;
	unsigned parts = 0;
	int err = 0;

	if (slot) {
		out = malloc(SWANCTL_VALUE_MAX);
		if (!out)
			return fail(sc, -ENOMEM, "out of memory");
		out[0] = '\0';
	}
	while (sc->s < sc->end && err == 0) {
		char c = *sc->s;

		if (c == ' ' || c == '\t' || c == '\r') {
			sc->s++;
			continue;
		}
		if (c == '\n' || c == '#' || c == '}')
			break;
		if (parts++ > 0)
			err = put(sc, out, &len, " ", 1);
		if (err < 0)
			break;
		if (c == '"') {
			err = scan_string(sc, out, &len);
		} else {
			const char *w = sc->s;

			while (sc->s < sc->end && !strchr("#}\"\r\n\t ", *sc->s) && *sc->s != '\0')
				sc->s++;
			err = put(sc, out, &len, w, (size_t)(sc->s - w));
		}
	}
	if (err < 0 || !slot) {
		free(out);
		return err;
	}
	free(*slot);
	*slot = parts ? out : NULL;
	if (!parts)
		free(out);
	return 0;
}

/* After "include" and blanks: the pattern, then the file(s) it names, read in place. */
static int scan_include(struct p_scan *sc)
{
	char pat[4096];
	size_t len = 0;
	int err = 0;

	pat[0] = '\0';
	while (sc->s < sc->end && err == 0) {
		char c = *sc->s;

		if (c == '\r') {
			sc->s++;
			continue;
		}
		if (c == '\n' || c == '#' || c == '}')
			break;
		if (c == ' ' || c == '\t') {
			sc->s++;
			break;
		}
		if (c == '"') {
			/* a quoted pattern ends the include statement */
			char *q = malloc(SWANCTL_VALUE_MAX);
			size_t qlen = 0;

			if (!q)
				return fail(sc, -ENOMEM, "out of memory");
			q[0] = '\0';
			err = scan_string(sc, q, &qlen);
			if (err == 0 && len + qlen >= sizeof(pat))
				err = fail(sc, -E2BIG, "an include pattern longer than %zu bytes",
				           sizeof(pat) - 1);
			if (err == 0) {
				memcpy(pat + len, q, qlen + 1);
				len += qlen;
			}
			free(q);
			break;
		}
		if (c == '\\' && sc->s + 1 < sc->end && strchr("\"#} ", sc->s[1]) && sc->s[1])
			sc->s++; /* an escaped quote, '#', '}' or blank */
		if (len + 1 >= sizeof(pat))
			return fail(sc, -E2BIG, "an include pattern longer than %zu bytes",
			            sizeof(pat) - 1);
		pat[len++] = *sc->s++;
		pat[len] = '\0';
	}
	if (err < 0)
		return err;
	if (len == 0)
		return 0;
	if (!sc->p->include)
		return fail(sc, -EINVAL, "include is not allowed here");
	err = sc->p->include(sc->p->ctx, sc->p, sc->name, pat, sc->err, sc->errlen);
	if (err < 0)
		sc->p->spent = true;
	return err;
}

/* "include" followed by blanks and then not '=' starts an include statement. */
static bool at_include(const struct p_scan *sc)
{
	const char *s = sc->s + 7;

	if (sc->end - sc->s < 8 || memcmp(sc->s, "include", 7) != 0)
		return false;
	if (*s != ' ' && *s != '\t')
		return false;
	while (s < sc->end && (*s == ' ' || *s == '\t'))
		s++;
	return s < sc->end && *s != '=';
}

static int token(struct p_scan *sc, char t)
{
	struct swanctl_parser *p = sc->p;

	switch (p->st) {
	case ST_STMT:
		if (t == '\n')
			return 0;
		if (t == '}') {
			if (p->depth == 0)
				return fail(sc, -EINVAL, "'}' without a section to close");
			p->depth--;
			return 0;
		}
		break;
	case ST_NAME:
		if (t == '{') {
			p->st = ST_STMT;
			return push(sc);
		}
		if (t == ':') {
			p->st = ST_REFS;
			return 0;
		}
		if (t == '\n') {
			p->st = ST_NAME_NL;
			return 0;
		}
		if (t == '=') {
			p->st = ST_STMT;
			return scan_value(sc, setting_slot(p));
		}
		break;
	case ST_NAME_NL:
		/* charon's grammar allows one newline between a section's name and its '{' */
		if (t == '{') {
			p->st = ST_STMT;
			return push(sc);
		}
		break;
	case ST_REFS:
		break;
	case ST_REFS_NAME:
		if (t == ',') {
			p->st = ST_REFS;
			return 0;
		}
		if (t == '{') {
			p->st = ST_STMT;
			return push(sc);
		}
		break;
	}
	return fail(sc, -EINVAL, "syntax error");
}

static int name_token(struct p_scan *sc, const char *w, size_t n)
{
	struct swanctl_parser *p = sc->p;

	if (p->st == ST_STMT) {
		p->name_long = n >= sizeof(p->name);
		if (p->name_long)
			n = sizeof(p->name) - 1;
		memcpy(p->name, w, n);
		p->name[n] = '\0';
		p->st = ST_NAME;
		return 0;
	}
	if (p->st == ST_REFS) {
		if (p->n_refs >= SWANCTL_REFS_MAX)
			return fail(sc, -E2BIG, "more than %d section references",
			            SWANCTL_REFS_MAX);
		if (n >= SWANCTL_NAME_MAX * 4)
			return fail(sc, -E2BIG, "a section reference longer than %d bytes",
			            SWANCTL_NAME_MAX * 4 - 1);
		p->refs[p->n_refs] = strndup(w, n);
		if (!p->refs[p->n_refs])
			return fail(sc, -ENOMEM, "out of memory");
		p->n_refs++;
		p->st = ST_REFS_NAME;
		return 0;
	}
	return fail(sc, -EINVAL, "syntax error");
}

int swanctl_parser_feed(struct swanctl_parser *p, const char *name, const char *text, size_t len,
                        char *err, size_t errlen)
{
	struct p_scan sc = {.p = p,
	                    .name = name,
	                    .s = text,
	                    .end = text + len,
	                    .line = 1,
	                    .err = err,
	                    .errlen = errlen};
	int e = 0;

	if (p->spent)
		return fail(&sc, -EINVAL, "the parser already failed");
	if (len > SWANCTL_FILE_MAX)
		return fail(&sc, -E2BIG, "file larger than %u bytes", SWANCTL_FILE_MAX);
	if (memchr(text, '\0', len))
		return fail(&sc, -EINVAL, "a NUL byte in the file");
	if (p->files >= SWANCTL_FILES_MAX)
		return fail(&sc, -E2BIG, "more than %d files", SWANCTL_FILES_MAX);
	if (p->feeding > SWANCTL_INCLUDE_DEPTH)
		return fail(&sc, -E2BIG, "includes nested deeper than %d", SWANCTL_INCLUDE_DEPTH);
	p->files++;
	p->feeding++;
	while (sc.s < sc.end && e == 0) {
		char c = *sc.s;

		if (c == ' ' || c == '\t' || c == '\r') {
			sc.s++;
		} else if (c == '#') {
			while (sc.s < sc.end && *sc.s != '\n')
				sc.s++;
		} else if (c == '\n') {
			sc.s++;
			e = token(&sc, '\n');
			sc.line++;
		} else if (strchr("{}=:,", c)) {
			sc.s++;
			e = token(&sc, c);
		} else if (c == '"') {
			e = fail(&sc, -EINVAL, "a string where a name belongs");
		} else if (at_include(&sc)) {
			if (p->st != ST_STMT)
				e = fail(&sc, -EINVAL, "syntax error");
			else {
				sc.s += 7;
				while (*sc.s == ' ' || *sc.s == '\t')
					sc.s++;
				e = scan_include(&sc);
			}
		} else {
			const char *w = sc.s;

			while (sc.s < sc.end && is_name_char(*sc.s))
				sc.s++;
			e = name_token(&sc, w, (size_t)(sc.s - w));
		}
	}
	p->feeding--;
	return e;
}

/* A reference "connections.X" or "connections.X.children.Y": the conn (and child) it names. */
static void ref_target(struct swanctl_parser *p, const char *ref, struct p_conn **ret_c,
                       struct p_child **ret_h)
{
	static const char pre[] = "connections.";
	char conn[SWANCTL_NAME_MAX];
	const char *rest, *dot;
	size_t n;

	*ret_c = NULL;
	*ret_h = NULL;
	if (strncmp(ref, pre, sizeof(pre) - 1) != 0)
		return;
	rest = ref + sizeof(pre) - 1;
	dot = strchr(rest, '.');
	n = dot ? (size_t)(dot - rest) : strlen(rest);
	if (n == 0 || n >= sizeof(conn))
		return;
	memcpy(conn, rest, n);
	conn[n] = '\0';
	*ret_c = find_conn(p, conn, NULL);
	if (!dot || !*ret_c)
		return;
	if (strncmp(dot, ".children.", 10) != 0) {
		*ret_c = NULL; /* some other subsection: nothing we keep */
		return;
	}
	*ret_h = find_child(*ret_c, dot + 10, NULL);
	if (!*ret_h)
		*ret_c = NULL;
}

static int dup_opt(char **dst, const char *src)
{
	if (*dst || !src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/* What a CHILD inherits: the proposals it does not set, from the sections it references. */
static int inherit_child(struct swanctl_parser *p, struct swanctl_child *out, char *const *refs,
                         unsigned n_refs, unsigned depth)
{
	for (unsigned r = 0; r < n_refs && depth < SWANCTL_REFS_MAX; r++) {
		struct p_conn *c;
		struct p_child *h;

		ref_target(p, refs[r], &c, &h);
		if (!h)
			continue;
		if (dup_opt(&out->esp, h->c.esp) < 0 || dup_opt(&out->ah, h->c.ah) < 0 ||
		    inherit_child(p, out, h->refs, h->n_refs, depth + 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int add_child(struct swanctl_conn *out, const struct p_child *h, size_t cap)
{
	struct swanctl_child *o;

	for (size_t i = 0; i < out->n_children; i++)
		if (strcmp(out->children[i].name, h->c.name) == 0)
			return 0; /* our own, or inherited already: the first wins */
	if (out->n_children >= cap)
		return -E2BIG;
	o = &out->children[out->n_children];
	memset(o, 0, sizeof(*o));
	o->name = strdup(h->c.name);
	if (!o->name)
		return -ENOMEM;
	out->n_children++;
	if (dup_opt(&o->esp, h->c.esp) < 0 || dup_opt(&o->ah, h->c.ah) < 0)
		return -ENOMEM;
	return 0;
}

/* A connection inherits the IKE proposals it does not set and the CHILD configs it has not
 * got from the connections it references (and theirs, SWANCTL_REFS_MAX deep). */
static int inherit_conn(struct swanctl_parser *p, struct swanctl_conn *out, char *const *refs,
                        unsigned n_refs, unsigned depth, size_t cap)
{
	for (unsigned r = 0; r < n_refs && depth < SWANCTL_REFS_MAX; r++) {
		struct p_conn *c;
		struct p_child *h;
		int err;

		ref_target(p, refs[r], &c, &h);
		if (!c || h)
			continue;
		err = dup_opt(&out->proposals, c->proposals);
		for (size_t i = 0; i < c->n_ch && err == 0; i++)
			err = add_child(out, &c->ch[i], cap);
		if (err == 0)
			err = inherit_conn(p, out, c->refs, c->n_refs, depth + 1, cap);
		if (err < 0)
			return err;
	}
	return 0;
}

/* The number of CHILD configs connection @c can end up with: its own and every referenced. */
static size_t child_cap(struct swanctl_parser *p, const struct p_conn *c, unsigned depth)
{
	size_t n = c->n_ch;

	for (unsigned r = 0; r < c->n_refs && depth < SWANCTL_REFS_MAX; r++) {
		struct p_conn *rc;
		struct p_child *h;

		ref_target(p, c->refs[r], &rc, &h);
		if (rc && !h)
			n += child_cap(p, rc, depth + 1);
	}
	return n;
}

int swanctl_parser_finish(struct swanctl_parser *p, struct swanctl_conf *ret, char *err,
                          size_t errlen)
{
	struct swanctl_conf out = {0};
	size_t total = 0;
	int e = 0;

	if (p->spent) {
		snprintf(err, errlen, "the parser failed");
		return -EINVAL;
	}
	if (p->depth > 0 || p->st != ST_STMT) {
		snprintf(err, errlen, "%s at the end of the input",
		         p->depth > 0 ? "a section left open" : "a statement left unfinished");
		return -EINVAL;
	}
	out.conns = calloc(p->n_conns ? p->n_conns : 1, sizeof(*out.conns));
	if (!out.conns)
		goto nomem;
	for (size_t i = 0; i < p->n_conns && e == 0; i++) {
		const struct p_conn *c = &p->conns[i];
		struct swanctl_conn *o = &out.conns[out.n_conns++];
		size_t cap = child_cap(p, c, 0);

		if (cap > SWANCTL_CHILDREN_MAX)
			cap = SWANCTL_CHILDREN_MAX;
		o->name = strdup(c->name);
		o->children = calloc(cap ? cap : 1, sizeof(*o->children));
		if (!o->name || !o->children || dup_opt(&o->proposals, c->proposals) < 0)
			goto nomem;
		for (size_t j = 0; j < c->n_ch && e == 0; j++) {
			e = add_child(o, &c->ch[j], cap);
			if (e == 0)
				e = inherit_child(p, &o->children[o->n_children - 1], c->ch[j].refs,
				                  c->ch[j].n_refs, 0);
		}
		if (e == 0)
			e = inherit_conn(p, o, c->refs, c->n_refs, 0, cap);
		total += o->n_children;
		if (e == 0 && total > SWANCTL_CHILDREN_MAX)
			e = -E2BIG;
	}
	if (e == -ENOMEM)
		goto nomem;
	if (e < 0) {
		snprintf(err, errlen, "more than %d CHILD configs after references",
		         SWANCTL_CHILDREN_MAX);
		swanctl_conf_done(&out);
		return e;
	}
	for (int i = 0; i < 3; i++)
		if (dup_opt(&out.retransmit[i], p->retransmit[i]) < 0)
			goto nomem;
	*ret = out;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	swanctl_conf_done(&out);
	return -ENOMEM;
}

void swanctl_conf_done(struct swanctl_conf *c)
{
	for (size_t i = 0; i < c->n_conns; i++) {
		for (size_t j = 0; j < c->conns[i].n_children; j++) {
			free(c->conns[i].children[j].name);
			free(c->conns[i].children[j].esp);
			free(c->conns[i].children[j].ah);
		}
		free(c->conns[i].children);
		free(c->conns[i].name);
		free(c->conns[i].proposals);
	}
	free(c->conns);
	for (int i = 0; i < 3; i++)
		free(c->retransmit[i]);
	memset(c, 0, sizeof(*c));
}

const char *swanctl_child_proposals(const struct swanctl_child *ch, char *buf, size_t cap)
{
	int w;

	if (!ch->esp && !ch->ah)
		return NULL;
	w = snprintf(buf, cap, "%s%s%s", ch->esp ? ch->esp : "", ch->esp && ch->ah ? "," : "",
	             ch->ah ? ch->ah : "");
	return w >= 0 && (size_t)w < cap ? buf : NULL;
}

int swanctl_conf_parse(const char *text, size_t len, struct swanctl_conf *ret, char *err,
                       size_t errlen)
{
	struct swanctl_parser *p = swanctl_parser_new(NULL, NULL);
	int e;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = swanctl_parser_feed(p, "swanctl.conf", text, len, err, errlen);
	if (e == 0)
		e = swanctl_parser_finish(p, ret, err, errlen);
	swanctl_parser_free(p);
	return e;
}
