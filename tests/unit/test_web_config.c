// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for the exporter-toolkit web-config parser (src/http/web_config.c) and the basic-auth
 * verifier with its cache (src/http/basic_auth.c): valid files, every rule that makes a file
 * invalid, the loader's size cap and path resolution, and bcrypt against hashes made here.
 */
#include "test.h"

#include "common/limits.h"
#include "http/basic_auth.h"
#include "http/web_config.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* bcrypt of "secret" at cost 4, made with libxcrypt (any valid $2b$ hash would do here). */
#define HASH_A "$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"

static int parse(const char *text, struct web_config **ret, char *err, size_t errlen)
{
	return web_config_parse(text, strlen(text), err, errlen, ret);
}

static void parses_full_config(void)
{
	static const char text[] = "# a comment\n"
	                           "tls_server_config:\n"
	                           "  cert_file: server.crt\n"
	                           "  key_file: /etc/ikewatch/server.key\n"
	                           "  client_auth_type: RequireAndVerifyClientCert\n"
	                           "  client_ca_file: ca.crt\n"
	                           "  min_version: TLS13\n"
	                           "  prefer_server_cipher_suites: true\n"
	                           "http_server_config:\n"
	                           "  http2: false\n"
	                           "  headers:\n"
	                           "    X-Frame-Options: deny\n"
	                           "    Strict-Transport-Security: max-age=31536000\n"
	                           "    X-XSS-Protection: \"\"\n"
	                           "basic_auth_users:\n"
	                           "  prometheus: '" HASH_A "'\n"
	                           "  \"other user\": " HASH_A "\n";
	struct web_config *c = NULL;
	char err[256];

	T_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	T_ASSERT(c->tls);
	T_EQ_STR(c->cert_file, "server.crt");
	T_EQ_STR(c->key_file, "/etc/ikewatch/server.key");
	T_EQ_STR(c->client_ca_file, "ca.crt");
	T_EQ_INT(c->client_auth, WEB_CLIENT_AUTH_REQUIRE_AND_VERIFY);
	T_EQ_INT(c->min_version, WEB_TLS13);
	T_EQ_INT(c->max_version, WEB_TLS13);
	T_EQ_INT(c->nheaders, 2); /* the blank one is unset */
	T_EQ_STR(c->headers[0].name, "X-Frame-Options");
	T_EQ_STR(c->headers[1].value, "max-age=31536000");
	T_EQ_INT(c->nusers, 2);
	T_EQ_STR(web_config_user_hash(c, "prometheus"), HASH_A);
	T_EQ_STR(web_config_user_hash(c, "other user"), HASH_A);
	T_ASSERT(web_config_user_hash(c, "nobody") == NULL);
	web_config_free(c);
}

static void empty_means_plain_http(void)
{
	static const char *const texts[] = {"",
	                                    "\n# only a comment\n",
	                                    "---\n",
	                                    "~\n",
	                                    "tls_server_config:\nbasic_auth_users:\n",
	                                    "tls_server_config: {}\n"};
	char err[256];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct web_config *c = NULL;
		int r = parse(texts[i], &c, err, sizeof(err));

		if (r != 0 || !c || c->tls || c->nusers || c->nheaders) {
			test_fail(__FILE__, __LINE__, "empty vector %zu: r=%d %s", i, r, err);
			web_config_free(c);
			return;
		}
		T_EQ_INT(c->min_version, WEB_TLS12);
		web_config_free(c);
	}
}

