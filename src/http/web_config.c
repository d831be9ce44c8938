// SPDX-License-Identifier: Apache-2.0
/*
 * exporter-toolkit web-config parser (see web_config.h). libyaml does the YAML; this file maps
 * the document onto struct web_config with the strictness of Go's yaml.UnmarshalStrict: every
 * mapping key must be known and appear once, every value must have the expected shape. A first
 * pass over libyaml's event stream rejects nesting deeper than WEB_CONFIG_NEST_MAX before the
 * document tree is built, so hostile input cannot make the loader build a huge tree.
 * The loader at the bottom is the only part that touches the file system.
 */
#include "http/web_config.h"

#include "common/array.h"
#include "common/file_read.h"
#include "common/limits.h"
#include "common/path.h"
#include "config/config_error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct wc_parse {
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

/* Security headers exporter-toolkit lets a config add; any other name is an error. */
static const char *const allowed_headers[] = {
    "Content-Security-Policy", "X-Frame-Options",           "X-Content-Type-Options",
    "X-XSS-Protection",        "Strict-Transport-Security",
};

/* "line N: ..." through the one YAML error helper */
#define wc_fail(p, n, ...) config_fail((p)->err, (p)->errlen, (n), __VA_ARGS__)

static bool ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A YAML null: an empty plain scalar, "~" or "null" in any of YAML 1.1's spellings. */
static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = scalar(n);
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* A string value: a scalar without embedded NUL (libyaml allows "\0" escapes, which would cut
 * a C string short and make "a\0b" mean "a"). Null reads as absent. */
static int get_string(struct wc_parse *p, const yaml_node_t *n, const char *key, char **ret)
{
	char *s;

	if (n->type != YAML_SCALAR_NODE)
		return wc_fail(p, n, "%s: expected a string", key);
	if (is_null(n))
		return 0;
	if (strlen(scalar(n)) != n->data.scalar.length)
		return wc_fail(p, n, "%s: NUL byte in value", key);
	s = strdup(scalar(n));
	if (!s)
		return -ENOMEM;
	free(*ret);
	*ret = s;
	return 0;
}

static int get_bool(struct wc_parse *p, const yaml_node_t *n, const char *key, bool *ret)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE)
		return wc_fail(p, n, "%s: expected true or false", key);
	v = scalar(n);
	if (ascii_ieq(v, "true") || ascii_ieq(v, "yes") || ascii_ieq(v, "on"))
		*ret = true;
	else if (ascii_ieq(v, "false") || ascii_ieq(v, "no") || ascii_ieq(v, "off"))
		*ret = false;
	else
		return wc_fail(p, n, "%s: expected true or false, not \"%s\"", key, v);
	return 0;
}

/*
 * Walk a mapping: for each pair, check the key is a scalar, look it up in @keys (exact,
 * case-sensitive, as Go's yaml tags are), refuse repeats, and hand the value to @fn with the
 * key's index. @keys == NULL accepts any key (for maps of user-chosen names), refusing repeats
 * by comparing against earlier keys.
 */
typedef int (*wc_pair_fn)(struct wc_parse *p, void *obj, size_t idx, const yaml_node_t *key,
                          const yaml_node_t *val);

