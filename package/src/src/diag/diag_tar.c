// SPDX-License-Identifier: Apache-2.0
/*
 * ustar members and gzip for the diag bundle (see diag_tar.h). The header layout is the one of
 * POSIX.1-2001 (XCU pax, "ustar Interchange Format"): numeric fields are octal text with a
 * terminating NUL, the checksum is the byte sum of the header with its own field read as spaces.
 */
#include "diag/diag_tar.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

struct ustar_hdr {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};

_Static_assert(sizeof(struct ustar_hdr) == DIAG_TAR_BLOCK, "ustar header is one block");

void diag_tar_init(struct diag_tar *t, size_t max, int64_t mtime)
{
	buf_init(&t->out, max);
	t->mtime = mtime < 0 ? 0 : mtime;
}

void diag_tar_done(struct diag_tar *t)
{
	buf_done(&t->out);
}

/* An octal field of @width bytes: width-1 digits and a NUL. */
static int put_octal(char *field, size_t width, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);

	if (n < 0 || (size_t)n != width - 1)
		return -ERANGE;
	memcpy(field, tmp, width); /* includes the NUL */
	return 0;
}

static bool name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || name[0] == '/')
		return false;
	for (const char *p = name; (p = strstr(p, "..")); p += 2)
		if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return false;
	return true;
}

static void pad_block(struct buf *b, size_t len)
{
	static const char zeros[DIAG_TAR_BLOCK];
	size_t rem = len % DIAG_TAR_BLOCK;

	if (rem)
		buf_append(b, zeros, DIAG_TAR_BLOCK - rem);
}

int diag_tar_add(struct diag_tar *t, const char *name, const void *data, size_t len)
{
	struct ustar_hdr h;
	unsigned sum = 0;

	if (!name_ok(name))
		return -EINVAL;
	if (strlen(name) > DIAG_TAR_NAME_MAX)
		return -ENAMETOOLONG;
	memset(&h, 0, sizeof(h));
	memcpy(h.name, name, strlen(name));
	if (put_octal(h.mode, sizeof(h.mode), 0600) < 0 || put_octal(h.uid, sizeof(h.uid), 0) < 0 ||
	    put_octal(h.gid, sizeof(h.gid), 0) < 0 || put_octal(h.size, sizeof(h.size), len) < 0 ||
	    put_octal(h.mtime, sizeof(h.mtime), (uint64_t)t->mtime) < 0)
		return -ERANGE;
	h.typeflag = '0';
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	memcpy(h.uname, "root", 4);
	memcpy(h.gname, "root", 4);
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (size_t i = 0; i < sizeof(h); i++)
		sum += ((const unsigned char *)&h)[i];
	/* six digits, NUL, space: what GNU tar and POSIX readers accept */
	snprintf(h.chksum, sizeof(h.chksum), "%06o", sum & 0777777u);
	h.chksum[7] = ' ';
	buf_append(&t->out, &h, sizeof(h));
	if (len)
		buf_append(&t->out, data, len);
	pad_block(&t->out, len);
	return t->out.err;
}

int diag_tar_finish(struct diag_tar *t)
{
	static const char zeros[2 * DIAG_TAR_BLOCK];

	buf_append(&t->out, zeros, sizeof(zeros));
	return t->out.err;
}

int diag_gzip(const void *in, size_t len, struct buf *out)
{
	z_stream z;
	int zr, err = 0;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)0;
	do {
		char chunk[64 * 1024];
		size_t feed = len > UINT32_MAX / 2 ? UINT32_MAX / 2 : len;

		if (z.avail_in == 0 && len > 0) {
			z.avail_in = (uInt)feed;
			len -= feed;
		}
		z.next_out = (Bytef *)chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, len == 0 ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_ERROR) {
			err = -EIO;
			break;
		}
		if (buf_append(out, chunk, sizeof(chunk) - z.avail_out) < 0) {
			err = out->err;
			break;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	return err;
}
