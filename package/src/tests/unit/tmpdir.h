/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scratch directory for a test binary: made on first use, emptied and removed at exit (the
 * harness tears down, not a test case), so a failed assertion leaves nothing in /tmp.
 */
#ifndef IKEWATCH_TEST_TMPDIR_H
#define IKEWATCH_TEST_TMPDIR_H

#include <stdbool.h>
#include <stddef.h>

/* The directory's path, or NULL if it cannot be made. */
const char *tmpdir(void);
/* "DIR/NAME" into @out; false if it does not fit or there is no directory. */
bool tmpdir_path(const char *name, char *out, size_t len);

#endif
