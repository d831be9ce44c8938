// SPDX-License-Identifier: Apache-2.0
/*
 * swanctl.conf's proposals (src/swanctl/swanctl_conf.c, swanctl_file.c): the settings grammar
 * (sections, braces on the next line, merges, overrides, quoted values with escapes and joined
 * lines, comments, references, includes with globs relative to the including file), malformed
 * input and every limit, a secret that reaches no output, and the file cache's reload on change.
 * The proposal lists' folding (swanctl_proposal.c) is checked here too.
 */
#include "test.h"
#include "tmpdir.h"

#include "swanctl/swanctl_conf.h"
#include "swanctl/swanctl_file.h"
#include "swanctl/swanctl_proposal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct swanctl_conn *conn(const struct swanctl_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_conns; i++)
		if (strcmp(c->conns[i].name, name) == 0)
			return &c->conns[i];
	return NULL;
}

static const struct swanctl_child *child(const struct swanctl_conn *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_children; i++)
		if (strcmp(c->children[i].name, name) == 0)
			return &c->children[i];
	return NULL;
}

static int parse(const char *text, struct swanctl_conf *ret, char *err, size_t errlen)
{
	return swanctl_conf_parse(text, strlen(text), ret, err, errlen);
}

#define SECRET "Sup3rS3cretPSK"

/* The lab's shape, with everything a real file holds around the proposals. */
static const char lab[] =
    "# swanctl.conf of gateway A\n"
    "connections {\n"
    "\ta-b {\n"
    "\t\tlocal_addrs = 192.0.2.1\n"
    "\t\tproposals = aes128-sha256-modp2048 # IKE\n"
    "\t\tlocal { auth = psk\n id = a }\n"
    "\t\tremote\n"
    "\t\t{\n"
    "\t\t\tauth = psk\n"
    "\t\t}\n"
    "\t\tchildren {\n"
    "\t\t\tnet { esp_proposals = aes128-sha256-modp3072\n"
    "\t\t\t\tlocal_ts = 10.1.0.0/16 }\n"
    "\t\t\tbare { mode = tunnel }\n"
    "\t\t\tauth { ah_proposals = sha256-modp2048 }\n"
    "\t\t}\n"
    "\t}\n"
    "\ta-c { remote_addrs = 203.0.113.9 }\n"
    "}\n"
    "secrets {\n"
    "\tike-1 { id = a\n secret = \"" SECRET "\" }\n"
    "\tproposals = " SECRET "\n"
    "}\n"
    "connections { a-b { children { net { esp_proposals = \"aes256gcm16-ecp384\", "
    "aes128-sha256-modp3072 } } } }\n";

static void grammar(void)
{
	struct swanctl_conf c;
	char err[256], buf[2 * SWANCTL_VALUE_MAX + 2];
	const struct swanctl_conn *ab;

	T_EQ_INT(parse(lab, &c, err, sizeof(err)), 0);
	T_EQ_INT(c.n_conns, 2);
	ab = conn(&c, "a-b");
	T_ASSERT(ab != NULL);
	T_EQ_STR(ab->proposals, "aes128-sha256-modp2048");
	T_EQ_INT(ab->n_children, 3);
	/* the later section merges, its value wins; words and strings joined by one space (which
	 * swanctl trims around each proposal) */
	T_EQ_STR(child(ab, "net")->esp, "aes256gcm16-ecp384 , aes128-sha256-modp3072");
	T_ASSERT(child(ab, "bare")->esp == NULL);
	T_ASSERT(swanctl_child_proposals(child(ab, "bare"), buf, sizeof(buf)) == NULL);
	T_EQ_STR(swanctl_child_proposals(child(ab, "auth"), buf, sizeof(buf)), "sha256-modp2048");
	T_ASSERT(conn(&c, "a-c") != NULL);
	T_ASSERT(conn(&c, "a-c")->proposals == NULL);
	T_EQ_INT(conn(&c, "a-c")->n_children, 0);
	swanctl_conf_done(&c);
}

