// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for src/common: the bounded reader, the capped buffer, checked number parsing, the
 * arena and XXH64.
 */
#include "test.h"

#include "common/arena.h"
#include "common/ixmap.h"
#include "common/buf.h"
#include "common/num.h"
#include "common/path.h"
#include "common/rd.h"
#include "common/stopper.h"
#include "common/clock.h"
#include "common/dl_lib.h"
#include "common/xxh64.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void rd_reads_big_endian_and_stops_short(void)
{
	static const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	struct rd r;
	uint8_t a;
	uint16_t b;
	uint32_t c;

	rd_init(&r, in, sizeof(in));
	T_ASSERT(rd_u8(&r, &a) == 0 && a == 0x01);
	T_ASSERT(rd_u16(&r, &b) == 0 && b == 0x0203);
	T_ASSERT(rd_u32(&r, &c) == 0 && c == 0x04050607);
	T_EQ_INT(rd_u8(&r, &a), -EBADMSG);
	T_EQ_INT(rd_left(&r), 0);
}

static void rd_short_read_leaves_cursor(void)
{
	static const uint8_t in[] = {0xaa, 0xbb, 0xcc};
	struct rd r, sub;
	uint32_t c;
	const uint8_t *p;

	rd_init(&r, in, sizeof(in));
	T_EQ_INT(rd_u32(&r, &c), -EBADMSG);
	T_EQ_INT(rd_left(&r), 3);
	T_EQ_INT(rd_sub(&r, 4, &sub), -EBADMSG);
	T_ASSERT(rd_sub(&r, 2, &sub) == 0 && rd_left(&sub) == 2 && rd_left(&r) == 1);
	T_ASSERT(rd_bytes(&r, 1, &p) == 0 && p[0] == 0xcc);
	T_EQ_INT(rd_bytes(&r, SIZE_MAX, &p), -EBADMSG);
}

static void buf_caps_and_sticks(void)
{
	struct buf b;

	buf_init(&b, 8);
	T_EQ_INT(buf_puts(&b, "12345"), 0);
	T_EQ_INT(buf_puts(&b, "6789"), -E2BIG);
	T_EQ_INT(buf_puts(&b, "x"), -E2BIG);
	T_EQ_INT(b.len, 5);
	T_EQ_STR(b.data, "12345");
	buf_reset(&b);
	T_EQ_INT(buf_put_i64(&b, -42), 0);
	T_EQ_STR(b.data, "-42");
	buf_done(&b);
}

/* What a sink saw: the bytes, how many calls, the largest buffer it was handed. With ->give,
 * the sink takes the buffer's storage (and frees it at once, so that ASan sees any later use of
 * it by the buffer) and gives back new storage of that many bytes. */
struct sink_seen {
	struct buf all;
	unsigned calls;
	size_t largest;
	unsigned fail_at; /* fail the n-th call (1-based); 0: never */
	size_t give;      /* > 0: take the storage, give this many bytes in its place */
	char *given;      /* the storage given last */
	unsigned back;    /* calls that were handed the storage given last */
	bool take_held;   /* take bytes offered under a hold (else decline, -EAGAIN) */
	unsigned held_calls;
};

static int sink_take_all(void *ctx, char **data, size_t *cap, size_t len, bool held)
{
	struct sink_seen *s = ctx;
	char *fresh;

	if (held && !s->take_held)
		return -EAGAIN;
	s->held_calls += held;

	s->calls++;
	if (len > s->largest)
		s->largest = len;
	if (s->fail_at && s->calls == s->fail_at)
		return -EPIPE;
	if (*cap <= len || buf_append(&s->all, *data, len) < 0)
		return -EINVAL;
	if (!s->give)
		return 0;
	if (*data == s->given)
		s->back++;
	if (!(fresh = malloc(s->give)))
		return -ENOMEM;
	free(*data);
	*data = s->given = fresh;
	*cap = s->give;
	return 0;
}

/* Write the same pieces (appends, printf, room/commit, reserve) with and without a sink: the
 * sink gets exactly the bytes, the buffer never holds a mark's worth, and a hold keeps them. */
