/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a machine without an optional library's package sees, for the tests of the libraries
 * loaded on first use (common/dl_lib.h): in a private mount namespace, each of the sonames in
 * the libraries' directory becomes /dev/null. Call it in a child made for the purpose, before
 * the library was loaded. Needs root, as the unit tests run in CI.
 */
#ifndef IKEWATCH_TEST_HIDE_LIB_H
#define IKEWATCH_TEST_HIDE_LIB_H

/* Hides each of @sonames (NULL-terminated). 0, or a positive number naming the step that
 * failed: 1 the directory, 2 the namespace, 3 a bind mount. */
int hide_libs(const char *const *sonames);

#endif