/* Values as charon's lexer reads them. */
static void values(void)
{
	static const struct {
		const char *text, *want; /* want NULL: not configured */
	} vecs[] = {
	    {"connections { x { proposals = a-b-c }}", "a-b-c"},
	    {"connections { x { proposals=a-b-c#c\n}}", "a-b-c"},
	    {"connections { x { proposals = \"a-b # c\" }}", "a-b # c"},
	    {"connections { x { proposals = \"a-\\\nb\" }}", "a-b"},
	    {"connections { x { proposals = \"a-\\\r\nb\" }}", "a-b"},
	    {"connections { x { proposals = \"a\\tb\\\"c\\\\d\\q\" }}", "a\tb\"c\\dq"},
	    {"connections { x { proposals = \"multi\nline\" }}", "multi\nline"},
	    {"connections { x { proposals =   a   b\t\tc  \n}}", "a b c"},
	    {"connections { x { proposals = a\"b\"c }}", "a b c"},
	    {"connections { x { proposals = first\n proposals = second }}", "second"},
	    {"connections { x { proposals = first\n proposals =\n}}", NULL},
	    {"connections { x { proposals = a,b:c=d }}", "a,b:c=d"},
	    {"connections {\n x\n {\n proposals = a }\n}", "a"},
	    {"\n\n# c\nconnections { # c\n x { # c\n proposals = a # c\n } }\n", "a"},
	    {"connections { x { include = a }}", NULL}, /* a key named include */
	    {"connections { x { local { proposals = a } }}", NULL},
	    {"connections { x { children { proposals = a } }}", NULL},
	    {"other { x { proposals = a } }", "-"}, /* no conn at all */
	};

	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct swanctl_conf c;
		char err[256];

		T_EQ_INT(parse(vecs[i].text, &c, err, sizeof(err)), 0);
		if (vecs[i].want && strcmp(vecs[i].want, "-") == 0) {
			T_EQ_INT(c.n_conns, 0);
		} else {
			T_EQ_INT(c.n_conns, 1);
			if (vecs[i].want)
				T_EQ_STR(c.conns[0].proposals, vecs[i].want);
			else
				T_ASSERT(c.conns[0].proposals == NULL);
		}
		swanctl_conf_done(&c);
	}
}

/* strongswan.conf has the same grammar: charon's retransmission settings are kept. */
static void strongswan_conf(void)
{
	static const char text[] = "charon {\n load_modular = yes\n retransmit_timeout = 1.0\n"
	                           " retransmit_base = 1.5\n plugins { retransmit_tries = 9 }\n"
	                           " retransmit_tries = 3\n}\nother { retransmit_base = 7 }\n";
	struct swanctl_conf c;
	char err[200];

	T_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	T_EQ_STR(c.retransmit[0], "1.0");
	T_EQ_STR(c.retransmit[1], "1.5");
	T_EQ_STR(c.retransmit[2], "3");
	T_EQ_INT(c.n_conns, 0);
	swanctl_conf_done(&c);
	T_EQ_INT(parse("charon { }", &c, err, sizeof(err)), 0);
	T_ASSERT(c.retransmit[0] == NULL && c.retransmit[2] == NULL);
	swanctl_conf_done(&c);
}

/* Section references (strongSwan 5.7+): settings and CHILD configs are inherited. */
static void references(void)
{
	static const char text[] =
	    "connections {\n"
	    " base { proposals = aes256-sha384-ecp384\n"
	    "  children { tmpl { esp_proposals = aes256gcm16-ecp384 } }\n"
	    " }\n"
	    " mid : connections.base { }\n"
	    " a-b : connections.mid, connections.nowhere {\n"
	    "  children { net : connections.base.children.tmpl { }\n"
	    "   own { esp_proposals = aes128-sha256 } }\n"
	    " }\n"
	    " own : connections.base { proposals = aes128-sha256-modp2048 }\n"
	    "}\n";
	struct swanctl_conf c;
	char err[256];
	const struct swanctl_conn *ab;

	T_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	ab = conn(&c, "a-b");
	T_ASSERT(ab != NULL);
	T_EQ_STR(ab->proposals, "aes256-sha384-ecp384");
	T_EQ_STR(child(ab, "net")->esp, "aes256gcm16-ecp384");
	T_EQ_STR(child(ab, "own")->esp, "aes128-sha256");
	T_EQ_STR(child(ab, "tmpl")->esp, "aes256gcm16-ecp384");
	T_EQ_STR(conn(&c, "own")->proposals, "aes128-sha256-modp2048");
	swanctl_conf_done(&c);
	/* references that loop are bounded */
	T_EQ_INT(parse("connections { x : connections.y { }\n y : connections.x { } }", &c, err,
	               sizeof(err)),
	         0);
	T_ASSERT(conn(&c, "x")->proposals == NULL);
	swanctl_conf_done(&c);
}

