/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A reflector on N threads: N sockets sharing one address (SO_REUSEPORT when N > 1, so the
 * kernel spreads the senders over them by address and port pair), a stamp_reflector and a
 * receive loop per socket, and the counters read back as one reflector's: summed per result,
 * and one row per sender address however many threads served it. Used by `ikewatch reflect
 * --threads` and by the `reflector:` section of `serve` (`threads:`).
 *
 * Each thread keeps its own rate limiter, so a sender whose source ports land on several
 * sockets gets up to N times the per-source rate: the limit is against floods from one flow,
 * and a flood from one address and port stays on one socket.
 */
#ifndef IKEWATCH_STAMP_REFLECT_POOL_H
#define IKEWATCH_STAMP_REFLECT_POOL_H

#include "stamp/stamp_reflector.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct stamp_reflect_pool;

/* Bind @n (1..REFLECT_THREADS_MAX) sockets to @addr and make their reflectors from @cfg; one
 * socket is a plain one, so that a second reflector on the same port fails instead of sharing
 * it. 0 or -errno (-EINVAL for @n, the bind's error, -ENOMEM). */
int stamp_reflect_pool_new(const struct stamp_reflector_config *cfg, const struct sockaddr *addr,
                           unsigned n, struct stamp_reflect_pool **ret);
/* Start a thread per socket (named stamp-reflect), each running until
 * stamp_reflect_pool_stop(). 0, or -errno when a thread could not start: then the threads
 * that had started are stopped and joined. */
int stamp_reflect_pool_start(struct stamp_reflect_pool *p);
/* Tell the threads to stop; they wake at once (an eventfd), since they wait with no timeout.
 * Async-signal-safe: a signal handler may call it. */
void stamp_reflect_pool_stop(struct stamp_reflect_pool *p);
/* Wait until every thread has stopped; the first loop's error, or 0. */
int stamp_reflect_pool_join(struct stamp_reflect_pool *p);
/* Stops and joins the threads if they run, closes the sockets, frees. NULL is a no-op. */
void stamp_reflect_pool_free(struct stamp_reflect_pool *p);

unsigned stamp_reflect_pool_size(const struct stamp_reflect_pool *p);
/* The port the sockets share (with port 0 in @addr, the one the kernel chose for the first). */
uint16_t stamp_reflect_pool_port(const struct stamp_reflect_pool *p);
/* The sums over the threads, indexed by enum stamp_refl_result. Thread-safe. */
void stamp_reflect_pool_counters(const struct stamp_reflect_pool *p, uint64_t ret[STAMP_REFL_N]);
/* Packets thread @t reflected (how the kernel spread the senders). */
uint64_t stamp_reflect_pool_reflected_by(const struct stamp_reflect_pool *p, unsigned t);
/*
 * The per-sender rows of all threads merged by address, in the order first seen: at most
 * REFLECT_SENDERS_MAX listed senders (the same bound as one reflector, so the metric's
 * cardinality does not grow with the threads) and then the "other" row, which also takes the
 * senders beyond the bound. @cap at least REFLECT_SENDERS_MAX + 1. Returns the rows written.
 */
size_t stamp_reflect_pool_senders(const struct stamp_reflect_pool *p,
                                  struct stamp_sender_count *ret, size_t cap);

#endif