static int walk_map(struct wc_parse *p, const yaml_node_t *map, const char *what,
                    const char *const *keys, size_t nkeys, wc_pair_fn fn, void *obj)
{
	uint32_t seen = 0;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return wc_fail(p, map, "%s: expected a mapping", what);
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		size_t idx = 0;
		int r;

		if (!k || !v)
			return wc_fail(p, map, "%s: broken document", what);
		if (k->type != YAML_SCALAR_NODE)
			return wc_fail(p, k, "%s: keys must be strings", what);
		if (strlen(scalar(k)) != k->data.scalar.length)
			return wc_fail(p, k, "%s: NUL byte in key", what);
		if (keys) {
			while (idx < nkeys && strcmp(keys[idx], scalar(k)) != 0)
				idx++;
			if (idx == nkeys)
				return wc_fail(p, k, "%s: unknown key \"%s\"", what, scalar(k));
			if (seen & (1u << idx))
				return wc_fail(p, k, "%s: key \"%s\" repeated", what, scalar(k));
			seen |= 1u << idx;
		} else {
			for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
				yaml_node_t *qk = yaml_document_get_node(p->doc, q->key);

				if (qk && qk->type == YAML_SCALAR_NODE &&
				    strcmp(scalar(qk), scalar(k)) == 0)
					return wc_fail(p, k, "%s: key \"%s\" repeated", what,
					               scalar(k));
			}
			idx = (size_t)(pair - map->data.mapping.pairs.start);
		}
		r = fn(p, obj, idx, k, v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- tls_server_config ---- */

enum {
	TLS_CERT_FILE,
	TLS_KEY_FILE,
	TLS_CERT,
	TLS_KEY,
	TLS_CLIENT_CA,
	TLS_CLIENT_CA_FILE,
	TLS_CLIENT_AUTH_TYPE,
	TLS_MIN_VERSION,
	TLS_MAX_VERSION,
	TLS_PREFER_SERVER_CIPHER_SUITES,
	TLS_CIPHER_SUITES,
	TLS_CURVE_PREFERENCES,
	TLS_CLIENT_ALLOWED_SANS,
	TLS_NKEYS,
};

static const char *const tls_keys[TLS_NKEYS] = {
    [TLS_CERT_FILE] = "cert_file",
    [TLS_KEY_FILE] = "key_file",
    [TLS_CERT] = "cert",
    [TLS_KEY] = "key",
    [TLS_CLIENT_CA] = "client_ca",
    [TLS_CLIENT_CA_FILE] = "client_ca_file",
    [TLS_CLIENT_AUTH_TYPE] = "client_auth_type",
    [TLS_MIN_VERSION] = "min_version",
    [TLS_MAX_VERSION] = "max_version",
    [TLS_PREFER_SERVER_CIPHER_SUITES] = "prefer_server_cipher_suites",
    [TLS_CIPHER_SUITES] = "cipher_suites",
    [TLS_CURVE_PREFERENCES] = "curve_preferences",
    [TLS_CLIENT_ALLOWED_SANS] = "client_allowed_sans",
};

static const char *const client_auth_names[] = {
    [WEB_CLIENT_AUTH_NONE] = "NoClientCert",
    [WEB_CLIENT_AUTH_REQUEST] = "RequestClientCert",
    [WEB_CLIENT_AUTH_REQUIRE_ANY] = "RequireAnyClientCert",
    [WEB_CLIENT_AUTH_VERIFY_IF_GIVEN] = "VerifyClientCertIfGiven",
    [WEB_CLIENT_AUTH_REQUIRE_AND_VERIFY] = "RequireAndVerifyClientCert",
};

static const char *const tls_version_names[] = {
    [WEB_TLS10] = "TLS10",
    [WEB_TLS11] = "TLS11",
    [WEB_TLS12] = "TLS12",
    [WEB_TLS13] = "TLS13",
};

static int get_enum(struct wc_parse *p, const yaml_node_t *n, const char *key,
                    const char *const *names, size_t nnames, int *ret)
{
	if (n->type != YAML_SCALAR_NODE)
		return wc_fail(p, n, "%s: expected a string", key);
	for (size_t i = 0; i < nnames; i++) {
		if (strcmp(scalar(n), names[i]) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	return wc_fail(p, n, "%s: unknown value \"%s\"", key, scalar(n));
}

static int tls_pair(struct wc_parse *p, void *obj, size_t idx, const yaml_node_t *k,
                    const yaml_node_t *v)
{
	struct web_config *c = obj;
	const char *key = tls_keys[idx];
	bool ignored;
	int e = 0, r;

	switch (idx) {
	case TLS_CERT_FILE:
		return get_string(p, v, key, &c->cert_file);
	case TLS_KEY_FILE:
		return get_string(p, v, key, &c->key_file);
	case TLS_CERT:
		return get_string(p, v, key, &c->cert_pem);
	case TLS_KEY:
		return get_string(p, v, key, &c->key_pem);
	case TLS_CLIENT_CA:
		return get_string(p, v, key, &c->client_ca_pem);
	case TLS_CLIENT_CA_FILE:
		return get_string(p, v, key, &c->client_ca_file);
	case TLS_CLIENT_AUTH_TYPE:
		r = get_enum(p, v, key, client_auth_names, 5, &e);
		if (r == 0)
			c->client_auth = (enum web_client_auth)e;
		return r;
	case TLS_MIN_VERSION:
	case TLS_MAX_VERSION:
		r = get_enum(p, v, key, tls_version_names, 4, &e);
		if (r == 0 && idx == TLS_MIN_VERSION)
			c->min_version = (enum web_tls_version)e;
		else if (r == 0)
			c->max_version = (enum web_tls_version)e;
		return r;
	case TLS_PREFER_SERVER_CIPHER_SUITES:
		/* GnuTLS always follows the server's priority order; nothing to change */
		return get_bool(p, v, key, &ignored);
	default:
		/* known to exporter-toolkit, not implemented here: refuse rather than serve with
		 * weaker settings than the operator asked for */
		return wc_fail(p, k, "tls_server_config: \"%s\" is not supported by ikewatch", key);
	}
}

/* exporter-toolkit's rules on a TLS section (tls_config.go, ConfigToTLSConfig). */
static int tls_check(struct wc_parse *p, const yaml_node_t *n, struct web_config *c)
{
	bool client_ca = c->client_ca_file || c->client_ca_pem;

	c->tls = c->cert_file || c->key_file || c->cert_pem || c->key_pem || client_ca ||
	         c->client_auth != WEB_CLIENT_AUTH_NONE;
	if (!c->tls)
		return 0;
	if (c->cert_file && c->cert_pem)
		return wc_fail(p, n, "tls_server_config: cert and cert_file are exclusive");
	if (c->key_file && c->key_pem)
		return wc_fail(p, n, "tls_server_config: key and key_file are exclusive");
	if (c->client_ca_file && c->client_ca_pem)
		return wc_fail(p, n,
		               "tls_server_config: client_ca and client_ca_file are exclusive");
	if (!c->cert_file && !c->cert_pem)
		return wc_fail(p, n, "tls_server_config: missing cert_file");
	if (!c->key_file && !c->key_pem)
		return wc_fail(p, n, "tls_server_config: missing key_file");
	if (client_ca && c->client_auth == WEB_CLIENT_AUTH_NONE)
		return wc_fail(p, n,
		               "tls_server_config: client CA configured without a "
		               "client_auth_type");
	if (!client_ca && (c->client_auth == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN ||
	                   c->client_auth == WEB_CLIENT_AUTH_REQUIRE_AND_VERIFY))
		return wc_fail(p, n, "tls_server_config: client_auth_type %s needs client_ca_file",
		               client_auth_names[c->client_auth]);
	if (c->min_version > c->max_version)
		return wc_fail(p, n, "tls_server_config: min_version is above max_version");
	return 0;
}

/* ---- http_server_config ---- */

static int header_pair(struct wc_parse *p, void *obj, size_t idx, const yaml_node_t *k,
                       const yaml_node_t *v)
{
	struct web_config *c = obj;
	const char *name = NULL;
	char *value = NULL;
	int r;

	(void)idx;
	for (size_t i = 0; i < sizeof(allowed_headers) / sizeof(allowed_headers[0]); i++)
		if (strcmp(scalar(k), allowed_headers[i]) == 0)
			name = allowed_headers[i];
	if (!name)
		return wc_fail(p, k, "headers: \"%s\" is not an allowed header", scalar(k));
	r = get_string(p, v, name, &value);
	if (r < 0)
		return r;
	if (!value || !*value) { /* "Unset if blank" */
		free(value);
		return 0;
	}
	/* a value is copied into responses: CR, LF or other controls would split headers */
	for (const char *s = value; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			free(value);
			return wc_fail(p, v, "headers: control character in %s", name);
		}
	}
	if ((strcmp(name, "X-Frame-Options") == 0 && !ascii_ieq(value, "deny") &&
	     !ascii_ieq(value, "sameorigin")) ||
	    (strcmp(name, "X-Content-Type-Options") == 0 && !ascii_ieq(value, "nosniff"))) {
		r = wc_fail(p, v, "headers: invalid value \"%s\" for %s", value, name);
		free(value);
		return r;
	}
	r = ARRAY_GROW(c->headers, c->nheaders, c->cap_headers, 4, SIZE_MAX);
	if (r < 0) {
		free(value);
		return r;
	}
	c->headers[c->nheaders++] = (struct web_header){name, value};
	return 0;
}

static const char *const http_keys[] = {"http2", "headers"};

static int http_pair(struct wc_parse *p, void *obj, size_t idx, const yaml_node_t *k,
                     const yaml_node_t *v)
{
	bool http2;

	(void)k;
	if (idx == 0) /* accepted for compatibility: ikewatch serves HTTP/1.1 only */
		return get_bool(p, v, "http2", &http2);
	return walk_map(p, v, "headers", NULL, 0, header_pair, obj);
}

/* ---- basic_auth_users ---- */

/* bcrypt as libxcrypt verifies it: $2a$, $2b$ or $2y$, a two-digit cost 04..31, "$", and 53
 * characters of bcrypt's base64 alphabet. */
static bool bcrypt_hash_valid(const char *h)
{
	static const char alphabet[] =
	    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' ||
	    (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' || h[6] != '$')
		return false;
	if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	for (size_t i = 7; i < 60; i++)
		if (!strchr(alphabet, h[i]))
			return false;
	return true;
}

static int user_pair(struct wc_parse *p, void *obj, size_t idx, const yaml_node_t *k,
                     const yaml_node_t *v)
{
	struct web_config *c = obj;
	char *name = NULL, *hash = NULL;
	int r;

	(void)idx;
	if (c->nusers >= WEB_CONFIG_USERS_MAX)
		return wc_fail(p, k, "basic_auth_users: more than %d users", WEB_CONFIG_USERS_MAX);
	/* RFC 7617 section 2: the user-id cannot contain a colon */
	if (!*scalar(k) || strchr(scalar(k), ':'))
		return wc_fail(p, k, "basic_auth_users: user name empty or with ':'");
	r = get_string(p, v, "basic_auth_users", &hash);
	if (r < 0)
		return r;
	if (!hash || !bcrypt_hash_valid(hash)) {
		free(hash);
		return wc_fail(p, v, "basic_auth_users: %s: not a bcrypt hash", scalar(k));
	}
	name = strdup(scalar(k));
	if (!name || ARRAY_GROW(c->users, c->nusers, c->cap_users, 16, SIZE_MAX) < 0) {
		free(name);
		free(hash);
		return -ENOMEM;
	}
	c->users[c->nusers++] = (struct web_user){name, hash};
	return 0;
}

/* ---- top level ---- */

static const char *const top_keys[] = {
    "tls_server_config",
    "http_server_config",
    "basic_auth_users",
    "rate_limit",
};

static int top_pair(struct wc_parse *p, void *obj, size_t idx, const yaml_node_t *k,
                    const yaml_node_t *v)
{
	int r;

	switch (idx) {
	case 0:
		r = walk_map(p, v, "tls_server_config", tls_keys, TLS_NKEYS, tls_pair, obj);
		return r < 0 ? r : tls_check(p, v, obj);
	case 1:
		return walk_map(p, v, "http_server_config", http_keys, 2, http_pair, obj);
	case 2:
		return walk_map(p, v, "basic_auth_users", NULL, 0, user_pair, obj);
	default:
		return wc_fail(p, k, "\"%s\" is not supported by ikewatch", top_keys[idx]);
	}
}

/* First pass: libyaml's own syntax errors, the nesting cap, and a single document. */
static int wc_precheck(const void *data, size_t len, struct wc_parse *p)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, docs = 0, r = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, data, len);
	while (!done && r == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			r = config_fail_at(p->err, p->errlen, &parser.problem_mark, "%s",
			                   parser.problem ? parser.problem : "YAML syntax error");
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > WEB_CONFIG_NEST_MAX)
				r = config_fail_at(p->err, p->errlen, &ev.start_mark,
				                   "nested deeper than %d", WEB_CONFIG_NEST_MAX);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				r = config_fail_at(p->err, p->errlen, &ev.start_mark,
				                   "more than one YAML document");
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return r;
}

static struct web_config *web_config_new(void)
{
	struct web_config *c = calloc(1, sizeof(*c));

	if (c) {
		c->min_version = WEB_TLS12;
		c->max_version = WEB_TLS13;
	}
	return c;
}

int web_config_parse(const void *data, size_t len, char *err, size_t errlen,
                     struct web_config **ret_cfg)
{
	struct wc_parse p = {.err = err, .errlen = errlen};
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct web_config *c;
	int r;

	if (errlen)
		err[0] = '\0';
	if (len > CONFIG_FILE_MAX)
		return wc_fail(&p, NULL, "file larger than %u bytes", CONFIG_FILE_MAX);
	r = wc_precheck(data, len, &p);
	if (r < 0)
		return r;
	c = web_config_new();
	if (!c)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(c);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = parser.error == YAML_MEMORY_ERROR
		        ? -ENOMEM
		        : wc_fail(&p, NULL, "YAML error: %s",
		                  parser.problem ? parser.problem : "?");
		goto out_parser;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root)
		r = walk_map(&p, root, "web config", top_keys, 4, top_pair, c);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	if (r < 0) {
		web_config_free(c);
		return r;
	}
	*ret_cfg = c;
	return 0;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void web_config_free(struct web_config *c)
{
	if (!c)
		return;
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	free(c->cert_pem);
	free_secret(c->key_pem);
	free(c->client_ca_pem);
	for (size_t i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	for (size_t i = 0; i < c->nheaders; i++)
		free(c->headers[i].value);
	free(c->headers);
	free(c);
}

const char *web_config_user_hash(const struct web_config *c, const char *user)
{
	for (size_t i = 0; c && i < c->nusers; i++)
		if (strcmp(c->users[i].name, user) == 0)
			return c->users[i].hash;
	return NULL;
}

/* ---- loader (file I/O) ---- */

/* Make @*path relative to @dir (the directory of the config file) unless it is absolute. */
static int resolve(char **path, const char *dir, size_t dirlen)
{
	size_t n;
	char *s;

	if (!*path || (*path)[0] == '/' || dirlen == 0)
		return 0;
	n = strlen(*path);
	s = malloc(dirlen + 1 + n + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, dir, dirlen);
	s[dirlen] = '/';
	memcpy(s + dirlen + 1, *path, n + 1);
	free(*path);
	*path = s;
	return 0;
}

int web_config_load(const char *path, char *err, size_t errlen, struct web_config **ret_cfg)
{
	struct web_config *c = NULL;
	char *data;
	size_t got;
	int r;

	if (errlen)
		err[0] = '\0';
	r = file_read_all(path, CONFIG_FILE_MAX, &data, &got);
	if (r == -EFBIG || r == -EISDIR) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
		         CONFIG_FILE_MAX);
		return r;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = web_config_parse(data, got, err, errlen, &c);
	if (r < 0)
		goto out_free;
	if (strchr(path, '/')) {
		size_t dirlen = path_dir_len(path);

		if ((r = resolve(&c->cert_file, path, dirlen)) < 0 ||
		    (r = resolve(&c->key_file, path, dirlen)) < 0 ||
		    (r = resolve(&c->client_ca_file, path, dirlen)) < 0) {
			web_config_free(c);
			goto out_free;
		}
	}
	*ret_cfg = c;
	r = 0;
out_free:
	explicit_bzero(data, got); /* inline keys */
	free(data);
	return r;
}