static void write_pieces(struct buf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char *p;

		buf_puts(b, "name{label=\"");
		buf_put_u64(b, i * 7919u);
		buf_printf(b, "\"} %u", i % 13);
		if ((p = buf_room(b, 24))) {
			memcpy(p, " room", 5);
			buf_commit(b, 5);
		}
		if (buf_reserve(b, 3) == 0) {
			memcpy(b->data + b->len, "\n", 1);
			buf_commit(b, 1);
		}
		if (i % 97 == 0) {
			char big[700];

			memset(big, 'x', sizeof(big));
			buf_append(b, big, sizeof(big)); /* larger than a small mark */
		}
	}
}

/* Both kinds of sink (one that reads the bytes where they are, one that takes the storage and
 * gives other storage back, smaller, as large or larger than the mark). */
static void buf_sink_streams(void)
{
	static const size_t marks[] = {1, 2, 16, 64, 100, 256, 1000, 4096, 1 << 20};
	struct buf whole;

	buf_init(&whole, SIZE_MAX);
	write_pieces(&whole, 500);
	T_EQ_INT(whole.err, 0);
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		const size_t gives[] = {0, 1, marks[m] / 2 + 1, marks[m], 3 * marks[m]};

		for (size_t g = 0; g < sizeof(gives) / sizeof(gives[0]); g++) {
			struct sink_seen seen = {.give = gives[g]};
			size_t bound = marks[m] < 1024 ? 1024 : 2 * marks[m];
			struct buf b;

			buf_init(&seen.all, SIZE_MAX);
			buf_init(&b, SIZE_MAX);
			buf_set_sink(&b, marks[m], sink_take_all, &seen);
			buf_hint(&b, 10u << 20);
			T_ASSERT(b.cap <= (marks[m] < 256 ? 256 : 2 * marks[m]));
			write_pieces(&b, 500);
			/* the buffer never held a mark's worth, but for a single larger piece */
			T_ASSERT(b.len < marks[m] || b.len <= 700 + 24);
			T_ASSERT(b.cap <= (gives[g] > bound ? gives[g] : bound));
			T_EQ_INT(buf_total(&b), whole.len);
			T_EQ_INT(buf_flush(&b), 0);
			T_EQ_INT(b.len, 0);
			T_EQ_INT(b.err, 0);
			T_EQ_INT(seen.all.len, whole.len);
			T_ASSERT(memcmp(seen.all.data, whole.data, whole.len) == 0);
			T_ASSERT(marks[m] >= whole.len ? seen.calls == 1 : seen.calls > 1);
			/* storage given at least the mark is written on in place and handed back
			 * as it is: no copy, no reallocation */
			if (gives[g] >= marks[m] && gives[g] > 700 + 24)
				T_EQ_INT(seen.back, seen.calls - 1);
			/* bytes the sink took cannot be forgotten */
			buf_reset(&b);
			T_EQ_INT(b.err, -ESPIPE);
			buf_done(&b);
			buf_done(&seen.all);
		}
	}
	buf_done(&whole);
}

/* Under a hold the bytes go to a sink that can take them at once (it says so by not declining):
 * at the mark, as without a hold, so the storage stays at the mark; a sink that declines keeps
 * them in the buffer, which grows, until the hold ends (buf_sink_holds_and_fails). */
static void buf_sink_takes_held(void)
{
	struct buf whole;

	buf_init(&whole, SIZE_MAX);
	write_pieces(&whole, 300);
	for (size_t give = 0; give <= 64; give += 64) {
		struct sink_seen seen = {.give = give, .take_held = true};
		struct buf b;

		buf_init(&seen.all, SIZE_MAX);
		buf_init(&b, SIZE_MAX);
		buf_set_sink(&b, 64, sink_take_all, &seen);
		buf_hold(&b);
		write_pieces(&b, 300);
		/* every hand-over was offered as held, and the buffer kept under the mark but for
		 * a single larger piece (write_pieces' largest is 724 bytes) */
		T_ASSERT(seen.calls > 100);
		T_EQ_INT(seen.held_calls, seen.calls);
		T_ASSERT(b.len < 64 || b.len <= 724);
		T_ASSERT(b.cap <= 2048);
		buf_unhold(&b);
		T_EQ_INT(buf_flush(&b), 0);
		T_EQ_INT(seen.all.len, whole.len);
		T_ASSERT(memcmp(seen.all.data, whole.data, whole.len) == 0);
		buf_done(&b);
		buf_done(&seen.all);
	}
	buf_done(&whole);
}

