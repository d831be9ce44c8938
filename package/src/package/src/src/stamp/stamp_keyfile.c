// SPDX-License-Identifier: Apache-2.0
/*
 * Loading the shared HMAC key of authenticated STAMP (RFC 8762 section 4.4 leaves key
 * distribution to the operator). The file is small and bounded; the key is wiped from the
 * read buffer afterwards.
 */
#include "stamp/stamp_keyfile.h"

#include "common/file_read.h"
#include "stamp/stamp_pkt.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int stamp_key_parse(const char *text, size_t len, uint8_t *key, size_t *ret_len)
{
	bool hex = true;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (hexval(text[i]) < 0)
			hex = false;
	if (hex && len % 2 == 0) {
		if (len / 2 > STAMP_KEY_MAX)
			return -EINVAL;
		for (size_t i = 0; i < len / 2; i++)
			key[i] = (uint8_t)(hexval(text[2 * i]) << 4 | hexval(text[2 * i + 1]));
		*ret_len = len / 2;
		return 0;
	}
	if (len > STAMP_KEY_MAX)
		return -EINVAL;
	memcpy(key, text, len);
	*ret_len = len;
	return 0;
}

int stamp_key_load(const char *path, uint8_t *key, size_t *ret_len)
{
	/* hex text of the longest key, a CR LF */
	char buf[2 * STAMP_KEY_MAX + 2];
	size_t got;
	int e;

	e = file_read_into(path, buf, sizeof(buf), &got);
	if (e == -EFBIG)
		e = -EINVAL; /* longer than any key, as stamp_key_parse() says of long text */
	if (e == 0)
		e = stamp_key_parse(buf, got, key, ret_len);
	explicit_bzero(buf, sizeof(buf));
	return e;
}
