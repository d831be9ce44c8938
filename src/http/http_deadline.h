/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A deadline for each HTTP request. libmicrohttpd's connection timeout is an idle timeout: it
 * restarts with every byte, so a client that sends its request one byte every few seconds
 * holds a connection slot for hours, and 64 such clients lock out Prometheus. Here each
 * connection gets a deadline when it is accepted (and again after each response): a request
 * not complete by then has its socket shut down by a watcher thread, which libmicrohttpd then
 * sees as a closed connection. The deadline is disarmed while a complete request is answered,
 * so a slow handler (a scrape waiting for charon) is never cut.
 */
#ifndef IKEWATCH_HTTP_DEADLINE_H
#define IKEWATCH_HTTP_DEADLINE_H

struct http_deadlines;
struct http_deadline;

/* Start the watcher thread. NULL on failure. */
struct http_deadlines *http_deadlines_new(unsigned timeout_ms);
/* Stop the watcher; every connection must have been removed (stop the server first). */
void http_deadlines_free(struct http_deadlines *ds);

/* A new connection on @fd, armed. NULL on allocation failure (the connection then has only the
 * idle timeout). Called from any server thread. */
struct http_deadline *http_deadline_add(struct http_deadlines *ds, int fd);
/* Before libmicrohttpd closes @fd: after this the watcher never touches it. NULL is a no-op. */
void http_deadline_remove(struct http_deadlines *ds, struct http_deadline *d);
/* A complete request is being answered: no deadline until http_deadline_arm(). */
void http_deadline_disarm(struct http_deadlines *ds, struct http_deadline *d);
/* The next request must be complete within the timeout from now. */
void http_deadline_arm(struct http_deadlines *ds, struct http_deadline *d);

/* Connections shut down so far. */
unsigned long http_deadlines_closed(struct http_deadlines *ds);

#endif