static void buf_sink_holds_and_fails(void)
{
	struct buf b;

	for (size_t give = 0; give <= 64; give += 64) {
		struct sink_seen seen = {.give = give};

		buf_init(&seen.all, SIZE_MAX);
		buf_init(&b, 10000);
		buf_set_sink(&b, 64, sink_take_all, &seen);
		buf_hold(&b);
		for (int i = 0; i < 100; i++)
			buf_puts(&b, "0123456789");
		/* held: nothing handed over, the buffer grew */
		T_EQ_INT(seen.calls, 0);
		T_EQ_INT(b.len, 1000);
		buf_unhold(&b);
		T_EQ_INT(seen.calls, 1);
		T_EQ_INT(seen.all.len, 1000);
		T_EQ_INT(b.len, 0);
		T_ASSERT(give ? b.cap == give : b.cap >= 1000);
		buf_puts(&b, "x");
		T_EQ_INT(seen.calls, 1);
		/* the cap counts every byte written, those the sink took too */
		for (int i = 0; i < 900 && !b.err; i++)
			buf_puts(&b, "0123456789");
		T_EQ_INT(b.err, -E2BIG);
		T_ASSERT(buf_total(&b) <= 10000);
		T_EQ_INT(seen.all.len, b.flushed);
		buf_done(&b);
		buf_done(&seen.all);

		/* a sink's failure is the buffer's sticky error: later writes are no-ops, and the
		 * buffer keeps the storage it had (freed by buf_done(): ASan sees a leak) */
		seen = (struct sink_seen){.fail_at = 2, .give = give};
		buf_init(&seen.all, SIZE_MAX);
		buf_init(&b, SIZE_MAX);
		buf_set_sink(&b, 32, sink_take_all, &seen);
		for (int i = 0; i < 100; i++)
			buf_puts(&b, "0123456789");
		T_EQ_INT(b.err, -EPIPE);
		T_EQ_INT(seen.calls, 2);
		T_EQ_INT(buf_flush(&b), -EPIPE);
		T_EQ_INT(seen.calls, 2);
		T_ASSERT(buf_room(&b, 4) == NULL);
		/* the bytes the failed call was handed stay where they were: the storage the
		 * sink gave (64 bytes), or the first one (256: only the slow paths look at the
		 * mark), full to the last whole piece */
		T_EQ_INT(b.len, give ? 60 : 250);
		for (size_t i = 0; i < b.len; i++)
			T_EQ_INT(b.data[i], '0' + i % 10);
		buf_done(&b);
		buf_done(&seen.all);
	}

	/* a hint without a sink reserves, and past the cap leaves no error; on a buffer without
	 * storage, at the first write (nothing is allocated before), in one allocation */
	buf_init(&b, 100);
	buf_hint(&b, 1000);
	T_EQ_INT(b.err, 0);
	T_ASSERT(b.data == NULL && b.cap == 0);
	T_EQ_INT(buf_puts(&b, "ok"), 0);
	T_ASSERT(b.cap >= 100);
	T_ASSERT(b.cap <= 101);
	buf_done(&b);
	buf_init(&b, SIZE_MAX);
	buf_hint(&b, 10000);
	T_ASSERT(b.data == NULL);
	T_ASSERT(buf_room(&b, 3) != NULL);
	T_ASSERT(b.cap > 10000);
	{
		const char *was = b.data;

		buf_hint(&b, 5000); /* there is room: nothing moves */
		T_ASSERT(b.data == was);
	}
	buf_hint(&b, 20000); /* storage there: it grows now */
	T_ASSERT(b.cap > 20000);
	buf_done(&b);
	T_EQ_INT(b.hint, 0);
}

