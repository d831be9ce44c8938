// SPDX-License-Identifier: Apache-2.0
/*
 * Monotonic traffic counters across rekeys (src/exporter/sa_counters.c), driven by sequences of
 * hand-made scrapes that replay what the lab showed (docs: tests/fixtures/vici/README.md): a
 * CHILD rekey leaves the old SA listed as DELETED for a few seconds and starts the new one at
 * zero; child-rekey/child-updown events report final values (sa_counters_retire); a charon
 * restart reuses unique ids with small counters. Each step checks the exact total, and that it
 * never went down.
 */
#include "test.h"

#include "common/limits.h"
#include "exporter/sa_counters.h"

#include <errno.h>
#include <stdlib.h>

/* A CHILD SA "net" whose four counters derive from one number, so one value checks all. */
#define CH(id, st, n)                                                                              \
	{                                                                                          \
		.name = "net", .uniqueid = (id), .state = (st),                                    \
		.totals = {(n), 2 * (uint64_t)(n), (n) / 10, (n) / 5},                             \
	}

static int scrape_conn(struct sa_counters *c, const char *conn, struct snap_child *ch, uint32_t n)
{
	struct snap_ike ike = {
	    .conn = conn, .state = "ESTABLISHED", .children = ch, .n_children = n};
	struct sa_snapshot s = {.ikes = &ike, .n_ikes = 1};

	return sa_counters_update(c, &s);
}

#define SCRAPE(c, ...)                                                                             \
	do {                                                                                       \
		struct snap_child ch_[] = {__VA_ARGS__};                                           \
		T_EQ_INT(scrape_conn((c), "a-b", ch_, sizeof(ch_) / sizeof(ch_[0])), 0);           \
	} while (0)

static int scrape_none(struct sa_counters *c)
{
	struct sa_snapshot s = {0};

	return sa_counters_update(c, &s);
}

/* The total of (a-b, net) is @n in all four counters' terms, and not below the last check. */
static uint64_t last_total;
#define T_TOTAL(c, n)                                                                              \
	do {                                                                                       \
		struct sa_totals t_;                                                               \
		sa_counters_get((c), "a-b", "net", &t_);                                           \
		T_EQ_INT(t_.bytes_in, (n));                                                        \
		T_EQ_INT(t_.bytes_out, 2 * (uint64_t)(n));                                         \
		T_ASSERT(t_.bytes_in >= last_total);                                               \
		last_total = t_.bytes_in;                                                          \
	} while (0)

static struct sa_totals fin(uint64_t n)
{
	return (struct sa_totals){n, 2 * n, n / 10, n / 5};
}

static void rekey_is_monotonic(void)
{
	struct sa_counters *c = sa_counters_new();
	struct sa_totals t;

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 100));
	T_TOTAL(c, 100);
	/* rekey: the old SA is listed DELETED with its last counters, the new one starts at 0 */
	SCRAPE(c, CH(1, "DELETED", 150), CH(2, "INSTALLED", 0));
	T_TOTAL(c, 150);
	SCRAPE(c, CH(1, "DELETED", 150), CH(2, "INSTALLED", 20));
	T_TOTAL(c, 170);
	/* the old one is gone: its last counters are carried, the total does not dip */
	SCRAPE(c, CH(2, "INSTALLED", 30));
	T_TOTAL(c, 180);
	/* a second rekey with no scrape in between showing the DELETED SA */
	SCRAPE(c, CH(3, "INSTALLED", 5));
	T_TOTAL(c, 185);
	sa_counters_get(c, "a-b", "net", &t);
	T_EQ_INT(t.packets_in, 15 + 3 + 0); /* 150/10 + 30/10 + 5/10 */
	T_EQ_INT(t.packets_out, 30 + 6 + 1);
	T_EQ_INT(sa_counters_tracked(c), 1);
	/* no SA at all: the total stays */
	T_EQ_INT(scrape_none(c), 0);
	T_TOTAL(c, 185);
	T_EQ_INT(sa_counters_tracked(c), 0);
	sa_counters_free(c);
	sa_counters_free(NULL);
}

static void deleted_sa_not_counted_twice(void)
{
	struct sa_counters *c = sa_counters_new();

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 100));
	for (int i = 0; i < 3; i++) {
		SCRAPE(c, CH(1, "DELETED", 100), CH(2, "INSTALLED", 0));
		T_TOTAL(c, 100);
	}
	SCRAPE(c, CH(2, "INSTALLED", 10));
	T_TOTAL(c, 110);
	SCRAPE(c, CH(2, "INSTALLED", 10));
	T_TOTAL(c, 110);
	sa_counters_free(c);
}

