/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The directory part of a path, as dirname(3) has it but without copying or changing the path:
 * the bytes before the last slash, "/" for a path in the root, and "." (length 0 here) for a
 * name without a slash. Trailing slashes are not special: "a/b/" is in "a/b".
 */
#ifndef IKEWATCH_PATH_H
#define IKEWATCH_PATH_H

#include <stddef.h>
#include <string.h>

/* How many bytes of @path name its directory; 0 when it has no slash (the directory is "."). */
static inline size_t path_dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return 0;
	return slash == path ? 1 : (size_t)(slash - path);
}

#endif