static void buf_integers(void)
{
	struct buf b;

	buf_init(&b, 1024);
	buf_put_u64(&b, 0);
	buf_putc(&b, ' ');
	buf_put_u64(&b, UINT64_MAX);
	buf_putc(&b, ' ');
	buf_put_i64(&b, INT64_MIN);
	T_EQ_INT(b.err, 0);
	T_EQ_STR(b.data, "0 18446744073709551615 -9223372036854775808");
	buf_done(&b);
	/* every length, at both ends of it (two digits a step, then one or two) */
	for (uint64_t p = 1, i = 0; i < 20; i++, p *= 10) {
		char want[48], got[BUF_U64_DIGITS_MAX + 1];
		size_t n;

		snprintf(want, sizeof(want), "%llu", (unsigned long long)p);
		n = buf_fmt_u64(got, p);
		got[n] = '\0';
		T_EQ_STR(got, want);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)(p - 1));
		n = buf_fmt_u64(got, p - 1);
		got[n] = '\0';
		T_EQ_STR(got, want);
	}
	/* the room a fast writer asks for is a bound: past the cap it is refused without failing
	 * the buffer, and the exact digits still fit */
	buf_init(&b, 4);
	T_ASSERT(buf_room(&b, BUF_U64_DIGITS_MAX) == NULL);
	T_EQ_INT(b.err, 0);
	T_EQ_INT(buf_put_u64(&b, 1234), 0);
	T_EQ_STR(b.data, "1234");
	T_EQ_INT(buf_put_u64(&b, 5), -E2BIG);
	buf_done(&b);
}

