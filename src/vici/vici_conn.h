/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VICI client connection over charon's unix socket: commands, streamed commands (list-sas,
 * list-conns, list-certs) whose EVENT packets are handed to a callback as they arrive, event
 * registration, a deadline per command, and reconnecting on the next call after any failure.
 *
 * Pipelining: VICI has no sequence numbers, but charon answers one connection's packets
 * strictly in the order they arrived (vici_socket.c queues them, one job per connection works
 * through the queue, and each command's streamed events and response are sent before the next
 * command is looked at). So several requests may be sent (vici_conn_send()) before their
 * answers are read (vici_conn_recv(), oldest first): one wait for all of them instead of one
 * each. The client keeps the list of what it is owed, so each answer, and each streamed event,
 * is matched to its request in one place.
 *
 * Any protocol violation, oversized packet, or deadline overrun closes the socket: after a
 * partial read the stream position is unknown, so the only safe state is a fresh connection.
 * Errors: -ENOTCONN/-ECONNREFUSED/-ENOENT (charon not there), -ETIMEDOUT, -EBADMSG (malformed,
 * or an unexpected packet type), -E2BIG (packet over VICI_MSG_MAX), -ENOSYS (charon answered
 * CMD_UNKNOWN / EVENT_UNKNOWN), -ENOMEM. The last error is also kept as text for logs.
 * Not thread-safe: one thread per connection.
 */
#ifndef IKEWATCH_VICI_CONN_H
#define IKEWATCH_VICI_CONN_H

#include "vici/vici_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vici_conn;

/* Create an unconnected client for the socket at @path ("unix://" prefix allowed). */
struct vici_conn *vici_conn_new(const char *path, unsigned timeout_ms);
void vici_conn_free(struct vici_conn *c);

/* Connect if not connected. 0 or -errno. */
int vici_conn_connect(struct vici_conn *c);
bool vici_conn_connected(const struct vici_conn *c);
void vici_conn_close(struct vici_conn *c);
int vici_conn_fd(const struct vici_conn *c);
const char *vici_conn_last_error(const struct vici_conn *c);
const char *vici_conn_path(const struct vici_conn *c);

/* Called for each streamed EVENT packet; @msg is valid only during the call. A negative
 * return aborts the command (the connection is reset) and is returned by the caller. */
typedef int (*vici_event_cb)(void *ctx, const struct vici_msg *msg);

/*
 * Pipelined commands. vici_conn_send() queues a framed CMD_REQUEST (connecting, and registering
 * @stream_event once per connection, as vici_conn_command() does); at most VICI_PIPELINE_MAX
 * packets may be unanswered (else -EBUSY). vici_conn_recv() sends everything queued in one
 * write, then reads the answer to the oldest request not yet read, with the same results as
 * vici_conn_command() (its streamed events to @cb; -ENOSYS for CMD_UNKNOWN, or for a stream
 * event charon does not know, the connection staying up; a failed send shows here). Any other
 * error closes the connection and forgets every unanswered request: then vici_conn_recv()
 * returns -ENOTCONN until the next vici_conn_send() connects afresh. -EINVAL when nothing is
 * owed.
 */
int vici_conn_send(struct vici_conn *c, const uint8_t *req, size_t req_len,
                   const char *stream_event);
int vici_conn_send_simple(struct vici_conn *c, const char *cmd, const char *stream_event);
int vici_conn_recv(struct vici_conn *c, vici_event_cb cb, void *ctx, struct vici_msg *resp);
/* Send what is queued now rather than at the next vici_conn_recv(), for a caller with other work
 * to do while charon answers. 0, or the send's error (the connection then closed, as above). */
int vici_conn_flush(struct vici_conn *c);
/* The same, but each streamed event goes to @cb undecoded: the packet (type byte, name and
 * body, without the length prefix), valid only during the call; a negative return aborts as
 * above. For a caller that recognises packets it has seen before by their bytes and decodes only
 * the others (exporter/snap_conns.h). */
typedef int (*vici_raw_cb)(void *ctx, const uint8_t *pkt, size_t len);
int vici_conn_recv_raw(struct vici_conn *c, vici_raw_cb cb, void *ctx, struct vici_msg *resp);
/* Requests sent whose answers are not read yet. */
unsigned vici_conn_pending(const struct vici_conn *c);

/*
 * Send a command and wait for its CMD_RESPONSE, decoded into *resp (valid until the next call
 * on this connection; the caller owns *resp's element array and calls vici_msg_done() at the
 * end). @req is a framed CMD_REQUEST from vici_build_finish(). If @stream_event is set, the
 * connection is registered for that event once (registration is kept across commands, as only
 * this connection's own commands raise it) and each such EVENT is passed to @cb first.
 * -EBUSY while pipelined answers are unread (here and in the two calls below).
 */
int vici_conn_command(struct vici_conn *c, const uint8_t *req, size_t req_len,
                      const char *stream_event, vici_event_cb cb, void *ctx, struct vici_msg *resp);

/* Convenience: a command with no arguments ("version", "stats", "list-sas"…). */
int vici_conn_simple(struct vici_conn *c, const char *cmd, const char *stream_event,
                     vici_event_cb cb, void *ctx, struct vici_msg *resp);

/* Register for an event (ike-updown, log, …): EVENT_REGISTER, wait for EVENT_CONFIRM. Events
 * that arrive meanwhile are queued and returned by vici_conn_next_event(). */
int vici_conn_register(struct vici_conn *c, const char *event);

/* Wait up to @timeout_ms (-1: forever) for the next EVENT packet and decode it into *ret.
 * Returns 0, -EAGAIN on timeout (the connection stays up), -EINTR when the wake fd became
 * readable first, or an error (connection reset). */
int vici_conn_next_event(struct vici_conn *c, int timeout_ms, struct vici_msg *ret);
/* A file descriptor (an eventfd, a pipe's end) that ends vici_conn_next_event()'s wait when it
 * becomes readable, so that a thread waiting for events without a timeout can be told to stop
 * (a timeout would wake an idle daemon only to check a flag). -1: none. Not read from. */
void vici_conn_set_wake_fd(struct vici_conn *c, int fd);

/* True for the errors a kept connection gives when charon went away since its last use
 * (-EPIPE, -ECONNRESET, -ENOTCONN): worth one retry on a fresh connection. */
bool vici_conn_is_stale_error(int err);

/* Give the read buffer back when it holds nothing unread (the next read takes a new one): for
 * a caller that reads in bursts and does other work between them (serve's collector: its
 * render). Packets read before are gone. */
void vici_conn_trim(struct vici_conn *c);

/* Bytes and packets read since creation, for the bench and for debugging. */
uint64_t vici_conn_bytes_read(const struct vici_conn *c);

#endif