static void malformed(void)
{
	static const struct {
		const char *text;
		int err;
		const char *has;
	} vecs[] = {
	    {"connections {", -EINVAL, "left open"},
	    {"}", -EINVAL, "'}' without"},
	    {"connections { x { proposals = \"abc }}", -EINVAL, "unterminated string"},
	    {"connections { x { proposals = \"abc\\", -EINVAL, "unterminated string"},
	    {"\"connections\" { }", -EINVAL, "string where a name"},
	    {"connections x { }", -EINVAL, "syntax error"},
	    {"connections { x", -EINVAL, "left open"},
	    {"a = b = c\n{", -EINVAL, "syntax error"},
	    {"{ }", -EINVAL, "syntax error"},
	    {"a : { }", -EINVAL, "syntax error"},
	    {"a : b, { }", -EINVAL, "syntax error"},
	    {"a\n\n=", -EINVAL, "syntax error"},
	    {"a :", -EINVAL, "unfinished"},
	    {"connections { x { include y }}", -EINVAL, "include is not allowed"},
	    {"a : r1,r2,r3,r4,r5,r6,r7,r8,r9 { }", -E2BIG, "references"},
	};

	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct swanctl_conf c;
		char err[256] = "";

		T_EQ_INT(parse(vecs[i].text, &c, err, sizeof(err)), vecs[i].err);
		T_CONTAINS(err, vecs[i].has);
	}
}

