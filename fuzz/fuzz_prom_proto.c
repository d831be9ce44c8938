// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer round trip of the exposition formats (src/prom/prom_proto.c, prom_openmetrics.c,
 * prom_proto_read.c): the input is a little program of writer calls (families of every type
 * with valid and invalid names, samples with labels from a table and values from the input,
 * pre-rendered label sets, histograms whose observations also fill native buckets). The same
 * program is written as text 0.0.4, OpenMetrics and protobuf; then
 *  - the protobuf body, read back into text, must be the text body (families left without a
 *    sample have no protobuf form, so their HELP/TYPE lines are set aside on both sides),
 *  - the OpenMetrics body must have the text body's samples and end in "# EOF",
 *  - every writer must drop the same number of calls.
 */
#include "prom/prom_native.h"
#include "prom/prom_proto_read.h"
#include "prom/prom_writer.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t left;
};

static uint8_t u8(struct in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint64_t u64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | u8(in);
	return v;
}

/* a span of the input, as a label value or help text */
static const char *bytes(struct in *in, size_t *ret_len)
{
	size_t n = u8(in) % 24;
	const char *p = (const char *)in->p;

	if (n > in->left)
		n = in->left;
	in->p += n;
	in->left -= n;
	*ret_len = n;
	return p;
}

static const char *const names[] = {"a_total",  "b", "c_seconds", "d_info",
                                    "bad-name", "",  "e_total",   "f"};
static const char *const label_names[] = {"conn", "child", "le", "__x", "dir", "9x", "conn"};

#define MAX_LABELS 3
#define MAX_BOUNDS 6
#define MAX_OBS 12

/* Run the program on @w. The help strings must be NUL-terminated: copied into @help. */
static void run(struct in in, struct prom_writer *w)
{
	char help[32];

	while (in.left) {
		uint8_t op = u8(&in);
		struct prom_label l[MAX_LABELS];
		size_t nl = u8(&in) % (MAX_LABELS + 1);

		for (size_t i = 0; i < nl; i++) {
			const char *name = label_names[u8(&in) % 7];
			size_t len;
			const char *v = bytes(&in, &len);

			l[i] = PROM_LABEL_SPAN(name, v, len);
		}
		switch (op % 7) {
		case 0: {
			size_t len;
			const char *h = bytes(&in, &len);

			memcpy(help, h, len);
			help[len] = '\0';
			prom_family(w, names[u8(&in) % 8], (enum prom_type)(u8(&in) % 4),
			            len ? help : NULL);
			break;
		}
		case 1: {
			double v;
			uint64_t bits = u64(&in);

			memcpy(&v, &bits, sizeof(v));
			prom_sample(w, l, nl, v);
			break;
		}
		case 2:
			/* beyond 2^53 a double (the protobuf value) is not the integer text writes
			 */
			prom_sample_u64(w, l, nl, u64(&in) & ((1ull << 53) - 1));
			break;
		case 3:
			prom_sample_i64(w, l, nl,
			                (int64_t)(u64(&in) & ((1ull << 53) - 1)) - (1ll << 52));
			break;
		case 4: {
			struct buf at;

			buf_init(&at, 4096);
			if (prom_labels_render(&at, l, nl) == 0)
				prom_sample_at(w, at.len ? at.data : "", at.len, (double)u8(&in));
			buf_done(&at);
			break;
		}
		default: {
			double bounds[MAX_BOUNDS], sum = 0;
			uint64_t cum[MAX_BOUNDS] = {0};
			size_t nb = u8(&in) % (MAX_BOUNDS + 1), nobs = u8(&in) % (MAX_OBS + 1);
			struct prom_native nh = {0};

			/* increasing bounds mostly; a repeated one now and then (dropped) */
			for (size_t i = 0; i < nb; i++)
				bounds[i] = (i ? bounds[i - 1] : 0) + (double)(u8(&in) % 8) / 4.0;
			for (size_t o = 0; o < nobs; o++) {
				double v = (double)u8(&in) / 16.0;

				sum += v;
				prom_native_observe(&nh, v);
				for (size_t i = 0; i < nb; i++)
					if (v <= bounds[i])
						cum[i]++;
			}
			prom_histogram_native(w, l, nl, bounds, cum, nb, sum, nobs,
			                      op % 2 ? &nh : NULL);
			break;
		}
		}
	}
}

/* Remove HELP/TYPE blocks not followed by a sample; with @all, every '#' line. In place. */
static void strip_headers(struct buf *b, bool all)
{
	char *out = b->data, *p = b->data, *block = NULL;
	bool prev_help = false;

	if (!b->len)
		return;
	while (*p) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		bool hdr = p[0] == '#';

		if (hdr && !prev_help) {
			/* a new family's header: the pending one had no sample */
			if (block)
				out = block;
			block = all ? NULL : out;
		}
		if (hdr && all) {
			p += n;
			prev_help = false;
			continue;
		}
		/* before the move: it may overwrite the line where it was */
		prev_help = hdr && strncmp(p, "# HELP ", 7) == 0;
		memmove(out, p, n);
		out += n;
		if (!hdr)
			block = NULL;
		p += n;
	}
	if (block)
		out = block;
	*out = '\0';
	b->len = (size_t)(out - b->data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct prom_writer wt, wo, wp, wb;
	struct buf text, om, pb, back;
	size_t fams;

	buf_init(&text, 1 << 22);
	buf_init(&om, 1 << 22);
	buf_init(&pb, 1 << 22);
	buf_init(&back, 1 << 22);
	prom_writer_init(&wt, &text);
	if (prom_writer_init_format(&wo, &om, PROM_FORMAT_OPENMETRICS) < 0 ||
	    prom_writer_init_format(&wp, &pb, PROM_FORMAT_PROTOBUF) < 0)
		abort();
	run(in, &wt);
	run(in, &wo);
	run(in, &wp);
	if (prom_writer_finish(&wo) < 0 || prom_writer_finish(&wp) < 0 || text.err)
		abort();
	if (wt.dropped != wo.dropped || wt.dropped != wp.dropped)
		abort();

	prom_writer_init(&wb, &back);
	if (prom_proto_read((const uint8_t *)pb.data, pb.len, &wb, &fams) < 0 || wb.dropped)
		abort();
	strip_headers(&text, false);
	strip_headers(&back, false);
	if (text.len != back.len || (text.len && memcmp(text.data, back.data, text.len)))
		abort();

	if (om.len < 6 || memcmp(om.data + om.len - 6, "# EOF\n", 6))
		abort();
	strip_headers(&text, true);
	strip_headers(&om, true);
	if (text.len != om.len || (text.len && memcmp(text.data, om.data, text.len)))
		abort();

	buf_done(&text);
	buf_done(&om);
	buf_done(&pb);
	buf_done(&back);
	return 0;
}