static void retire_adds_the_difference_once(void)
{
	struct sa_counters *c = sa_counters_new();
	struct sa_totals f = fin(160), f_small = fin(120), t;
	uint64_t after;

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 100));
	T_TOTAL(c, 100);
	/* child-rekey reports the old SA's final counters before the next scrape */
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &f), 0);
	T_TOTAL(c, 160);
	/* the same event again (or a child-updown after the child-rekey) changes nothing */
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &f), 0);
	T_TOTAL(c, 160);
	/* the DELETED SA still listed, with the final values or stale smaller ones */
	SCRAPE(c, CH(1, "DELETED", 160), CH(2, "INSTALLED", 0));
	T_TOTAL(c, 160);
	SCRAPE(c, CH(1, "DELETED", 100), CH(2, "INSTALLED", 5));
	T_TOTAL(c, 165);
	SCRAPE(c, CH(2, "INSTALLED", 5));
	T_TOTAL(c, 165);
	/* final values below the last scrape (only possible if the id was reused) never make
	 * the total go down, now or at the following scrapes */
	SCRAPE(c, CH(2, "INSTALLED", 200));
	T_TOTAL(c, 360);
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 2, &f_small), 0);
	sa_counters_get(c, "a-b", "net", &t);
	T_ASSERT(t.bytes_in >= 360);
	after = t.bytes_in;
	SCRAPE(c, CH(2, "DELETED", 200), CH(3, "INSTALLED", 0));
	T_TOTAL(c, after);
	SCRAPE(c, CH(3, "INSTALLED", 1));
	T_TOTAL(c, after + 1);
	sa_counters_free(c);
}

/* The responder of a CHILD rekey reports the old SA at child-rekey, then keeps sending on it
 * until the initiator's DELETE arrives (seconds when it is retransmitted under loss): what the
 * scrapes see it pass after the event counts, and nothing twice. */
static void old_sa_grows_after_the_event(void)
{
	struct sa_counters *c = sa_counters_new();
	struct sa_totals f = fin(160), late = fin(230);

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 100));
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &f), 0);
	T_TOTAL(c, 160);
	SCRAPE(c, CH(1, "REKEYED", 200), CH(2, "INSTALLED", 0));
	T_TOTAL(c, 200);
	SCRAPE(c, CH(1, "REKEYED", 220), CH(2, "INSTALLED", 10));
	T_TOTAL(c, 230);
	/* gone: its last reading is carried once */
	SCRAPE(c, CH(2, "INSTALLED", 20));
	T_TOTAL(c, 240);
	/* a child-updown after it left the listing, with what it passed after the last scrape */
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &late), 0);
	T_TOTAL(c, 250);
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &late), 0);
	T_TOTAL(c, 250);
	SCRAPE(c, CH(2, "INSTALLED", 25));
	T_TOTAL(c, 255);
	sa_counters_free(c);
}

static void retire_of_an_sa_never_scraped(void)
{
	struct sa_counters *c = sa_counters_new();
	struct sa_totals f = fin(50);

	T_ASSERT(c);
	last_total = 0;
	/* installed and deleted between two scrapes: only the event knows it */
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 7, &f), 0);
	T_TOTAL(c, 50);
	T_EQ_INT(scrape_none(c), 0);
	T_TOTAL(c, 50);
	T_EQ_INT(scrape_none(c), 0);
	T_TOTAL(c, 50);
	SCRAPE(c, CH(8, "INSTALLED", 10));
	T_TOTAL(c, 60);
	sa_counters_free(c);
}

static void charon_restart_reuses_ids(void)
{
	struct sa_counters *c = sa_counters_new();

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 1000));
	T_TOTAL(c, 1000);
	/* charon restarted: unique id 1 again, counters small */
	SCRAPE(c, CH(1, "INSTALLED", 50));
	T_TOTAL(c, 1050);
	SCRAPE(c, CH(1, "INSTALLED", 70));
	T_TOTAL(c, 1070);
	T_EQ_INT(sa_counters_tracked(c), 1);
	/* the same id now under another connection is another SA too */
	{
		struct snap_child ch[] = {CH(1, "INSTALLED", 3)};
		struct sa_totals t;

		T_EQ_INT(scrape_conn(c, "a-c", ch, 1), 0);
		sa_counters_get(c, "a-c", "net", &t);
		T_EQ_INT(t.bytes_in, 3);
	}
	T_TOTAL(c, 1070);
	sa_counters_free(c);
}

