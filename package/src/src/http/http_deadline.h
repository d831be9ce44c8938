/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What keeps slow clients from taking every connection slot. libmicrohttpd's connection timeout
 * is an idle timeout: it restarts with every byte, so a client that sends its request one byte
 * every few seconds holds a slot for hours, and HTTP_MAX_CLIENTS such clients lock out
 * Prometheus. Two rules, over every connection of a server:
 *  - a deadline: a request must be complete within the timeout from accept (or from the
 *    previous response), and a response must be sent within the timeout once the handler
 *    returned; the handler's own time is never counted (a scrape waiting for charon). A
 *    connection past its deadline has its socket shut down by a watcher thread, which
 *    libmicrohttpd then sees as closed.
 *  - room for newcomers: when a new connection would exceed the limit, the connection that has
 *    waited longest for a complete request is shut down instead (a client that has sent its
 *    request is never evicted); only when every connection is busy is the newcomer refused.
 *    Prometheus sends its request right after connecting, so slow clients cannot keep it out,
 *    whatever addresses they come from. (A request still unread behind a server thread busy
 *    with a slow handler counts as waiting.)
 * No limit per address: it would refuse Prometheus itself whenever it shares an address with
 * the slow clients (same host, NAT, a proxy), and one IPv6 client has 2^64 addresses anyway.
 */
#ifndef IKEWATCH_HTTP_DEADLINE_H
#define IKEWATCH_HTTP_DEADLINE_H

struct http_deadlines;
struct http_deadline;

/* Start the watcher thread for at most @max_conns connections. NULL on failure. */
struct http_deadlines *http_deadlines_new(unsigned timeout_ms, unsigned max_conns);
/* Stop the watcher; every connection must have been removed (stop the server first). */
void http_deadlines_free(struct http_deadlines *ds);

/* A new connection on @fd, waiting for its request; makes room or refuses (shuts @fd) when
 * full. NULL on allocation failure (the connection then has only the idle timeout). Called
 * from any server thread. */
struct http_deadline *http_deadline_add(struct http_deadlines *ds, int fd);
/* Before libmicrohttpd closes @fd: after this the watcher never touches it. NULL is a no-op. */
void http_deadline_remove(struct http_deadlines *ds, struct http_deadline *d);
/* A complete request is being handled: no deadline, not evictable. */
void http_deadline_handling(struct http_deadlines *ds, struct http_deadline *d);
/* The response is queued: it must be sent within the timeout. */
void http_deadline_sending(struct http_deadlines *ds, struct http_deadline *d);
/* The exchange is over: the next request must be complete within the timeout. */
void http_deadline_waiting(struct http_deadlines *ds, struct http_deadline *d);

/* Connections shut down so far: past their deadline, and to make room. */
void http_deadlines_counts(struct http_deadlines *ds, unsigned long *ret_expired,
                           unsigned long *ret_evicted);

#endif