static void rejects_invalid(void)
{
	static const struct {
		const char *text;
		const char *msg; /* a piece of the error message */
	} v[] = {
	    {"foo: bar\n", "unknown key \"foo\""},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  bogus: 1\n",
	     "unknown key \"bogus\""},
	    {"tls_server_config:\n  cert_file: a\n", "missing key_file"},
	    {"tls_server_config:\n  key_file: a\n", "missing cert_file"},
	    {"tls_server_config:\n  cert_file: a\n  cert: b\n  key_file: c\n", "exclusive"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
	     "without a client_auth_type"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n"
	     "  client_auth_type: RequireAndVerifyClientCert\n",
	     "needs client_ca_file"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Maybe\n",
	     "unknown value \"Maybe\""},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n",
	     "unknown value"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
	     "  max_version: TLS12\n",
	     "min_version is above"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [x]\n",
	     "not supported"},
	    {"rate_limit:\n  interval: 1s\n", "not supported"},
	    {"tls_server_config:\n  cert_file: [a]\n  key_file: b\n", "expected a string"},
	    {"tls_server_config: yes\n", "expected a mapping"},
	    {"basic_auth_users:\n  u: plaintext\n", "not a bcrypt hash"},
	    {"basic_auth_users:\n  u: \"$2b$04$short\"\n", "not a bcrypt hash"},
	    {"basic_auth_users:\n  u: \"$1$abcdefgh$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"
	     "IJKLMNO\"\n",
	     "not a bcrypt hash"},
	    {"basic_auth_users:\n  \"a:b\": " HASH_A "\n", "with ':'"},
	    {"basic_auth_users:\n  u: " HASH_A "\n  u: " HASH_A "\n", "repeated"},
	    {"basic_auth_users: [a, b]\n", "expected a mapping"},
	    {"tls_server_config: {}\ntls_server_config: {}\n", "repeated"},
	    {"http_server_config:\n  headers:\n    X-Powered-By: me\n", "not an allowed header"},
	    {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "invalid value"},
	    {"http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: "
	     "x\"\n",
	     "control character"},
	    {"http_server_config:\n  http2: maybe\n", "expected true or false"},
	    {"tls_server_config:\n  cert_file: \"a\\0b\"\n  key_file: b\n", "NUL"},
	    {"[1, 2]\n", "expected a mapping"},
	    {"a: [\n", "line"},
	    {"basic_auth_users: {u: x}\n---\nfoo: 1\n", "more than one"},
	    {"? [complex]\n: key\n", "keys must be strings"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct web_config *c = NULL;
		char err[256] = "";
		int r = parse(v[i].text, &c, err, sizeof(err));

		if (r != -EINVAL || c || !strstr(err, v[i].msg)) {
			test_fail(__FILE__, __LINE__, "invalid vector %zu: r=%d err=\"%s\"", i, r,
			          err);
			web_config_free(c);
			return;
		}
	}
}

static void error_names_the_line(void)
{
	struct web_config *c = NULL;
	char err[256];

	T_EQ_INT(parse("basic_auth_users:\n  a: " HASH_A "\n\n  b: nope\n", &c, err, sizeof(err)),
	         -EINVAL);
	T_CONTAINS(err, "line 4:");
	/* a tiny error buffer is still terminated */
	T_EQ_INT(parse("foo: 1\n", &c, err, 5), -EINVAL);
	T_EQ_INT(strlen(err), 4);
}

