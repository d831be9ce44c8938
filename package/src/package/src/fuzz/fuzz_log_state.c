// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the log position file parser (src/logs/log_state.c): whatever the bytes,
 * parsing must not crash, and a parsed state must format and parse back to the same values.
 */
#include "common/buf.h"
#include "logs/log_state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_state st, back;
	struct buf b;

	if (log_state_parse((const char *)data, size, &st) < 0)
		return 0;
	buf_init(&b, LOG_STATE_MAX);
	if (log_state_format(&st, &b) == 0) {
		if (log_state_parse(b.data, b.len, &back) < 0)
			abort();
		if (back.has_file != st.has_file || back.offset != st.offset ||
		    back.dev != st.dev || back.ino != st.ino || back.has_cursor != st.has_cursor ||
		    strcmp(back.cursor, st.cursor) != 0)
			abort();
	}
	buf_done(&b);
	return 0;
}
