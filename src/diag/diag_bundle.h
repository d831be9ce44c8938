/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Assembling the diag bundle in memory: each gathered item becomes a member of a ustar archive
 * (text members always pass through diag_redact() first, whoever produced them) and a line of
 * MANIFEST.txt that says what the file is, or why it is missing. finish() adds the manifest and
 * gzips the archive. Pure: no I/O, no logging; the gatherer (diag_gather.c) does the I/O.
 */
#ifndef IKEWATCH_DIAG_BUNDLE_H
#define IKEWATCH_DIAG_BUNDLE_H

#include "common/buf.h"
#include "diag/diag_tar.h"

#include <stddef.h>
#include <stdint.h>

/* Kept free in the archive for MANIFEST.txt, whatever the items took. */
#define DIAG_MANIFEST_MAX (256u * 1024u)

enum diag_status {
	DIAG_OK = 0,  /* gathered */
	DIAG_PARTIAL, /* a file with something wrong noted (exit status, cut, timeout) */
	DIAG_FAILED,  /* no file: the source failed */
	DIAG_SKIPPED, /* no file: not asked for, or the tool is not installed */
};

struct diag_bundle {
	struct diag_tar tar;
	struct buf manifest; /* the item table */
	unsigned redactions;
	unsigned n_items[4]; /* by enum diag_status */
};

void diag_bundle_init(struct diag_bundle *b, int64_t now);
void diag_bundle_done(struct diag_bundle *b);

/* Add @text as member @path (redacted). @note (NULL: none) makes it DIAG_PARTIAL and is shown
 * in the manifest. 0, or -E2BIG when the bundle is full (then listed as failed), or -ENOMEM. */
int diag_bundle_add_text(struct diag_bundle *b, const char *path, const char *what,
                         const char *text, size_t len, const char *note);
/* Add bytes as they are (a pcap): they are not text and are not redacted. */
int diag_bundle_add_binary(struct diag_bundle *b, const char *path, const char *what,
                           const void *data, size_t len, const char *note);
/* An item without a file: @st is DIAG_FAILED or DIAG_SKIPPED, @why says why. */
void diag_bundle_missing(struct diag_bundle *b, const char *path, const char *what,
                         enum diag_status st, const char *why);

/* Append MANIFEST.txt (@header, then the item table and a summary) and the end of the
 * archive, and gzip the whole into @ret_gz. 0 or -errno. */
int diag_bundle_finish(struct diag_bundle *b, const char *header, struct buf *ret_gz);

const char *diag_status_name(enum diag_status st);

#endif
