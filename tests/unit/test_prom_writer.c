// SPDX-License-Identifier: Apache-2.0
/*
 * Vectors for the exposition writer (src/prom/prom_writer.c): escaping, UTF-8 cutting and
 * replacement, name validation, floats (special values, round-trip, locale independence),
 * histograms, dropped samples, and a realistic document checked by `promtool check metrics`
 * (promtool is required: without it this suite fails, it does not skip).
 */
#include "test.h"

#include "common/limits.h"
#include "prom/prom_proto_read.h"
#include "prom/prom_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void render_double(double v, char *out, size_t outlen)
{
	struct buf b;

	buf_init(&b, 1024);
	prom_write_double(&b, v);
	snprintf(out, outlen, "%s", b.len ? b.data : "");
	buf_done(&b);
}

static void names_are_validated(void)
{
	static const struct {
		const char *name;
		bool metric, label;
	} v[] = {
	    {"ikewatch_up", true, true}, {"_x", true, true},
	    {"a:b", true, false},        {":x", true, false},
	    {"__name__", true, false},   {"9lives", false, false},
	    {"", false, false},          {"a-b", false, false},
	    {"a b", false, false},       {"caf\xc3\xa9", false, false},
	    {"A1_z9", true, true},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (prom_metric_name_valid(v[i].name) != v[i].metric ||
		    prom_label_name_valid(v[i].name) != v[i].label) {
			test_fail(__FILE__, __LINE__, "name vector %zu (\"%s\")", i, v[i].name);
			return;
		}
	}
	T_ASSERT(!prom_metric_name_valid(NULL));
	T_ASSERT(!prom_label_name_valid(NULL));
}

