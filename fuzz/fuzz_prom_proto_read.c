// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the protobuf exposition reader (src/prom/prom_proto_read.c): any bytes
 * give 0 or an error, never a crash, a leak or a read past the input; what it accepts, the text
 * writer can write (nothing it passes on is dropped as invalid, except what the writer itself
 * refuses: names and label sets are checked there, not here).
 */
#include "prom/prom_proto_read.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_writer w;
	struct buf b;
	size_t fams = 0;
	int r;

	buf_init(&b, 1 << 22);
	prom_writer_init(&w, &b);
	r = prom_proto_read(data, size, &w, &fams);
	if (r < 0 && r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
		abort();
	if (r == 0 && b.err)
		abort();
	buf_done(&b);
	return 0;
}