/* Every limit is an error that names it, before anything grows without bound. */
static void limits(void)
{
	struct swanctl_conf c;
	char err[256], *big;
	size_t n = 0, cap = 600000;

	big = malloc(cap);
	T_ASSERT(big != NULL);
	/* nesting */
	for (int i = 0; i <= SWANCTL_NEST_MAX; i++)
		n += (size_t)snprintf(big + n, cap - n, "s%d {\n", i);
	T_EQ_INT(parse(big, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "nested deeper");
	/* a proposal list */
	n = (size_t)snprintf(big, cap, "connections { x { proposals = ");
	memset(big + n, 'a', SWANCTL_VALUE_MAX);
	n += SWANCTL_VALUE_MAX;
	snprintf(big + n, cap - n, " }}");
	T_EQ_INT(parse(big, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "proposal list longer");
	/* ... while a long value we skip is fine */
	n = (size_t)snprintf(big, cap, "secrets { x { secret = ");
	memset(big + n, 'a', 100000);
	n += 100000;
	snprintf(big + n, cap - n, " }}");
	T_EQ_INT(parse(big, &c, err, sizeof(err)), 0);
	swanctl_conf_done(&c);
	/* a connection name */
	n = (size_t)snprintf(big, cap, "connections { ");
	memset(big + n, 'c', SWANCTL_NAME_MAX);
	n += SWANCTL_NAME_MAX;
	snprintf(big + n, cap - n, " { } }");
	T_EQ_INT(parse(big, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "section name longer");
	/* connections */
	n = (size_t)snprintf(big, cap, "connections {\n");
	for (int i = 0; i <= SWANCTL_CONNS_MAX; i++)
		n += (size_t)snprintf(big + n, cap - n, "c%d { }\n", i);
	snprintf(big + n, cap - n, "}\n");
	T_EQ_INT(parse(big, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "connections");
	/* CHILD configs */
	n = (size_t)snprintf(big, cap, "connections { c { children {\n");
	for (int i = 0; i <= SWANCTL_CHILDREN_MAX; i++)
		n += (size_t)snprintf(big + n, cap - n, "h%d{}\n", i);
	snprintf(big + n, cap - n, "} } }\n");
	T_EQ_INT(parse(big, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "CHILD configs");
	/* a NUL byte, and a file above the cap */
	T_EQ_INT(swanctl_conf_parse("a = b\0c", 7, &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "NUL");
	T_EQ_INT(swanctl_conf_parse(big, SWANCTL_FILE_MAX + 1, &c, err, sizeof(err)), -E2BIG);
	free(big);
}

/* A secret reaches nothing we keep, and no error message either. */
static void secret_stays(void)
{
	static const char *const bad[] = {
	    "secrets { x { secret = " SECRET " } } }",
	    "secrets { x { secret = \"" SECRET,
	    "secrets { x { secret = " SECRET "\n " SECRET " {",
	};
	struct swanctl_conf c;
	char err[256];

	T_EQ_INT(parse(lab, &c, err, sizeof(err)), 0);
	for (size_t i = 0; i < c.n_conns; i++) {
		T_NOT_CONTAINS(c.conns[i].name, SECRET);
		if (c.conns[i].proposals)
			T_NOT_CONTAINS(c.conns[i].proposals, SECRET);
		for (size_t j = 0; j < c.conns[i].n_children; j++) {
			T_NOT_CONTAINS(c.conns[i].children[j].name, SECRET);
			if (c.conns[i].children[j].esp)
				T_NOT_CONTAINS(c.conns[i].children[j].esp, SECRET);
		}
	}
	swanctl_conf_done(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_ASSERT(parse(bad[i], &c, err, sizeof(err)) < 0);
		T_NOT_CONTAINS(err, SECRET);
	}
}

static bool write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	if (!tmpdir_path(name, path, sizeof(path)))
		return false;
	f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

/* include: relative to the including file, globs in order, in place (inside a section),
 * nested, a missing file skipped; a loop stops at the depth limit. */
static void includes(void)
{
	struct swanctl_conf c;
	char err[512], path[512], sub[512];

	T_ASSERT(tmpdir_path("conf.d", sub, sizeof(sub)));
	mkdir(sub, 0700);
	T_ASSERT(write_file("main.conf", "connections {\n include conf.d/*.conf\n"
	                                 " include missing.conf\n"
	                                 " include \"conf.d/quoted file\"\n}\n"
	                                 "include secrets.conf\n"));
	T_ASSERT(write_file("conf.d/1.conf", "a-b { proposals = aes128-sha256-modp2048\n"
	                                     " include ../child.inc\n }\n"));
	T_ASSERT(write_file("conf.d/2.conf", "a-b { proposals = aes256-sha384-ecp384 }\n"));
	T_ASSERT(write_file("conf.d/quoted file", "q { }\n"));
	T_ASSERT(write_file("child.inc", "children { net { esp_proposals = aes128-sha256 } }\n"));
	T_ASSERT(write_file("secrets.conf", "secrets { x { secret = " SECRET " } }\n"));
	T_ASSERT(tmpdir_path("main.conf", path, sizeof(path)));
	T_EQ_INT(swanctl_file_load(path, &c, err, sizeof(err)), 0);
	T_EQ_INT(c.n_conns, 2);
	T_EQ_STR(conn(&c, "a-b")->proposals, "aes256-sha384-ecp384");
	T_EQ_STR(child(conn(&c, "a-b"), "net")->esp, "aes128-sha256");
	T_ASSERT(conn(&c, "q") != NULL);
	swanctl_conf_done(&c);
	/* an include loop */
	T_ASSERT(write_file("loop.conf", "include loop.conf\n"));
	T_ASSERT(tmpdir_path("loop.conf", path, sizeof(path)));
	T_EQ_INT(swanctl_file_load(path, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "includes nested deeper");
	/* an error in an included file names that file and line */
	T_ASSERT(write_file("bad.conf", "connections {\ninclude bad.inc\n}\n"));
	T_ASSERT(write_file("bad.inc", "x { }\n}\n}\n"));
	T_ASSERT(tmpdir_path("bad.conf", path, sizeof(path)));
	T_EQ_INT(swanctl_file_load(path, &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "bad.inc:3: '}' without");
	/* missing and unreadable */
	T_ASSERT(tmpdir_path("none.conf", path, sizeof(path)));
	T_EQ_INT(swanctl_file_load(path, &c, err, sizeof(err)), -ENOENT);
	T_CONTAINS(err, "none.conf: No such file");
}

/* The cache reads again only after a change: size, mtime, an include that appears. */
static void cache(void)
{
	char path[512], dir[512];
	struct swanctl_file *f;
	struct timespec later[2] = {{0, UTIME_OMIT}, {0, 0}};

	T_ASSERT(write_file("cached.conf", "connections { a { proposals = aes128-sha256-modp2048 } "
	                                   "include cached.d/*.conf }\n"));
	T_ASSERT(tmpdir_path("cached.conf", path, sizeof(path)));
	f = swanctl_file_new(path);
	T_ASSERT(f != NULL);
	T_ASSERT(swanctl_file_refresh(f));
	T_ASSERT(swanctl_file_conf(f) != NULL);
	T_EQ_STR(swanctl_file_error(f), "");
	T_EQ_INT(swanctl_file_conf(f)->n_conns, 1);
	T_ASSERT(!swanctl_file_refresh(f));
	/* same size, new mtime */
	T_ASSERT(write_file("cached.conf", "connections { a { proposals = aes256-sha256-modp2048 } "
	                                   "include cached.d/*.conf }\n"));
	later[1].tv_sec = time(NULL) + 100;
	T_ASSERT(utimensat(AT_FDCWD, path, later, 0) == 0);
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_STR(swanctl_file_conf(f)->conns[0].proposals, "aes256-sha256-modp2048");
	/* an included file that appears in a searched directory */
	T_ASSERT(tmpdir_path("cached.d", dir, sizeof(dir)));
	T_ASSERT(mkdir(dir, 0700) == 0);
	T_ASSERT(write_file("cached.d/b.conf", "b { proposals = aes128-sha256-ecp256 }\n"));
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_conf(f)->n_conns, 2);
	T_ASSERT(!swanctl_file_refresh(f));
	/* broken: the error, once */
	T_ASSERT(write_file("cached.conf", "connections {\n"));
	T_ASSERT(swanctl_file_refresh(f));
	T_ASSERT(swanctl_file_conf(f) == NULL);
	T_CONTAINS(swanctl_file_error(f), "left open");
	T_ASSERT(!swanctl_file_refresh(f));
	/* gone */
	T_ASSERT(unlink(path) == 0);
	T_ASSERT(swanctl_file_refresh(f));
	T_CONTAINS(swanctl_file_error(f), "No such file");
	T_ASSERT(!swanctl_file_refresh(f));
	swanctl_file_free(f);
	swanctl_file_free(NULL);
}

/* conf.d/cN.conf for N in [from, to], one connection each with @prop (charon's layout). */
static bool write_conns(const char *d, int from, int to, const char *prop)
{
	char name[128], text[160];

	for (int i = from; i <= to; i++) {
		snprintf(name, sizeof(name), "%s/conf.d/c%d.conf", d, i);
		snprintf(text, sizeof(text), "c%d { proposals = %s }\n", i, prop);
		if (!write_file(name, text))
			return false;
	}
	return true;
}

static const char *proposals_of(const struct swanctl_file *f, const char *name)
{
	const struct swanctl_conn *c =
	    swanctl_file_conf(f) ? conn(swanctl_file_conf(f), name) : NULL;

	return c && c->proposals ? c->proposals : "";
}

/* conf.d with 300 files (past the old cap of 256): watched, so that refreshes look at none of
 * them until a directory reports a change; each kind of change is seen at the next refresh;
 * an event about another file costs a look and reads nothing; a symbolic link among the files
 * or as their directory turns the watch off, and a change behind the link is still seen. */
static void cache_watched(void)
{
	char path[512], a[512], b[512];
	struct swanctl_file *f;
	unsigned long looks;

	T_ASSERT(tmpdir_path("w", path, sizeof(path)) && mkdir(path, 0700) == 0);
	T_ASSERT(tmpdir_path("w/conf.d", path, sizeof(path)) && mkdir(path, 0700) == 0);
	T_ASSERT(write_file("w/main.conf", "connections {\ninclude conf.d/*.conf\n}\n"));
	T_ASSERT(write_conns("w", 1, 300, "aes128-sha256-modp2048"));
	T_ASSERT(tmpdir_path("w/main.conf", path, sizeof(path)));
	f = swanctl_file_new(path);
	T_ASSERT(f != NULL);
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_STR(swanctl_file_error(f), "");
	T_EQ_INT(swanctl_file_conf(f)->n_conns, 300);
	for (int i = 0; i < 50; i++)
		T_ASSERT(!swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_looks(f), 0); /* no event: no stat() of 302 paths */
	/* written in place */
	T_ASSERT(write_conns("w", 7, 7, "aes256-sha384-ecp384"));
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_STR(proposals_of(f, "c7"), "aes256-sha384-ecp384");
	/* an editor's save: a new file renamed over the old one */
	T_ASSERT(
	    write_file("w/conf.d/.c8.swp", "c8 { proposals = aes128gcm16-prfsha256-x25519 }\n"));
	T_ASSERT(tmpdir_path("w/conf.d/.c8.swp", a, sizeof(a)) &&
	         tmpdir_path("w/conf.d/c8.conf", b, sizeof(b)));
	T_ASSERT(rename(a, b) == 0);
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_STR(proposals_of(f, "c8"), "aes128gcm16-prfsha256-x25519");
	/* a file added, one deleted */
	T_ASSERT(write_conns("w", 301, 301, "aes128-sha256-modp2048"));
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_conf(f)->n_conns, 301);
	T_ASSERT(tmpdir_path("w/conf.d/c1.conf", a, sizeof(a)) && unlink(a) == 0);
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_conf(f)->n_conns, 300);
	T_ASSERT(!swanctl_file_refresh(f));
	/* another file of a watched directory: a reason to look, nothing to read */
	looks = swanctl_file_looks(f);
	T_ASSERT(write_file("w/notes.txt", "not included\n"));
	T_ASSERT(!swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_looks(f), looks + 1);
	T_ASSERT(!swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_looks(f), looks + 1);
	/* a symbolic link among the files: its target's directory is not watched, so every
	 * refresh looks, and a change behind the link is seen */
	T_ASSERT(tmpdir_path("w-other", a, sizeof(a)) && mkdir(a, 0700) == 0);
	T_ASSERT(write_file("w-other/x.conf", "x { proposals = aes128-sha256-modp2048 }\n"));
	T_ASSERT(tmpdir_path("w-other/x.conf", a, sizeof(a)) &&
	         tmpdir_path("w/conf.d/x.conf", b, sizeof(b)));
	T_ASSERT(symlink(a, b) == 0);
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_STR(proposals_of(f, "x"), "aes128-sha256-modp2048");
	looks = swanctl_file_looks(f);
	T_ASSERT(!swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_looks(f), looks + 1);
	T_ASSERT(write_file("w-other/x.conf", "x { proposals = aes256-sha256-modp3072 }\n"));
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_STR(proposals_of(f, "x"), "aes256-sha256-modp3072");
	swanctl_file_free(f);
	/* the main file's directory named through a link (/etc/swanctl -> elsewhere): looked at
	 * every time, since the link can be pointed at another directory without an event */
	T_ASSERT(tmpdir_path("w", a, sizeof(a)) && tmpdir_path("w-link", b, sizeof(b)));
	T_ASSERT(symlink(a, b) == 0);
	T_ASSERT(tmpdir_path("w-link/main.conf", path, sizeof(path)));
	/* (without the linked file above, which alone turns the watch off) */
	T_ASSERT(tmpdir_path("w/conf.d/x.conf", a, sizeof(a)) && unlink(a) == 0);
	f = swanctl_file_new(path);
	T_ASSERT(f != NULL);
	T_ASSERT(swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_conf(f)->n_conns, 300);
	T_ASSERT(!swanctl_file_refresh(f));
	T_ASSERT(!swanctl_file_refresh(f));
	T_EQ_INT(swanctl_file_looks(f), 2);
	swanctl_file_free(f);
}

/* The cap on files read is the number of connections (one file each in conf.d): 4,096 files
 * are read, one more is refused with the reason. */
static void files_cap(void)
{
	char path[512], err[256];
	struct swanctl_conf c;

	T_ASSERT(tmpdir_path("cap", path, sizeof(path)) && mkdir(path, 0700) == 0);
	T_ASSERT(tmpdir_path("cap/conf.d", path, sizeof(path)) && mkdir(path, 0700) == 0);
	T_ASSERT(write_file("cap/main.conf", "connections {\ninclude conf.d/*.conf\n}\n"));
	T_ASSERT(write_conns("cap", 1, SWANCTL_FILES_MAX - 1, "aes128-sha256-modp2048"));
	T_ASSERT(tmpdir_path("cap/main.conf", path, sizeof(path)));
	T_EQ_INT(swanctl_file_load(path, &c, err, sizeof(err)), 0);
	T_EQ_INT(c.n_conns, SWANCTL_FILES_MAX - 1);
	swanctl_conf_done(&c);
	T_ASSERT(
	    write_conns("cap", SWANCTL_FILES_MAX, SWANCTL_FILES_MAX, "aes128-sha256-modp2048"));
	T_EQ_INT(swanctl_file_load(path, &c, err, sizeof(err)), -E2BIG);
	T_CONTAINS(err, "more than 4096 files");
}

/* The folding both the exporter and doctor use: the union per transform type. */
static void proposal_union(void)
{
	struct proposal_list *l = calloc(1, sizeof(*l));
	const char *a[8];
	char why[200];

	T_ASSERT(l != NULL);
	T_EQ_INT(proposal_list_parse(PROPOSAL_CHILD, "AES128-SHA2_256-x25519,aes-sha256,aes128gcm",
	                             l, "our", why, sizeof(why)),
	         0);
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_ENCR, a, 8), 2);
	T_EQ_STR(a[0], "aes128");
	T_EQ_STR(a[1], "aes128gcm16");
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_INTEG, a, 8), 2);
	T_EQ_STR(a[0], "sha256");
	T_EQ_STR(a[1], "none");
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_KE, a, 8), 2);
	T_EQ_STR(a[0], "curve25519");
	T_EQ_STR(a[1], "none"); /* no PFS */
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_ESN, a, 1), 1);
	T_EQ_STR(a[0], "noesn");
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_PRF, a, 8), 0);
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_NONE, a, 8), 0);
	/* IKE: the PRF follows the integrity algorithm */
	T_EQ_INT(
	    proposal_list_parse(PROPOSAL_IKE, "aes128-sha1-modp2048", l, "our", why, sizeof(why)),
	    0);
	T_EQ_INT(proposal_list_union(l, PROPOSAL_T_PRF, a, 8), 1);
	T_EQ_STR(a[0], "prfsha1");
	T_EQ_INT(proposal_list_parse(PROPOSAL_IKE, "aes128-sha1-modp2048,default", l, "our", why,
	                             sizeof(why)),
	         -ENODATA);
	T_EQ_INT(proposal_list_parse(PROPOSAL_IKE, NULL, l, "our", why, sizeof(why)), -ENODATA);
	T_EQ_INT(proposal_list_parse(PROPOSAL_IKE, "aes128--x", l, "our", why, sizeof(why)),
	         -EINVAL);
	T_EQ_STR(proposal_transform_key(PROPOSAL_T_KE), "ke");
	T_EQ_STR(proposal_transform_key(PROPOSAL_T_NONE), "");
	free(l);
}

TEST_MAIN("swanctl_conf", TEST(grammar), TEST(values), TEST(strongswan_conf), TEST(references),
          TEST(malformed), TEST(limits), TEST(secret_stays), TEST(includes), TEST(cache),
          TEST(cache_watched), TEST(files_cap), TEST(proposal_union))
