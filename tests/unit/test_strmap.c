// SPDX-License-Identifier: Apache-2.0
/*
 * The string map (src/common/strmap.c): put/get/del, keys with embedded NULs and of length 0,
 * probe runs of colliding keys (including runs that wrap around the end of the table) with
 * backward-shift deletion from every position, growth, and a long randomised run against a
 * plain reference array that checks every key after every operation batch.
 */
#include "test.h"

#include "common/strmap.h"

#include <stdlib.h>

static void basics(void)
{
	struct strmap m;
	int a, b;

	strmap_init(&m);
	T_ASSERT(strmap_get(&m, "x", 1) == NULL);
	T_ASSERT(strmap_del(&m, "x", 1) == NULL);
	T_EQ_INT(strmap_put(&m, "conn", 4, &a), 0);
	T_EQ_INT(m.len, 1);
	T_ASSERT(strmap_get(&m, "conn", 4) == &a);
	/* a key is a span: prefixes and longer keys are other keys */
	T_ASSERT(strmap_get(&m, "con", 3) == NULL);
	T_ASSERT(strmap_get(&m, "connx", 5) == NULL);
	T_ASSERT(strmap_get(&m, "connection", 4) == &a);
	/* replace keeps one entry */
	T_EQ_INT(strmap_put(&m, "conn", 4, &b), 0);
	T_EQ_INT(m.len, 1);
	T_ASSERT(strmap_get(&m, "conn", 4) == &b);
	/* embedded NULs (the counters use "conn\0child") and the empty key */
	T_EQ_INT(strmap_put(&m, "a\0bc", 4, &a), 0);
	T_EQ_INT(strmap_put(&m, "a\0b", 3, &b), 0);
	T_EQ_INT(strmap_put(&m, "", 0, &a), 0);
	T_ASSERT(strmap_get(&m, "a\0bc", 4) == &a);
	T_ASSERT(strmap_get(&m, "a\0b", 3) == &b);
	T_ASSERT(strmap_get(&m, "a", 1) == NULL);
	T_ASSERT(strmap_get(&m, "", 0) == &a);
	T_EQ_INT(m.len, 4);
	T_ASSERT(strmap_del(&m, "conn", 4) == &b);
	T_ASSERT(strmap_del(&m, "conn", 4) == NULL);
	T_ASSERT(strmap_get(&m, "conn", 4) == NULL);
	T_EQ_INT(m.len, 3);
	/* seeded per process: stable within it, and the length is part of the key */
	T_EQ_INT(strmap_hash("abcdefghij", 10), strmap_hash("abcdefghij", 10));
	T_ASSERT(strmap_hash("a", 1) != strmap_hash("b", 1));
	T_ASSERT(strmap_hash("a", 1) != strmap_hash("a\0", 2));
	T_ASSERT(strmap_hash("abcdefgh1", 9) != strmap_hash("abcdefgh2", 9));
	strmap_done(&m);
	T_EQ_INT(m.len, 0);
	T_ASSERT(m.slots == NULL);
	strmap_done(&m);
}

/* @n keys whose home slot in a 16-slot table is @home. */
static void colliding(unsigned home, char keys[][8], size_t n)
{
	size_t found = 0;

	for (unsigned i = 0; found < n; i++) {
		snprintf(keys[found], 8, "k%u", i);
		if ((strmap_hash(keys[found], strlen(keys[found])) & 15) == home)
			found++;
	}
}

static bool all_there(const struct strmap *m, char keys[][8], const bool *present, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *v = strmap_get(m, keys[i], strlen(keys[i]));

		if (v != (present[i] ? (void *)keys[i] : NULL)) {
			test_fail(__FILE__, __LINE__, "key %s %s", keys[i],
			          present[i] ? "lost" : "still there");
			return false;
		}
	}
	return true;
}

