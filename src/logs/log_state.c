// SPDX-License-Identifier: Apache-2.0
/*
 * The log position file (see log_state.h). The file may have been edited or damaged by hand,
 * so parsing treats it as untrusted: bounded length, every number through num.h, a cursor only
 * of printable ASCII and bounded by LOG_CURSOR_MAX.
 */
#include "logs/log_state.h"

#include "common/atomic_file.h"
#include "common/file_read.h"
#include "common/num.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool key_is(const char *k, size_t klen, const char *want)
{
	return klen == strlen(want) && memcmp(k, want, klen) == 0;
}

static int parse_kv(const char *k, size_t klen, const char *v, size_t vlen, struct log_state *st)
{
	uint64_t n;

	if (key_is(k, klen, "version"))
		return num_parse_u64(v, vlen, UINT64_MAX, &n) == 0 && n == 1 ? 0 : -EBADMSG;
	if (key_is(k, klen, "dev") || key_is(k, klen, "ino") || key_is(k, klen, "offset")) {
		if (num_parse_u64(v, vlen, UINT64_MAX, &n) < 0)
			return -EBADMSG;
		if (k[0] == 'd')
			st->dev = n;
		else if (k[0] == 'i')
			st->ino = n;
		else
			st->offset = n;
		st->has_file = true;
		return 0;
	}
	if (key_is(k, klen, "cursor")) {
		if (vlen == 0 || vlen > LOG_CURSOR_MAX)
			return -EBADMSG;
		for (size_t i = 0; i < vlen; i++)
			if (v[i] < 0x21 || v[i] > 0x7e)
				return -EBADMSG;
		memcpy(st->cursor, v, vlen);
		st->cursor[vlen] = '\0';
		st->has_cursor = true;
		return 0;
	}
	return 0; /* unknown keys: written by a newer ikewatch */
}

int log_state_parse(const char *text, size_t len, struct log_state *ret)
{
	struct log_state st = {0};
	const char *p = text, *end = text + len;

	if (!ret || (!text && len))
		return -EINVAL;
	if (len > LOG_STATE_MAX)
		return -E2BIG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *eq;
		int r;

		if (eol > p && eol[-1] == '\r')
			eol--;
		if (eol == p || p[0] == '#')
			goto next;
		eq = memchr(p, '=', (size_t)(eol - p));
		if (!eq || eq == p)
			return -EBADMSG;
		r = parse_kv(p, (size_t)(eq - p), eq + 1, (size_t)(eol - eq - 1), &st);
		if (r < 0)
			return r;
	next:
		p = nl ? nl + 1 : end;
	}
	*ret = st;
	return 0;
}

int log_state_format(const struct log_state *st, struct buf *out)
{
	buf_puts(out, "# ikewatch log position\nversion=1\n");
	if (st->has_file) {
		buf_puts(out, "dev=");
		buf_put_u64(out, st->dev);
		buf_puts(out, "\nino=");
		buf_put_u64(out, st->ino);
		buf_puts(out, "\noffset=");
		buf_put_u64(out, st->offset);
		buf_putc(out, '\n');
	}
	if (st->has_cursor) {
		buf_puts(out, "cursor=");
		buf_puts(out, st->cursor);
		buf_putc(out, '\n');
	}
	return out->err;
}

int log_state_load(const char *path, struct log_state *ret)
{
	char text[LOG_STATE_MAX];
	size_t got;
	int r;

	r = file_read_into(path, text, sizeof(text), &got);
	if (r < 0)
		return r == -EFBIG ? -E2BIG
		                   : r; /* what log_state_parse() says of too long a text */
	return log_state_parse(text, got, ret);
}

int log_state_save(const char *path, const struct log_state *st)
{
	struct buf b;
	int r;

	buf_init(&b, LOG_STATE_MAX);
	r = log_state_format(st, &b);
	if (r == 0)
		r = atomic_file_write(path, b.data ? b.data : "", b.len, 0600);
	buf_done(&b);
	return r;
}