static void pairs_are_separate(void)
{
	struct sa_counters *c = sa_counters_new();
	struct snap_child ab[] = {CH(1, "INSTALLED", 10), CH(2, "INSTALLED", 20)};
	struct snap_child ac[] = {CH(3, "INSTALLED", 300)};
	char long_name[LABEL_VALUE_MAX * 2 + 8];
	struct sa_totals t;

	T_ASSERT(c);
	ab[1].name = "voice";
	T_EQ_INT(scrape_conn(c, "a-b", ab, 2), 0);
	sa_counters_get(c, "a-b", "net", &t);
	T_EQ_INT(t.bytes_in, 10);
	sa_counters_get(c, "a-b", "voice", &t);
	T_EQ_INT(t.bytes_in, 20);
	/* "conn\0child" keys: ("a-b", "net") is not ("a-bn", "et") */
	sa_counters_get(c, "a-bn", "et", &t);
	T_EQ_INT(t.bytes_in, 0);
	sa_counters_get(c, "no", "such", &t);
	T_EQ_INT(t.bytes_in + t.bytes_out + t.packets_in + t.packets_out, 0);
	/* a separate scrape of another connection: a-b's SAs are not in it, so they end */
	T_EQ_INT(scrape_conn(c, "a-c", ac, 1), 0);
	sa_counters_get(c, "a-c", "net", &t);
	T_EQ_INT(t.bytes_in, 300);
	sa_counters_get(c, "a-b", "voice", &t);
	T_EQ_INT(t.bytes_in, 20);
	T_EQ_INT(sa_counters_tracked(c), 1);
	/* names longer than any label we export are not tracked, and do not crash */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ac[0].name = long_name;
	T_EQ_INT(scrape_conn(c, "a-c", ac, 1), 0);
	sa_counters_get(c, "a-c", long_name, &t);
	T_EQ_INT(t.bytes_in, 0);
	sa_counters_free(c);
}

/* The event that reports an SA's end arrives after the scrape that no longer listed it: only
 * what the SA carried after that scrape is added. */
static void late_retire_adds_only_the_rest(void)
{
	struct sa_counters *c = sa_counters_new();
	struct sa_totals f = fin(160);

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 100));
	T_TOTAL(c, 100);
	SCRAPE(c, CH(2, "INSTALLED", 0));
	T_TOTAL(c, 100);
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &f), 0);
	T_TOTAL(c, 160);
	SCRAPE(c, CH(2, "INSTALLED", 0));
	T_TOTAL(c, 160);
	/* the same report twice changes nothing */
	T_EQ_INT(sa_counters_retire(c, "a-b", "net", 1, &f), 0);
	SCRAPE(c, CH(2, "INSTALLED", 10));
	T_TOTAL(c, 170);
	sa_counters_free(c);
}

/* list-sas with noblock skips a busy IKE SA: its CHILD SAs vanish for one scrape and come
 * back. They must not be counted twice (carried, then live again). */
static void skipped_sa_comes_back(void)
{
	struct sa_counters *c = sa_counters_new();

	T_ASSERT(c);
	last_total = 0;
	SCRAPE(c, CH(1, "INSTALLED", 100));
	T_TOTAL(c, 100);
	T_EQ_INT(scrape_none(c), 0);
	T_TOTAL(c, 100);
	SCRAPE(c, CH(1, "INSTALLED", 120));
	T_TOTAL(c, 120);
	T_EQ_INT(sa_counters_tracked(c), 1);
	sa_counters_free(c);
}

/* Hundreds of SAs at once, a window of unique ids that moves on at every scrape: the map of
 * live SAs grows, and SAs end in every scrape. The total is every SA's last reading, and the SAs
 * tracked are the window. */
static void many_sas_churn(void)
{
	enum { WINDOW = 400, STEP = 57, SCRAPES = 30 };
	struct sa_counters *c = sa_counters_new();
	struct snap_child *ch = calloc(WINDOW, sizeof(*ch));
	uint64_t want = 0;

	T_ASSERT(c && ch);
	last_total = 0;
	for (uint32_t k = 0; k < SCRAPES; k++) {
		for (uint32_t i = 0; i < WINDOW; i++) {
			uint32_t id = k * STEP + i + 1;

			ch[i] = (struct snap_child)CH(id, "INSTALLED", (uint64_t)id + k);
		}
		T_EQ_INT(scrape_conn(c, "a-b", ch, WINDOW), 0);
		/* the ids that left the window: their last reading (the scrape before) */
		want = 0;
		for (uint32_t id = 1; id <= k * STEP; id++)
			want += id + (id - 1) / STEP;
		for (uint32_t i = 0; i < WINDOW; i++)
			want += (uint64_t)k * STEP + i + 1 + k;
		T_TOTAL(c, want);
		T_EQ_INT(sa_counters_tracked(c), WINDOW);
	}
	free(ch);
	sa_counters_free(c);
}