static void doubles_render(void)
{
	static const struct {
		double v;
		const char *text;
	} v[] = {
	    {0, "0"},
	    {-0.0, "0"},
	    {1, "1"},
	    {-42, "-42"},
	    {1e15, "1000000000000000"},
	    {9007199254740993.0, "9007199254740992"},
	    {0.5, "0.5"},
	    {0.1, "0.1"},
	    {-2.25, "-2.25"},
	    {1.0 / 3.0, "0.3333333333333333"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {1e-7, "1e-07"},
	    {1e300, "1e+300"},
	    {123456.789, "123456.789"},
	    {5e-324, "4.94065645841247e-324"}, /* subnormal: 15 digits, not shortest */
	    {1.7976931348623157e308, "1.7976931348623157e+308"},
	    {-9223372036854775808.0, "-9223372036854775808"},
	    {9223372036854775808.0, "9.223372036854776e+18"},
	};
	char text[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		render_double(v[i].v, text, sizeof(text));
		if (strcmp(text, v[i].text) != 0) {
			test_fail(__FILE__, __LINE__, "double vector %zu: \"%s\" != \"%s\"", i,
			          text, v[i].text);
			return;
		}
	}
	render_double(NAN, text, sizeof(text));
	T_EQ_STR(text, "NaN");
	render_double(INFINITY, text, sizeof(text));
	T_EQ_STR(text, "+Inf");
	render_double(-INFINITY, text, sizeof(text));
	T_EQ_STR(text, "-Inf");
}

/* Every non-integral output must read back as the same double. */
static void doubles_round_trip(void)
{
	char text[64];
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (int i = 0; i < 20000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		render_double(v, text, sizeof(text));
		if (strtod(text, NULL) != v) {
			test_fail(__FILE__, __LINE__, "%a rendered as %s", v, text);
			return;
		}
	}
}

/*
 * Under a locale whose decimal point is a comma (built with localedef into a temporary
 * directory), printf writes "0,5" but the writer must still write "0.5". glibc leaks a little
 * when it loads a locale from LOCPATH, so the check runs in a child (LeakSanitizer stays quiet);
 * its exit status says: 0 pass, 2 locale not loadable, 3 locale not active, 4 writer wrong.
 */
static int locale_child(const char *dir)
{
	char text[64], probe[16];
	locale_t de;

	if (setenv("LOCPATH", dir, 1) != 0)
		return 2;
	de = newlocale(LC_NUMERIC_MASK, "de_DE.UTF-8", (locale_t)0);
	if (de == (locale_t)0)
		return 2; /* needs the Debian package "locales" for localedef's sources */
	uselocale(de);
	snprintf(probe, sizeof(probe), "%.1f", 0.5);
	if (strcmp(probe, "0,5") != 0)
		return 3;
	render_double(0.5, text, sizeof(text));
	return strcmp(text, "0.5") == 0 ? 0 : 4;
}

static void doubles_ignore_locale(void)
{
	char dir[] = "/tmp/ikewatch-locale-XXXXXX", cmd[512];
	int rc, status = 0;
	pid_t pid;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1",
	         dir);
	rc = system(cmd); /* exits 1 on mere warnings but still writes the locale */
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(locale_child(dir));
	if (pid > 0)
		waitpid(pid, &status, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	T_ASSERT(rc != -1 && pid > 0);
	T_ASSERT(WIFEXITED(status));
	T_EQ_INT(WEXITSTATUS(status), 0);
}

static void label_values_are_escaped(void)
{
	struct buf b;
	struct prom_writer w;
	struct prom_label l[] = {
	    PROM_LABEL("conn", "a\\b\"c\nd"),
	    PROM_LABEL_SPAN("id", "xyz-not-this", 3),
	    PROM_LABEL("ok", "plain text, tab\tand \xc3\xa9"),
	};

	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	prom_family(&w, "t_info", PROM_GAUGE, "Help with \\ and \"quotes\" and\nnewline.");
	prom_sample_u64(&w, l, 3, 1);
	T_EQ_INT(b.err, 0);
	T_EQ_INT(w.dropped, 0);
	T_EQ_STR(b.data, "# HELP t_info Help with \\\\ and \"quotes\" and\\nnewline.\n"
	                 "# TYPE t_info gauge\n"
	                 "t_info{conn=\"a\\\\b\\\"c\\nd\",id=\"xyz\",ok=\"plain text, tab\tand "
	                 "\xc3\xa9\"} 1\n");
	/* quotes alone are written as they are (the plain path); a backslash, newline or bad
	 * byte after them still gets its escape or repair */
	static const char *const helps[][2] = {
	    {"\"q\"", "\"q\""},
	    {"kind=\"other\" (each)", "kind=\"other\" (each)"},
	    {"a \"b\" c\\", "a \"b\" c\\\\"},
	    {"\"\"\"\n", "\"\"\"\\n"},
	    {"x=\"\xff\"", "x=\"\xef\xbf\xbd\""},
	};
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		char want[64];

		buf_reset(&b);
		prom_family(&w, "h", PROM_GAUGE, helps[i][0]);
		snprintf(want, sizeof(want), "# HELP h %s\n# TYPE h gauge\n", helps[i][1]);
		T_EQ_STR(b.data, want);
	}
	buf_done(&b);
}

/* Render one label value and return the text between the quotes. */
static void render_value(const char *v, size_t len, char *out, size_t outlen)
{
	struct buf b;
	struct prom_writer w;
	struct prom_label l = PROM_LABEL_SPAN("v", v, len);
	const char *start, *end;

	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	prom_family(&w, "m", PROM_GAUGE, NULL);
	prom_sample_i64(&w, &l, 1, -1);
	start = b.data ? strstr(b.data, "{v=\"") : NULL;
	end = b.data ? strstr(b.data, "\"} -1\n") : NULL;
	if (start && end && end >= start + 4)
		snprintf(out, outlen, "%.*s", (int)(end - start - 4), start + 4);
	else
		snprintf(out, outlen, "<bad: %s>", b.data ? b.data : "");
	buf_done(&b);
}

