/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsystemd's journal reader, loaded when a journal log source is first opened
 * (common/dl_lib.h) rather than linked. Linking libsystemd mapped it and what it links
 * (libgcrypt, libgpg-error, liblzma, libzstd, liblz4, libcap) into every command: 0.9 MiB of
 * serve's peak RSS, for a source that is not the default (docs/benchmarks.md, "Peak memory").
 * The readiness and socket-passing protocols, which every serve under systemd uses, are
 * written out in common/service_manager.h instead.
 */
#ifndef IKEWATCH_JOURNAL_LIB_H
#define IKEWATCH_JOURNAL_LIB_H

#include <stddef.h>
#include <systemd/sd-journal.h>

/* The sd_journal_* functions used, by the part of their name after "sd_journal_". */
#define JOURNAL_LIB_FUNCS(X)                                                                       \
	X(open)                                                                                    \
	X(open_directory)                                                                          \
	X(open_files)                                                                              \
	X(close)                                                                                   \
	X(set_data_threshold)                                                                      \
	X(add_match)                                                                               \
	X(add_disjunction)                                                                         \
	X(seek_head)                                                                               \
	X(seek_tail)                                                                               \
	X(seek_cursor)                                                                             \
	X(test_cursor)                                                                             \
	X(next)                                                                                    \
	X(previous)                                                                                \
	X(get_data)                                                                                \
	X(get_cursor)                                                                              \
	X(get_fd)                                                                                  \
	X(get_events)                                                                              \
	X(get_timeout)                                                                             \
	X(process)

struct journal_lib {
#define JOURNAL_LIB_SLOT(f) __typeof__(sd_journal_##f) *f;
	JOURNAL_LIB_FUNCS(JOURNAL_LIB_SLOT)
#undef JOURNAL_LIB_SLOT
};

/* The functions, loaded at the first call; NULL when libsystemd cannot be loaded, with the
 * reason for the user in @err (the same at every call). Thread-safe. */
const struct journal_lib *journal_lib(char *err, size_t err_size);

#endif
