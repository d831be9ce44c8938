/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Prometheus exporter-toolkit web configuration file ("--web.config.file", see
 * https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), so
 * that ikewatch is configured for TLS and basic auth exactly like node_exporter and friends.
 *
 * web_config_parse() is a codec: YAML bytes in, a struct (or -EINVAL and a one-line message with
 * the YAML line number) out; it does no I/O and never logs. Unknown keys are errors, as in
 * exporter-toolkit (yaml.UnmarshalStrict). Keys of the format that ikewatch cannot honour
 * (cipher_suites, curve_preferences, client_allowed_sans, rate_limit) are errors too, rather
 * than silently weaker security; http2 and prefer_server_cipher_suites are accepted and have no
 * effect (ikewatch speaks HTTP/1.1). web_config_load() reads a file of at most CONFIG_FILE_MAX
 * bytes and resolves relative paths against the file's directory, as exporter-toolkit does.
 */
#ifndef IKEWATCH_WEB_CONFIG_H
#define IKEWATCH_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Go's crypto/tls ClientAuthType names, in its order. */
enum web_client_auth {
	WEB_CLIENT_AUTH_NONE,               /* NoClientCert (default) */
	WEB_CLIENT_AUTH_REQUEST,            /* RequestClientCert */
	WEB_CLIENT_AUTH_REQUIRE_ANY,        /* RequireAnyClientCert */
	WEB_CLIENT_AUTH_VERIFY_IF_GIVEN,    /* VerifyClientCertIfGiven */
	WEB_CLIENT_AUTH_REQUIRE_AND_VERIFY, /* RequireAndVerifyClientCert */
};

enum web_tls_version {
	WEB_TLS10,
	WEB_TLS11,
	WEB_TLS12,
	WEB_TLS13,
};

struct web_user {
	char *name;
	char *hash; /* bcrypt: $2a$, $2b$ or $2y$, 60 characters */
};

struct web_header {
	const char *name; /* one of the names exporter-toolkit allows (static string) */
	char *value;
};

struct web_config {
	/* TLS is on when tls_server_config sets any certificate, key or client setting. Each of
	 * cert/key/client CA comes either from a file (*_file, a path) or inline (PEM text). */
	bool tls;
	char *cert_file, *key_file, *client_ca_file;
	char *cert_pem, *key_pem, *client_ca_pem;
	enum web_client_auth client_auth;
	enum web_tls_version min_version; /* default TLS12 */
	enum web_tls_version max_version; /* default TLS13 */

	struct web_user *users;
	size_t nusers, cap_users;

	struct web_header *headers;
	size_t nheaders, cap_headers;
};

/* Parse YAML text. Returns 0 and *ret_cfg (owned; web_config_free()), -EINVAL with a message
 * in @err (always NUL-terminated when errlen > 0), or -ENOMEM. An empty file is a valid
 * configuration with neither TLS nor authentication. */
int web_config_parse(const void *data, size_t len, char *err, size_t errlen,
                     struct web_config **ret_cfg);

/* Read and parse @path; relative *_file paths become relative to @path's directory.
 * Returns 0, -errno from open/read, -EFBIG past CONFIG_FILE_MAX, or web_config_parse()'s. */
int web_config_load(const char *path, char *err, size_t errlen, struct web_config **ret_cfg);

void web_config_free(struct web_config *cfg);

/* The bcrypt hash of @user, or NULL when there is no such user. */
const char *web_config_user_hash(const struct web_config *cfg, const char *user);

#endif