static void collisions_and_backward_shift(void)
{
	/* runs at slot 3 and at slot 14 (the latter wraps to slots 0, 1, ...); with other keys
	 * interleaved so that shifting must skip members whose home is elsewhere */
	enum { N = 5 };
	static const unsigned homes[] = {3, 14, 15};

	for (size_t h = 0; h < sizeof(homes) / sizeof(homes[0]); h++) {
		for (size_t victim = 0; victim < N + 3; victim++) {
			char keys[N + 3][8];
			bool present[N + 3];
			struct strmap m;

			colliding(homes[h], keys, N);
			colliding((homes[h] + 1) & 15, keys + N, 3);
			strmap_init(&m);
			for (size_t i = 0; i < N + 3; i++) {
				T_EQ_INT(strmap_put(&m, keys[i], strlen(keys[i]), keys[i]), 0);
				present[i] = true;
			}
			T_EQ_INT(m.cap, 16); /* 8 keys: no growth, the runs really collide */
			T_ASSERT(all_there(&m, keys, present, N + 3));
			/* delete one, then the rest in order, checking everything each time */
			for (size_t k = 0; k < N + 3; k++) {
				size_t i = (victim + k) % (N + 3);

				T_ASSERT(strmap_del(&m, keys[i], strlen(keys[i])) == keys[i]);
				present[i] = false;
				T_ASSERT(all_there(&m, keys, present, N + 3));
				T_EQ_INT(m.len, N + 3 - k - 1);
			}
			strmap_done(&m);
		}
	}
}

static void growth_and_many_keys(void)
{
	enum { N = 20000 };
	struct strmap m;
	char key[32];

	strmap_init(&m);
	for (uintptr_t i = 0; i < N; i++) {
		int len = snprintf(key, sizeof(key), "conn-%lu", (unsigned long)i);

		T_EQ_INT(strmap_put(&m, key, (size_t)len, (void *)(i + 1)), 0);
		/* the load factor stays at or below 3/4 */
		T_ASSERT(m.len * 4 <= m.cap * 3);
	}
	T_EQ_INT(m.len, N);
	T_EQ_INT(m.cap & (m.cap - 1), 0);
	for (uintptr_t i = 0; i < N; i++) {
		int len = snprintf(key, sizeof(key), "conn-%lu", (unsigned long)i);

		T_ASSERT(strmap_get(&m, key, (size_t)len) == (void *)(i + 1));
	}
	{
		size_t n = 0;

		strmap_foreach(&m, s) n++;
		T_EQ_INT(n, N);
	}
	/* delete the even ones; the odd ones stay reachable */
	for (uintptr_t i = 0; i < N; i += 2) {
		int len = snprintf(key, sizeof(key), "conn-%lu", (unsigned long)i);

		T_ASSERT(strmap_del(&m, key, (size_t)len) == (void *)(i + 1));
	}
	for (uintptr_t i = 0; i < N; i++) {
		int len = snprintf(key, sizeof(key), "conn-%lu", (unsigned long)i);

		T_ASSERT(strmap_get(&m, key, (size_t)len) == (i % 2 ? (void *)(i + 1) : NULL));
	}
	T_EQ_INT(m.len, N / 2);
	strmap_done(&m);
}

/* Churn like the live-SA map sees at every rekey, against a reference array. */
static void random_churn_against_reference(void)
{
	enum { KEYS = 300, OPS = 200000 };
	static void *ref[KEYS];
	struct strmap m;
	uint64_t x = 88172645463325252ull; /* xorshift64: deterministic */
	size_t live = 0;

	memset(ref, 0, sizeof(ref));
	strmap_init(&m);
	for (int op = 0; op < OPS; op++) {
		char key[16];
		unsigned k;
		int len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = (unsigned)(x % KEYS);
		len = snprintf(key, sizeof(key), "%u", k);
		if ((x >> 32) % 3 == 0) {
			void *old = strmap_del(&m, key, (size_t)len);

			T_ASSERT(old == ref[k]);
			live -= ref[k] != NULL;
			ref[k] = NULL;
		} else {
			void *v = (void *)(uintptr_t)(op + 1);

			T_EQ_INT(strmap_put(&m, key, (size_t)len, v), 0);
			live += ref[k] == NULL;
			ref[k] = v;
		}
		T_EQ_INT(m.len, live);
		if (op % 997 == 0)
			for (unsigned j = 0; j < KEYS; j++) {
				len = snprintf(key, sizeof(key), "%u", j);
				T_ASSERT(strmap_get(&m, key, (size_t)len) == ref[j]);
			}
	}
	strmap_done(&m);
}

TEST_MAIN("strmap", TEST(basics), TEST(collisions_and_backward_shift), TEST(growth_and_many_keys),
          TEST(random_churn_against_reference))
