// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for list-conns answers decoded only where they changed (snap_conns.c). The
 * input is a stream of framed VICI packets (4-byte length, then the packet, as recorded in
 * tests/fixtures/vici/); they are read as four answers through one reader: all of them, the
 * same rotated with one left out, all again, and the first half. Each answer must give exactly
 * what decoding its events from scratch gives (sa_snapshot_add_conn(), connection by
 * connection, dropped ones counted alike), or fail where that fails.
 * Seeds: recorded list-conns answers (fuzz/corpus/snap_conns/).
 */
#include "exporter/snap_conns.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PKTS_MAX 64

struct span {
	const uint8_t *p;
	size_t len;
};

/* One answer of @n events through @r, checked against a decode from scratch. */
static void one_read(struct snap_conns_reader *r, const struct span *ev, size_t n)
{
	static struct vici_msg m;
	struct sa_snapshot got, want;
	int err = 0, want_err = 0;

	sa_snapshot_init(&got);
	sa_snapshot_init(&want);
	snap_conns_begin(r);
	for (size_t i = 0; i < n && !err; i++)
		err = snap_conns_event(r, ev[i].p, ev[i].len);
	if (!err)
		err = snap_conns_end(r, &got);
	for (size_t i = 0; i < n && !want_err; i++) {
		want_err = vici_msg_decode(&m, ev[i].p, ev[i].len);
		if (!want_err)
			want_err = sa_snapshot_add_conn(&want, &m);
	}
	if ((err < 0) != (want_err < 0))
		abort();
	if (!err) {
		if (got.n_conns != want.n_conns || got.dropped != want.dropped)
			abort();
		for (uint32_t i = 0; i < got.n_conns; i++)
			if (!sa_snapshot_conn_equal(&got.conns[i], &want.conns[i]))
				abort();
	}
	sa_snapshot_done(&got);
	sa_snapshot_done(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span ev[PKTS_MAX], other[PKTS_MAX];
	struct snap_conns_reader r;
	size_t n = 0, k = 0, skip, rot;

	for (size_t off = 0; n < PKTS_MAX && size - off >= 4;) {
		size_t len = (size_t)data[off] << 24 | (size_t)data[off + 1] << 16 |
		             (size_t)data[off + 2] << 8 | data[off + 3];

		off += 4;
		if (len > size - off)
			break;
		ev[n++] = (struct span){data + off, len};
		off += len;
	}
	if (n == 0)
		return 0;
	skip = size % n;
	rot = (size / 7) % n;
	for (size_t i = 0; i < n; i++)
		if ((i + rot) % n != skip)
			other[k++] = ev[(i + rot) % n];
	snap_conns_reader_init(&r);
	one_read(&r, ev, n);
	one_read(&r, other, k);
	one_read(&r, ev, n);
	one_read(&r, ev, n / 2);
	snap_conns_reader_done(&r);
	return 0;
}
