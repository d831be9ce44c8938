/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP basic authentication (RFC 7617) against the bcrypt hashes of a web-config. bcrypt is
 * deliberately slow (cost 10 is about 70 ms), and Prometheus scrapes every few seconds with the
 * same credentials, so successful (user, password, hash) triples are remembered as keyed
 * SHA-256 digests, never as passwords, like exporter-toolkit's cache. Thread-safe: the HTTP
 * server's threads share one object (a mutex guards the cache and the counters).
 */
#ifndef IKEWATCH_BASIC_AUTH_H
#define IKEWATCH_BASIC_AUTH_H

#include "http/web_config.h"

#include <stdbool.h>
#include <stdint.h>

struct basic_auth;

/* @cfg is borrowed and must outlive the object. NULL on allocation failure. */
struct basic_auth *basic_auth_new(const struct web_config *cfg);
void basic_auth_free(struct basic_auth *a);

/* True when @user is configured and @password matches its hash. An unknown user costs one
 * bcrypt run too, so response time does not tell which user names exist. */
bool basic_auth_check(struct basic_auth *a, const char *user, const char *password);

/* Verifications answered from the cache and by bcrypt; for tests and a debug metric. */
uint64_t basic_auth_cache_hits(struct basic_auth *a);
uint64_t basic_auth_bcrypt_runs(struct basic_auth *a);

#endif
