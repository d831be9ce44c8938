// SPDX-License-Identifier: Apache-2.0
/*
 * The diag bundle in memory (see diag_bundle.h). Room for the manifest is held back from the
 * start, so that a bundle filled by a huge item still says what is in it and what is not.
 */
#include "diag/diag_bundle.h"

#include "common/limits.h"
#include "diag/diag_redact.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

void diag_bundle_init(struct diag_bundle *b, int64_t now)
{
	memset(b, 0, sizeof(*b));
	diag_tar_init(&b->tar, DIAG_BUNDLE_MAX, now);
	buf_init(&b->manifest, DIAG_MANIFEST_MAX - 4096);
}

void diag_bundle_done(struct diag_bundle *b)
{
	diag_tar_done(&b->tar);
	buf_done(&b->manifest);
}

const char *diag_status_name(enum diag_status st)
{
	switch (st) {
	case DIAG_OK:
		return "ok";
	case DIAG_PARTIAL:
		return "partial";
	case DIAG_FAILED:
		return "failed";
	case DIAG_SKIPPED:
		return "skipped";
	}
	return "?";
}

static void manifest_line(struct diag_bundle *b, const char *path, enum diag_status st,
                          size_t bytes, const char *what, const char *note)
{
	b->n_items[st]++;
	buf_printf(&b->manifest, "%-28s %-8s %9zu  %s%s%s\n", path, diag_status_name(st), bytes,
	           what, note ? ": " : "", note ? note : "");
}

/* Does a member of @len bytes still fit, leaving the manifest its room? */
static bool fits(const struct diag_bundle *b, size_t len)
{
	size_t need = DIAG_TAR_BLOCK + len + DIAG_TAR_BLOCK + DIAG_MANIFEST_MAX;

	return len < DIAG_BUNDLE_MAX && need <= b->tar.out.max - b->tar.out.len;
}

static int add_member(struct diag_bundle *b, const char *path, const char *what, const void *data,
                      size_t len, const char *note)
{
	int err;

	if (!fits(b, len)) {
		manifest_line(b, path, DIAG_FAILED, 0, what, "bundle full (DIAG_BUNDLE_MAX)");
		return -E2BIG;
	}
	if ((err = diag_tar_add(&b->tar, path, data, len)) < 0) {
		manifest_line(b, path, DIAG_FAILED, 0, what, strerror(-err));
		return err;
	}
	manifest_line(b, path, note ? DIAG_PARTIAL : DIAG_OK, len, what, note);
	return 0;
}

int diag_bundle_add_text(struct diag_bundle *b, const char *path, const char *what,
                         const char *text, size_t len, const char *note)
{
	struct buf red;
	unsigned n = 0;
	int err;

	/* redaction only shrinks a line or adds at most "[redacted]" to it: cap generously */
	buf_init(&red, 2 * (size_t)DIAG_ITEM_MAX + 1024);
	if ((err = diag_redact(text, len, &red, &n)) < 0) {
		manifest_line(b, path, DIAG_FAILED, 0, what, "redaction failed");
		buf_done(&red);
		return err;
	}
	b->redactions += n;
	err = add_member(b, path, what, red.data ? red.data : "", red.len, note);
	buf_done(&red);
	return err;
}

int diag_bundle_add_binary(struct diag_bundle *b, const char *path, const char *what,
                           const void *data, size_t len, const char *note)
{
	return add_member(b, path, what, data, len, note);
}

void diag_bundle_missing(struct diag_bundle *b, const char *path, const char *what,
                         enum diag_status st, const char *why)
{
	manifest_line(b, path, st, 0, what, why);
}

int diag_bundle_finish(struct diag_bundle *b, const char *header, struct buf *ret_gz)
{
	struct buf m;
	int err;

	buf_init(&m, DIAG_MANIFEST_MAX);
	buf_puts(&m, header);
	buf_printf(&m, "\n%-28s %-8s %9s  %s\n", "FILE", "STATUS", "BYTES", "WHAT");
	if (b->manifest.len)
		buf_append(&m, b->manifest.data, b->manifest.len);
	if (b->manifest.err)
		buf_puts(&m, "(manifest cut: too many items)\n");
	buf_printf(&m,
	           "\n%u gathered, %u partial, %u failed, %u skipped. %u secret%s replaced by "
	           "\"%s\" in the text files; capture/*.pcap files are not redacted (IKE after "
	           "IKE_SA_INIT and ESP are encrypted).\n",
	           b->n_items[DIAG_OK], b->n_items[DIAG_PARTIAL], b->n_items[DIAG_FAILED],
	           b->n_items[DIAG_SKIPPED], b->redactions, b->redactions == 1 ? "" : "s",
	           DIAG_REDACTED);
	if ((err = m.err) < 0)
		goto out;
	if ((err = diag_tar_add(&b->tar, "MANIFEST.txt", m.data, m.len)) < 0 ||
	    (err = diag_tar_finish(&b->tar)) < 0)
		goto out;
	err = diag_gzip(b->tar.out.data, b->tar.out.len, ret_gz);
out:
	buf_done(&m);
	return err;
}