static void num_parse_rejects_junk(void)
{
	uint64_t u;
	int64_t i;

	T_ASSERT(num_parse_u64("123", 3, 1000, &u) == 0 && u == 123);
	T_EQ_INT(num_parse_u64("123", 3, 100, &u), -ERANGE);
	T_EQ_INT(num_parse_u64("12a", 3, 1000, &u), -EINVAL);
	T_EQ_INT(num_parse_u64("-1", 2, 1000, &u), -EINVAL);
	T_EQ_INT(num_parse_u64(" 1", 2, 1000, &u), -EINVAL);
	T_EQ_INT(num_parse_u64("", 0, 1000, &u), -EINVAL);
	T_EQ_INT(num_parse_u64("99999999999999999999", 20, UINT64_MAX, &u), -ERANGE);
	/* a span is read only up to its length, not to a NUL */
	T_ASSERT(num_parse_u64("4567", 2, 1000, &u) == 0 && u == 45);
	T_ASSERT(num_parse_i64("-12", 3, INT64_MIN, INT64_MAX, &i) == 0 && i == -12);
	T_EQ_INT(num_parse_i64("--1", 3, INT64_MIN, INT64_MAX, &i), -EINVAL);
	T_EQ_INT(num_parse_i64("-", 1, INT64_MIN, INT64_MAX, &i), -EINVAL);
	T_EQ_INT(num_parse_i64("+1", 2, INT64_MIN, INT64_MAX, &i), -EINVAL);
	T_ASSERT(num_parse_i64("-9223372036854775808", 20, INT64_MIN, INT64_MAX, &i) == 0 &&
	         i == INT64_MIN);
	T_ASSERT(num_parse_i64("9223372036854775807", 19, INT64_MIN, INT64_MAX, &i) == 0 &&
	         i == INT64_MAX);
	T_EQ_INT(num_parse_i64("-9223372036854775809", 20, INT64_MIN, INT64_MAX, &i), -ERANGE);
	T_EQ_INT(num_parse_i64("9223372036854775808", 19, INT64_MIN, INT64_MAX, &i), -ERANGE);
	T_EQ_INT(num_parse_i64("-5", 2, 0, 10, &i), -ERANGE);
	T_ASSERT(num_parse_u64("18446744073709551615", 20, UINT64_MAX, &u) == 0 && u == UINT64_MAX);
	T_EQ_INT(num_parse_u64("18446744073709551616", 20, UINT64_MAX, &u), -ERANGE);
	T_ASSERT(num_parse_u64("000000000000000000000000042", 27, 100, &u) == 0 && u == 42);
	T_EQ_INT(num_parse_u64("1\0", 2, 1000, &u), -EINVAL);
	T_EQ_INT(num_parse_u64("99999999999999999999x", 21, UINT64_MAX, &u), -EINVAL);
	/* against strtoull: every length, with and without leading zeros, around 2^64 */
	{
		static const char *const tails[] = {"18446744073709551615", "18446744073709551616",
		                                    "18446744073709551605", "28446744073709551615",
		                                    "9999999999999999999",  "10000000000000000000"};
		uint64_t seed = 0x9e3779b97f4a7c15ull;
		char t[40];

		for (size_t k = 0; k < 2000; k++) {
			size_t len = 1 + k % 39, zeros = (k / 39) % 4 ? 0 : (k / 7) % len;
			unsigned long long want;
			char *end;

			for (size_t j = 0; j < len; j++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				t[j] = (char)(j < zeros ? '0' : '0' + (seed >> 33) % 10);
			}
			if (k % 13 == 0 && len >= 20) /* a value near 2^64 behind the zeros */
				memcpy(t + len - strlen(tails[k % 6]), tails[k % 6],
				       strlen(tails[k % 6]));
			t[len] = '\0';
			errno = 0;
			want = strtoull(t, &end, 10);
			if (errno == ERANGE)
				T_EQ_INT(num_parse_u64(t, len, UINT64_MAX, &u), -ERANGE);
			else
				T_ASSERT(num_parse_u64(t, len, UINT64_MAX, &u) == 0 && u == want);
		}
	}
	T_ASSERT(num_parse_hex_u64("c1a0b2ff", 8, UINT32_MAX, &u) == 0 && u == 0xc1a0b2ff);
	T_EQ_INT(num_parse_hex_u64("0x", 2, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("1g", 2, UINT32_MAX, &u), -EINVAL);
	T_ASSERT(num_parse_hex_u64("0XaBcDeF09", 10, UINT32_MAX, &u) == 0 && u == 0xabcdef09);
	T_ASSERT(num_parse_hex_u64("0", 1, UINT32_MAX, &u) == 0 && u == 0);
	T_ASSERT(num_parse_hex_u64("0000000000000000000ffffffffffffffff", 35, UINT64_MAX, &u) ==
	             0 &&
	         u == UINT64_MAX);
	T_EQ_INT(num_parse_hex_u64("10000000000000000", 17, UINT64_MAX, &u), -ERANGE);
	T_EQ_INT(num_parse_hex_u64("100000000", 9, UINT32_MAX, &u), -ERANGE);
	T_EQ_INT(num_parse_hex_u64(" 1", 2, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("+1", 2, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("0x0x1", 5, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("@", 1, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("`", 1, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("G", 1, UINT32_MAX, &u), -EINVAL);
	T_EQ_INT(num_parse_hex_u64("", 0, UINT32_MAX, &u), -EINVAL);
}

static void num_parse_durations(void)
{
	uint64_t ms;

	T_ASSERT(num_parse_duration_ms_str("250ms", 1000000, &ms) == 0 && ms == 250);
	T_ASSERT(num_parse_duration_ms_str("1.5s", 1000000, &ms) == 0 && ms == 1500);
	T_ASSERT(num_parse_duration_ms_str("2m", 1000000, &ms) == 0 && ms == 120000);
	T_ASSERT(num_parse_duration_ms_str("3", 1000000, &ms) == 0 && ms == 3000);
	T_EQ_INT(num_parse_duration_ms_str("1h", 1000, &ms), -ERANGE);
	T_EQ_INT(num_parse_duration_ms_str("s", 1000, &ms), -EINVAL);
	T_EQ_INT(num_parse_duration_ms_str("1x", 1000, &ms), -EINVAL);
	T_EQ_INT(num_parse_duration_ms_str("nan", 1000, &ms), -EINVAL);
}

/* Strings are packed (one byte after another), yet every arena_alloc() after them is aligned
 * for any type, in the chunk it shares with them and across new chunks; reset keeps working. */
static void arena_packs_strings_and_aligns_blocks(void)
{
	struct arena a;
	char big[40000];

	memset(big, 'x', sizeof(big));
	arena_init(&a);
	for (int round = 0; round < 2; round++) {
		char *s1 = arena_strndup(&a, "abc", 3), *s2 = arena_strndup(&a, "de", 2);
		uint64_t *blk;
		char *huge;

		T_ASSERT(s1 && s2);
		T_EQ_STR(s1, "abc");
		T_EQ_STR(s2, "de");
		T_ASSERT(s2 == s1 + 4); /* no padding between strings */
		T_EQ_INT((int)a.used, 7);
		blk = arena_alloc(&a, 3 * sizeof(*blk));
		T_ASSERT(blk && (uintptr_t)blk % alignof(max_align_t) == 0);
		blk[0] = blk[1] = blk[2] = UINT64_MAX;
		T_EQ_STR(arena_strndup(&a, "", 0), "");
		/* beyond the first chunk: a larger one, still aligned, earlier strings intact */
		huge = arena_strndup(&a, big, sizeof(big));
		T_ASSERT(huge && huge[0] == 'x' && huge[sizeof(big) - 1] == 'x' &&
		         huge[sizeof(big)] == '\0');
		blk = arena_alloc(&a, 1);
		T_ASSERT(blk && (uintptr_t)blk % alignof(max_align_t) == 0);
		T_EQ_STR(s1, "abc");
		arena_reset(&a);
		T_EQ_INT((int)a.used, 0);
	}
	arena_done(&a);
}

/* Against the reference library (libxxhash 0.8.1's XXH64), at every length class: the tail
 * bytes, 4 and 8 bytes at a time, and the 32-byte stripes; seeds 0, small, large and all ones.
 * The input is bytes (i * 7 + 3) & 0xff. */
static void xxh64_matches_reference(void)
{
	static const struct {
		size_t len;
		uint64_t seed, want;
	} v[] = {
	    {0, 0x0000000000000000ull, 0xef46db3751d8e999ull},
	    {1, 0x0000000000000000ull, 0x1f25c8d0bc1f4bb6ull},
	    {3, 0x0000000000000000ull, 0x31d2363f52e564c9ull},
	    {4, 0x0000000000000000ull, 0x9bb64b7d66ee9fdaull},
	    {7, 0x0000000000000000ull, 0x9a7b149959ce60d8ull},
	    {8, 0x0000000000000000ull, 0xdab99d95c6f90092ull},
	    {31, 0x0000000000000000ull, 0xa2aa5f33cc4a6119ull},
	    {32, 0x0000000000000000ull, 0x23c3c17ef790fd97ull},
	    {33, 0x0000000000000000ull, 0x50a7cfc7ba588784ull},
	    {63, 0x0000000000000001ull, 0xb1abb4a5ad0e2943ull},
	    {64, 0x9e3779b97f4a7c15ull, 0x4af341f14e3a6fc9ull},
	    {100, 0x0000000000003039ull, 0xacb8a02891fea7d2ull},
	    {200, 0xffffffffffffffffull, 0x9a3430329ce82c6full},
	};
	uint8_t in[200];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)((i * 7 + 3) & 0xff);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_ASSERT(xxh64(in, v[i].len, v[i].seed) == v[i].want);
	T_ASSERT(xxh64("abc", 3, 0) == 0x44bc2cf5ad770999ull);
	/* the seed changes the hash; the hash reads every byte */
	T_ASSERT(xxh64(in, 100, 1) != xxh64(in, 100, 2));
	for (size_t i = 0; i < 100; i++) {
		uint64_t h = xxh64(in, 100, 7);

		in[i] ^= 1;
		T_ASSERT(xxh64(in, 100, 7) != h);
		in[i] ^= 1;
	}
}

/* arena_release() gives every chunk back and remembers the size: what comes next is in one
 * chunk of about the size used before (consecutive strings, never a gap of a new chunk). */
static void arena_release_remembers_size(void)
{
	struct arena a;
	char piece[1000];
	const char *prev = NULL;

	memset(piece, 'y', sizeof(piece));
	arena_init(&a);
	arena_release(&a); /* empty: nothing to give back, the default first chunk after it */
	T_EQ_INT((int)a.hint, 0);
	for (int i = 0; i < 200; i++)
		T_ASSERT(arena_strndup(&a, piece, sizeof(piece) - 1));
	T_EQ_INT((int)a.used, 200 * 1000);
	arena_release(&a);
	T_ASSERT(a.head == NULL);
	T_EQ_INT((int)a.used, 0);
	T_ASSERT(a.hint >= 200 * 1000);
	for (int i = 0; i < 200; i++) {
		const char *p = arena_strndup(&a, piece, sizeof(piece) - 1);

		T_ASSERT(p && p[0] == 'y' && p[998] == 'y' && p[999] == '\0');
		T_ASSERT(!prev || p == prev + 1000); /* one chunk */
		prev = p;
	}
	arena_reset(&a);
	T_EQ_INT((int)a.used, 0);
	T_ASSERT(arena_strndup(&a, "z", 1));
	arena_done(&a);
	T_EQ_INT((int)a.hint, 0);
}

struct ix_model {
	uint32_t key[600]; /* the caller's array: entry i's key */
	uint32_t n;
};
static const struct ix_model *ix_cur;

static bool ix_key_is(const void *ctx, uint32_t ix)
{
	return ix < ix_cur->n && ix_cur->key[ix] == *(const uint32_t *)ctx;
}

/* Random adds, deletions (the last entry moved into the hole, as a caller that keeps its array
 * dense does) and lookups against the array itself, with hashes that collide on purpose (few
 * distinct low bits) so that probes wrap and deletions shift runs. */
static void ixmap_against_a_plain_search(void)
{
	static struct ix_model m;
	struct ixmap x;
	uint64_t r = 0x9e3779b97f4a7c15ull;

	ix_cur = &m;
	ixmap_init(&x);
	T_EQ_INT(ixmap_get(&x, 5, ix_key_is, &(uint32_t){5}), 0); /* empty, no table */
	T_ASSERT(!ixmap_del(&x, 5, 0));
	for (int step = 0; step < 20000; step++) {
		uint32_t k, h, found = 0;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		k = (uint32_t)(r % 700);
		h = k * 2654435761u & 0x8000003fu; /* 64 low values and the top bit */
		for (uint32_t i = 0; i < m.n; i++)
			if (m.key[i] == k)
				found = i + 1;
		T_EQ_INT(ixmap_get(&x, h, ix_key_is, &k), found);
		if (found && (r >> 20) % 2) {
			uint32_t at = found - 1, last = m.n - 1;

			T_ASSERT(ixmap_del(&x, h, at));
			T_ASSERT(!ixmap_del(&x, h, at) || at != last);
			if (at != last) {
				uint32_t hl = m.key[last] * 2654435761u & 0x8000003fu;

				m.key[at] = m.key[last];
				T_ASSERT(ixmap_move(&x, hl, last, at));
			}
			m.n--;
		} else if (!found && m.n < 600) {
			m.key[m.n] = k;
			T_EQ_INT(ixmap_add(&x, h, m.n), 0);
			m.n++;
		}
		T_EQ_INT(x.len, m.n);
		T_ASSERT(x.len * 4 <= x.cap * 3);
	}
	for (uint32_t i = 0; i < m.n; i++) {
		uint32_t k = m.key[i];

		T_EQ_INT(ixmap_get(&x, k * 2654435761u & 0x8000003fu, ix_key_is, &k), i + 1);
	}
	ixmap_done(&x);
}

static void *stop_later(void *arg)
{
	nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
	stopper_stop(arg);
	return NULL;
}

/* A nap lasts its time unless stopped; a stop from another thread ends a nap with no timeout at
 * once; a stopped stopper naps not at all; rearmed, it naps again. */
static void stopper_naps_until_stopped(void)
{
	struct stopper st;
	pthread_t th;
	uint64_t t0;

	T_EQ_INT(stopper_init(&st), 0);
	t0 = clock_mono_ms();
	T_ASSERT(!stopper_nap(&st, 50));
	T_ASSERT(clock_mono_ms() - t0 >= 50);
	T_EQ_INT(pthread_create(&th, NULL, stop_later, &st), 0);
	t0 = clock_mono_ms();
	T_ASSERT(stopper_nap(&st, -1));
	T_ASSERT(clock_mono_ms() - t0 < 1000);
	pthread_join(th, NULL);
	T_ASSERT(stopper_stopped(&st));
	t0 = clock_mono_ms();
	T_ASSERT(stopper_nap(&st, 5000));
	T_ASSERT(clock_mono_ms() - t0 < 100);
	stopper_rearm(&st);
	T_ASSERT(!stopper_stopped(&st));
	T_ASSERT(!stopper_nap(&st, 10)); /* the earlier wake-up is not left in the fd */
	stopper_done(&st);
	T_EQ_INT(st.fd, -1);
	stopper_done(&st); /* twice is harmless */
}

/* The loader's three outcomes against libc itself: found and filled; a function it lacks; no
 * such library, each soname tried named. (The features' own "not installed" errors are in
 * test_http_client.c and test_log_journal.c.) */
static void dl_lib_fills_or_names_what_is_missing(void)
{
	static const char *const libc[] = {"libiw-none.so.9", "libc.so.6", NULL};
	static const char *const none[] = {"libiw-none.so.9", "libiw-none.so.8", NULL};
	size_t (*len)(const char *) = NULL;
	void *nothing = NULL;
	const struct dl_sym good[] = {{"strlen", (void **)&len}};
	const struct dl_sym bad[] = {{"strlen", (void **)&len}, {"iw_no_such_fn", &nothing}};
	char err[128] = "";

	T_EQ_INT(dl_lib_load(libc, good, 1, err, sizeof(err)), 0);
	T_ASSERT(len != NULL);
	T_EQ_INT((int)len("four"), 4);
	T_EQ_INT(dl_lib_load(libc, bad, 2, err, sizeof(err)), -ENOENT);
	T_EQ_STR(err, "libc.so.6 lacks iw_no_such_fn");
	T_EQ_INT(dl_lib_load(none, good, 1, err, sizeof(err)), -ENOENT);
	T_EQ_STR(err, "not found (libiw-none.so.9, libiw-none.so.8)");
	/* a message cut by a small buffer stays terminated */
	T_EQ_INT(dl_lib_load(none, good, 1, err, 12), -ENOENT);
	T_EQ_STR(err, "not found (");
}

/* The directory part, as dirname(3) names it, compared with dirname() itself. */
static void path_dir_len_is_dirnames(void)
{
	static const char *const paths[] = {"a", "/a", "a/b", "/a/b", "a/b/c.conf", "./x", "/"};
	static const size_t want[] = {0, 1, 1, 2, 3, 1, 1};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char copy[32], part[32];
		size_t n = path_dir_len(paths[i]);

		snprintf(copy, sizeof(copy), "%s", paths[i]);
		snprintf(part, sizeof(part), "%.*s", (int)n, paths[i]);
		T_EQ_INT(n, want[i]);
		T_EQ_STR(n ? part : ".", dirname(copy));
	}
}

TEST_MAIN("common", TEST(rd_reads_big_endian_and_stops_short), TEST(rd_short_read_leaves_cursor),
          TEST(buf_caps_and_sticks), TEST(buf_sink_streams), TEST(buf_sink_holds_and_fails),
          TEST(buf_sink_takes_held), TEST(buf_integers), TEST(num_parse_rejects_junk),
          TEST(num_parse_durations), TEST(arena_packs_strings_and_aligns_blocks),
          TEST(xxh64_matches_reference), TEST(arena_release_remembers_size),
          TEST(ixmap_against_a_plain_search), TEST(stopper_naps_until_stopped),
          TEST(dl_lib_fills_or_names_what_is_missing), TEST(path_dir_len_is_dirnames))
