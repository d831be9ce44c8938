/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configured proposals in swanctl.conf, read with strongSwan's settings grammar
 * (strongswan.conf(5), src/libstrongswan/settings/): sections `name { ... }` (the brace may
 * follow on the next line), section references `name : path.to.other, ... { ... }` (5.7+:
 * settings and subsections are inherited), settings `key = value` whose value runs to the end of
 * the line, a `#` or a `}` (words joined by one space; "..." strings with \n \r \t escapes,
 * \<newline> joining lines, \x for any other x), `#` comments, and `include PATTERN` (a glob,
 * relative to the including file's directory, read in place). A section or setting met twice
 * merges, the later value winning, as charon's parser does.
 *
 * Only `connections.<conn>.proposals` and `connections.<conn>.children.<child>.esp_proposals`
 * and `.ah_proposals` are kept, with the names of the connections and CHILD configs, and, since
 * strongswan.conf has the same grammar, `charon.retransmit_timeout`, `_base` and `_tries`; every
 * other value (secrets, keys, identities) is skipped as it is read and never copied, and errors
 * name a file and a line, never a value. A codec: the caller reads the files (swanctl_file.h) and
 * hands them in; includes come back to the caller through a callback. Bounded by the limits below.
 */
#ifndef IKEWATCH_SWANCTL_CONF_H
#define IKEWATCH_SWANCTL_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define SWANCTL_FILE_MAX (1024u * 1024u) /* one file; a larger one is an error */
#define SWANCTL_FILES_MAX 4096           /* files read in all: conf.d, one a connection */
#define SWANCTL_INCLUDE_DEPTH 8          /* includes within includes */
#define SWANCTL_NEST_MAX 16              /* sections within sections */
#define SWANCTL_CONNS_MAX 4096           /* connections (EXPORT_CONNS_MAX) */
#define SWANCTL_CHILDREN_MAX 16384       /* CHILD configs in all (EXPORT_CHILDREN_MAX) */
#define SWANCTL_VALUE_MAX 4096           /* a kept value (a proposal list) */
#define SWANCTL_NAME_MAX 256             /* a connection or CHILD name (LABEL_VALUE_MAX) */
#define SWANCTL_REFS_MAX 8               /* references of one section, and their depth */

struct swanctl_child {
	char *name;
	char *esp, *ah; /* esp_proposals, ah_proposals; NULL when not configured */
};

struct swanctl_conn {
	char *name;
	char *proposals; /* the IKE proposals; NULL when not configured ("default") */
	struct swanctl_child *children;
	size_t n_children;
};

/* What a swanctl.conf configures, connections in the order first met. */
struct swanctl_conf {
	struct swanctl_conn *conns;
	size_t n_conns;
	char *
	    retransmit[3]; /* charon.retransmit_timeout, _base, _tries (strongswan.conf), or NULL */
};

struct swanctl_parser;

/* Asked for each `include PATTERN` met in file @from (the name given to swanctl_parser_feed);
 * it resolves the pattern and feeds each file back with swanctl_parser_feed(). Returns 0 or a
 * -errno that stops the parse (a message in @err). May be NULL: then includes are errors. */
typedef int (*swanctl_include_fn)(void *ctx, struct swanctl_parser *p, const char *from,
                                  const char *pattern, char *err, size_t errlen);

struct swanctl_parser *swanctl_parser_new(swanctl_include_fn include, void *ctx);
void swanctl_parser_free(struct swanctl_parser *p);

/* Parse the text of file @name (at most SWANCTL_FILE_MAX bytes, NUL bytes are errors) in the
 * section where the include that names it stands (the top level for the first). 0, or -EINVAL
 * (syntax), -E2BIG (a limit), -ENOMEM, or the include callback's error; then @err says
 * "NAME:LINE: what" and the parser is spent. */
int swanctl_parser_feed(struct swanctl_parser *p, const char *name, const char *text, size_t len,
                        char *err, size_t errlen);

/* The result once every file is fed: 0 and *ret (owned: swanctl_conf_done()), or -EINVAL with
 * @err when a section is left open. References are resolved here. */
int swanctl_parser_finish(struct swanctl_parser *p, struct swanctl_conf *ret, char *err,
                          size_t errlen);

void swanctl_conf_done(struct swanctl_conf *c);

/* The CHILD's proposals as charon offers them: esp_proposals and ah_proposals joined with ","
 * into @buf; NULL when neither is configured (charon's default ESP list). */
const char *swanctl_child_proposals(const struct swanctl_child *ch, char *buf, size_t cap);

/* Parse @text alone (no includes) into *ret: for tests and the fuzzer. */
int swanctl_conf_parse(const char *text, size_t len, struct swanctl_conf *ret, char *err,
                       size_t errlen);

#endif