static void label_utf8_is_repaired(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} v[] = {
	    {"ok \xe2\x82\xac", 6, "ok \xe2\x82\xac"},                   /* euro sign kept */
	    {"\xff", 1, "\xef\xbf\xbd"},                                 /* invalid byte */
	    {"a\x80z", 3, "a\xef\xbf\xbdz"},                             /* stray continuation */
	    {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
	    {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
	    {"\xf4\x90\x80\x80", 4,
	     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
	    {"x\xe2\x82", 3, "x\xef\xbf\xbd\xef\xbf\xbd"},        /* truncated */
	    {"\xf0\x9f\x94\x92", 4, "\xf0\x9f\x94\x92"},          /* 4-byte kept */
	    {"nul\0in", 6, "nul\xef\xbf\xbdin"},                  /* NUL is never raw */
	};
	char out[LABEL_VALUE_MAX * 4];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		render_value(v[i].in, v[i].len, out, sizeof(out));
		if (strcmp(out, v[i].out) != 0) {
			test_fail(__FILE__, __LINE__, "utf8 vector %zu: got \"%s\"", i, out);
			return;
		}
	}
}

static void label_values_are_cut(void)
{
	char in[LABEL_VALUE_MAX + 8], out[LABEL_VALUE_MAX * 4], expect[LABEL_VALUE_MAX + 8];

	/* plain ASCII: cut at exactly LABEL_VALUE_MAX bytes */
	memset(in, 'a', sizeof(in));
	render_value(in, sizeof(in), out, sizeof(out));
	T_EQ_INT(strlen(out), LABEL_VALUE_MAX);

	/* a 2-byte character straddling the limit is dropped whole, never split */
	memset(in, 'b', LABEL_VALUE_MAX - 1);
	in[LABEL_VALUE_MAX - 1] = '\xc3';
	in[LABEL_VALUE_MAX] = '\xa9';
	render_value(in, LABEL_VALUE_MAX + 1, out, sizeof(out));
	memset(expect, 'b', LABEL_VALUE_MAX - 1);
	expect[LABEL_VALUE_MAX - 1] = '\0';
	T_EQ_STR(out, expect);

	/* the limit counts unescaped bytes: 256 backslashes are 512 bytes on the wire */
	memset(in, '\\', sizeof(in));
	render_value(in, sizeof(in), out, sizeof(out));
	T_EQ_INT(strlen(out), 2 * LABEL_VALUE_MAX);
}

/* The one-reservation path of plain values must write what the escaping path writes: every
 * byte that needs work, at every place of values around the 8-byte word size, rendered both by
 * prom_sample_u64() and by prom_labels_render() + prom_sample_at_u64() (always escaped). */
static void plain_path_matches_escaping(void)
{
	static const unsigned char odd[] = {0x00, 0x0a, 0x1f, 0x20, '"',  '\\',
	                                    0x7e, 0x7f, 0x80, 0xc3, 0xff, 'a'};
	char v[24];

	for (size_t len = 0; len <= sizeof(v); len++) {
		for (size_t at = 0; at < (len ? len : 1); at++) {
			for (size_t k = 0; k < sizeof(odd); k++) {
				struct buf a, b, l;
				struct prom_writer wa, wb;
				struct prom_label lab[2] = {PROM_LABEL("x", "y"),
				                            PROM_LABEL_SPAN("v", v, len)};

				memset(v, 'q', sizeof(v));
				if (len)
					v[at] = (char)odd[k];
				buf_init(&a, 1 << 16);
				buf_init(&b, 1 << 16);
				buf_init(&l, 1 << 16);
				prom_writer_init(&wa, &a);
				prom_writer_init(&wb, &b);
				prom_family(&wa, "m", PROM_GAUGE, NULL);
				prom_family(&wb, "m", PROM_GAUGE, NULL);
				prom_sample_u64(&wa, lab, 2, 18446744073709551615ull);
				T_EQ_INT(prom_labels_render(&l, lab, 2), 0);
				prom_sample_at_u64(&wb, l.data, l.len, 18446744073709551615ull);
				if (a.err || b.err || a.len != b.len ||
				    memcmp(a.data, b.data, a.len)) {
					test_fail(__FILE__, __LINE__,
					          "len %zu, byte 0x%02x at %zu: %s", len, odd[k],
					          at, a.data ? a.data : "");
					len = sizeof(v) + 1, at = len, k = sizeof(odd);
				}
				buf_done(&a);
				buf_done(&b);
				buf_done(&l);
			}
		}
	}
}

/* The fast path copies names and values of every length (1 to 16 bytes by overlapping word
 * moves, longer by memcpy) and takes the names' lengths from the list checked before: each
 * sample, the first and those after it, reads exactly as built by hand. A label name too long
 * to keep a length for (300 bytes) takes strlen() instead. */
static void every_length_copied(void)
{
	char fam[48], name[320], val[48], want[800];

	for (size_t n = 1; n <= 40; n += (n < 20 ? 1 : 7)) {
		for (size_t v = 0; v <= 40; v++) {
			struct buf b;
			struct prom_writer w;
			struct prom_label l[2];
			size_t flen = 1 + (n + v) % 33, wl;

			memset(fam, 'f', flen);
			fam[flen] = '\0';
			for (size_t i = 0; i < n; i++)
				name[i] = (char)('a' + i % 26);
			name[n] = '\0';
			for (size_t i = 0; i < v; i++)
				val[i] = (char)('A' + (i * 7) % 26);
			val[v] = '\0';
			l[0] = PROM_LABEL("k", "x");
			l[1] = PROM_LABEL(name, val);
			wl = (size_t)snprintf(want, sizeof(want), "%s{k=\"x\",%s=\"%s\"} 42\n", fam,
			                      name, val);
			buf_init(&b, 1 << 16);
			prom_writer_init(&w, &b);
			prom_family(&w, fam, PROM_GAUGE, NULL);
			for (int rep = 0; rep < 3; rep++)
				prom_sample_u64(&w, l, 2, 42);
			T_EQ_INT(b.err, 0);
			/* prom_labels_render() writes the same set as the block between the braces
			 */
			{
				struct buf blk;
				const char *open = strchr(want, '{'), *close = strrchr(want, '}');

				buf_init(&blk, 1 << 16);
				T_EQ_INT(prom_labels_render(&blk, l, 2), 0);
				T_EQ_INT(blk.len, (size_t)(close + 1 - open));
				T_ASSERT(memcmp(blk.data, open, blk.len) == 0);
				buf_done(&blk);
			}
			if (b.len < 3 * wl || memcmp(b.data + b.len - 3 * wl, want, wl) != 0 ||
			    memcmp(b.data + b.len - 2 * wl, want, wl) != 0 ||
			    memcmp(b.data + b.len - wl, want, wl) != 0) {
				test_fail(__FILE__, __LINE__, "name %zu, value %zu: %s", n, v,
				          b.data ? b.data : "");
				buf_done(&b);
				return;
			}
			buf_done(&b);
		}
	}
	{
		struct buf b;
		struct prom_writer w;
		struct prom_label l;
		size_t wl;

		memset(name, 'n', 300);
		name[300] = '\0';
		l = PROM_LABEL(name, "v");
		wl = (size_t)snprintf(want, sizeof(want), "m{%s=\"v\"} 1\n", name);
		buf_init(&b, 1 << 16);
		prom_writer_init(&w, &b);
		prom_family(&w, "m", PROM_GAUGE, NULL);
		prom_sample_u64(&w, &l, 1, 1);
		prom_sample_u64(&w, &l, 1, 1);
		T_EQ_INT(b.err, 0);
		T_ASSERT(b.len >= 2 * wl);
		T_ASSERT(memcmp(b.data + b.len - 2 * wl, want, wl) == 0);
		T_ASSERT(memcmp(b.data + b.len - wl, want, wl) == 0);
		buf_done(&b);
	}
}

/* A sample that fits the cap exactly is written, though the fast path's reservation (a bound
 * on the value's length) would not fit: the bound must not fail the buffer. */
static void cap_fits_exact_sample(void)
{
	static const char want[] = "m{conn=\"a\"} 7\n";
	const char *fam = "# TYPE m gauge\n";
	struct prom_label l = PROM_LABEL("conn", "a");
	struct buf b;
	struct prom_writer w;

	buf_init(&b, strlen(fam) + strlen(want) + strlen(want));
	prom_writer_init(&w, &b);
	prom_family(&w, "m", PROM_GAUGE, NULL);
	prom_sample_u64(&w, &l, 1, 7);
	prom_sample(&w, &l, 1, 7.0);
	T_EQ_INT(b.err, 0);
	T_EQ_INT(b.len, strlen(fam) + 2 * strlen(want));
	prom_sample_i64(&w, &l, 1, 7);
	T_EQ_INT(b.err, -E2BIG);
	buf_done(&b);
}

/* prom_sample_once(): a label set is written once per set, whichever path renders it (plain,
 * escaped, or protobuf, read back here as text); what tells series apart in the text formats
 * is the series as written, so two values that render alike (invalid UTF-8, each replaced
 * with U+FFFD) are one series there, not a repeated one. */
static void samples_once(void)
{
	static const char want[] = "# HELP t_info Info.\n"
	                           "# TYPE t_info gauge\n"
	                           "t_info{conn=\"a\",peer=\"p1\"} 1\n"
	                           "t_info{conn=\"a\",peer=\"p2\"} 1\n"
	                           "t_info{conn=\"q\\\"x\",peer=\"p1\"} 1\n"
	                           "t_info{conn=\"\xef\xbf\xbd\",peer=\"p1\"} 1\n"
	                           "# HELP t_cert_timestamp_seconds Cert.\n"
	                           "# TYPE t_cert_timestamp_seconds gauge\n"
	                           "t_cert_timestamp_seconds{subject=\"a\"} 1767225600\n";
	struct prom_label a1[] = {PROM_LABEL("conn", "a"), PROM_LABEL("peer", "p1")};
	struct prom_label a2[] = {PROM_LABEL("conn", "a"), PROM_LABEL("peer", "p2")};
	struct prom_label q[] = {PROM_LABEL("conn", "q\"x"), PROM_LABEL("peer", "p1")};
	struct prom_label bad1[] = {PROM_LABEL("conn", "\xff"), PROM_LABEL("peer", "p1")};
	struct prom_label bad2[] = {PROM_LABEL("conn", "\xfe"), PROM_LABEL("peer", "p1")};
	struct prom_label cert[] = {PROM_LABEL("subject", "a")};

	for (int f = 0; f < 2; f++) {
		struct prom_seen seen = {0}, seen2 = {0};
		struct prom_writer w;
		struct buf b, back;
		size_t fams;

		buf_init(&b, 1 << 20);
		T_EQ_INT(
		    prom_writer_init_format(&w, &b, f ? PROM_FORMAT_PROTOBUF : PROM_FORMAT_TEXT),
		    0);
		prom_family(&w, "t_info", PROM_GAUGE, "Info.");
		T_ASSERT(prom_sample_once(&w, &seen, a1, 2, 1));
		T_ASSERT(!prom_sample_once(&w, &seen, a1, 2, 1));
		T_ASSERT(prom_sample_once(&w, &seen, a2, 2, 1));
		T_ASSERT(prom_sample_once(&w, &seen, q, 2, 1));
		T_ASSERT(!prom_sample_once(&w, &seen, q, 2, 1));
		T_ASSERT(!prom_sample_once(&w, &seen, a2, 2, 1));
		T_ASSERT(prom_sample_once(&w, &seen, bad1, 2, 1));
		T_ASSERT(!prom_sample_once(&w, &seen, bad1, 2, 1));
		if (!f) /* protobuf tells them apart by value, as written: two series there */
			T_ASSERT(!prom_sample_once(&w, &seen, bad2, 2, 1));
		/* the value is no part of what identifies a series */
		prom_family(&w, "t_cert_timestamp_seconds", PROM_GAUGE, "Cert.");
		T_ASSERT(prom_sample_once(&w, &seen2, cert, 1, 1767225600));
		T_ASSERT(!prom_sample_once(&w, &seen2, cert, 1, 1767225601));
		T_EQ_INT(prom_writer_finish(&w), 0);
		T_EQ_INT(w.dropped, 0);
		if (f) {
			buf_init(&back, 1 << 20);
			prom_writer_init(&w, &back);
			T_EQ_INT(prom_proto_read((const uint8_t *)b.data, b.len, &w, &fams), 0);
			T_EQ_INT(fams, 2);
			T_EQ_STR(back.data, want);
			buf_done(&back);
		} else {
			T_EQ_STR(b.data, want);
		}
		prom_seen_done(&seen);
		prom_seen_done(&seen2);
		buf_done(&b);
	}
}

/* Label blocks rendered once, and a sample of a block plus one label: the same text as the
 * labels written whole, on the fast path and on the escaping one, in text and protobuf. */
static void blocks_plus_label(void)
{
	static const char want[] = "# HELP t_events_total Events.\n"
	                           "# TYPE t_events_total counter\n"
	                           "t_events_total{conn=\"a\",event=\"up\"} 3\n"
	                           "t_events_total{conn=\"q\\\"x\",event=\"a\\\\b\"} 4\n"
	                           "t_events_total{event=\"up\"} 5\n"
	                           "t_events_total{conn=\"a\"} 6\n";
	struct prom_blocks lb;
	size_t len;
	const char *l;

	T_EQ_INT(prom_blocks_init(&lb, 3), 0);
	prom_blocks_add(&lb, &PROM_LABEL("conn", "a"), 1);
	prom_blocks_add(&lb, &PROM_LABEL("conn", "q\"x"), 1);
	prom_blocks_add(&lb, NULL, 0);
	T_EQ_INT(lb.text.err, 0);
	l = prom_blocks_at(&lb, 1, &len);
	T_EQ_INT(len, strlen("{conn=\"q\\\"x\"}"));
	T_ASSERT(memcmp(l, "{conn=\"q\\\"x\"}", len) == 0);
	prom_blocks_add(&lb, &PROM_LABEL("conn", "more"), 1); /* past the room asked for */
	T_EQ_INT(lb.text.err, -E2BIG);
	lb.text.err = 0;
	for (int f = 0; f < 2; f++) {
		struct prom_writer w;
		struct buf b, back;
		size_t fams;

		buf_init(&b, 1 << 20);
		T_EQ_INT(
		    prom_writer_init_format(&w, &b, f ? PROM_FORMAT_PROTOBUF : PROM_FORMAT_TEXT),
		    0);
		prom_family(&w, "t_events_total", PROM_COUNTER, "Events.");
		l = prom_blocks_at(&lb, 0, &len);
		prom_sample_at_plus_u64(&w, l, len, "event", "up", 3);
		l = prom_blocks_at(&lb, 1, &len);
		prom_sample_at_plus_u64(&w, l, len, "event", "a\\b", 4);
		l = prom_blocks_at(&lb, 2, &len);
		T_EQ_INT(len, 0);
		prom_sample_at_plus_u64(&w, l, len, "event", "up", 5);
		l = prom_blocks_at(&lb, 0, &len);
		prom_sample_at_u64(&w, l, len, 6);
		T_EQ_INT(prom_writer_finish(&w), 0);
		T_EQ_INT(w.dropped, 0);
		if (f) {
			buf_init(&back, 1 << 20);
			prom_writer_init(&w, &back);
			T_EQ_INT(prom_proto_read((const uint8_t *)b.data, b.len, &w, &fams), 0);
			T_EQ_STR(back.data, want);
			buf_done(&back);
		} else {
			T_EQ_STR(b.data, want);
		}
		buf_done(&b);
	}
	prom_blocks_done(&lb);
}

static void bad_names_are_dropped(void)
{
	struct buf b;
	struct prom_writer w;
	struct prom_label bad[] = {PROM_LABEL("bad-name", "x")};
	struct prom_label dup[] = {PROM_LABEL("a", "1"), PROM_LABEL("a", "2")};
	struct prom_label good[] = {PROM_LABEL("a", "1")};

	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	prom_family(&w, "bad name", PROM_GAUGE, "x");
	prom_sample(&w, NULL, 0, 1); /* belongs to the dropped family */
	prom_family(&w, "no_suffix", PROM_COUNTER, "counters must end in _total");
	prom_family(&w, "g", PROM_GAUGE, "ok");
	prom_sample(&w, bad, 1, 1);
	prom_sample(&w, dup, 2, 1);
	prom_sample(&w, good, 1, 2);
	T_EQ_INT(w.dropped, 5);
	T_EQ_STR(b.data, "# HELP g ok\n# TYPE g gauge\ng{a=\"1\"} 2\n");
	buf_done(&b);
}

static void histogram_renders(void)
{
	static const double bounds[] = {0.001, 0.5, 1, 2.5};
	static const uint64_t counts[] = {0, 3, 7, 7};
	struct buf b;
	struct prom_writer w;
	struct prom_label l[] = {PROM_LABEL("target", "gw-b")};
	struct prom_label le[] = {PROM_LABEL("le", "1")};
	static const double bad_bounds[] = {1, 1};
	static const uint64_t bad_counts[] = {1, 0};

	buf_init(&b, 1 << 20);
	prom_writer_init(&w, &b);
	prom_family(&w, "rtt_seconds", PROM_HISTOGRAM, "Round-trip time.");
	prom_histogram(&w, l, 1, bounds, counts, 4, 6.25, 9);
	prom_histogram(&w, NULL, 0, bounds, counts, 2, 0.5, 3);
	prom_histogram(&w, le, 1, bounds, counts, 4, 6.25, 9); /* le is reserved */
	prom_histogram(&w, l, 1, bad_bounds, counts, 2, 1, 9); /* bounds not increasing */
	prom_histogram(&w, l, 1, bounds, bad_counts, 2, 1, 9); /* counts decreasing */
	prom_histogram(&w, l, 1, bounds, counts, 4, 6.25, 5);  /* bucket above count */
	prom_sample(&w, NULL, 0, 1);                           /* not in a histogram */
	T_EQ_INT(w.dropped, 5);
	T_EQ_INT(b.err, 0);
	T_EQ_STR(b.data, "# HELP rtt_seconds Round-trip time.\n"
	                 "# TYPE rtt_seconds histogram\n"
	                 "rtt_seconds_bucket{target=\"gw-b\",le=\"0.001\"} 0\n"
	                 "rtt_seconds_bucket{target=\"gw-b\",le=\"0.5\"} 3\n"
	                 "rtt_seconds_bucket{target=\"gw-b\",le=\"1\"} 7\n"
	                 "rtt_seconds_bucket{target=\"gw-b\",le=\"2.5\"} 7\n"
	                 "rtt_seconds_bucket{target=\"gw-b\",le=\"+Inf\"} 9\n"
	                 "rtt_seconds_sum{target=\"gw-b\"} 6.25\n"
	                 "rtt_seconds_count{target=\"gw-b\"} 9\n"
	                 "rtt_seconds_bucket{le=\"0.001\"} 0\n"
	                 "rtt_seconds_bucket{le=\"0.5\"} 3\n"
	                 "rtt_seconds_bucket{le=\"+Inf\"} 3\n"
	                 "rtt_seconds_sum 0.5\n"
	                 "rtt_seconds_count 3\n");
	buf_done(&b);
}

static void buffer_cap_is_sticky(void)
{
	struct buf b;
	struct prom_writer w;

	buf_init(&b, 64);
	prom_writer_init(&w, &b);
	prom_family(&w, "a_long_metric_name_for_the_cap", PROM_GAUGE, "Some help text here.");
	prom_sample(&w, NULL, 0, 1);
	T_EQ_INT(b.err, -E2BIG);
	T_ASSERT(b.len <= 64);
	buf_done(&b);
}

/* A document shaped like ikewatch's own output, with every kind of family. */
static void render_realistic(struct buf *b, size_t nchildren)
{
	static const double bounds[] = {0.00005, 0.0001, 0.0002, 0.0004, 0.0008, 0.0016};
	static const uint64_t counts[] = {0, 1, 10, 40, 41, 41};
	struct prom_writer w;
	char name[32], idx[16];

	prom_writer_init(&w, b);
	prom_family(&w, "ikewatch_build_info", PROM_GAUGE, "Build information.");
	prom_sample(&w,
	            (struct prom_label[]){PROM_LABEL("version", "0.1.0"),
	                                  PROM_LABEL("revision", "abc\"def\\")},
	            2, 1);
	prom_family(&w, "ikewatch_ike_sa_up", PROM_GAUGE, "1 if the IKE SA is ESTABLISHED.");
	prom_sample(&w, (struct prom_label[]){PROM_LABEL("conn", "gw-b\nweird\xff")}, 1, 1);
	prom_family(&w, "ikewatch_child_sa_bytes_total", PROM_COUNTER, "Bytes through the SA.");
	for (size_t i = 0; i < nchildren; i++) {
		snprintf(name, sizeof(name), "net-%zu", i);
		snprintf(idx, sizeof(idx), "%zu", i % 7);
		prom_sample_u64(
		    &w,
		    (struct prom_label[]){PROM_LABEL("conn", "gw-b"), PROM_LABEL("child", name),
		                          PROM_LABEL("direction", "in"), PROM_LABEL("shard", idx)},
		    4, (uint64_t)i * 1500u + 18446744073709000000u);
	}
	prom_family(&w, "ikewatch_probe_loss_ratio", PROM_GAUGE, "Loss.");
	prom_sample(&w, NULL, 0, 1.0 / 3.0);
	prom_family(&w, "ikewatch_probe_jitter_seconds", PROM_GAUGE, "Jitter.");
	prom_sample(&w, NULL, 0, NAN);
	prom_family(&w, "ikewatch_child_sa_rekey_time_seconds", PROM_GAUGE, "Next rekey.");
	prom_sample_i64(&w, NULL, 0, -12);
	prom_family(&w, "ikewatch_probe_rtt_seconds", PROM_HISTOGRAM, "RTT.");
	prom_histogram(&w, (struct prom_label[]){PROM_LABEL("target", "10.0.0.1")}, 1, bounds,
	               counts, 6, 0.0123, 42);
	prom_family(&w, "ikewatch_scrape_last_error", PROM_UNTYPED, "Untyped for the test.");
	prom_sample(&w, NULL, 0, -INFINITY);
}

static int run_promtool(const char *path, bool quiet)
{
	char cmd[512];
	int rc;

	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s%s", path,
	         quiet ? " 2>/dev/null" : "");
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

static void promtool_accepts_output(void)
{
	char path[] = "/tmp/ikewatch-prom-XXXXXX";
	struct buf b;
	int fd, rc;

	T_EQ_INT(system("command -v promtool >/dev/null"), 0); /* package "prometheus" */
	buf_init(&b, 1 << 24);
	render_realistic(&b, 200);
	T_EQ_INT(b.err, 0);
	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, b.data, b.len), b.len);
	close(fd);
	rc = run_promtool(path, false);
	/* and promtool must be able to say no: a broken document fails */
	fd = open(path, O_WRONLY | O_TRUNC);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, "x{a=\"1} 1\n", 10), 10);
	close(fd);
	T_ASSERT(run_promtool(path, true) != 0);
	unlink(path);
	buf_done(&b);
	T_EQ_INT(rc, 0);
}

/* Not a benchmark gate, just a figure in the log: 50k series must render well below 1 s. */
static void renders_fast(void)
{
	struct timespec t0, t1;
	struct buf b;
	double ms;

	buf_init(&b, 1 << 26);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	render_realistic(&b, 50000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("# 50000 series, %zu bytes in %.1f ms\n", b.len, ms);
	T_EQ_INT(b.err, 0);
	T_ASSERT(ms < 1000);
	buf_done(&b);
}

TEST_MAIN("prom_writer", TEST(names_are_validated), TEST(doubles_render), TEST(doubles_round_trip),
          TEST(doubles_ignore_locale), TEST(label_values_are_escaped), TEST(label_utf8_is_repaired),
          TEST(label_values_are_cut), TEST(plain_path_matches_escaping), TEST(every_length_copied),
          TEST(cap_fits_exact_sample), TEST(bad_names_are_dropped), TEST(histogram_renders),
          TEST(buffer_cap_is_sticky), TEST(promtool_accepts_output), TEST(renders_fast),
          TEST(samples_once), TEST(blocks_plus_label))