static void rejects_deep_nesting(void)
{
	char text[4 * WEB_CONFIG_NEST_MAX + 16];
	struct web_config *c = NULL;
	char err[256];
	size_t n = 0;

	for (int i = 0; i <= WEB_CONFIG_NEST_MAX; i++)
		text[n++] = '[';
	for (int i = 0; i <= WEB_CONFIG_NEST_MAX; i++)
		text[n++] = ']';
	text[n] = '\0';
	T_EQ_INT(parse(text, &c, err, sizeof(err)), -EINVAL);
	T_CONTAINS(err, "nested deeper");
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static void loader_resolves_and_caps(void)
{
	char dir[] = "/tmp/ikewatch-wc-XXXXXX", path[128], big_path[128], err[256];
	struct web_config *c = NULL;
	char *big;
	int r;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	write_file(path, "tls_server_config:\n  cert_file: s.crt\n  key_file: /abs/s.key\n");
	r = web_config_load(path, err, sizeof(err), &c);
	snprintf(big_path, sizeof(big_path), "%s/s.crt", dir);
	T_EQ_INT(r, 0);
	T_EQ_STR(c->cert_file, big_path);
	T_EQ_STR(c->key_file, "/abs/s.key");
	web_config_free(c);
	c = NULL;

	/* one byte over the cap is refused before it is read */
	snprintf(big_path, sizeof(big_path), "%s/big.yml", dir);
	big = malloc(CONFIG_FILE_MAX + 2);
	T_ASSERT(big != NULL);
	memset(big, '#', CONFIG_FILE_MAX + 1);
	big[CONFIG_FILE_MAX + 1] = '\0';
	write_file(big_path, big);
	free(big);
	T_EQ_INT(web_config_load(big_path, err, sizeof(err), &c), -EFBIG);
	snprintf(path, sizeof(path), "%s/missing.yml", dir);
	T_EQ_INT(web_config_load(path, err, sizeof(err), &c), -ENOENT);
	T_CONTAINS(err, "missing.yml");
	T_EQ_INT(web_config_load(dir, err, sizeof(err), &c), -EISDIR);
	unlink(big_path);
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	unlink(path);
	rmdir(dir);
}

static char *make_hash(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	if (!crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)))
		return NULL;
	h = crypt_rn(password, salt, &cd, sizeof(cd));
	return h && h[0] == '$' ? strdup(h) : NULL;
}

static void basic_auth_verifies_and_caches(void)
{
	char *hash = make_hash("s3cret"), text[256], err[256];
	struct web_config *c = NULL;
	struct basic_auth *a;

	T_ASSERT(hash != NULL);
	snprintf(text, sizeof(text), "basic_auth_users:\n  prom: %s\n", hash);
	free(hash);
	T_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	a = basic_auth_new(c);
	T_ASSERT(a != NULL);
	T_ASSERT(!basic_auth_check(a, "prom", "wrong"));
	T_ASSERT(!basic_auth_check(a, "prom", "s3cre"));
	T_ASSERT(!basic_auth_check(a, "prom", ""));
	T_ASSERT(!basic_auth_check(a, "nobody", "s3cret"));
	T_EQ_INT(basic_auth_bcrypt_runs(a), 4); /* unknown users cost a bcrypt run too */
	T_ASSERT(basic_auth_check(a, "prom", "s3cret"));
	T_EQ_INT(basic_auth_bcrypt_runs(a), 5);
	for (int i = 0; i < 10; i++)
		T_ASSERT(basic_auth_check(a, "prom", "s3cret"));
	T_EQ_INT(basic_auth_bcrypt_runs(a), 5);
	T_EQ_INT(basic_auth_cache_hits(a), 10);
	/* failures are not cached: still refused, still one bcrypt each */
	T_ASSERT(!basic_auth_check(a, "prom", "wrong"));
	T_EQ_INT(basic_auth_bcrypt_runs(a), 6);
	basic_auth_free(a);
	web_config_free(c);
}

/* $2y$ (htpasswd's spelling) is verified by libxcrypt like $2b$. */
static void basic_auth_accepts_2y(void)
{
	char *hash = make_hash("pw"), text[256], err[256];
	struct web_config *c = NULL;
	struct basic_auth *a;

	T_ASSERT(hash != NULL);
	hash[2] = 'y';
	snprintf(text, sizeof(text), "basic_auth_users:\n  u: \"%s\"\n", hash);
	free(hash);
	T_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	a = basic_auth_new(c);
	T_ASSERT(a != NULL);
	T_ASSERT(basic_auth_check(a, "u", "pw"));
	T_ASSERT(!basic_auth_check(a, "u", "pW"));
	basic_auth_free(a);
	web_config_free(c);
}

TEST_MAIN("web_config", TEST(parses_full_config), TEST(empty_means_plain_http),
          TEST(rejects_invalid), TEST(error_names_the_line), TEST(rejects_deep_nesting),
          TEST(loader_resolves_and_caps), TEST(basic_auth_verifies_and_caches),
          TEST(basic_auth_accepts_2y))
