// SPDX-License-Identifier: Apache-2.0
/*
 * Basic-auth verification with a small cache (see basic_auth.h). Cache entries are
 * SHA-256(key || user || 0 || password || 0 || hash) with a random per-process key, so a memory
 * dump of the cache does not allow an offline dictionary attack cheaper than bcrypt itself;
 * including the hash means an entry dies with a changed hash. Comparisons of secrets run in
 * constant time. libxcrypt's crypt_rn() implements $2a$/$2b$/$2y$ bcrypt.
 */
#include "http/basic_auth.h"

#include "common/limits.h"

#include <crypt.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct basic_auth {
	const struct web_config *cfg;
	uint8_t key[32];
	uint8_t cache[BASIC_AUTH_CACHE_SIZE][SHA256_DIGEST_SIZE];
	bool used[BASIC_AUTH_CACHE_SIZE];
	size_t next;
	uint64_t hits, runs;
	/* a hash of the same cost as the first user's, checked for unknown users */
	char dummy[CRYPT_OUTPUT_SIZE];
	/* the HTTP server runs several threads: the cache and the counters are shared, bcrypt
	 * runs outside the lock (in scratch space of its own) so one slow check blocks no other */
	pthread_mutex_t lock;
};

static bool ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(x[i] ^ y[i]);
	return d == 0;
}

struct basic_auth *basic_auth_new(const struct web_config *cfg)
{
	struct basic_auth *a = calloc(1, sizeof(*a));
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	unsigned long cost = 10;
	struct crypt_data *cd;
	const char *h;

	if (!a)
		return NULL;
	a->cfg = cfg;
	if (getrandom(a->key, sizeof(a->key), 0) != (ssize_t)sizeof(a->key)) {
		free(a);
		return NULL;
	}
	if (cfg && cfg->nusers)
		cost = (unsigned long)((cfg->users[0].hash[4] - '0') * 10 +
		                       (cfg->users[0].hash[5] - '0'));
	pthread_mutex_init(&a->lock, NULL);
	cd = calloc(1, sizeof(*cd));
	if (cd && crypt_gensalt_rn("$2b$", cost, NULL, 0, salt, sizeof(salt)) &&
	    (h = crypt_rn("ikewatch-dummy", salt, cd, sizeof(*cd))) && h[0] == '$' &&
	    strlen(h) < sizeof(a->dummy))
		memcpy(a->dummy, h, strlen(h) + 1);
	free(cd);
	return a;
}

void basic_auth_free(struct basic_auth *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

static void digest(const struct basic_auth *a, const char *user, const char *password,
                   const char *hash, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(a->key), a->key);
	sha256_update(&ctx, strlen(user) + 1, (const uint8_t *)user);
	sha256_update(&ctx, strlen(password) + 1, (const uint8_t *)password);
	sha256_update(&ctx, strlen(hash), (const uint8_t *)hash);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

static bool bcrypt_ok(struct basic_auth *a, const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd)); /* 32 KiB: not on a thread's stack */
	const char *out;
	bool ok;

	pthread_mutex_lock(&a->lock);
	a->runs++;
	pthread_mutex_unlock(&a->lock);
	if (!cd)
		return false;
	out = crypt_rn(password, hash, cd, sizeof(*cd));
	/* crypt_rn returns NULL or a "*..." failure token on error, never the hash */
	ok = out && out[0] == '$' && strlen(out) == strlen(hash) &&
	     ct_equal(out, hash, strlen(hash));
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

bool basic_auth_check(struct basic_auth *a, const char *user, const char *password)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	const char *hash;
	bool hit = false;

	hash = web_config_user_hash(a->cfg, user);
	if (!hash) {
		if (a->dummy[0])
			bcrypt_ok(a, password, a->dummy);
		return false;
	}
	digest(a, user, password, hash, d);
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < BASIC_AUTH_CACHE_SIZE; i++)
		hit |= a->used[i] && ct_equal(a->cache[i], d, sizeof(d));
	if (hit)
		a->hits++;
	pthread_mutex_unlock(&a->lock);
	if (hit)
		return true;
	if (!bcrypt_ok(a, password, hash))
		return false;
	/* only successes are cached: failures must keep costing an attacker a bcrypt run */
	pthread_mutex_lock(&a->lock);
	memcpy(a->cache[a->next], d, sizeof(d));
	a->used[a->next] = true;
	a->next = (a->next + 1) % BASIC_AUTH_CACHE_SIZE;
	pthread_mutex_unlock(&a->lock);
	return true;
}

uint64_t basic_auth_cache_hits(struct basic_auth *a)
{
	uint64_t n;

	pthread_mutex_lock(&a->lock);
	n = a->hits;
	pthread_mutex_unlock(&a->lock);
	return n;
}

uint64_t basic_auth_bcrypt_runs(struct basic_auth *a)
{
	uint64_t n;

	pthread_mutex_lock(&a->lock);
	n = a->runs;
	pthread_mutex_unlock(&a->lock);
	return n;
}