/* Every unique id comes back under the other connection at every scrape (charon restarted,
 * and restarted again): each SA is forgotten and a new one takes its id, hundreds at a time.
 * Each connection's total is the sum of its SAs' last readings. */
static void ids_reused_in_bulk(void)
{
	enum { N = 300, SCRAPES = 10 };
	struct sa_counters *c = sa_counters_new();
	struct snap_child *ch = calloc(N, sizeof(*ch));
	const char *conns[2] = {"a-b", "x-y"};
	uint64_t want[2] = {0, 0};

	T_ASSERT(c && ch);
	for (uint32_t k = 0; k < SCRAPES; k++) {
		for (uint32_t i = 0; i < N; i++) {
			ch[i] =
			    (struct snap_child)CH(i + 1, "INSTALLED", 1000 * (uint64_t)k + i + 1);
			want[k % 2] += 1000 * (uint64_t)k + i + 1;
		}
		T_EQ_INT(scrape_conn(c, conns[k % 2], ch, N), 0);
		for (int p = 0; p < 2; p++) {
			struct sa_totals t;

			sa_counters_get(c, conns[p], "net", &t);
			T_EQ_INT(t.bytes_in, want[p]);
			T_EQ_INT(t.bytes_out, 2 * want[p]);
		}
		T_EQ_INT(sa_counters_tracked(c), N);
	}
	free(ch);
	sa_counters_free(c);
}

/* Two thousand connections, each with its SA, over scrapes in which every SA grows and then
 * half of them are replaced by new ones (a rekey: another unique id under the same pair): the
 * pairs' table and index grow past many reallocations and every pair keeps its own total. */
static void many_pairs(void)
{
	enum { N = 2000, SCRAPES = 4 };
	struct sa_counters *c = sa_counters_new();
	struct snap_ike *ikes = calloc(N, sizeof(*ikes));
	struct snap_child *ch = calloc(N, sizeof(*ch));
	char(*names)[16] = calloc(N, sizeof(*names));
	uint64_t *want = calloc(N, sizeof(*want)), *last = calloc(N, sizeof(*last));

	T_ASSERT(c && ikes && ch && names && want && last);
	for (uint32_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "c-%u", i);
		ikes[i] = (struct snap_ike){.conn = names[i], .children = &ch[i], .n_children = 1};
	}
	for (uint32_t k = 0; k < SCRAPES; k++) {
		struct sa_snapshot s = {.ikes = ikes, .n_ikes = N};

		for (uint32_t i = 0; i < N; i++) {
			/* odd connections rekey at every scrape: a new id, counting from 0 again */
			bool rekeyed = k > 0 && i % 2;
			uint32_t id = i % 2 ? k * N + i + 1 : i + 1;
			uint64_t n = rekeyed ? i + k : 10 * (uint64_t)(k + 1) + i;

			if (rekeyed)
				want[i] += last[i]; /* the old SA's last reading is carried */
			ch[i] = (struct snap_child)CH(id, "INSTALLED", n);
			last[i] = n;
		}
		T_EQ_INT(sa_counters_update(c, &s), 0);
		for (uint32_t i = 0; i < N; i++) {
			struct sa_totals t;

			sa_counters_get(c, names[i], "net", &t);
			T_EQ_INT(t.bytes_in, want[i] + last[i]);
			T_EQ_INT(t.bytes_out, 2 * (want[i] + last[i]));
		}
		T_EQ_INT(sa_counters_tracked(c), N);
	}
	free(ikes);
	free(ch);
	free(names);
	free(want);
	free(last);
	sa_counters_free(c);
}

TEST_MAIN("sa_counters", TEST(late_retire_adds_only_the_rest), TEST(skipped_sa_comes_back),
          TEST(rekey_is_monotonic), TEST(deleted_sa_not_counted_twice),
          TEST(retire_adds_the_difference_once), TEST(old_sa_grows_after_the_event),
          TEST(retire_of_an_sa_never_scraped), TEST(charon_restart_reuses_ids),
          TEST(pairs_are_separate), TEST(many_sas_churn), TEST(ids_reused_in_bulk),
          TEST(many_pairs))
